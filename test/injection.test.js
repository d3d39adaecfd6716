'use strict'

// Header injection (security): every string that becomes part of a request
// head is checked where it enters, and the engine's head writer refuses CR,
// LF and NUL whoever put them there. Each test reads the raw bytes a
// loopback server receives. And a response head line holding a bare CR
// never reaches the app: net::ERR_INVALID_HTTP_RESPONSE.

const test = require('node:test')
const assert = require('node:assert/strict')

const net = require('..')
const { startRawServer, answerEachHead } = require('./helpers/servers')
const { collectBody } = require('./helpers/events')

const OPTIONS = { timeout: 20000 }
const BAD_BYTES = [['CR LF', '\r\n'], ['bare CR', '\r'], ['bare LF', '\n'], ['NUL', '\0']]
const OK = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'

let partitions = 0
/** A session of its own: sessions, their user agents and caches live for the process. */
function freshSession () {
  return net.session.fromPartition(`injection-${process.pid}-${++partitions}`)
}

/**
 * A raw loopback server that answers each request head it receives with
 * answer(head, index) (a string), and keeps every head as it arrived.
 * Closed by t.after.
 */
async function startHeadServer (t, answer = () => OK) {
  const heads = []
  const srv = await startRawServer(answerEachHead(answer, heads))
  t.after(() => srv.close())
  /** Everything every connection sent, as one latin1 string. */
  srv.wire = () => srv.connections.map((c) => c.data.toString('latin1')).join('')
  srv.heads = heads
  return srv
}

/** Asserts that nothing on the wire could have been an injected line. */
function assertCleanWire (srv) {
  const wire = srv.wire()
  const injected = wire.split('\r\n').filter((line) => /^(X-)?Injected/i.test(line))
  assert.deepEqual(injected, [], `an injected line reached the wire: ${JSON.stringify(wire)}`)
  assert.doesNotMatch(wire, /\r(?!\n)|(?<!\r)\n|\0/, `a bare CR, bare LF or NUL reached the wire: ${JSON.stringify(wire)}`)
}

/** Runs req to its close: { error, response, body }. */
function settle (req) {
  return new Promise((resolve) => {
    let error = null
    let response = null
    let body = null
    req.on('error', (err) => { error = err })
    req.on('response', (res) => {
      response = res
      collectBody(res).then((b) => { body = b.toString() }, () => {})
    })
    req.on('close', () => setImmediate(() => resolve({ error, response, body })))
    req.end()
  })
}

/** One header's value in a raw head, or undefined. */
function headerOf (head, name) {
  const m = new RegExp(`\\r\\n${name}: ([^\\r\\n]*)\\r\\n`, 'i').exec(head)
  return m ? m[1] : undefined
}

// --- session.setUserAgent(userAgent, acceptLanguages) ---

for (const [what, bad] of BAD_BYTES) {
  test(`setUserAgent with ${what} throws a TypeError, and the session's requests keep the previous User-Agent`, OPTIONS, async (t) => {
    const srv = await startHeadServer(t)
    const session = freshSession()
    session.setUserAgent('Agent/1.0')
    assert.throws(() => session.setUserAgent(`x${bad}X-Injected: 1`), {
      name: 'TypeError', message: `Invalid value for header 'User-Agent': 'x${bad}X-Injected: 1'`
    })
    assert.throws(() => session.setUserAgent('Agent/2.0', `en${bad}X-Injected: 1`), TypeError)
    assert.equal(session.getUserAgent(), 'Agent/1.0')
    const { error, body } = await settle(net.request({ url: srv.url, session }))
    assert.equal(error, null)
    assert.equal(body, 'ok')
    assert.equal(headerOf(srv.heads[0], 'User-Agent'), 'Agent/1.0')
    assertCleanWire(srv)
  })
}

