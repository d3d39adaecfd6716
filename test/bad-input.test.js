'use strict'

// Bad input from the app (reliability): wrong option types, URLs with
// credentials or unicode host names, CR/LF/NUL in headers, huge headers,
// misuse of the stream and of the request's methods. Each gives a clear
// synchronous error or a documented no-op, and never crashes the process
// or lets an injected line reach the wire.

const test = require('node:test')
const assert = require('node:assert/strict')

const net = require('..')
const { startHttpServer, startRawServer, startAuthServer, answerEachHead } = require('./helpers/servers')
const { collectBody, once } = require('./helpers/events')
const { recordLifecycle, quiet, deferred } = require('./helpers/lifecycle')
const { outcome, assertHealthy, waitForNoLiveRequests } = require('./helpers/hostile')

const OPTIONS = { timeout: 20000 }

/** Starts a normal server answering 'ok' to everything; closed by t.after. */
async function startOkServer (t, options) {
  const srv = await startHttpServer((req, res) => res.end('ok'), options)
  t.after(() => srv.close())
  return srv
}

/** Starts a raw server answering every request head with 200 'raw'; closed by t.after. */
async function startRawOkServer (t) {
  const srv = await startRawServer((socket) => {
    let pending = ''
    socket.on('data', (chunk) => {
      pending += chunk.toString('latin1')
      let end
      while ((end = pending.indexOf('\r\n\r\n')) >= 0) {
        pending = pending.slice(end + 4)
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nraw')
      }
    })
  })
  t.after(() => srv.close())
  return srv
}

/** Everything the raw server received, as text. */
function wire (srv) {
  return srv.connections.map((c) => c.data.toString('latin1')).join('')
}

/** Asserts no line of `text` is the header `name` (an injected line). */
function assertNoInjectedLine (text, name) {
  const injected = text.split(/\r\n|\r|\n/).filter((line) => line.toLowerCase().startsWith(name.toLowerCase() + ':'))
  assert.deepEqual(injected, [], `an injected ${name} line reached the wire: ${JSON.stringify(text)}`)
}

// Options of the wrong type: each throws synchronously from net.request.
const WRONG_OPTIONS = [
  ['method as a number', (url) => ({ url, method: 42 }), TypeError],
  ['method as an object', (url) => ({ url, method: {} }), TypeError],
  ['url as a number', () => ({ url: 42 }), { name: 'TypeError', code: 'ERR_INVALID_URL' }],
  ['the options as a number', () => 42, TypeError],
  ['the options as null', () => null, TypeError],
  ['headers as a string', (url) => ({ url, headers: 'X-A: 1' }), { name: 'TypeError', message: 'headers must be an object' }],
  ['redirect as an object', (url) => ({ url, redirect: { mode: 'follow' } }), { name: 'Error', message: 'redirect mode should be one of follow, error or manual' }],
  ['port 70000', (url, port) => ({ protocol: 'http:', hostname: '127.0.0.1', port: 70000 }), { name: 'TypeError', code: 'ERR_INVALID_URL' }],
  ['port -1', () => ({ protocol: 'http:', hostname: '127.0.0.1', port: -1 }), { name: 'TypeError', code: 'ERR_INVALID_URL' }],
  ['port as a word', () => ({ protocol: 'http:', hostname: '127.0.0.1', port: 'eighty' }), { name: 'TypeError', code: 'ERR_INVALID_URL' }],
  ['partition as a number', (url) => ({ url, partition: 5 }), { name: 'TypeError', message: '`partition` should be a string' }],
  ['session as a plain object', (url) => ({ url, session: {} }), { name: 'TypeError', message: '`session` should be an instance of the Session class' }],
  ['a header value of undefined', (url) => ({ url, headers: { 'X-A': undefined } }), { name: 'Error', message: '`value` required in setHeader("X-A", value)' }],
  ['a protocol other than http(s)', () => ({ url: 'ftp://127.0.0.1/' }), { name: 'Error', message: 'ClientRequest only supports http: and https: protocols' }],
  ['a path with a space', () => ({ hostname: '127.0.0.1', path: '/a b' }), { name: 'TypeError', message: 'Request path contains unescaped characters' }]
]

for (const [why, makeOptions, expected] of WRONG_OPTIONS) {
  test(`wrong option type, ${why}: a synchronous error, nothing sent`, OPTIONS, async (t) => {
    const srv = await startOkServer(t)
    assert.throws(() => net.request(makeOptions(srv.url, srv.port)), expected)
    await quiet(20)
    assert.equal(srv.requests.length, 0)
    await assertHealthy()
  })
}

