'use strict'

// Network errors (docs/behaviour.md#errors): each failure reaches the
// request's 'error' as an Error whose message is exactly Chromium's name
// ('net::ERR_...') and whose `code` is that name without 'net::' (addition),
// against real loopback servers; and the `timeout` option (an addition, as
// Node's ClientRequest has it).

const { trustTestCA } = require('./helpers/tls')
const certs = trustTestCA() // before the library loads: Go reads SSL_CERT_FILE once

const test = require('node:test')
const assert = require('node:assert/strict')

const net = require('..')
const { startHttpServer, startHttpsServer, startRawServer, respondRoutes } = require('./helpers/servers')
const { collectBody, once } = require('./helpers/events')
const { recordLifecycle, quiet, closedPort, deferred } = require('./helpers/lifecycle')

/**
 * Ends `req` and waits for its close, recording everything (the response,
 * if any, is read).
 */
async function outcome (req, body) {
  const rec = recordLifecycle(req)
  req.end(body)
  await rec.closed
  await quiet(20)
  return rec
}

/**
 * Asserts the request failed once with net::NAME (message and code), that
 * 'close' came last, and whether a response was delivered first (then the
 * response failed with the same error before the request did).
 */
function assertFailed (rec, name, { afterResponse = false } = {}) {
  const err = rec.errors['req:error']
  assert.ok(err instanceof Error, `the request failed; events: ${rec.log.join(', ')}`)
  assert.equal(err.message, `net::${name}`)
  assert.equal(err.code, name)
  assert.equal(rec.log.filter((e) => e === 'req:error').length, 1, `one error; events: ${rec.log.join(', ')}`)
  assert.equal(rec.log.filter((e) => e === 'req:close').length, 1, 'one close')
  assert.equal(rec.log.at(-1), 'req:close', `close is last; events: ${rec.log.join(', ')}`)
  assert.equal(rec.log.includes('req:response'), afterResponse,
    `a response was ${afterResponse ? '' : 'not '}delivered first; events: ${rec.log.join(', ')}`)
  if (afterResponse) {
    const resErr = rec.errors['res:error']
    assert.ok(resErr instanceof Error, `the response failed; events: ${rec.log.join(', ')}`)
    assert.equal(resErr.message, `net::${name}`)
    assert.equal(resErr.code, name)
  }
}

/** Starts a raw server that answers the first request head with `reply(socket)`. */
async function startReplying (t, reply) {
  const srv = await startRawServer(async (socket, connection) => {
    await connection.waitFor()
    await reply(socket)
  })
  t.after(() => srv.close())
  return srv
}

test('a closed port: net::ERR_CONNECTION_REFUSED', { timeout: 20000 }, async () => {
  const port = await closedPort()
  const rec = await outcome(net.request(`http://127.0.0.1:${port}/`))
  assertFailed(rec, 'ERR_CONNECTION_REFUSED')
  assert.deepEqual(rec.log, ['req:finish', 'req:error', 'req:close'])
})

test('a host name under .invalid: net::ERR_NAME_NOT_RESOLVED', { timeout: 20000 }, async () => {
  const rec = await outcome(net.request('http://no-such-host.invalid/'))
  assertFailed(rec, 'ERR_NAME_NOT_RESOLVED')
})

