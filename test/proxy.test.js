'use strict'

// Proxies (docs/behaviour.md#proxies; issue "Network paths"):
// session.setProxy with Electron's ProxyConfig (direct, auto_detect,
// fixed_servers with Chromium's proxyRules and proxyBypassRules grammars,
// pac_script with a real FindProxyForURL), session.resolveProxy's Chromium
// strings, requests through loopback HTTP proxies (absolute form for http,
// CONNECT for https) and SOCKS5, proxy logins (isProxy) and their per-session
// credentials, unreachable proxies and fallbacks, and the implicit loopback
// bypass.
//
// Every test uses a fresh partition, so no proxy config or credentials leak
// between tests. Targets live on 127.0.0.1, which is never proxied unless
// proxyBypassRules holds <-loopback>; the tests that want the proxy used
// say so. Names like foopy or www.example.com are only resolved through
// resolveProxy, never fetched.

const { trustTestCA } = require('./helpers/tls')
trustTestCA() // before the library loads: Go reads SSL_CERT_FILE once

const { test } = require('node:test')
const assert = require('node:assert/strict')

const net = require('..')
const { startHttpServer, startHttpsServer } = require('./helpers/servers')
const { collectBody, recordEvents } = require('./helpers/events')
const { startHttpProxy, startSocks5Proxy, closedPort } = require('./helpers/proxies')

const TIMEOUT = { timeout: 20000 }
const REQUEST_EVENTS = ['login', 'response', 'error', 'abort', 'close']
const PROXY_USER = 'proxy-user'
const PROXY_PASS = 'proxy-pass'
const PROXY_REALM = 'Test Proxy Realm'
const PROXY_BASIC = 'Basic ' + Buffer.from(`${PROXY_USER}:${PROXY_PASS}`).toString('base64')

let partitions = 0
/** A session nobody else has touched. */
function freshSession () {
  return net.session.fromPartition(`proxy-${++partitions}`)
}

/**
 * Runs a request to its 'close'. `onLogin(authInfo, callback)`, when given,
 * is the login listener (and 'login' is recorded); without it there is no
 * login listener at all. Resolves with the recorded events, the response,
 * its body as text and the error, if any.
 */
async function run (options, { body, onLogin } = {}) {
  const request = net.request(options)
  const events = recordEvents(request, onLogin ? REQUEST_EVENTS : REQUEST_EVENTS.filter((e) => e !== 'login'))
  const closed = new Promise((resolve) => request.once('close', resolve))
  let response = null
  let bodyDone = null
  let received = null
  request.on('response', (res) => {
    response = res
    bodyDone = collectBody(res).then((b) => { received = b.toString() })
  })
  if (onLogin) request.on('login', onLogin)
  if (body !== undefined) request.write(body)
  request.end()
  await closed
  if (bodyDone) await bodyDone
  const i = events.indexOf('error')
  return { events, response, body: received, error: i >= 0 ? events.args[i][0] : null }
}

/** A login listener that counts its calls and cancels each login. */
function loginCounter () {
  const listener = (authInfo, callback) => {
    listener.count++
    callback()
  }
  listener.count = 0
  return listener
}

/** A target that answers every request with `<label> <method> <url>` (and echoes a body). */
function echo (label) {
  return (req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' })
    res.end(`${label} ${req.method} ${req.url}${req.body.length ? ' ' + req.body.toString() : ''}`)
  }
}

async function startTargets (t) {
  const http = await startHttpServer(echo('http'))
  t.after(() => http.close())
  const https = await startHttpsServer(echo('https'))
  t.after(() => https.close())
  return { http, https }
}

function assertNetError (err, name) {
  assert.ok(err instanceof Error, `expected an Error, got ${err}`)
  assert.equal(err.message, `net::${name}`)
  assert.equal(err.code, name)
}

// --- resolveProxy: the configuration grammars --------------------------------

test('setProxy resolves to undefined; a fresh session resolves DIRECT', TIMEOUT, async () => {
  const ses = freshSession()
  assert.equal(await ses.resolveProxy('http://www.example.com/'), 'DIRECT')
  const p = ses.setProxy({ proxyRules: 'foopy:80' })
  assert.ok(p instanceof Promise)
  assert.equal(await p, undefined)
  assert.equal(await ses.resolveProxy('http://www.example.com/'), 'PROXY foopy:80')
})