test('setUserAgent(ua, acceptLanguages) sends Accept-Language with Chromium\'s q-values; a request\'s own Accept-Language wins; setUserAgent(ua) stops it', OPTIONS, async (t) => {
  const srv = await startHeadServer(t)
  const session = freshSession()
  session.setUserAgent('Agent/1.0', 'en-US,fr, de')
  assert.equal(session.getUserAgent(), 'Agent/1.0')
  await settle(net.request({ url: srv.url, session }))
  await settle(net.request({ url: srv.url, session, headers: { 'accept-language': 'ja' } }))
  assert.equal((await session.fetch(srv.url)).status, 200)
  assert.equal((await net.fetch(srv.url, { session })).status, 200)
  session.setUserAgent('Agent/2.0')
  await settle(net.request({ url: srv.url, session }))
  await settle(net.request({ url: srv.url, session: freshSession() }))

  assert.equal(srv.heads.length, 6)
  assert.deepEqual(srv.heads.map((head) => headerOf(head, 'Accept-Language')),
    ['en-US,fr;q=0.9,de;q=0.8', 'ja', 'en-US,fr;q=0.9,de;q=0.8', 'en-US,fr;q=0.9,de;q=0.8', undefined, undefined])
  assert.match(srv.heads[1], /\r\naccept-language: ja\r\n/, 'the app\'s header keeps its case, once')
  assert.equal(srv.heads[1].match(/accept-language/gi).length, 1)
  assert.equal(headerOf(srv.heads[4], 'User-Agent'), 'Agent/2.0')
  assertCleanWire(srv)
})

test('setUserAgent: q-values go down by 0.1 and stop at 0.1, as Chromium\'s', () => {
  const { acceptLanguageHeader } = require('../lib/session')
  assert.equal(acceptLanguageHeader('en-US'), 'en-US')
  assert.equal(acceptLanguageHeader('a,b,c,d,e,f,g,h,i,j,k,l'),
    'a,b;q=0.9,c;q=0.8,d;q=0.7,e;q=0.6,f;q=0.5,g;q=0.4,h;q=0.3,i;q=0.2,j;q=0.1,k;q=0.1,l;q=0.1')
  assert.equal(acceptLanguageHeader(' , '), '')
})

// --- the origin option ---

for (const [what, bad] of BAD_BYTES) {
  test(`the origin option with ${what} throws a TypeError before any byte is sent`, OPTIONS, async (t) => {
    const origin = `http://a.test${bad}X-Injected: 1`
    assert.throws(() => net.request({ url: 'http://127.0.0.1:1/', method: 'POST', origin }), {
      name: 'TypeError', message: `Invalid value for header 'Origin': '${origin}'`
    })
    await assert.rejects(net.fetch('http://127.0.0.1:1/', { method: 'POST', origin }), TypeError)
  })
}

test('a valid origin option is sent as Origin on a POST, nothing more', OPTIONS, async (t) => {
  const srv = await startHeadServer(t)
  const { error } = await settle(net.request({ url: srv.url, method: 'POST', origin: 'http://a.test/path?q', session: freshSession() }))
  assert.equal(error, null)
  assert.equal(headerOf(srv.heads[0], 'Origin'), 'http://a.test')
  assertCleanWire(srv)
})

// --- login credentials (server 401 and proxy 407) ---

const BASIC_401 = 'HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm="r"\r\nContent-Length: 0\r\n\r\n'

const BAD_CREDENTIALS = BAD_BYTES.flatMap(([what, bad]) => [
  [`${what} in the username`, `u${bad}X-Injected: 1`, 'p'],
  [`${what} in the password`, 'u', `p${bad}X-Injected: 1`]
])

