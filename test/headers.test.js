'use strict'

// Headers over the wire (docs/behaviour.md#options-and-request-headers): what
// the request head looks like byte for byte (case, order, defaults, refused
// headers), and how the response head is reported (headers, rawHeaders,
// status, version) and its body decoded.

const { test } = require('node:test')
const assert = require('node:assert/strict')
const zlib = require('node:zlib')

const net = require('..')
const { startHttpServer, startRawServer, respondRoutes } = require('./helpers/servers')
const { collectBody, once, recordEvents } = require('./helpers/events')

const TIMEOUT = { timeout: 20000 }
const OK_RESPONSE = 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok'

/**
 * Starts a raw server that answers each request head with `response`
 * (a string or Buffer, written as is) and ends the connection.
 */
async function startRawResponder (t, response = OK_RESPONSE) {
  const srv = await startRawServer(async (socket, connection) => {
    await connection.waitFor('\r\n\r\n')
    socket.end(response)
  })
  t.after(() => srv.close())
  return srv
}

/**
 * Parses a raw request head: the request line and the header lines as
 * [name, value] pairs, in order, exactly as sent (values without the
 * leading ': ').
 */
function parseRequestHead (data) {
  const text = data.toString('latin1')
  const end = text.indexOf('\r\n\r\n')
  assert.ok(end >= 0, `no complete head in ${JSON.stringify(text)}`)
  const [requestLine, ...lines] = text.slice(0, end).split('\r\n')
  const headers = lines.map((line) => {
    const m = /^([^:]+): ?(.*)$/.exec(line)
    assert.ok(m, `malformed header line ${JSON.stringify(line)}`)
    return [m[1], m[2]]
  })
  return { requestLine, headers }
}

/** The header lines named `name` (case-insensitively), as [name, value] pairs. */
function linesNamed (headers, name) {
  return headers.filter(([n]) => n.toLowerCase() === name.toLowerCase())
}

/** Ends req and resolves with its response and the whole body. */
async function complete (req, body) {
  const responded = once(req, 'response')
  req.end(body)
  const [res] = await responded
  return { res, body: await collectBody(res) }
}

/** Sends req to a raw responder and resolves with the request head it sent. */
async function sentHead (srv, req) {
  const { res } = await complete(req)
  assert.equal(res.statusCode, 200)
  assert.equal(srv.connections.length, 1)
  return parseRequestHead(srv.connections[0].data)
}

/** Fetches a raw response head (and body) from a raw responder. */
async function fetchRaw (t, response) {
  const srv = await startRawResponder(t, response)
  return complete(net.request(srv.url))
}

// --- the request head --------------------------------------------------------

test('header names keep their case and the order they were set in', TIMEOUT, async (t) => {
  const srv = await startRawResponder(t)
  const req = net.request({ url: srv.url, headers: { 'X-First': '1', 'x-second': '2' } })
  req.setHeader('X-THIRD', '3')
  req.setHeader('x-FoUrTh', '4')
  req.setHeader('X-Removed', 'gone')
  req.setHeader('X-Readded', 'old')
  req.setHeader('X-Last', 'last')
  req.removeHeader('x-removed')
  req.removeHeader('X-READDED')
  req.setHeader('X-Readded', 'new') // removed and set again: now last
  const { requestLine, headers } = await sentHead(srv, req)
  assert.equal(requestLine, 'GET / HTTP/1.1')
  assert.deepEqual(headers.filter(([name]) => /^x-/i.test(name)), [
    ['X-First', '1'],
    ['x-second', '2'],
    ['X-THIRD', '3'],
    ['x-FoUrTh', '4'],
    ['X-Last', 'last'],
    ['X-Readded', 'new']
  ])
})