// Raw servers answering the request head with [bytes to write, then what to do].
const RAW_FAILURES = [
  {
    name: 'ERR_EMPTY_RESPONSE',
    why: 'the server closes without answering',
    reply: (socket) => socket.end()
  },
  {
    name: 'ERR_CONNECTION_RESET',
    why: 'the server resets the connection',
    reply: (socket) => socket.resetAndDestroy()
  },
  {
    name: 'ERR_INVALID_HTTP_RESPONSE',
    why: 'a garbage status line',
    reply: (socket) => socket.end('GARBAGE garbage garbage\r\n\r\n')
  },
  {
    name: 'ERR_RESPONSE_HEADERS_TOO_BIG',
    why: 'a response head over 256 KiB',
    reply: (socket) => socket.write(`HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(300 * 1024)}\r\n\r\n`)
  },
  {
    name: 'ERR_RESPONSE_HEADERS_MULTIPLE_CONTENT_LENGTH',
    why: 'two different Content-Length headers',
    reply: (socket) => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!')
  },
  {
    name: 'ERR_CONTENT_LENGTH_MISMATCH',
    why: 'the server closes after 10 of 100 Content-Length bytes',
    afterResponse: true,
    reply: (socket) => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789')
  },
  {
    name: 'ERR_INCOMPLETE_CHUNKED_ENCODING',
    why: 'the server closes before the last chunk',
    afterResponse: true,
    reply: (socket) => socket.end('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n')
  },
  {
    name: 'ERR_INVALID_CHUNKED_ENCODING',
    why: 'a chunk size that is not hexadecimal',
    afterResponse: true,
    reply: (socket) => socket.end('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n')
  },
  {
    name: 'ERR_CONTENT_DECODING_FAILED',
    why: 'Content-Encoding: gzip with a gzip header and a garbage body',
    afterResponse: true,
    reply: (socket) => {
      const gzipHeader = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03])
      const body = Buffer.concat([gzipHeader, Buffer.from('\xff\xfe this is not deflate data at all \x00\x01', 'latin1')])
      socket.write(`HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: ${body.length}\r\n\r\n`)
      socket.end(body)
    }
  },
  {
    name: 'ERR_CONTENT_DECODING_FAILED',
    why: 'Content-Encoding: gzip with a body that is not gzip at all',
    afterResponse: true,
    reply: (socket) => {
      const body = 'plain text, no gzip here'
      socket.end(`HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: ${body.length}\r\n\r\n${body}`)
    }
  }
]

for (const { name, why, reply, afterResponse = false } of RAW_FAILURES) {
  test(`${why}: net::${name}`, { timeout: 20000 }, async (t) => {
    const srv = await startReplying(t, reply)
    const rec = await outcome(net.request(srv.url))
    assertFailed(rec, name, { afterResponse })
  })
}

test('an expired certificate: net::ERR_CERT_DATE_INVALID', { timeout: 20000 }, async (t) => {
  const srv = await startHttpsServer((req, res) => res.end('should not be read'), certs.expired)
  t.after(() => srv.close())
  const rec = await outcome(net.request(srv.url))
  assertFailed(rec, 'ERR_CERT_DATE_INVALID')
  assert.equal(srv.requests.length, 0)
})

test('a certificate for another host: net::ERR_CERT_COMMON_NAME_INVALID', { timeout: 20000 }, async (t) => {
  const srv = await startHttpsServer((req, res) => res.end('should not be read'), certs.wrongHost)
  t.after(() => srv.close())
  const rec = await outcome(net.request(srv.url))
  assertFailed(rec, 'ERR_CERT_COMMON_NAME_INVALID')
  assert.equal(srv.requests.length, 0)
})

test('a self-signed certificate: net::ERR_CERT_AUTHORITY_INVALID', { timeout: 20000 }, async (t) => {
  const srv = await startHttpsServer((req, res) => res.end('should not be read'), certs.selfSigned)
  t.after(() => srv.close())
  const rec = await outcome(net.request(srv.url))
  assertFailed(rec, 'ERR_CERT_AUTHORITY_INVALID')
  assert.equal(srv.requests.length, 0)
})

test('https spoken to a plain-http server: net::ERR_SSL_PROTOCOL_ERROR', { timeout: 20000 }, async (t) => {
  const srv = await startHttpServer((req, res) => res.end('plain'))
  t.after(() => srv.close())
  const rec = await outcome(net.request(`https://127.0.0.1:${srv.port}/`))
  assertFailed(rec, 'ERR_SSL_PROTOCOL_ERROR')
})

test('a good https server works for GET and POST (localhost and 127.0.0.1)', { timeout: 20000 }, async (t) => {
  const srv = await startHttpsServer(respondRoutes({
    'GET /': (req, res) => res.end('secure hello'),
    'POST /': (req, res) => res.end(`got ${req.body}`)
  }))
  t.after(() => srv.close())

  for (const url of [srv.url, `https://localhost:${srv.port}/`]) {
    const get = net.request(url)
    get.end()
    const [getRes] = await once(get, 'response')
    assert.equal(getRes.statusCode, 200)
    assert.equal((await collectBody(getRes)).toString(), 'secure hello')
  }

  const post = net.request({ method: 'POST', url: srv.url })
  post.end('a secret')
  const [postRes] = await once(post, 'response')
  assert.equal((await collectBody(postRes)).toString(), 'got a secret')
  assert.equal(srv.requests.at(-1).headers['content-length'], '8')
})

