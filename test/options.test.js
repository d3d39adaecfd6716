'use strict'

// ClientRequest options and the request-header API
// (docs/behaviour.md#options-and-request-headers): how the URL is built, what
// the constructor throws, and what setHeader/getHeader/removeHeader and
// chunkedEncoding accept and refuse. Where a request is built, a loopback
// server checks what was asked for.

const { test } = require('node:test')
const assert = require('node:assert/strict')
const { Writable } = require('node:stream')

const net = require('..')
const { startHttpServer, respondRoutes } = require('./helpers/servers')
const { collectBody, once } = require('./helpers/events')

const TIMEOUT = { timeout: 20000 }

/** Starts a server that answers every request with 'ok', closed after the test. */
async function startOkServer (t) {
  const srv = await startHttpServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' })
    res.end('ok')
  })
  t.after(() => srv.close())
  return srv
}

/** Ends req (with body, if given) and resolves with its response and whole body. */
async function complete (req, body) {
  const responded = once(req, 'response')
  req.end(body)
  const [res] = await responded
  return { res, body: await collectBody(res) }
}

/** assert.throws for an exact constructor and message. */
function throwsExactly (fn, Type, message) {
  assert.throws(fn, (err) => {
    assert.equal(err.constructor, Type, `${err.constructor.name}: ${err.message}`)
    assert.equal(err.message, message)
    return true
  })
}

// --- where the request goes -------------------------------------------------

test('a URL string is requested as given', TIMEOUT, async (t) => {
  const srv = await startOkServer(t)
  const { res, body } = await complete(net.request(`${srv.origin}/string?q=1&r=two`))
  assert.equal(res.statusCode, 200)
  assert.equal(body.toString(), 'ok')
  assert.equal(srv.requests.length, 1)
  assert.equal(srv.requests[0].method, 'GET')
  assert.equal(srv.requests[0].url, '/string?q=1&r=two')
  assert.equal(srv.requests[0].headers.host, `127.0.0.1:${srv.port}`)
})

test('a URL object is requested as given', TIMEOUT, async (t) => {
  const srv = await startOkServer(t)
  const { res } = await complete(net.request(new URL('/object?x=%20y', srv.origin)))
  assert.equal(res.statusCode, 200)
  assert.equal(srv.requests[0].method, 'GET')
  assert.equal(srv.requests[0].url, '/object?x=%20y')
})

test('the url option is requested as given and wins over host, hostname, port and path', TIMEOUT, async (t) => {
  const srv = await startOkServer(t)
  const req = net.request({
    url: `${srv.origin}/from-url`,
    protocol: 'http:',
    host: 'nowhere.invalid:1',
    hostname: 'nowhere.invalid',
    port: 1,
    path: '/from-path'
  })
  const { res } = await complete(req)
  assert.equal(res.statusCode, 200)
  assert.deepEqual(srv.requests.map((r) => r.url), ['/from-url'])
})

test('hostname, port and path compose the URL (protocol defaults to http:)', TIMEOUT, async (t) => {
  const srv = await startOkServer(t)
  const { res } = await complete(net.request({ hostname: '127.0.0.1', port: srv.port, path: '/a?b=1' }))
  assert.equal(res.statusCode, 200)
  assert.equal(srv.requests.length, 1)
  assert.equal(srv.requests[0].url, '/a?b=1')
  assert.equal(srv.requests[0].headers.host, `127.0.0.1:${srv.port}`)
})

test('an explicit protocol http: and a string port compose the URL', TIMEOUT, async (t) => {
  const srv = await startOkServer(t)
  const { res } = await complete(net.request({ protocol: 'http:', hostname: '127.0.0.1', port: String(srv.port), path: '/p' }))
  assert.equal(res.statusCode, 200)
  assert.equal(srv.requests[0].url, '/p')
})

test('host (hostname:port) composes the URL with path defaulting to /', TIMEOUT, async (t) => {
  const srv = await startOkServer(t)
  const { res } = await complete(net.request({ host: `127.0.0.1:${srv.port}` }))
  assert.equal(res.statusCode, 200)
  assert.equal(srv.requests.length, 1)
  assert.equal(srv.requests[0].url, '/')
  assert.equal(srv.requests[0].headers.host, `127.0.0.1:${srv.port}`)
})