test('setHeader of an existing name replaces it in place, with the new name', TIMEOUT, async (t) => {
  const srv = await startRawResponder(t)
  const req = net.request({ url: srv.url, headers: { 'X-Alpha': 'a1' } })
  req.setHeader('X-Beta', 'b')
  req.setHeader('X-Gamma', 'g')
  req.setHeader('x-alpha', 'a2') // Electron's map is keyed by the lower-cased name
  req.setHeader('X-BETA', 'b2')
  const { headers } = await sentHead(srv, req)
  assert.deepEqual(headers.filter(([name]) => /^x-/i.test(name)), [
    ['x-alpha', 'a2'],
    ['X-BETA', 'b2'],
    ['X-Gamma', 'g']
  ])
})

test('non-string values are sent as String(value), arrays comma-joined', TIMEOUT, async (t) => {
  const srv = await startRawResponder(t)
  const req = net.request({ url: srv.url, headers: { 'X-Option-List': ['1', '2'] } })
  req.setHeader('X-Number', 900)
  req.setHeader('X-Float', 1.5)
  req.setHeader('X-Bool', true)
  req.setHeader('X-List', ['a', 'b', 'c'])
  req.setHeader('X-Object', { toString: () => 'from toString' })
  req.setHeader('X-Empty', '')
  const { headers } = await sentHead(srv, req)
  assert.deepEqual(headers.filter(([name]) => /^x-/i.test(name)), [
    ['X-Option-List', '1,2'],
    ['X-Number', '900'],
    ['X-Float', '1.5'],
    ['X-Bool', 'true'],
    ['X-List', 'a,b,c'],
    ['X-Object', 'from toString'],
    ['X-Empty', '']
  ])
  assert.equal(req.getHeader('x-number'), 900)
})

test('default headers are sent when the app sets none', TIMEOUT, async (t) => {
  const srv = await startRawResponder(t)
  const { requestLine, headers } = await sentHead(srv, net.request(srv.url))
  assert.equal(requestLine, 'GET / HTTP/1.1')
  const expected = {
    Host: `127.0.0.1:${srv.port}`,
    Connection: 'keep-alive',
    'Accept-Encoding': 'gzip, deflate, br, zstd',
    // 127.0.0.1 is potentially trustworthy, so Fetch Metadata is sent; a
    // request without initiator (no origin option, no Origin header) is
    // 'none', as Chromium reports a browser-initiated request.
    'Sec-Fetch-Site': 'none',
    'Sec-Fetch-Mode': 'no-cors',
    'Sec-Fetch-Dest': 'empty'
  }
  for (const [name, value] of Object.entries(expected)) {
    assert.deepEqual(linesNamed(headers, name).map(([, v]) => v), [value], name)
  }
  const ua = linesNamed(headers, 'User-Agent')
  assert.equal(ua.length, 1, 'one User-Agent')
  assert.ok(ua[0][1].length > 0, 'a non-empty User-Agent')
  for (const absent of ['Sec-Fetch-User', 'Referer', 'Origin', 'Cookie', 'Authorization', 'Content-Length', 'Transfer-Encoding']) {
    assert.deepEqual(linesNamed(headers, absent), [], `no ${absent}`)
  }
})

// Sec-Fetch-Site is computed from the initiator: the origin option or an
// Origin header (Electron's own tests check same-origin and cross-site).
for (const via of ['the origin option', 'an Origin header']) {
  for (const [initiator, expected] of [
    [(srv) => srv.origin, 'same-origin'],
    [(srv) => 'http://127.0.0.1:1', 'same-site'], // same host, another port
    [() => 'https://not-exists.com', 'cross-site']
  ]) {
    test(`Sec-Fetch-Site is ${expected} for an initiator given by ${via}`, TIMEOUT, async (t) => {
      const srv = await startRawResponder(t)
      const origin = initiator(srv)
      const req = via === 'the origin option'
        ? net.request({ url: srv.url, origin })
        : net.request({ url: srv.url, headers: { Origin: origin } })
      const { headers } = await sentHead(srv, req)
      assert.deepEqual(linesNamed(headers, 'Sec-Fetch-Site'), [['Sec-Fetch-Site', expected]])
    })
  }
}