test('fixed_servers: per-scheme rules, fallback lists with direct://, socks5', TIMEOUT, async () => {
  const cases = [
    {
      rules: 'http=foopy:80;https=bar:8080,direct://',
      expect: {
        'http://www.example.com/path': 'PROXY foopy:80',
        'https://www.example.com/path': 'PROXY bar:8080;DIRECT'
      }
    },
    {
      rules: 'http=foopy:80',
      expect: {
        'http://www.example.com/': 'PROXY foopy:80',
        'https://www.example.com/': 'DIRECT' // no rule for https
      }
    },
    {
      rules: 'socks5://host:1080',
      expect: {
        'http://www.example.com/': 'SOCKS5 host:1080',
        'https://www.example.com/': 'SOCKS5 host:1080'
      }
    },
    {
      rules: 'foopy:8080', // one proxy for every scheme
      expect: {
        'http://www.example.com/': 'PROXY foopy:8080',
        'https://www.example.com/': 'PROXY foopy:8080'
      }
    },
    {
      rules: 'foopy', // an http proxy's default port
      expect: { 'http://www.example.com/': 'PROXY foopy:80' }
    },
    {
      rules: 'http=foopy:80,socks5://fallback.test:1080,direct://',
      expect: { 'http://www.example.com/': 'PROXY foopy:80;SOCKS5 fallback.test:1080;DIRECT' }
    },
    {
      rules: 'https=https://secure.test:443',
      expect: {
        'https://www.example.com/': 'HTTPS secure.test:443',
        'http://www.example.com/': 'DIRECT'
      }
    }
  ]
  for (const c of cases) {
    const ses = freshSession()
    await ses.setProxy({ mode: 'fixed_servers', proxyRules: c.rules })
    for (const [url, want] of Object.entries(c.expect)) {
      assert.equal(await ses.resolveProxy(url), want, `rules ${c.rules}, url ${url}`)
    }
  }
})

test('direct and auto_detect modes resolve DIRECT, whatever proxyRules say', TIMEOUT, async () => {
  for (const mode of ['direct', 'auto_detect']) {
    const ses = freshSession()
    await ses.setProxy({ mode, proxyRules: 'foopy:80' })
    assert.equal(await ses.resolveProxy('http://www.example.com/'), 'DIRECT', mode)
    assert.equal(await ses.resolveProxy('https://www.example.com/'), 'DIRECT', mode)
  }
  // Going back to direct after fixed_servers.
  const ses = freshSession()
  await ses.setProxy({ proxyRules: 'foopy:80' })
  assert.equal(await ses.resolveProxy('http://www.example.com/'), 'PROXY foopy:80')
  await ses.setProxy({ mode: 'direct' })
  assert.equal(await ses.resolveProxy('http://www.example.com/'), 'DIRECT')
})

test('proxyBypassRules: <local>, *.example.com, an IP block', TIMEOUT, async () => {
  const ses = freshSession()
  await ses.setProxy({
    mode: 'fixed_servers',
    proxyRules: 'proxy.test:3128',
    proxyBypassRules: '<local>,*.example.com,192.168.0.0/16'
  })
  const expect = {
    'http://intranet/': 'DIRECT', // <local>: a plain host name
    'http://intranet:8080/x': 'DIRECT',
    'http://intranet.corp/': 'PROXY proxy.test:3128', // has a dot: not <local>
    'http://www.example.com/': 'DIRECT',
    'https://deep.sub.example.com/x': 'DIRECT',
    'http://example.com/': 'PROXY proxy.test:3128', // *.example.com needs a subdomain
    'http://www.example.org/': 'PROXY proxy.test:3128',
    'http://192.168.1.20/': 'DIRECT',
    'http://192.169.1.20/': 'PROXY proxy.test:3128'
  }
  for (const [url, want] of Object.entries(expect)) {
    assert.equal(await ses.resolveProxy(url), want, url)
  }
})

test('loopback destinations are DIRECT unless proxyBypassRules holds <-loopback>', TIMEOUT, async () => {
  const loopback = ['http://127.0.0.1:8080/', 'http://127.4.5.6/', 'http://localhost/', 'https://localhost:8443/x', 'http://[::1]:8080/']

  const plain = freshSession()
  await plain.setProxy({ proxyRules: 'proxy.test:3128' })
  for (const url of loopback) assert.equal(await plain.resolveProxy(url), 'DIRECT', url)
  assert.equal(await plain.resolveProxy('http://www.example.com/'), 'PROXY proxy.test:3128')

  const withBypassList = freshSession()
  await withBypassList.setProxy({ proxyRules: 'proxy.test:3128', proxyBypassRules: '*.example.com' })
  for (const url of loopback) assert.equal(await withBypassList.resolveProxy(url), 'DIRECT', url)

  const keep = freshSession()
  await keep.setProxy({ proxyRules: 'proxy.test:3128', proxyBypassRules: '<-loopback>' })
  for (const url of loopback) assert.equal(await keep.resolveProxy(url), 'PROXY proxy.test:3128', url)
})