test('host wins over hostname and port', TIMEOUT, async (t) => {
  const srv = await startOkServer(t)
  const req = net.request({ host: `127.0.0.1:${srv.port}`, hostname: 'nowhere.invalid', port: 1, path: '/host-wins' })
  const { res } = await complete(req)
  assert.equal(res.statusCode, 200)
  assert.equal(srv.requests[0].url, '/host-wins')
  assert.equal(srv.requests[0].headers.host, `127.0.0.1:${srv.port}`)
})

test('hostname defaults to localhost', TIMEOUT, async (t) => {
  const srv = await startOkServer(t)
  const { res } = await complete(net.request({ port: srv.port, path: '/local' }))
  assert.equal(res.statusCode, 200)
  assert.equal(srv.requests.length, 1)
  assert.equal(srv.requests[0].url, '/local')
  assert.equal(srv.requests[0].headers.host, `localhost:${srv.port}`)
})

test('a fragment in path is not sent', TIMEOUT, async (t) => {
  const srv = await startOkServer(t)
  const { res } = await complete(net.request({ hostname: '127.0.0.1', port: srv.port, path: '/h?x=1#frag' }))
  assert.equal(res.statusCode, 200)
  assert.equal(srv.requests[0].url, '/h?x=1')
})

// --- method ----------------------------------------------------------------

test('the method defaults to GET', TIMEOUT, async (t) => {
  const srv = await startOkServer(t)
  await complete(net.request({ url: srv.url }))
  await complete(net.request({ url: srv.url, method: '' }))
  assert.deepEqual(srv.requests.map((r) => r.method), ['GET', 'GET'])
})

test('the method is upper-cased', TIMEOUT, async (t) => {
  const srv = await startOkServer(t)
  await complete(net.request({ url: srv.url, method: 'post' }), 'abc')
  await complete(net.request({ url: srv.url, method: 'pAtCh' }), 'def')
  await complete(net.request({ url: srv.url, method: 'delete' }))
  assert.deepEqual(srv.requests.map((r) => r.method), ['POST', 'PATCH', 'DELETE'])
  assert.equal(srv.requests[0].body.toString(), 'abc')
  assert.equal(srv.requests[1].body.toString(), 'def')
})

// --- what the constructor throws --------------------------------------------

test('a protocol other than http: or https: throws', () => {
  const message = 'ClientRequest only supports http: and https: protocols'
  throwsExactly(() => net.request('ftp://127.0.0.1/file'), Error, message)
  throwsExactly(() => net.request({ url: 'file:///etc/hosts' }), Error, message)
  throwsExactly(() => net.request(new URL('ws://127.0.0.1/')), Error, message)
  throwsExactly(() => net.request({ protocol: 'ftp:', hostname: '127.0.0.1', path: '/' }), Error, message)
})

test('a path with a space throws a TypeError', () => {
  throwsExactly(() => net.request({ hostname: '127.0.0.1', port: 1, path: '/a b' }), TypeError,
    'Request path contains unescaped characters')
  throwsExactly(() => net.request({ host: '127.0.0.1:1', path: '/x?q=a b' }), TypeError,
    'Request path contains unescaped characters')
})

test('an unknown redirect mode throws', () => {
  for (const redirect of ['follow-all', 'FOLLOW', 'none']) {
    throwsExactly(() => net.request({ url: 'http://127.0.0.1:1/', redirect }), Error,
      'redirect mode should be one of follow, error or manual')
  }
  for (const redirect of ['follow', 'error', 'manual', undefined]) {
    assert.ok(net.request({ url: 'http://127.0.0.1:1/', redirect }) instanceof net.ClientRequest, String(redirect))
  }
})

test('headers that are not an object throw a TypeError', () => {
  for (const headers of ['X-A: b', 42, true]) {
    throwsExactly(() => net.request({ url: 'http://127.0.0.1:1/', headers }), TypeError, 'headers must be an object')
  }
  // null and undefined mean no headers.
  assert.ok(net.request({ url: 'http://127.0.0.1:1/', headers: null }) instanceof net.ClientRequest)
  assert.ok(net.request({ url: 'http://127.0.0.1:1/', headers: undefined }) instanceof net.ClientRequest)
})