test("the app's own User-Agent, Accept-Encoding and Sec-Fetch-Mode win over the defaults", TIMEOUT, async (t) => {
  const srv = await startRawResponder(t)
  const req = net.request(srv.url)
  req.setHeader('user-agent', 'my-agent/1.0')
  req.setHeader('ACCEPT-ENCODING', 'identity')
  req.setHeader('sec-fetch-mode', 'cors')
  req.setHeader('Sec-Fetch-Dest', 'document')
  req.setHeader('Sec-Fetch-User', '?1')
  const { headers } = await sentHead(srv, req)
  assert.deepEqual(linesNamed(headers, 'User-Agent'), [['user-agent', 'my-agent/1.0']])
  assert.deepEqual(linesNamed(headers, 'Accept-Encoding'), [['ACCEPT-ENCODING', 'identity']])
  assert.deepEqual(linesNamed(headers, 'Sec-Fetch-Mode'), [['sec-fetch-mode', 'cors']])
  assert.deepEqual(linesNamed(headers, 'Sec-Fetch-Dest'), [['Sec-Fetch-Dest', 'document']])
  assert.deepEqual(linesNamed(headers, 'Sec-Fetch-User'), [['Sec-Fetch-User', '?1']])
})

test('an app-set Connection: close replaces keep-alive', TIMEOUT, async (t) => {
  const srv = await startRawResponder(t)
  const req = net.request(srv.url)
  req.setHeader('Connection', 'close')
  const { headers } = await sentHead(srv, req)
  assert.deepEqual(linesNamed(headers, 'Connection'), [['Connection', 'close']])
})

test('an app-set Cookie header is sent as given', TIMEOUT, async (t) => {
  const srv = await startRawResponder(t)
  const req = net.request(srv.url)
  req.setHeader('Cookie', 'a=1; b=two; c="quoted"')
  const { headers } = await sentHead(srv, req)
  assert.deepEqual(linesNamed(headers, 'Cookie'), [['Cookie', 'a=1; b=two; c="quoted"']])
})

// --- restricted headers ------------------------------------------------------

/**
 * Makes a request carrying a restricted header (set by `apply`) and checks
 * that it fails with ERR_INVALID_ARGUMENT naming `culprit`, then closes,
 * and that nothing of it reached the server.
 */
async function assertRefused (t, apply, culprit) {
  const srv = await startHttpServer(respondRoutes({ '/control': (req, res) => res.end('control') }))
  t.after(() => srv.close())

  const req = apply(`${srv.origin}/refused`)
  const events = recordEvents(req, ['error', 'close', 'response', 'abort'])
  const closed = new Promise((resolve) => req.once('close', resolve))
  req.end()
  await closed
  assert.deepEqual(events, ['error', 'close'])
  const [err] = events.args[0]
  assert.ok(err instanceof Error)
  assert.equal(err.message, 'net::ERR_INVALID_ARGUMENT')
  assert.equal(err.code, 'ERR_INVALID_ARGUMENT')
  assert.equal(err.header, culprit)

  // The server is alive and a clean request gets through; the refused one never arrived.
  const { body } = await complete(net.request(`${srv.origin}/control`))
  assert.equal(body.toString(), 'control')
  assert.deepEqual(srv.requests.map((r) => r.url), ['/control'])
}

const RESTRICTED = [
  ['Content-Length', '0'],
  ['Host', 'example.com'],
  ['Trailer', 'X-Checksum'],
  ['Te', 'trailers'],
  ['Upgrade', 'websocket'],
  ['Cookie2', '$Version=1'],
  ['Keep-Alive', 'timeout=5'],
  ['Transfer-Encoding', 'chunked'],
  ['Connection', 'upgrade']
]

for (const [name, value] of RESTRICTED) {
  test(`a ${name}: ${value} header fails the request with net::ERR_INVALID_ARGUMENT`, TIMEOUT, async (t) => {
    await assertRefused(t, (url) => {
      const req = net.request(url)
      req.setHeader(name, value) // accepted here, refused when the request starts
      assert.equal(req.getHeader(name), value)
      return req
    }, name)
  })
}