for (const scheme of ['Basic', 'Digest']) {
  const challenge = scheme === 'Basic' ? 'Basic realm="r"' : 'Digest realm="r", nonce="n", qop="auth"'
  test(`login (${scheme}): a username or password with CR, LF or NUL fails the request with net::ERR_INVALID_ARGUMENT; nothing more is sent`, OPTIONS, async (t) => {
    const srv = await startHeadServer(t, () =>
      `HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: ${challenge}\r\nContent-Length: 0\r\n\r\n`)
    for (const [what, username, password] of BAD_CREDENTIALS) {
      const req = net.request({ url: srv.url, session: freshSession() })
      let logins = 0
      req.on('login', (authInfo, callback) => {
        logins++
        assert.equal(authInfo.isProxy, false)
        callback(username, password)
      })
      const { error, response } = await settle(req)
      assert.equal(error && error.message, 'net::ERR_INVALID_ARGUMENT', what)
      assert.equal(response, null, what)
      assert.equal(logins, 1, what)
    }
    assert.equal(srv.heads.length, BAD_CREDENTIALS.length, 'one head per request: no answer was sent')
    assert.equal(srv.heads.filter((head) => /\r\nAuthorization:/i.test(head)).length, 0)
    assertCleanWire(srv)
  })
}

test('login: valid credentials after all that still work (Basic, colon in the password)', OPTIONS, async (t) => {
  const srv = await startHeadServer(t, (head) => /\r\nAuthorization:/i.test(head) ? OK : BASIC_401)
  const req = net.request({ url: srv.url, session: freshSession() })
  req.on('login', (authInfo, callback) => callback('user', 'pa:ss'))
  const { error, body } = await settle(req)
  assert.equal(error, null)
  assert.equal(body, 'ok')
  assert.equal(headerOf(srv.heads[1], 'Authorization'), 'Basic ' + Buffer.from('user:pa:ss').toString('base64'))
  assertCleanWire(srv)
})