test('headers given as an option are validated as setHeader does', () => {
  const url = 'http://127.0.0.1:1/'
  throwsExactly(() => net.request({ url, headers: { 'Bad Name': 'x' } }), Error, "Invalid header name: 'Bad Name'")
  throwsExactly(() => net.request({ url, headers: { 'X-Null': null } }), Error, '`value` required in setHeader("X-Null", value)')
  throwsExactly(() => net.request({ url, headers: { 'X-Undefined': undefined } }), Error,
    '`value` required in setHeader("X-Undefined", value)')
  throwsExactly(() => net.request({ url, headers: { 'X-Crlf': 'a\r\nInjected: yes' } }), Error,
    "Invalid value for header 'X-Crlf': 'a\r\nInjected: yes'")
  const req = net.request({ url, headers: { 'X-Given': 'v', 'X-List': ['a', 'b'] } })
  assert.equal(req.getHeader('x-given'), 'v')
  assert.deepEqual(req.getHeader('X-LIST'), ['a', 'b'])
})

test('an invalid URL throws the TypeError that new URL throws', () => {
  for (const input of ['not a url', 'http://', 'http://[::1/', '//no-scheme/path']) {
    let expected
    try {
      new URL(input) // eslint-disable-line no-new
      assert.fail(`new URL(${JSON.stringify(input)}) should throw`)
    } catch (err) {
      expected = err
    }
    for (const options of [input, { url: input }]) {
      assert.throws(() => net.request(options), (err) => {
        assert.equal(err.constructor, TypeError)
        assert.equal(err.message, expected.message)
        assert.equal(err.code, expected.code)
        return true
      }, JSON.stringify(options))
    }
  }
})

test('an empty or blank URL, in every form, throws new URL\'s TypeError synchronously and reaches no server', async (t) => {
  let connections = 0
  const srv = await startHttpServer((req, res) => res.end('ok'))
  t.after(() => srv.close())
  srv.server.on('connection', () => connections++)
  let expected
  try {
    new URL('') // eslint-disable-line no-new
  } catch (err) {
    expected = err
  }
  const session = net.session.fromPartition('empty-url-forms')
  const forms = [
    '', '   ', '\t\n', // a string is the URL itself, as in Electron
    { url: '' }, { url: '   ' }, { href: '' }, { href: ' \t' }, { url: '', href: '' },
    { url: '', session }, { url: '', method: 'POST', headers: { 'X-A': '1' } },
    { protocol: 'http:', host: '' }, { protocol: 'https:', host: '' }, { protocol: 'http:', hostname: '' },
    { hostname: '', port: srv.port, path: '/x' }, { host: '', path: '/x' }, { host: '   ' }, { hostname: ' ' }
  ]
  for (const options of forms) {
    for (const make of [(o) => net.request(o), (o) => new net.ClientRequest(o)]) {
      assert.throws(() => make(options), (err) => {
        assert.equal(err.constructor, TypeError, `${JSON.stringify(options)}: ${err.stack}`)
        assert.equal(err.message, expected.message)
        assert.equal(err.code, expected.code)
        return true
      }, JSON.stringify(options))
    }
  }
  // Absent parts still take their defaults (hostname localhost, path /): only given blanks throw.
  const { res } = await complete(net.request({ port: srv.port, path: '/defaults' }))
  assert.equal(res.statusCode, 200)
  assert.equal(connections, 1, 'only the last request reached the server')
})

test('net.fetch and session.fetch with an empty or blank URL reject with a TypeError, as Electron\'s (Request) does', async () => {
  for (const input of ['', '   ']) {
    for (const fetch of [(i) => net.fetch(i), (i) => net.session.defaultSession.fetch(i)]) {
      let pending
      assert.doesNotThrow(() => { pending = fetch(input) }, 'a rejection, not a throw')
      await assert.rejects(pending, (err) => {
        assert.equal(err.constructor, TypeError)
        assert.equal(err.message, `Failed to parse URL from ${input}`)
        return true
      })
    }
  }
})