// --- PAC ------------------------------------------------------------------------

const PAC = `
function FindProxyForURL(url, host) {
  if (isPlainHostName(host)) return 'DIRECT';
  if (dnsDomainIs(host, '.example.com')) return 'PROXY corp.test:8080; DIRECT';
  if (shExpMatch(url, 'http://*.socks.test/*')) return 'SOCKS5 socks.test:1080';
  if (shExpMatch(host, '*.multi.test')) return 'PROXY a.test:1; PROXY b.test:2';
  return 'PROXY default.test:3128';
}`

function pacDataURL (script) {
  return 'data:application/x-ns-proxy-autoconfig;base64,' + Buffer.from(script).toString('base64')
}

test('pac_script: a data: URL PAC with shExpMatch, isPlainHostName, dnsDomainIs', TIMEOUT, async () => {
  const expect = {
    'http://intranet/': 'DIRECT',
    'http://www.example.com/x': 'PROXY corp.test:8080;DIRECT',
    'https://a.b.example.com/': 'PROXY corp.test:8080;DIRECT',
    'http://a.socks.test/p': 'SOCKS5 socks.test:1080',
    'https://a.socks.test/p': 'PROXY default.test:3128', // the url is https: no shExpMatch
    'http://x.multi.test/': 'PROXY a.test:1;PROXY b.test:2',
    'http://www.example.org/': 'PROXY default.test:3128'
  }
  // With the mode given, and with only pacScript (Electron's defaulting).
  for (const config of [{ mode: 'pac_script', pacScript: pacDataURL(PAC) }, { pacScript: pacDataURL(PAC) }]) {
    const ses = freshSession()
    await ses.setProxy(config)
    for (const [url, want] of Object.entries(expect)) {
      assert.equal(await ses.resolveProxy(url), want, `${JSON.stringify(Object.keys(config))} ${url}`)
    }
  }
})

test('pac_script: requests go where FindProxyForURL says (and loopback only with <-loopback>)', TIMEOUT, async (t) => {
  const { http } = await startTargets(t)
  const proxy = await startHttpProxy()
  t.after(() => proxy.close())
  const script = `function FindProxyForURL(url, host) {
    if (host == '127.0.0.1' && shExpMatch(url, '*/via-proxy*')) return 'PROXY 127.0.0.1:${proxy.port}';
    return 'DIRECT';
  }`

  const ses = freshSession()
  await ses.setProxy({ mode: 'pac_script', pacScript: pacDataURL(script), proxyBypassRules: '<-loopback>' })
  assert.equal(await ses.resolveProxy(http.origin + '/via-proxy'), `PROXY 127.0.0.1:${proxy.port}`)
  assert.equal(await ses.resolveProxy(http.origin + '/direct'), 'DIRECT')

  const proxied = await run({ url: http.origin + '/via-proxy', session: ses })
  assert.equal(proxied.error, null)
  assert.equal(proxied.body, 'http GET /via-proxy')
  const direct = await run({ url: http.origin + '/direct', session: ses })
  assert.equal(direct.body, 'http GET /direct')
  assert.deepEqual(proxy.stats.targets, [http.origin + '/via-proxy'])

  // Without <-loopback> the PAC is not even asked about loopback.
  const implicit = freshSession()
  await implicit.setProxy({ mode: 'pac_script', pacScript: pacDataURL(script) })
  assert.equal(await implicit.resolveProxy(http.origin + '/via-proxy'), 'DIRECT')
})

// --- requests through HTTP proxies --------------------------------------------

test('http GET through an HTTP proxy goes in absolute form', TIMEOUT, async (t) => {
  const { http } = await startTargets(t)
  const proxy = await startHttpProxy()
  t.after(() => proxy.close())

  const ses = freshSession()
  await ses.setProxy({ proxyRules: `http=127.0.0.1:${proxy.port}`, proxyBypassRules: '<-loopback>' })
  const url = http.origin + '/path?q=1'
  assert.equal(await ses.resolveProxy(url), `PROXY 127.0.0.1:${proxy.port}`)

  const { events, response, body } = await run({ url, session: ses })
  assert.deepEqual(events, ['response', 'close'])
  assert.equal(response.statusCode, 200)
  assert.equal(body, 'http GET /path?q=1')
  assert.equal(proxy.stats.requests, 1)
  assert.deepEqual(proxy.stats.targets, [url], 'the proxy got the absolute-form target')
  assert.equal(proxy.stats.connects, 0)
  assert.equal(http.requests.length, 1)
  assert.equal(http.requests[0].url, '/path?q=1')
  assert.equal(http.requests[0].headers.host, `127.0.0.1:${http.port}`)
})