test('port NaN: ignored, as url.format ignores it (the default port is used); no throw, no crash', OPTIONS, async (t) => {
  const srv = await startOkServer(t)
  const req = net.request({ protocol: 'http:', hostname: '127.0.0.1', port: NaN, path: '/' })
  const rec = await outcome(req)
  // Port 80: whatever answers there (usually nothing), the request ends cleanly.
  assert.equal(rec.log.at(-1), 'req:close')
  assert.equal(rec.log.filter((e) => e === 'req:close').length, 1)
  const err = rec.errors['req:error']
  if (err) assert.match(err.message, /^net::ERR_[A-Z_]+$/)
  assert.equal(srv.requests.length, 0, 'the NaN port did not become some other port')
  await assertHealthy()
})

test('URL credentials are used for Basic on a 401 (no login event), and are not sent before it', OPTIONS, async (t) => {
  const srv = await startAuthServer({ username: 'us@er', password: 'p:ss w' })
  t.after(() => srv.close())
  const url = new URL(srv.url)
  url.username = 'us@er'
  url.password = 'p:ss w'
  const req = net.request({ url: url.href, partition: 'bad-input-url-credentials' })
  let logins = 0
  req.on('login', () => logins++)
  req.end()
  const [res] = await once(req, 'response')
  assert.equal(res.statusCode, 200)
  assert.equal((await collectBody(res)).toString(), 'ok us@er')
  assert.equal(logins, 0)
  assert.equal(srv.requests.length, 2)
  assert.equal(srv.requests[0].headers.authorization, undefined)
  assert.equal(srv.requests[1].headers.authorization, 'Basic ' + Buffer.from('us@er:p:ss w').toString('base64'))
  assert.equal(res.url, `${srv.origin}/`, 'the reported URL carries no credentials')
  await assertHealthy()
})

test('wrong URL credentials: the 401 then asks the app through login', OPTIONS, async (t) => {
  const srv = await startAuthServer({ username: 'user', password: 'pass' })
  t.after(() => srv.close())
  const url = new URL(srv.url)
  url.username = 'user'
  url.password = 'wrong'
  const req = net.request({ url: url.href, partition: 'bad-input-wrong-credentials' })
  const infos = []
  req.on('login', (authInfo, callback) => {
    infos.push(authInfo)
    callback('user', 'pass')
  })
  req.end()
  const [res] = await once(req, 'response')
  assert.equal(res.statusCode, 200)
  assert.equal((await collectBody(res)).toString(), 'ok user')
  assert.equal(infos.length, 1)
  assert.equal(infos[0].scheme, 'basic')
  assert.equal(srv.requests.length, 3)
  await assertHealthy()
})

/** A raw server that challenges with Digest until a request carries Authorization. */
async function startDigestRawServer (t) {
  const srv = await startRawServer(answerEachHead((head) => /\r\nAuthorization:/i.test(head)
    ? 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'
    : 'HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Digest realm="r", nonce="n", qop="auth"\r\nContent-Length: 0\r\n\r\n'))
  t.after(() => srv.close())
  return srv
}

test('URL credentials holding an encoded CRLF, answering Digest: no injected header line reaches the wire', OPTIONS, async (t) => {
  const srv = await startDigestRawServer(t)
  const url = `http://us%0D%0AX-Injected%3A%201:pass@127.0.0.1:${srv.port}/`
  const rec = await outcome(net.request({ url, partition: 'bad-input-digest-url-crlf' }))
  assert.equal(rec.log.at(-1), 'req:close')
  assertNoInjectedLine(wire(srv), 'X-Injected')
  await assertHealthy()
})

test('a login callback given a username holding CRLF, answering Digest: no injected header line reaches the wire', OPTIONS, async (t) => {
  const srv = await startDigestRawServer(t)
  const req = net.request({ url: srv.url, partition: 'bad-input-digest-login-crlf' })
  req.on('login', (authInfo, callback) => callback('user\r\nX-Injected: 2', 'pass'))
  const rec = await outcome(req)
  assert.equal(rec.log.at(-1), 'req:close')
  assertNoInjectedLine(wire(srv), 'X-Injected')
  await assertHealthy()
})