test('login with Digest: a username holding a quote and a backslash is quoted, not cut', OPTIONS, async (t) => {
  const srv = await startHeadServer(t, (head) => /\r\nAuthorization:/i.test(head)
    ? OK
    : 'HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Digest realm="r", nonce="n", qop="auth"\r\nContent-Length: 0\r\n\r\n')
  const req = net.request({ url: srv.url, session: freshSession() })
  req.on('login', (authInfo, callback) => callback('a"b\\c", X-Injected="1', 'p'))
  const { error } = await settle(req)
  assert.equal(error, null)
  const authorization = headerOf(srv.heads[1], 'Authorization')
  assert.match(authorization, /^Digest username="a\\"b\\\\c\\", X-Injected=\\"1", realm="r", /)
  assertCleanWire(srv)
})

test('proxy login (407): a username or password with CR, LF or NUL fails the request with net::ERR_INVALID_ARGUMENT; valid ones work', OPTIONS, async (t) => {
  const proxy = await startHeadServer(t, (head) => /\r\nProxy-Authorization:/i.test(head)
    ? OK
    : 'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="p"\r\nContent-Length: 0\r\n\r\n')
  const session = freshSession()
  await session.setProxy({ proxyRules: `http://127.0.0.1:${proxy.port}`, proxyBypassRules: '<-loopback>' })
  for (const [what, username, password] of BAD_CREDENTIALS) {
    const req = net.request({ url: 'http://127.0.0.1:1/through-proxy', session })
    req.on('login', (authInfo, callback) => {
      assert.equal(authInfo.isProxy, true)
      callback(username, password)
    })
    const { error } = await settle(req)
    assert.equal(error && error.message, 'net::ERR_INVALID_ARGUMENT', what)
  }
  assert.equal(proxy.heads.length, BAD_CREDENTIALS.length)
  assert.equal(proxy.heads.filter((head) => /\r\nProxy-Authorization:/i.test(head)).length, 0)
  const req = net.request({ url: 'http://127.0.0.1:1/through-proxy', session })
  req.on('login', (authInfo, callback) => callback('user', 'pass'))
  const { error, body } = await settle(req)
  assert.equal(error, null)
  assert.equal(body, 'ok')
  assert.equal(headerOf(proxy.heads.at(-1), 'Proxy-Authorization'), 'Basic ' + Buffer.from('user:pass').toString('base64'))
  assertCleanWire(proxy)
})

// --- proxy rules and PAC results ---

test('proxy rules with credentials holding an encoded CR LF are refused by setProxy; nothing reaches the proxy', OPTIONS, async (t) => {
  const proxy = await startHeadServer(t)
  const session = freshSession()
  await assert.rejects(session.setProxy({ proxyRules: `http://user:pa%0d%0aX-Injected: 1@127.0.0.1:${proxy.port}` }))
  await assert.rejects(session.setProxy({ proxyRules: `http://127.0.0.1:${proxy.port}\r\nX-Injected: 1` }))
  assert.equal(proxy.connections.length, 0)
})

function pacDataURL (script) {
  return 'data:application/x-ns-proxy-autoconfig;base64,' + Buffer.from(script).toString('base64')
}

test('a PAC result with CR LF in an element: that element is skipped, the valid one is used, the head stays clean', OPTIONS, async (t) => {
  const proxy = await startHeadServer(t)
  const session = freshSession()
  const script = `function FindProxyForURL(url, host) {
    return 'PROXY 127.0.0.1:${proxy.port}\\r\\nX-Injected: 1; PROXY 127.0.0.1:${proxy.port}';
  }`
  await session.setProxy({ pacScript: pacDataURL(script), proxyBypassRules: '<-loopback>' })
  assert.equal(await session.resolveProxy('http://127.0.0.1:1/'), `PROXY 127.0.0.1:${proxy.port}`)
  const { error, body } = await settle(net.request({ url: 'http://127.0.0.1:1/pac', session }))
  assert.equal(error, null)
  assert.equal(body, 'ok')
  assert.equal(proxy.heads[0].split('\r\n')[0], 'GET http://127.0.0.1:1/pac HTTP/1.1')
  assertCleanWire(proxy)
})

// --- redirect targets ---

test('a redirect whose Location holds a raw CR fails with net::ERR_INVALID_HTTP_RESPONSE; nothing follows', OPTIONS, async (t) => {
  const srv = await startHeadServer(t, () => 'HTTP/1.1 302 Found\r\nLocation: /next\rX-Injected: 1\r\nContent-Length: 0\r\n\r\n')
  const req = net.request({ url: srv.url, session: freshSession() })
  let redirects = 0
  req.on('redirect', () => { redirects++ })
  const { error, response } = await settle(req)
  assert.equal(error && error.message, 'net::ERR_INVALID_HTTP_RESPONSE')
  assert.equal(response, null)
  assert.equal(redirects, 0)
  assert.equal(srv.heads.length, 1)
  assertCleanWire(srv)
})

test('a redirect to a path with an encoded CR LF: the next request line carries it still encoded', OPTIONS, async (t) => {
  const srv = await startHeadServer(t, (head, i) => i === 0
    ? 'HTTP/1.1 302 Found\r\nLocation: /next%0d%0aX-Injected:%201%0D%0A\r\nContent-Length: 0\r\n\r\n'
    : OK)
  const { error, body } = await settle(net.request({ url: srv.url, session: freshSession() }))
  assert.equal(error, null)
  assert.equal(body, 'ok')
  assert.equal(srv.heads[1].split('\r\n')[0], 'GET /next%0d%0aX-Injected:%201%0D%0A HTTP/1.1')
  assert.equal(srv.heads[1].split('\r\n').filter((l) => /^X-Injected/i.test(l)).length, 0)
})

test('a redirect to a host with an encoded CR LF fails with net::ERR_INVALID_REDIRECT', OPTIONS, async (t) => {
  const srv = await startHeadServer(t, () =>
    'HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1%0d%0aX-Injected:%201/\r\nContent-Length: 0\r\n\r\n')
  const { error } = await settle(net.request({ url: srv.url, session: freshSession() }))
  assert.equal(error && error.message, 'net::ERR_INVALID_REDIRECT')
  assert.equal(srv.heads.length, 1)
  assertCleanWire(srv)
})

// --- fetch headers, Referer ---

test('net.fetch headers with CR, LF or NUL reject with a TypeError; nothing is sent', OPTIONS, async (t) => {
  const srv = await startHeadServer(t)
  for (const [, bad] of BAD_BYTES) {
    await assert.rejects(net.fetch(srv.url, { headers: { 'X-A': `a${bad}X-Injected: 1` } }), TypeError)
  }
  assert.equal(srv.connections.length, 0)
})

test('a referrer with CR LF cannot split the head (URL parsing drops them); setHeader refuses a raw Referer', OPTIONS, async (t) => {
  const srv = await startHeadServer(t)
  const res = await net.fetch(srv.url, { referrer: `${srv.url}a\r\nX-Injected: 1`, referrerPolicy: 'unsafe-url', session: freshSession() })
  assert.equal(res.status, 200)
  assert.equal(headerOf(srv.heads[0], 'Referer'), `${srv.url}aX-Injected:%201`)
  const req = net.request(srv.url)
  assert.throws(() => req.setHeader('Referer', `${srv.url}\r\nX-Injected: 1`), /Invalid value for header 'Referer'/)
  req.abort()
  assert.doesNotMatch(srv.wire(), /\r\nX-Injected/i)
})

// --- cookies: a Set-Cookie with a bare CR never gets into the jar ---

test('a Set-Cookie holding a bare CR fails its response, and no Cookie is ever sent from it', OPTIONS, async (t) => {
  const srv = await startHeadServer(t, (head, i) => i === 0
    ? 'HTTP/1.1 200 OK\r\nSet-Cookie: a=b\rX-Injected: 1\r\nContent-Length: 2\r\n\r\nok'
    : OK)
  const session = freshSession()
  const first = await settle(net.request({ url: srv.url, session, useSessionCookies: true }))
  assert.equal(first.error && first.error.message, 'net::ERR_INVALID_HTTP_RESPONSE')
  assert.deepEqual(await session.cookies.get({}), [])
  const second = await settle(net.request({ url: srv.url, session, useSessionCookies: true }))
  assert.equal(second.error, null)
  assert.equal(headerOf(srv.heads[1], 'Cookie'), undefined)
  assertCleanWire(srv)
})

// --- responses: a bare CR in a header line never reaches the app ---

const BARE_CR_HEADS = [
  ['in a header value', 'HTTP/1.1 200 OK\r\nX: a\rInjected: yes\r\nContent-Length: 2\r\n\r\nok'],
  ['in a header value, LF line ends', 'HTTP/1.1 200 OK\nX: a\rInjected: yes\nContent-Length: 2\n\nok'],
  ['in a header name', 'HTTP/1.1 200 OK\r\nX\rInjected: yes\r\nContent-Length: 2\r\n\r\nok'],
  ['in the reason phrase', 'HTTP/1.1 200 O\rInjected: yes\r\nContent-Length: 2\r\n\r\nok']
]

for (const [where, reply] of BARE_CR_HEADS) {
  test(`a response with a bare CR ${where}: net::ERR_INVALID_HTTP_RESPONSE, no response event`, OPTIONS, async (t) => {
    const srv = await startHeadServer(t, () => reply)
    const { error, response } = await settle(net.request({ url: srv.url, session: freshSession() }))
    assert.equal(error && error.message, 'net::ERR_INVALID_HTTP_RESPONSE')
    assert.equal(response, null)
    await assert.rejects(net.fetch(srv.url, { session: freshSession() }), /net::ERR_INVALID_HTTP_RESPONSE/)
  })
}

test('a CONNECT answer with a bare CR in a header: the tunnel fails (net::ERR_TUNNEL_CONNECTION_FAILED)', OPTIONS, async (t) => {
  const proxy = await startHeadServer(t, () => 'HTTP/1.1 200 Connection established\r\nX: a\rInjected: yes\r\n\r\n')
  const session = freshSession()
  await session.setProxy({ proxyRules: `http://127.0.0.1:${proxy.port}`, proxyBypassRules: '<-loopback>' })
  const { error, response } = await settle(net.request({ url: 'https://127.0.0.1:1/', session }))
  assert.equal(error && error.message, 'net::ERR_TUNNEL_CONNECTION_FAILED')
  assert.equal(response, null)
  assert.equal(proxy.heads[0].split('\r\n')[0], 'CONNECT 127.0.0.1:1 HTTP/1.1')
})