test('a POST body goes through the HTTP proxy', TIMEOUT, async (t) => {
  const { http } = await startTargets(t)
  const proxy = await startHttpProxy()
  t.after(() => proxy.close())

  const ses = freshSession()
  await ses.setProxy({ proxyRules: `127.0.0.1:${proxy.port}`, proxyBypassRules: '<-loopback>' })
  const { response, body } = await run({ url: http.origin + '/post', method: 'POST', session: ses }, { body: 'payload' })
  assert.equal(response.statusCode, 200)
  assert.equal(body, 'http POST /post payload')
  assert.deepEqual(proxy.stats.targets, [http.origin + '/post'])
})

test('https GET through an HTTP proxy uses a CONNECT tunnel', TIMEOUT, async (t) => {
  const { https } = await startTargets(t)
  const proxy = await startHttpProxy()
  t.after(() => proxy.close())

  const ses = freshSession()
  await ses.setProxy({ proxyRules: `https=127.0.0.1:${proxy.port}`, proxyBypassRules: '<-loopback>' })
  const url = https.origin + '/secure?x=2'
  assert.equal(await ses.resolveProxy(url), `PROXY 127.0.0.1:${proxy.port}`)

  const { events, response, body } = await run({ url, session: ses })
  assert.deepEqual(events, ['response', 'close'])
  assert.equal(response.statusCode, 200)
  assert.equal(body, 'https GET /secure?x=2')
  assert.equal(proxy.stats.connects, 1)
  assert.equal(proxy.stats.tunnels, 1)
  assert.deepEqual(proxy.stats.authorities, [`127.0.0.1:${https.port}`])
  assert.equal(proxy.stats.requests, 0, 'nothing in plain text to the proxy')
  assert.equal(https.requests[0].url, '/secure?x=2')
})

test('SOCKS5 carries http and https', TIMEOUT, async (t) => {
  const { http, https } = await startTargets(t)
  const socks = await startSocks5Proxy()
  t.after(() => socks.close())

  const ses = freshSession()
  await ses.setProxy({ proxyRules: `socks5://127.0.0.1:${socks.port}`, proxyBypassRules: '<-loopback>' })
  assert.equal(await ses.resolveProxy(http.url), `SOCKS5 127.0.0.1:${socks.port}`)
  assert.equal(await ses.resolveProxy(https.url), `SOCKS5 127.0.0.1:${socks.port}`)

  const plain = await run({ url: http.origin + '/a', session: ses })
  assert.equal(plain.error, null)
  assert.equal(plain.body, 'http GET /a')
  const secure = await run({ url: https.origin + '/b', session: ses })
  assert.equal(secure.error, null)
  assert.equal(secure.body, 'https GET /b')

  assert.equal(socks.stats.tunnels, 2)
  assert.deepEqual(socks.stats.targets, [`127.0.0.1:${http.port}`, `127.0.0.1:${https.port}`])
  assert.ok(socks.stats.methods.every((m) => m.includes(0)), 'no-auth offered')
  assert.equal(http.requests[0].url, '/a', 'origin form through SOCKS')
})

test('a SOCKS5 server that demands a user name fails with net::ERR_SOCKS_CONNECTION_FAILED (Chromium offers no SOCKS auth)', TIMEOUT, async (t) => {
  const { http } = await startTargets(t)
  const socks = await startSocks5Proxy({ auth: { username: 'u', password: 'p' } })
  t.after(() => socks.close())

  const ses = freshSession()
  await ses.setProxy({ proxyRules: `socks5://127.0.0.1:${socks.port}`, proxyBypassRules: '<-loopback>' })
  const { events, error } = await run({ url: http.url, session: ses })
  assert.deepEqual(events, ['error', 'close'])
  assertNetError(error, 'ERR_SOCKS_CONNECTION_FAILED')
  assert.equal(socks.stats.refusedAuth, 1)
  assert.equal(socks.stats.tunnels, 0)
  assert.equal(http.requests.length, 0)
})

// --- proxy logins ---------------------------------------------------------------

function authProxy () {
  return startHttpProxy({ auth: { username: PROXY_USER, password: PROXY_PASS, realm: PROXY_REALM } })
}