test('a unicode host name is punycoded by new URL; the request reaches the loopback server or fails with net::ERR_NAME_NOT_RESOLVED', OPTIONS, async (t) => {
  const srv = await startHttpServer((req, res) => res.end('idn'))
  t.after(() => srv.close())
  const url = `http://bücher.localhost:${srv.port}/`
  assert.equal(new URL(url).hostname, 'xn--bcher-kva.localhost')
  const rec = await outcome(net.request(url))
  const err = rec.errors['req:error']
  if (err) {
    assert.equal(err.message, 'net::ERR_NAME_NOT_RESOLVED')
    assert.equal(srv.requests.length, 0)
  } else {
    // *.localhost is loopback (as in Chromium): the punycoded name is sent.
    assert.deepEqual(rec.log, ['req:finish', 'req:response', 'res:data', 'res:end', 'res:close', 'req:close'])
    assert.equal(srv.requests.length, 1)
    assert.equal(srv.requests[0].headers.host, `xn--bcher-kva.localhost:${srv.port}`)
  }
  await assertHealthy()
})

// CR, LF and NUL in header names and values: setHeader (and the headers
// option) throw Electron's messages.
const BAD_HEADERS = [
  ['X-A\r', 'v', "Invalid header name: 'X-A\r'"],
  ['X-A\nX-B', 'v', "Invalid header name: 'X-A\nX-B'"],
  ['X-A\0', 'v', "Invalid header name: 'X-A\0'"],
  ['X-A', 'v\r\nX-Injected: 1', "Invalid value for header 'X-A': 'v\r\nX-Injected: 1'"],
  ['X-A', 'v\nX-Injected: 1', "Invalid value for header 'X-A': 'v\nX-Injected: 1'"],
  ['X-A', 'v\rX', "Invalid value for header 'X-A': 'v\rX'"],
  ['X-A', 'v\0w', "Invalid value for header 'X-A': 'v\0w'"],
  ['X-A', ['ok', 'bad\r\nX-Injected: 1'], "Invalid value for header 'X-A': 'ok,bad\r\nX-Injected: 1'"]
]

for (const [name, value, message] of BAD_HEADERS) {
  test(`header ${JSON.stringify(name)}: ${JSON.stringify(value)}: setHeader and the headers option throw "${JSON.stringify(message)}"`, OPTIONS, async (t) => {
    const srv = await startRawOkServer(t)
    const req = net.request(srv.url)
    assert.throws(() => req.setHeader(name, value), { name: 'Error', message })
    assert.throws(() => net.request({ url: srv.url, headers: { [name]: value } }), { name: 'Error', message })
    // The request is still usable and sends no trace of the refused header.
    const rec = await outcome(req)
    assert.ok(rec.log.includes('req:response'), `events: ${rec.log.join(', ')}`)
    assertNoInjectedLine(wire(srv), 'X-Injected')
    assert.doesNotMatch(wire(srv), /X-A/)
    await assertHealthy()
  })
}

test('a header value whose toString() turns to CRLF after setHeader: net::ERR_INVALID_ARGUMENT, nothing injected on the wire', OPTIONS, async (t) => {
  const srv = await startRawOkServer(t)
  let calls = 0
  const value = { toString: () => (calls++ === 0 ? 'harmless' : 'evil\r\nX-Injected: 1') }
  const req = net.request(srv.url)
  req.setHeader('X-Shifty', value)
  assert.equal(req.getHeader('X-Shifty'), value)
  const rec = await outcome(req)
  const err = rec.errors['req:error']
  assert.ok(err, `the request failed; events: ${rec.log.join(', ')}`)
  assert.equal(err.message, 'net::ERR_INVALID_ARGUMENT')
  assert.equal(err.code, 'ERR_INVALID_ARGUMENT')
  assert.equal(err.header, 'X-Shifty')
  assert.deepEqual(rec.log, ['req:finish', 'req:error', 'req:close'])
  assertNoInjectedLine(wire(srv), 'X-Injected')
  await assertHealthy()
})

test('a 1 MiB header value: sent whole to a server that accepts it', OPTIONS, async (t) => {
  const srv = await startHttpServer((req, res) => res.end(String(req.headers['x-huge'].length)), { maxHeaderSize: 4 << 20 })
  t.after(() => srv.close())
  const req = net.request(srv.url)
  req.setHeader('X-Huge', 'h'.repeat(1 << 20))
  req.end()
  const [res] = await once(req, 'response')
  assert.equal(res.statusCode, 200)
  assert.equal((await collectBody(res)).toString(), String(1 << 20))
  await assertHealthy()
})