test('a restricted header is refused whatever its case, and named as the app set it', TIMEOUT, async (t) => {
  await assertRefused(t, (url) => {
    const req = net.request(url)
    req.setHeader('X-Fine', 'yes')
    req.setHeader('transfer-ENCODING', 'gzip')
    return req
  }, 'transfer-ENCODING')
})

test('Connection: Upgrade is refused whatever the case of the value', TIMEOUT, async (t) => {
  await assertRefused(t, (url) => {
    const req = net.request(url)
    req.setHeader('connection', 'Upgrade')
    return req
  }, 'connection')
})

test('a restricted header given in the headers option is refused too', TIMEOUT, async (t) => {
  await assertRefused(t, (url) => net.request({ url, method: 'POST', headers: { 'X-Fine': 'yes', 'Content-Length': '4' } }),
    'Content-Length')
})

// --- the response head -------------------------------------------------------

test('response headers are folded: discardable duplicates keep the first, others join, set-cookie is an array', TIMEOUT, async (t) => {
  const discardable = [
    'age', 'authorization', 'content-length', 'content-type', 'etag', 'expires',
    'from', 'host', 'if-modified-since', 'if-unmodified-since', 'last-modified',
    'location', 'max-forwards', 'proxy-authorization', 'referer', 'retry-after',
    'server', 'user-agent'
  ]
  const lines = []
  for (const name of discardable) {
    if (name === 'content-length') {
      lines.push('Content-Length: 2', 'content-length: 2') // equal duplicates are legal framing
    } else {
      lines.push(`${name}: first ${name}`, `${name.toUpperCase()}: second ${name}`)
    }
  }
  lines.push(
    'X-Multi: one', 'x-multi: two', 'X-MULTI: three',
    'Cache-Control: no-store', 'Cache-Control: private',
    'Set-Cookie: a=1; Path=/', 'set-cookie: b=2',
    'X-Single: only',
    'Connection: close'
  )
  const { res, body } = await fetchRaw(t, `HTTP/1.1 200 OK\r\n${lines.join('\r\n')}\r\n\r\nok`)
  assert.equal(body.toString(), 'ok')
  const headers = res.headers
  for (const name of discardable) {
    assert.equal(headers[name], name === 'content-length' ? '2' : `first ${name}`, name)
  }
  assert.equal(headers['x-multi'], 'one, two, three')
  assert.equal(headers['cache-control'], 'no-store, private')
  assert.deepEqual(headers['set-cookie'], ['a=1; Path=/', 'b=2'])
  assert.equal(headers['x-single'], 'only')
  assert.equal(headers.connection, 'close')
  for (const name of Object.keys(headers)) assert.equal(name, name.toLowerCase(), 'names are lower-cased')
})

test('a single set-cookie is still an array', TIMEOUT, async (t) => {
  const { res } = await fetchRaw(t,
    'HTTP/1.1 200 OK\r\nSet-Cookie: only=1; HttpOnly\r\nContent-Length: 0\r\nConnection: close\r\n\r\n')
  assert.deepEqual(res.headers['set-cookie'], ['only=1; HttpOnly'])
})

test('rawHeaders are exactly as received: case, order and duplicates', TIMEOUT, async (t) => {
  const raw = [
    'X-Zulu', 'z',
    'content-TYPE', 'text/plain',
    'X-Dup', '1',
    'Set-Cookie', 'a=1',
    'x-dup', '2',
    'SET-COOKIE', 'b=2',
    'Server', 'first',
    'server', 'second',
    'X-Empty', '',
    'Content-Length', '4',
    'Connection', 'close'
  ]
  const lines = []
  for (let i = 0; i < raw.length; i += 2) lines.push(`${raw[i]}: ${raw[i + 1]}`)
  const { res, body } = await fetchRaw(t, `HTTP/1.1 200 OK\r\n${lines.join('\r\n')}\r\n\r\nbody`)
  assert.equal(body.toString(), 'body')
  assert.deepEqual(res.rawHeaders, raw)
  assert.equal(res.headers['x-dup'], '1, 2')
  assert.equal(res.headers.server, 'first')
  assert.equal(res.headers['x-empty'], '')
})