test('proxy login over plain http: isProxy login, retry through the proxy, credentials reused', TIMEOUT, async (t) => {
  const { http } = await startTargets(t)
  const proxy = await authProxy()
  t.after(() => proxy.close())

  const ses = freshSession()
  await ses.setProxy({ proxyRules: `http=127.0.0.1:${proxy.port}`, proxyBypassRules: '<-loopback>' })

  const first = await run({ url: http.origin + '/first', session: ses }, {
    onLogin: (authInfo, callback) => callback(PROXY_USER, PROXY_PASS)
  })
  assert.deepEqual(first.events, ['login', 'response', 'close'])
  assert.deepEqual(first.events.args[0][0], {
    isProxy: true,
    scheme: 'basic',
    host: '127.0.0.1',
    port: proxy.port,
    realm: PROXY_REALM
  })
  assert.equal(first.response.statusCode, 200)
  assert.equal(first.body, 'http GET /first')
  assert.equal(proxy.stats.challenges, 1)
  assert.deepEqual(proxy.stats.authorizations, [undefined, PROXY_BASIC])
  assert.equal(http.requests.length, 1, 'only the authorized request reached the target')
  assert.equal(http.requests[0].headers['proxy-authorization'], undefined)

  // The same session sends them at once to that proxy: no 407, no login.
  const logins = loginCounter()
  const second = await run({ url: http.origin + '/second', session: ses }, { onLogin: logins })
  assert.equal(logins.count, 0)
  assert.deepEqual(second.events, ['response', 'close'])
  assert.equal(second.body, 'http GET /second')
  assert.equal(proxy.stats.challenges, 1)
  assert.deepEqual(proxy.stats.authorizations, [undefined, PROXY_BASIC, PROXY_BASIC])

  // Another session knows nothing of them.
  const other = freshSession()
  await other.setProxy({ proxyRules: `http=127.0.0.1:${proxy.port}`, proxyBypassRules: '<-loopback>' })
  const otherLogins = loginCounter()
  const third = await run({ url: http.origin + '/third', session: other }, { onLogin: otherLogins })
  assert.equal(otherLogins.count, 1)
  assert.equal(third.response.statusCode, 407)
})

test('proxy login over plain http: a buffered POST body is sent again', TIMEOUT, async (t) => {
  const { http } = await startTargets(t)
  const proxy = await authProxy()
  t.after(() => proxy.close())

  const ses = freshSession()
  await ses.setProxy({ proxyRules: `http=127.0.0.1:${proxy.port}`, proxyBypassRules: '<-loopback>' })
  const { events, response, body } = await run({ url: http.origin + '/upload', method: 'POST', session: ses }, {
    body: 'the body',
    onLogin: (authInfo, callback) => setTimeout(() => callback(PROXY_USER, PROXY_PASS), 10)
  })
  assert.deepEqual(events, ['login', 'response', 'close'])
  assert.equal(response.statusCode, 200)
  assert.equal(body, 'http POST /upload the body')
  assert.equal(proxy.stats.requests, 2)
})

test('proxy login over plain http: wrong credentials ask again; credentials that failed are not kept', TIMEOUT, async (t) => {
  const { http } = await startTargets(t)
  const proxy = await authProxy()
  t.after(() => proxy.close())

  const ses = freshSession()
  await ses.setProxy({ proxyRules: `http=127.0.0.1:${proxy.port}`, proxyBypassRules: '<-loopback>' })
  const answers = [[PROXY_USER, 'wrong'], []]
  const first = await run({ url: http.origin + '/first', session: ses }, {
    onLogin: (authInfo, callback) => callback(...answers.shift())
  })
  assert.deepEqual(first.events, ['login', 'login', 'response', 'close'])
  for (const args of first.events.args.slice(0, 2)) assert.equal(args[0].isProxy, true)
  assert.equal(first.response.statusCode, 407)
  assert.equal(first.body, 'proxy auth required')
  const wrong = 'Basic ' + Buffer.from(`${PROXY_USER}:wrong`).toString('base64')
  assert.deepEqual(proxy.stats.authorizations, [undefined, wrong])

  // Only credentials that worked are cached (a wrong answer is not
  // replayed on every later request): the next request
  // starts without any, and asks once.
  const sent = proxy.stats.authorizations.length
  const second = await run({ url: http.origin + '/second', session: ses }, {
    onLogin: (authInfo, callback) => callback(PROXY_USER, PROXY_PASS)
  })
  assert.deepEqual(second.events, ['login', 'response', 'close'])
  assert.equal(second.body, 'http GET /second')
  assert.deepEqual(proxy.stats.authorizations.slice(sent), [undefined, PROXY_BASIC])
})