test('a 1 MiB header value to a server with the default 16 KiB limit: refused cleanly (431, or the reset that follows it), no crash', OPTIONS, async (t) => {
  const srv = await startOkServer(t)
  const req = net.request(srv.url)
  req.setHeader('X-Huge', 'h'.repeat(1 << 20))
  const rec = await outcome(req)
  // Node answers 431 and destroys the socket with the rest of the head
  // unread, which resets the connection: the 431 normally arrives first.
  if (rec.response) {
    assert.equal(rec.response.statusCode, 431)
  } else {
    assert.equal(rec.errors['req:error'].message, 'net::ERR_CONNECTION_RESET')
  }
  assert.equal(rec.log.at(-1), 'req:close')
  assert.equal(rec.log.filter((e) => e === 'req:close').length, 1)
  await assertHealthy()
})

test('write() after end(): an ERR_STREAM_WRITE_AFTER_END error event (and callback), the one request goes on', OPTIONS, async (t) => {
  const srv = await startOkServer(t)
  const req = net.request({ url: srv.url, method: 'POST' })
  const rec = recordLifecycle(req)
  req.end('body')
  const callbackError = deferred()
  assert.doesNotThrow(() => req.write('late', (err) => callbackError.resolve(err)))
  await rec.closed
  await quiet(20)
  const err = rec.errors['req:error']
  assert.ok(err instanceof Error, `events: ${rec.log.join(', ')}`)
  assert.equal(err.code, 'ERR_STREAM_WRITE_AFTER_END')
  assert.equal(err.message, 'write after end')
  assert.equal(await callbackError.promise, err)
  assert.equal(rec.log.filter((e) => e === 'req:error').length, 1)
  assert.equal(rec.log.filter((e) => e === 'req:close').length, 1)
  assert.equal(rec.log.at(-1), 'req:close')
  assert.equal(srv.requests.length, 1)
  assert.equal(srv.requests[0].body.toString(), 'body')
  await assertHealthy()
})

test('end() twice: no error, no crash, one request', OPTIONS, async (t) => {
  const srv = await startOkServer(t)
  const req = net.request(srv.url)
  const rec = recordLifecycle(req)
  req.end()
  assert.doesNotThrow(() => req.end())
  await rec.closed
  await quiet(20)
  assert.deepEqual(rec.log, ['req:finish', 'req:response', 'res:data', 'res:end', 'res:close', 'req:close'])
  assert.equal(srv.requests.length, 1)
  await assertHealthy()
})

test('abort() twice, and again after close: one abort, one close, nothing reaches the server', OPTIONS, async (t) => {
  const srv = await startOkServer(t)
  const req = net.request(srv.url)
  const rec = recordLifecycle(req)
  req.abort()
  req.abort()
  await rec.closed
  req.abort()
  await quiet(50)
  assert.deepEqual(rec.log, ['req:abort', 'req:close'])
  assert.equal(srv.requests.length, 0)
  await assertHealthy()
})

test('abort() twice while the request is in flight: one abort, one close, no error', OPTIONS, async (t) => {
  const arrived = deferred()
  const srv = await startHttpServer(() => arrived.resolve()) // never answers
  t.after(() => srv.close())
  const req = net.request(srv.url)
  const rec = recordLifecycle(req)
  req.end()
  await arrived.promise
  req.abort()
  req.abort()
  await rec.closed
  await quiet(50)
  assert.deepEqual(rec.log, ['req:finish', 'req:abort', 'req:close'])
  await assertHealthy()
})

const NOT_WAITING = { name: 'Error', message: 'followRedirect() called, but was not waiting for a redirect' }

test('followRedirect() before the request starts, after the response, and after a redirect handler returned: throws', OPTIONS, async (t) => {
  const srv = await startHttpServer((req, res) => {
    if (req.url === '/from') {
      res.writeHead(302, { location: '/to' })
      return res.end()
    }
    res.end('arrived')
  })
  t.after(() => srv.close())
  const req = net.request({ url: srv.origin + '/from', redirect: 'manual' })
  assert.throws(() => req.followRedirect(), NOT_WAITING)
  const late = deferred()
  req.on('redirect', () => {
    req.followRedirect()
    setImmediate(() => late.resolve(() => req.followRedirect()))
  })
  req.end()
  assert.throws(await late.promise, NOT_WAITING)
  const [res] = await once(req, 'response')
  assert.equal((await collectBody(res)).toString(), 'arrived')
  assert.throws(() => req.followRedirect(), NOT_WAITING)
  await assertHealthy()
})