test('the timeout option takes a number: a string or another type throws a TypeError', () => {
  const url = 'http://127.0.0.1:1/'
  for (const timeout of ['5', '', '0', true, {}, [5], -1, NaN, Infinity]) {
    throwsExactly(() => net.request({ url, timeout }), TypeError, '`timeout` should be a non-negative number of milliseconds')
  }
  for (const timeout of [0, 5, 1.5, undefined, null]) {
    assert.ok(net.request({ url, timeout }) instanceof net.ClientRequest, String(timeout))
  }
  const req = net.request(url)
  throwsExactly(() => req.setTimeout('5'), TypeError, '`msecs` should be a non-negative number')
  assert.equal(req.setTimeout(5), req)
})

test('a partition that is not a string throws a TypeError', () => {
  for (const partition of [42, {}, ['persist:a'], true]) {
    throwsExactly(() => net.request({ url: 'http://127.0.0.1:1/', partition }), TypeError, '`partition` should be a string')
  }
})

test("credentials: 'same-origin' without origin throws", () => {
  throwsExactly(() => net.request({ url: 'http://127.0.0.1:1/', credentials: 'same-origin' }), Error,
    'credentials: same-origin requires origin to be set')
  assert.ok(net.request({ url: 'http://127.0.0.1:1/', credentials: 'same-origin', origin: 'http://127.0.0.1:1' }) instanceof net.ClientRequest)
  assert.ok(net.request({ url: 'http://127.0.0.1:1/', credentials: 'include' }) instanceof net.ClientRequest)
  assert.ok(net.request({ url: 'http://127.0.0.1:1/', credentials: 'omit' }) instanceof net.ClientRequest)
})

// --- setHeader / getHeader / removeHeader -----------------------------------

test('setHeader refuses a name that is not a string with a TypeError', () => {
  const req = net.request('http://127.0.0.1:1/')
  for (const name of [42, null, undefined, Symbol('x'), { toString: () => 'X-A' }]) {
    throwsExactly(() => req.setHeader(name, 'v'), TypeError, '`name` should be a string in setHeader(name, value)')
  }
})

test('setHeader refuses a null or undefined value', () => {
  const req = net.request('http://127.0.0.1:1/')
  throwsExactly(() => req.setHeader('X-Value', null), Error, '`value` required in setHeader("X-Value", value)')
  throwsExactly(() => req.setHeader('X-Value', undefined), Error, '`value` required in setHeader("X-Value", value)')
  throwsExactly(() => req.setHeader('X-Value'), Error, '`value` required in setHeader("X-Value", value)')
  assert.equal(req.getHeader('X-Value'), undefined)
})

test('setHeader refuses a name that is not an HTTP token', () => {
  const req = net.request('http://127.0.0.1:1/')
  for (const name of ['', 'Bad Name', 'X:Colon', 'X-Ünicode', 'X(Paren)', 'X\r\nInjected', 'X"Quote"', 'X/Slash']) {
    throwsExactly(() => req.setHeader(name, 'v'), Error, `Invalid header name: '${name}'`)
  }
  // Every token character is allowed.
  req.setHeader("!#$%&'*+-.^_`|~09azAZ", 'v')
  assert.equal(req.getHeader("!#$%&'*+-.^_`|~09azAZ"), 'v')
})

test('setHeader refuses a value with CR, LF or NUL', () => {
  const req = net.request('http://127.0.0.1:1/')
  for (const value of ['a\rb', 'a\nb', 'a\r\nX-Injected: 1', 'a\0b', '\n', ['ok', 'bad\r\n']]) {
    throwsExactly(() => req.setHeader('X-Value', value), Error, `Invalid value for header 'X-Value': '${value}'`)
  }
  assert.equal(req.getHeader('X-Value'), undefined)
  // Other control characters and non-ASCII are Chromium's to send.
  req.setHeader('X-Tab', 'a\tb')
  assert.equal(req.getHeader('X-Tab'), 'a\tb')
})

test('getHeader(null) and removeHeader(null) throw', () => {
  const req = net.request('http://127.0.0.1:1/')
  throwsExactly(() => req.getHeader(null), Error, '`name` is required for getHeader(name)')
  throwsExactly(() => req.getHeader(undefined), Error, '`name` is required for getHeader(name)')
  throwsExactly(() => req.getHeader(), Error, '`name` is required for getHeader(name)')
  throwsExactly(() => req.removeHeader(null), Error, '`name` is required for removeHeader(name)')
  throwsExactly(() => req.removeHeader(undefined), Error, '`name` is required for removeHeader(name)')
  throwsExactly(() => req.removeHeader(), Error, '`name` is required for removeHeader(name)')
})