test('proxy login over CONNECT: wrong credentials ask again, then the right ones open the tunnel', TIMEOUT, async (t) => {
  const { https } = await startTargets(t)
  const proxy = await authProxy()
  t.after(() => proxy.close())

  const ses = freshSession()
  await ses.setProxy({ proxyRules: `https=127.0.0.1:${proxy.port}`, proxyBypassRules: '<-loopback>' })
  const answers = [[PROXY_USER, 'wrong'], [PROXY_USER, PROXY_PASS]]
  const { events, body, error } = await run({ url: https.url, session: ses }, {
    onLogin: (authInfo, callback) => callback(...answers.shift())
  })
  assert.equal(error, null)
  assert.deepEqual(events, ['login', 'login', 'response', 'close'])
  assert.equal(body, 'https GET /')
  assert.equal(proxy.stats.connects, 3)
  assert.equal(proxy.stats.tunnels, 1)
})

test('proxy login over CONNECT: wrong credentials then callback() fail the tunnel; nothing wrong is kept', TIMEOUT, async (t) => {
  const { https } = await startTargets(t)
  const proxy = await authProxy()
  t.after(() => proxy.close())

  const ses = freshSession()
  await ses.setProxy({ proxyRules: `https=127.0.0.1:${proxy.port}`, proxyBypassRules: '<-loopback>' })
  const answers = [[PROXY_USER, 'wrong'], []]
  const first = await run({ url: https.url, session: ses }, {
    onLogin: (authInfo, callback) => callback(...answers.shift())
  })
  assert.deepEqual(first.events, ['login', 'login', 'error', 'close'])
  assertNetError(first.error, 'ERR_TUNNEL_CONNECTION_FAILED')

  const sent = proxy.stats.authorizations.length
  const second = await run({ url: https.url, session: ses }, {
    onLogin: (authInfo, callback) => callback(PROXY_USER, PROXY_PASS)
  })
  assert.equal(second.error, null)
  assert.deepEqual(second.events, ['login', 'response', 'close'])
  assert.deepEqual(proxy.stats.authorizations.slice(sent), [undefined, PROXY_BASIC])
})

test('credentials: omit emits no proxy login, yet cached proxy credentials still apply', TIMEOUT, async (t) => {
  const { http, https } = await startTargets(t)
  const proxy = await authProxy()
  t.after(() => proxy.close())

  const ses = freshSession()
  await ses.setProxy({ proxyRules: `127.0.0.1:${proxy.port}`, proxyBypassRules: '<-loopback>' })
  const logins = loginCounter()
  const plain = await run({ url: http.url, session: ses, credentials: 'omit' }, { onLogin: logins })
  assert.equal(logins.count, 0)
  assert.deepEqual(plain.events, ['response', 'close'])
  assert.equal(plain.response.statusCode, 407)
  const tunnel = await run({ url: https.url, session: ses, credentials: 'omit' }, { onLogin: logins })
  assert.equal(logins.count, 0)
  assert.deepEqual(tunnel.events, ['error', 'close'])
  assertNetError(tunnel.error, 'ERR_TUNNEL_CONNECTION_FAILED')

  // Log in once (plain http), then omit requests use the cached credentials.
  const login = await run({ url: http.origin + '/login', session: ses }, {
    onLogin: (authInfo, callback) => callback(PROXY_USER, PROXY_PASS)
  })
  assert.equal(login.body, 'http GET /login')
  const again = await run({ url: http.origin + '/omit', session: ses, credentials: 'omit' }, { onLogin: logins })
  assert.equal(again.body, 'http GET /omit')
  const secure = await run({ url: https.origin + '/omit', session: ses, credentials: 'omit' }, { onLogin: logins })
  assert.equal(secure.error, null)
  assert.equal(secure.body, 'https GET /omit')
  assert.equal(logins.count, 0)
})

test('proxy login over CONNECT: isProxy login, the tunnel retried with credentials, reused', TIMEOUT, async (t) => {
  const { https } = await startTargets(t)
  const other = await startHttpsServer(echo('other'))
  t.after(() => other.close())
  const proxy = await authProxy()
  t.after(() => proxy.close())

  const ses = freshSession()
  await ses.setProxy({ proxyRules: `127.0.0.1:${proxy.port}`, proxyBypassRules: '<-loopback>' })

  const first = await run({ url: https.origin + '/first', session: ses }, {
    onLogin: (authInfo, callback) => callback(PROXY_USER, PROXY_PASS)
  })
  assert.equal(first.error, null)
  assert.deepEqual(first.events, ['login', 'response', 'close'])
  assert.deepEqual(first.events.args[0][0], {
    isProxy: true,
    scheme: 'basic',
    host: '127.0.0.1',
    port: proxy.port,
    realm: PROXY_REALM
  })
  assert.equal(first.response.statusCode, 200)
  assert.equal(first.body, 'https GET /first')
  assert.equal(proxy.stats.connects, 2)
  assert.equal(proxy.stats.tunnels, 1)
  assert.deepEqual(proxy.stats.authorizations, [undefined, PROXY_BASIC])

  // A new tunnel (another origin) in the same session: credentials at once.
  const logins = loginCounter()
  const second = await run({ url: other.origin + '/second', session: ses }, { onLogin: logins })
  assert.equal(logins.count, 0)
  assert.equal(second.error, null)
  assert.equal(second.body, 'other GET /second')
  assert.equal(proxy.stats.connects, 3)
  assert.equal(proxy.stats.tunnels, 2)
  assert.equal(proxy.stats.challenges, 1)
  assert.deepEqual(proxy.stats.authorizations, [undefined, PROXY_BASIC, PROXY_BASIC])
})