test('a login callback called twice: the second call is ignored, one retry', OPTIONS, async (t) => {
  const srv = await startAuthServer()
  t.after(() => srv.close())
  const req = net.request({ url: srv.url, partition: 'bad-input-login-twice' })
  req.on('login', (authInfo, callback) => {
    callback('user', 'pass')
    assert.doesNotThrow(() => callback('user', 'wrong'))
    assert.doesNotThrow(() => callback())
  })
  req.end()
  const [res] = await once(req, 'response')
  assert.equal(res.statusCode, 200)
  assert.equal((await collectBody(res)).toString(), 'ok user')
  assert.equal(srv.requests.length, 2)
  assert.equal(srv.challenges, 1)
  assert.equal(srv.logins, 1)
  await assertHealthy()
})

test('a login callback called after the request was aborted: harmless, no retry', OPTIONS, async (t) => {
  const srv = await startAuthServer()
  t.after(() => srv.close())
  const req = net.request({ url: srv.url, partition: 'bad-input-login-late-abort' })
  const gotLogin = deferred()
  req.on('login', (authInfo, callback) => gotLogin.resolve(callback))
  const rec = recordLifecycle(req)
  req.end()
  const callback = await gotLogin.promise
  req.abort()
  await rec.closed
  assert.doesNotThrow(() => callback('user', 'pass'))
  await quiet(100)
  assert.deepEqual(rec.log, ['req:finish', 'req:login', 'req:abort', 'req:close'])
  assert.equal(srv.requests.length, 1)
  await assertHealthy()
})

test('a login callback called again after the 401 was delivered and the request closed: harmless', OPTIONS, async (t) => {
  const srv = await startAuthServer()
  t.after(() => srv.close())
  const req = net.request({ url: srv.url, partition: 'bad-input-login-late-close' })
  let saved = null
  req.on('login', (authInfo, callback) => {
    saved = callback
    setImmediate(() => callback()) // later, and cancelling: the 401 is delivered
  })
  const rec = recordLifecycle(req)
  req.end()
  await rec.closed
  assert.equal(rec.response.statusCode, 401)
  assert.doesNotThrow(() => saved('user', 'pass'))
  await quiet(100)
  assert.equal(rec.log.at(-1), 'req:close')
  assert.equal(rec.log.filter((e) => e === 'req:close').length, 1)
  assert.equal(srv.requests.length, 1)
  await assertHealthy()
})

test('a login callback called asynchronously (later) retries with the credentials', OPTIONS, async (t) => {
  const srv = await startAuthServer()
  t.after(() => srv.close())
  const req = net.request({ url: srv.url, partition: 'bad-input-login-async' })
  req.on('login', (authInfo, callback) => setTimeout(() => callback('user', 'pass'), 50))
  req.end()
  const [res] = await once(req, 'response')
  assert.equal(res.statusCode, 200)
  assert.equal((await collectBody(res)).toString(), 'ok user')
  await assertHealthy()
})

for (const [why, chunk, code] of [
  ['a number', 42, 'ERR_INVALID_ARG_TYPE'],
  ['a plain object', { length: 3 }, 'ERR_INVALID_ARG_TYPE'],
  ['null', null, 'ERR_STREAM_NULL_VALUES']
]) {
  test(`write() of ${why}: a TypeError (${code}) from the stream, and the request is still usable`, OPTIONS, async (t) => {
    const srv = await startOkServer(t)
    const req = net.request({ url: srv.url, method: 'POST' })
    const errors = []
    req.on('error', (err) => errors.push(err))
    assert.throws(() => req.write(chunk), { name: 'TypeError', code })
    const rec = await outcome(req, 'fine')
    assert.deepEqual(errors, [])
    assert.ok(rec.log.includes('req:response'), `events: ${rec.log.join(', ')}`)
    assert.equal(srv.requests.length, 1)
    assert.equal(srv.requests[0].body.toString(), 'fine')
    await assertHealthy()
  })
}

test('after every bad input above, the engine holds no request', OPTIONS, async () => {
  await waitForNoLiveRequests()
})