test('getHeader is case-insensitive and returns the value as given', () => {
  const req = net.request('http://127.0.0.1:1/')
  const list = ['a', 'b']
  const object = { toString: () => 'object' }
  req.setHeader('X-Custom', 'custom value')
  req.setHeader('X-Number', 900)
  req.setHeader('X-Bool', false)
  req.setHeader('x-list', list)
  req.setHeader('X-Object', object)
  for (const name of ['X-Custom', 'x-custom', 'X-CUSTOM']) assert.equal(req.getHeader(name), 'custom value')
  assert.equal(req.getHeader('x-number'), 900)
  assert.equal(req.getHeader('X-BOOL'), false)
  assert.equal(req.getHeader('X-List'), list)
  assert.equal(req.getHeader('x-object'), object)
  assert.equal(req.getHeader('X-Absent'), undefined)
  // Setting again (any case) replaces the value.
  req.setHeader('X-NUMBER', 901)
  assert.equal(req.getHeader('x-number'), 901)
})

test('removeHeader is case-insensitive', () => {
  const req = net.request('http://127.0.0.1:1/')
  req.setHeader('X-Custom', 'v')
  req.removeHeader('X-CUSTOM')
  assert.equal(req.getHeader('x-custom'), undefined)
  req.removeHeader('X-Never-Set') // not an error
})

test('setHeader and removeHeader throw after the first write', TIMEOUT, async (t) => {
  const srv = await startOkServer(t)
  const req = net.request(srv.url)
  req.setHeader('X-Early', 'early')
  req.setHeader('X-Kept', 'kept')
  req.write('body')
  throwsExactly(() => req.setHeader('X-Late', 'late'), Error, "Can't set headers after they are sent")
  throwsExactly(() => req.setHeader('X-Early', 'changed'), Error, "Can't set headers after they are sent")
  throwsExactly(() => req.removeHeader('X-Kept'), Error, "Can't remove headers after they are sent")
  assert.equal(req.getHeader('X-Early'), 'early')
  assert.equal(req.getHeader('X-Kept'), 'kept')
  assert.equal(req.getHeader('X-Late'), undefined)
  await complete(req)
  const { headers, body } = srv.requests[0]
  assert.equal(headers['x-early'], 'early')
  assert.equal(headers['x-kept'], 'kept')
  assert.equal(headers['x-late'], undefined)
  assert.equal(body.toString(), 'body')
})

test("write('') counts as the first write", TIMEOUT, async (t) => {
  const srv = await startOkServer(t)
  const req = net.request(srv.url)
  req.setHeader('X-Kept', 'kept')
  req.write('')
  throwsExactly(() => req.setHeader('X-Late', 'late'), Error, "Can't set headers after they are sent")
  throwsExactly(() => req.removeHeader('X-Kept'), Error, "Can't remove headers after they are sent")
  await complete(req)
  assert.equal(srv.requests[0].headers['x-kept'], 'kept')
  assert.equal(srv.requests[0].headers['x-late'], undefined)
})

test('setHeader and removeHeader throw after end()', TIMEOUT, async (t) => {
  const srv = await startOkServer(t)
  const req = net.request(srv.url)
  req.setHeader('X-Kept', 'kept')
  const responded = once(req, 'response')
  req.end()
  throwsExactly(() => req.setHeader('X-Late', 'late'), Error, "Can't set headers after they are sent")
  throwsExactly(() => req.removeHeader('X-Kept'), Error, "Can't remove headers after they are sent")
  const [res] = await responded
  await collectBody(res)
  throwsExactly(() => req.setHeader('X-Later', 'later'), Error, "Can't set headers after they are sent")
  throwsExactly(() => req.removeHeader('X-Kept'), Error, "Can't remove headers after they are sent")
  assert.equal(srv.requests[0].headers['x-kept'], 'kept')
  assert.equal(srv.requests[0].headers['x-late'], undefined)
})