test('proxy login over plain http: callback() and no listener deliver the 407 as the response', TIMEOUT, async (t) => {
  const { http } = await startTargets(t)
  const proxy = await authProxy()
  t.after(() => proxy.close())

  const ses = freshSession()
  await ses.setProxy({ proxyRules: `http=127.0.0.1:${proxy.port}`, proxyBypassRules: '<-loopback>' })
  const logins = loginCounter()
  const cancelled = await run({ url: http.url, session: ses }, { onLogin: logins })
  assert.deepEqual(cancelled.events, ['login', 'response', 'close'])
  assert.equal(cancelled.events.args[0][0].isProxy, true)
  assert.equal(cancelled.response.statusCode, 407)
  assert.equal(cancelled.body, 'proxy auth required')
  assert.match(String(cancelled.response.headers['proxy-authenticate']), /^Basic realm="Test Proxy Realm"$/)

  // Nothing was cached by the cancelled login: no listener at all now.
  const unheard = await run({ url: http.url, session: ses })
  assert.deepEqual(unheard.events, ['response', 'close'])
  assert.equal(unheard.response.statusCode, 407)
  assert.equal(unheard.body, 'proxy auth required')
  assert.equal(http.requests.length, 0, 'nothing reached the target')
})

test('proxy login over CONNECT: callback() and no listener fail with net::ERR_TUNNEL_CONNECTION_FAILED', TIMEOUT, async (t) => {
  const { https } = await startTargets(t)
  const proxy = await authProxy()
  t.after(() => proxy.close())

  const ses = freshSession()
  await ses.setProxy({ proxyRules: `https=127.0.0.1:${proxy.port}`, proxyBypassRules: '<-loopback>' })
  const logins = loginCounter()
  const cancelled = await run({ url: https.url, session: ses }, { onLogin: logins })
  assert.deepEqual(cancelled.events, ['login', 'error', 'close'])
  assert.deepEqual(cancelled.events.args[0][0], { isProxy: true, scheme: 'basic', host: '127.0.0.1', port: proxy.port, realm: PROXY_REALM })
  assertNetError(cancelled.error, 'ERR_TUNNEL_CONNECTION_FAILED')

  const unheard = await run({ url: https.url, session: ses })
  assert.deepEqual(unheard.events, ['error', 'close'])
  assertNetError(unheard.error, 'ERR_TUNNEL_CONNECTION_FAILED')
  assert.equal(proxy.stats.tunnels, 0)
  assert.equal(https.requests.length, 0)
})

// --- unreachable proxies, fallbacks, loopback ------------------------------------

test('an unreachable proxy fails with net::ERR_PROXY_CONNECTION_FAILED (http, CONNECT, SOCKS5)', TIMEOUT, async (t) => {
  const { http, https } = await startTargets(t)
  const port = await closedPort()

  const cases = [
    { rules: `http=127.0.0.1:${port}`, url: http.url },
    { rules: `https=127.0.0.1:${port}`, url: https.url },
    { rules: `socks5://127.0.0.1:${port}`, url: http.url }
  ]
  for (const c of cases) {
    const ses = freshSession()
    await ses.setProxy({ proxyRules: c.rules, proxyBypassRules: '<-loopback>' })
    const { events, error } = await run({ url: c.url, session: ses })
    assert.deepEqual(events, ['error', 'close'], c.rules)
    assertNetError(error, 'ERR_PROXY_CONNECTION_FAILED')
  }
  assert.equal(http.requests.length, 0)
  assert.equal(https.requests.length, 0)
})