test('an endless redirect chain: 20 redirects, then net::ERR_TOO_MANY_REDIRECTS', { timeout: 20000 }, async (t) => {
  const srv = await startHttpServer((req, res) => {
    const n = Number(new URL(req.url, srv.url).searchParams.get('n') || 0)
    res.writeHead(302, { location: `/loop?n=${n + 1}` })
    res.end()
  })
  t.after(() => srv.close())
  const req = net.request(srv.origin + '/loop')
  let redirects = 0
  req.on('redirect', () => redirects++)
  const rec = await outcome(req)
  assertFailed(rec, 'ERR_TOO_MANY_REDIRECTS')
  assert.equal(redirects, 20)
  assert.equal(srv.requests.length, 21)
})

for (const location of ['file:///etc/passwd', 'ftp://127.0.0.1/file', 'data:text/plain,hello']) {
  test(`a redirect to ${location}: net::ERR_UNSAFE_REDIRECT, and no redirect event`, { timeout: 20000 }, async (t) => {
    const srv = await startHttpServer((req, res) => {
      res.writeHead(302, { location })
      res.end()
    })
    t.after(() => srv.close())
    const rec = await outcome(net.request(srv.url))
    assertFailed(rec, 'ERR_UNSAFE_REDIRECT')
    assert.equal(rec.log.includes('req:redirect'), false)
  })
}

test('a redirect to a Location that is not a URL: net::ERR_INVALID_REDIRECT', { timeout: 20000 }, async (t) => {
  const srv = await startReplying(t, (socket) =>
    socket.end('HTTP/1.1 302 Found\r\nLocation: http://[::1/\r\nContent-Length: 0\r\n\r\n'))
  const rec = await outcome(net.request(srv.url))
  assertFailed(rec, 'ERR_INVALID_REDIRECT')
  assert.equal(rec.log.includes('req:redirect'), false)
})

test('the timeout option: timeout event, then net::ERR_TIMED_OUT, against a server that never answers', { timeout: 20000 }, async (t) => {
  const arrived = deferred()
  const srv = await startHttpServer(() => arrived.resolve()) // never answers
  t.after(() => srv.close())
  const started = Date.now()
  const rec = await outcome(net.request({ url: srv.url, timeout: 300 }))
  assertFailed(rec, 'ERR_TIMED_OUT')
  assert.deepEqual(rec.log, ['req:finish', 'req:timeout', 'req:error', 'req:close'])
  assert.ok(Date.now() - started >= 250, 'not before the timeout')
  await arrived.promise
})

test('setTimeout(ms, callback): the callback runs, then net::ERR_TIMED_OUT', { timeout: 20000 }, async (t) => {
  const srv = await startHttpServer(() => {}) // never answers
  t.after(() => srv.close())
  const req = net.request(srv.url)
  let called = 0
  assert.equal(req.setTimeout(200, () => called++), req)
  const rec = await outcome(req)
  assertFailed(rec, 'ERR_TIMED_OUT')
  assert.equal(called, 1)
})

test('the timeout option: a body that stalls mid-way times out with net::ERR_TIMED_OUT', { timeout: 20000 }, async (t) => {
  const srv = await startHttpServer((req, res) => {
    res.writeHead(200, { 'content-length': 1000 })
    res.write('x'.repeat(100)) // and nothing more
  })
  t.after(() => srv.close())
  const rec = await outcome(net.request({ url: srv.url, timeout: 300 }))
  assertFailed(rec, 'ERR_TIMED_OUT', { afterResponse: true })
  assert.equal(rec.bytes, 100)
  assert.ok(rec.log.indexOf('req:timeout') < rec.log.indexOf('req:error'), `timeout before error: ${rec.log.join(', ')}`)
})