test('header values lose only their surrounding whitespace', TIMEOUT, async (t) => {
  const { res } = await fetchRaw(t,
    'HTTP/1.1 200 OK\r\nX-Tight:value\r\nX-Padded:   padded value \t \r\nContent-Length: 0\r\nConnection: close\r\n\r\n')
  assert.deepEqual(res.rawHeaders.slice(0, 4), ['X-Tight', 'value', 'X-Padded', 'padded value'])
  assert.equal(res.headers['x-padded'], 'padded value')
})

test('statusCode and a custom statusMessage are reported', TIMEOUT, async (t) => {
  const { res, body } = await fetchRaw(t,
    'HTTP/1.1 299 Totally Fine, Thanks\r\nContent-Length: 3\r\nConnection: close\r\n\r\nyes')
  assert.equal(res.statusCode, 299)
  assert.equal(res.statusMessage, 'Totally Fine, Thanks')
  assert.equal(body.toString(), 'yes')
})

test('an error status with its reason phrase is a response, not an error', TIMEOUT, async (t) => {
  const { res, body } = await fetchRaw(t,
    'HTTP/1.1 418 I\'m a teapot\r\nContent-Length: 5\r\nConnection: close\r\n\r\nshort')
  assert.equal(res.statusCode, 418)
  assert.equal(res.statusMessage, "I'm a teapot")
  assert.equal(body.toString(), 'short')
})

test('a status line without a reason phrase has an empty statusMessage', TIMEOUT, async (t) => {
  for (const statusLine of ['HTTP/1.1 204 ', 'HTTP/1.1 204']) {
    const { res } = await fetchRaw(t, `${statusLine}\r\nConnection: close\r\n\r\n`)
    assert.equal(res.statusCode, 204, statusLine)
    assert.equal(res.statusMessage, '', statusLine)
  }
})

test('httpVersion is 1.1 for an HTTP/1.1 response', TIMEOUT, async (t) => {
  const { res } = await fetchRaw(t, OK_RESPONSE)
  assert.equal(res.httpVersion, '1.1')
  assert.equal(res.httpVersionMajor, 1)
  assert.equal(res.httpVersionMinor, 1)
})

test('httpVersion is 1.0 for an HTTP/1.0 response', TIMEOUT, async (t) => {
  const { res, body } = await fetchRaw(t, 'HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nold style body')
  assert.equal(res.statusCode, 200)
  assert.equal(res.httpVersion, '1.0')
  assert.equal(res.httpVersionMajor, 1)
  assert.equal(res.httpVersionMinor, 0)
  assert.equal(body.toString(), 'old style body')
})