test('fallbacks: an unreachable proxy gives way to direct:// and to the next proxy', TIMEOUT, async (t) => {
  const { http, https } = await startTargets(t)
  const port = await closedPort()
  const proxy = await startHttpProxy()
  t.after(() => proxy.close())

  const toDirect = freshSession()
  await toDirect.setProxy({ proxyRules: `http=127.0.0.1:${port},direct://`, proxyBypassRules: '<-loopback>' })
  assert.equal(await toDirect.resolveProxy(http.url), `PROXY 127.0.0.1:${port};DIRECT`)
  const direct = await run({ url: http.origin + '/direct', session: toDirect })
  assert.equal(direct.error, null)
  assert.equal(direct.body, 'http GET /direct')
  assert.equal(http.requests[0].url, '/direct', 'sent directly, in origin form')

  const toProxy = freshSession()
  await toProxy.setProxy({ proxyRules: `127.0.0.1:${port},127.0.0.1:${proxy.port}`, proxyBypassRules: '<-loopback>' })
  assert.equal(await toProxy.resolveProxy(https.url), `PROXY 127.0.0.1:${port};PROXY 127.0.0.1:${proxy.port}`)
  const viaNext = await run({ url: http.origin + '/next', session: toProxy })
  assert.equal(viaNext.body, 'http GET /next')
  const tunnelled = await run({ url: https.origin + '/tunnel', session: toProxy })
  assert.equal(tunnelled.body, 'https GET /tunnel')
  assert.deepEqual(proxy.stats.targets, [http.origin + '/next'])
  assert.equal(proxy.stats.tunnels, 1)
})

test('without <-loopback> requests to 127.0.0.1 and localhost go DIRECT; the proxy sees nothing', TIMEOUT, async (t) => {
  const { http, https } = await startTargets(t)
  const proxy = await startHttpProxy()
  t.after(() => proxy.close())

  const ses = freshSession()
  await ses.setProxy({ proxyRules: `127.0.0.1:${proxy.port}` })
  for (const url of [http.url, https.url, `http://localhost:${http.port}/`]) {
    assert.equal(await ses.resolveProxy(url), 'DIRECT', url)
  }
  const a = await run({ url: http.origin + '/a', session: ses })
  assert.equal(a.body, 'http GET /a')
  const b = await run({ url: `http://localhost:${http.port}/b`, session: ses })
  assert.equal(b.body, 'http GET /b')
  const c = await run({ url: https.origin + '/c', session: ses })
  assert.equal(c.body, 'https GET /c')
  assert.equal(proxy.stats.requests, 0)
  assert.equal(proxy.stats.connects, 0)
})

test('setProxy replaces the config: the next request follows the new one', TIMEOUT, async (t) => {
  const { http } = await startTargets(t)
  const proxy = await startHttpProxy()
  t.after(() => proxy.close())

  const ses = freshSession()
  await ses.setProxy({ proxyRules: `http=127.0.0.1:${proxy.port}`, proxyBypassRules: '<-loopback>' })
  assert.equal((await run({ url: http.origin + '/1', session: ses })).body, 'http GET /1')
  await ses.setProxy({ mode: 'direct' })
  assert.equal((await run({ url: http.origin + '/2', session: ses })).body, 'http GET /2')
  await ses.setProxy({ proxyRules: `http=127.0.0.1:${proxy.port}`, proxyBypassRules: '<-loopback>' })
  assert.equal((await run({ url: http.origin + '/3', session: ses })).body, 'http GET /3')
  assert.deepEqual(proxy.stats.targets, [http.origin + '/1', http.origin + '/3'])
  assert.deepEqual(http.requests.map((r) => r.url), ['/1', '/2', '/3'])
})

// --- net.fetch ------------------------------------------------------------------

test('net.fetch and session.fetch go through the session\'s proxy', TIMEOUT, async (t) => {
  const { http, https } = await startTargets(t)
  const proxy = await startHttpProxy()
  t.after(() => proxy.close())

  const ses = freshSession()
  await ses.setProxy({ proxyRules: `127.0.0.1:${proxy.port}`, proxyBypassRules: '<-loopback>' })
  const a = await net.fetch(http.origin + '/fetch', { session: ses })
  assert.equal(a.status, 200)
  assert.equal(await a.text(), 'http GET /fetch')
  const b = await ses.fetch(https.origin + '/session-fetch')
  assert.equal(b.status, 200)
  assert.equal(await b.text(), 'https GET /session-fetch')
  assert.deepEqual(proxy.stats.targets, [http.origin + '/fetch'])
  assert.deepEqual(proxy.stats.authorities, [`127.0.0.1:${https.port}`])

  const port = await closedPort()
  const broken = freshSession()
  await broken.setProxy({ proxyRules: `127.0.0.1:${port}`, proxyBypassRules: '<-loopback>' })
  await assert.rejects(broken.fetch(http.url), (err) => {
    assertNetError(err, 'ERR_PROXY_CONNECTION_FAILED')
    return true
  })
})