// --- chunkedEncoding --------------------------------------------------------

test('chunkedEncoding can be set only once', () => {
  const req = net.request('http://127.0.0.1:1/')
  assert.equal(req.chunkedEncoding, false)
  req.chunkedEncoding = true
  assert.equal(req.chunkedEncoding, true)
  throwsExactly(() => { req.chunkedEncoding = true }, Error, 'chunkedEncoding can only be set once')
  throwsExactly(() => { req.chunkedEncoding = false }, Error, 'chunkedEncoding can only be set once')
  assert.equal(req.chunkedEncoding, true)

  const other = net.request('http://127.0.0.1:1/')
  other.chunkedEncoding = false
  assert.equal(other.chunkedEncoding, false)
  throwsExactly(() => { other.chunkedEncoding = true }, Error, 'chunkedEncoding can only be set once')
})

test('chunkedEncoding cannot be set once a buffered request has started', TIMEOUT, async (t) => {
  const srv = await startOkServer(t)
  const req = net.request(srv.url)
  const finished = new Promise((resolve) => req.once('finish', resolve))
  const { res } = await complete(req, 'body')
  await finished
  assert.equal(res.statusCode, 200)
  throwsExactly(() => { req.chunkedEncoding = true }, Error, 'chunkedEncoding can only be set before the request is started')
  assert.equal(srv.requests[0].headers['transfer-encoding'], undefined)
  assert.equal(srv.requests[0].body.toString(), 'body')
})

test('chunkedEncoding cannot be set once a chunked request has started', TIMEOUT, async (t) => {
  const srv = await startOkServer(t)
  const req = net.request({ url: srv.url, method: 'POST' })
  req.chunkedEncoding = true
  req.write('first') // starts a chunked request
  throwsExactly(() => { req.chunkedEncoding = false }, Error, 'chunkedEncoding can only be set before the request is started')
  assert.equal(req.chunkedEncoding, true)
  const { res } = await complete(req, 'last')
  assert.equal(res.statusCode, 200)
  assert.equal(srv.requests[0].headers['transfer-encoding'], 'chunked')
  assert.equal(srv.requests[0].body.toString(), 'firstlast')
})

// --- ClientRequest constructor and callback ---------------------------------

test('new net.ClientRequest(options, callback) is net.request(options, callback)', TIMEOUT, async (t) => {
  const srv = await startHttpServer(respondRoutes({
    '/a': (req, res) => res.end('from a'),
    '/b': (req, res) => res.end('from b')
  }))
  t.after(() => srv.close())

  const viaRequest = net.request(`${srv.origin}/a`)
  const viaConstructor = new net.ClientRequest({ url: `${srv.origin}/b`, method: 'post' })
  for (const req of [viaRequest, viaConstructor]) {
    assert.ok(req instanceof net.ClientRequest)
    assert.ok(req instanceof Writable)
    assert.equal(Object.getPrototypeOf(req), net.ClientRequest.prototype)
  }
  assert.equal((await complete(viaRequest)).body.toString(), 'from a')
  assert.equal((await complete(viaConstructor)).body.toString(), 'from b')
  assert.deepEqual(srv.requests.map((r) => `${r.method} ${r.url}`), ['GET /a', 'POST /b'])
})

test('the callback is a once("response") listener', TIMEOUT, async (t) => {
  const srv = await startOkServer(t)
  for (const make of [
    (url, cb) => net.request(url, cb),
    (url, cb) => new net.ClientRequest(url, cb)
  ]) {
    const calls = []
    const callback = (res) => calls.push(res)
    const req = make(srv.url, callback)
    assert.equal(req.listenerCount('response'), 1)
    assert.deepEqual(req.listeners('response'), [callback])
    const [raw] = req.rawListeners('response')
    assert.notEqual(raw, callback, 'registered through once(), so wrapped')
    assert.equal(raw.listener, callback)

    const { res } = await complete(req)
    assert.equal(calls.length, 1)
    assert.equal(calls[0], res)
    assert.ok(res instanceof net.IncomingMessage)
    assert.equal(req.listenerCount('response'), 0)
  }
  assert.equal(net.request(srv.url).listenerCount('response'), 0, 'no callback, no listener')
})