test('trailers and rawTrailers throw', TIMEOUT, async (t) => {
  const { res } = await fetchRaw(t,
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\nConnection: close\r\n\r\n2\r\nok\r\n0\r\nX-Sum: 1\r\n\r\n')
  assert.throws(() => res.trailers, { name: 'Error', message: 'HTTP trailers are not supported' })
  assert.throws(() => res.rawTrailers, { name: 'Error', message: 'HTTP trailers are not supported' })
})

// --- the response body -------------------------------------------------------

/**
 * Makes a zstd frame holding `data` in one raw (stored) block: zstd's own
 * format (RFC 8878) needs no compressor for that, and Node 20 has none.
 */
function zstdStored (data) {
  assert.ok(data.length < 256, 'a one-byte frame content size')
  const header = Buffer.from([
    0x28, 0xb5, 0x2f, 0xfd, // magic number
    0x20, // frame header descriptor: single segment, 1-byte content size, no checksum, no dictionary
    data.length // frame content size
  ])
  const blockHeader = 1 | (0 << 1) | (data.length << 3) // last block, raw, size
  const block = Buffer.from([blockHeader & 0xff, (blockHeader >> 8) & 0xff, (blockHeader >> 16) & 0xff])
  return Buffer.concat([header, block, data])
}

const PAYLOAD = Buffer.from('The quick brown fox jumps over the lazy dog. '.repeat(200))
const SHORT_PAYLOAD = Buffer.from('a short zstd body, stored raw')

const CODINGS = [
  { name: 'gzip', coding: 'gzip', plain: PAYLOAD, encode: zlib.gzipSync },
  { name: 'deflate (zlib)', coding: 'deflate', plain: PAYLOAD, encode: zlib.deflateSync },
  { name: 'deflate (raw)', coding: 'deflate', plain: PAYLOAD, encode: zlib.deflateRawSync },
  { name: 'br', coding: 'br', plain: PAYLOAD, encode: zlib.brotliCompressSync },
  { name: 'zstd', coding: 'zstd', plain: SHORT_PAYLOAD, encode: zstdStored },
  { name: 'GZIP (coding names are case-insensitive)', coding: 'GZIP', plain: PAYLOAD, encode: zlib.gzipSync },
  {
    name: 'gzip-then-br',
    coding: 'gzip, br', // applied in that order, so undone br first
    plain: PAYLOAD,
    encode: (data) => zlib.brotliCompressSync(zlib.gzipSync(data))
  }
]

for (const { name, coding, plain, encode } of CODINGS) {
  test(`a ${name} body is decoded while content-encoding and content-length are reported as received`, TIMEOUT, async (t) => {
    const encoded = encode(plain)
    const srv = await startHttpServer((req, res) => {
      res.writeHead(200, { 'Content-Encoding': coding, 'Content-Length': encoded.length, 'Content-Type': 'text/plain' })
      res.end(encoded)
    })
    t.after(() => srv.close())
    const { res, body } = await complete(net.request(srv.url))
    assert.equal(res.statusCode, 200)
    assert.ok(body.equals(plain), `decoded body (${body.length} bytes, want ${plain.length})`)
    assert.equal(res.headers['content-encoding'], coding)
    assert.equal(res.headers['content-length'], String(encoded.length))
    const raw = res.rawHeaders
    assert.equal(raw[raw.findIndex((n, i) => i % 2 === 0 && n.toLowerCase() === 'content-encoding') + 1], coding)
  })
}

test('a HEAD request has an empty body, with the headers a GET would have', TIMEOUT, async (t) => {
  const srv = await startHttpServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': '100', 'X-Method': req.method })
    res.end(req.method === 'HEAD' ? undefined : 'x'.repeat(100))
  })
  t.after(() => srv.close())
  const { res, body } = await complete(net.request({ url: srv.url, method: 'HEAD' }))
  assert.equal(res.statusCode, 200)
  assert.equal(body.length, 0)
  assert.equal(res.headers['content-length'], '100')
  assert.equal(res.headers['x-method'], 'HEAD')
  // The connection stays usable: the next request on it gets its full body.
  const next = await complete(net.request(srv.url))
  assert.equal(next.body.toString(), 'x'.repeat(100))
  assert.deepEqual(srv.requests.map((r) => r.method), ['HEAD', 'GET'])
})

test('a HEAD response announcing a gzip body is empty, not a decoding failure', TIMEOUT, async (t) => {
  const srv = await startHttpServer((req, res) => {
    res.writeHead(200, { 'Content-Encoding': 'gzip', 'Content-Length': '40' })
    res.end()
  })
  t.after(() => srv.close())
  const { res, body } = await complete(net.request({ url: srv.url, method: 'HEAD' }))
  assert.equal(res.statusCode, 200)
  assert.equal(body.length, 0)
  assert.equal(res.headers['content-encoding'], 'gzip')
  assert.equal(res.headers['content-length'], '40')
})
