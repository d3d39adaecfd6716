'use strict'

// Sites (issue 12, point 7): the engine draws sites from the public-suffix
// list, schemefully, ports aside, as Chromium does, for Sec-Fetch-Site and
// for SameSite cookies. Hosts such as a.co.uk are reached through a
// loopback proxy that answers for every name itself (plain requests in
// absolute form, https through a CONNECT tunnel to a loopback https server),
// so only 127.0.0.1 is ever contacted.

const { test } = require('node:test')
const assert = require('node:assert/strict')
const http = require('node:http')
const netSocket = require('node:net')

const net = require('..')
const { startHttpServer, startHttpsServer } = require('./helpers/servers')
const { fetchText } = require('./helpers/sessions')

const TIMEOUT = { timeout: 20000 }

let partitions = 0
const freshSession = () => net.session.fromPartition(`sites-${++partitions}`)

/**
 * Starts a loopback proxy that is also the origin of every host asked of
 * it: `answer(req, res, target)` answers plain requests (target is the
 * absolute URL), and CONNECT tunnels all go to `tlsPort` on 127.0.0.1.
 * @returns {Promise<{ rules: string, close: () => Promise<void> }>}
 */
async function startSiteProxy (answer, tlsPort) {
  const sockets = new Set()
  const server = http.createServer((req, res) => answer(req, res, new URL(req.url)))
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  })
  server.on('connect', (req, socket, head) => {
    socket.on('error', () => {})
    const upstream = netSocket.connect(tlsPort, '127.0.0.1', () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      if (head.length) upstream.write(head)
      upstream.pipe(socket)
      socket.pipe(upstream)
    })
    sockets.add(upstream)
    upstream.on('error', () => socket.destroy())
    upstream.once('close', () => { sockets.delete(upstream); socket.destroy() })
    socket.once('close', () => upstream.destroy())
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address()
  return {
    rules: `127.0.0.1:${port}`,
    close () {
      for (const socket of sockets) socket.destroy()
      return new Promise((resolve) => server.close(() => resolve()))
    }
  }
}

test('Sec-Fetch-Site: two hosts under one public suffix are cross-site; ports do not matter, schemes do', TIMEOUT, async (t) => {
  const tls = await startHttpsServer((req, res) => {
    res.writeHead(200, { 'x-site': String(req.headers['sec-fetch-site']) })
    res.end(req.headers.host)
  })
  t.after(() => tls.close())
  const proxy = await startSiteProxy((req, res) => res.end('plain'), tls.port)
  t.after(() => proxy.close())
  const session = freshSession()
  await session.setProxy({ proxyRules: proxy.rules })
  session.setCertificateVerifyProc((request, callback) => callback(0)) // the test certificate names only loopback

  const cases = [
    ['https://b.co.uk', 'https://a.co.uk/', 'cross-site'],
    ['https://x.a.co.uk', 'https://y.a.co.uk/', 'same-site'],
    ['https://b.github.io', 'https://a.github.io/', 'cross-site'],
    ['https://www.example.com', 'https://api.example.com/', 'same-site'],
    ['https://api.example.com:8443', 'https://api.example.com/', 'same-site'],
    ['http://api.example.com', 'https://api.example.com/', 'cross-site'],
    ['https://api.example.com', 'https://api.example.com/x', 'same-origin'],
    [undefined, 'https://a.co.uk/', 'none']
  ]
  for (const [origin, url, want] of cases) {
    const response = await fetchText(net, { url, session, ...(origin ? { origin } : {}) })
    assert.equal(response.body, new URL(url).host, 'the request went through the tunnel')
    assert.equal(response.headers['x-site'], want, `${origin} to ${url}`)
  }
})

test('Sec-Fetch-Site walks the redirect chain: a request that went through another site stays cross-site', TIMEOUT, async (t) => {
  const seen = []
  const tls = await startHttpsServer((req, res) => {
    seen.push(`${req.headers.host}${req.url} ${req.headers['sec-fetch-site']}`)
    const next = { '/hop1': 'https://a.co.uk/hop2', '/hop2': 'https://api.example.com/end' }[req.url]
    res.writeHead(next ? 302 : 200, next ? { location: next } : {})
    res.end()
  })
  t.after(() => tls.close())
  const proxy = await startSiteProxy((req, res) => res.end('plain'), tls.port)
  t.after(() => proxy.close())
  const session = freshSession()
  await session.setProxy({ proxyRules: proxy.rules })
  session.setCertificateVerifyProc((request, callback) => callback(0))

  const response = await fetchText(net, { url: 'https://api.example.com/hop1', origin: 'https://api.example.com', session })
  assert.equal(response.statusCode, 200)
  assert.deepEqual(seen, [
    'api.example.com/hop1 same-origin',
    'a.co.uk/hop2 cross-site',
    'api.example.com/end cross-site'
  ])
})

test('Sec-Fetch-Site on loopback names: each *.localhost name is a site, an IP is its own site', TIMEOUT, async (t) => {
  const srv = await startHttpServer((req, res) => res.end(String(req.headers['sec-fetch-site'])))
  t.after(() => srv.close())
  const cases = [
    ['http://a.localhost:1', `http://b.localhost:${srv.port}/`, 'cross-site'],
    ['http://x.app.localhost', `http://y.app.localhost:${srv.port}/`, 'same-site'],
    ['http://127.0.0.1:1', `http://127.0.0.1:${srv.port}/`, 'same-site'],
    ['http://127.0.0.2', `http://127.0.0.1:${srv.port}/`, 'cross-site'],
    [`https://127.0.0.1:${srv.port}`, `http://127.0.0.1:${srv.port}/`, 'cross-site'],
    ['http://localhost', `http://127.0.0.1:${srv.port}/`, 'cross-site']
  ]
  for (const [origin, url, want] of cases) {
    const response = await fetchText(net, { url, origin, session: freshSession() })
    assert.equal(response.body, want, `${origin} to ${url}`)
  }
})

test('SameSite cookies stay home across a redirect between two sites under one public suffix', TIMEOUT, async (t) => {
  const seen = []
  const proxy = await startSiteProxy((req, res, target) => {
    seen.push(`${target.host}${target.pathname} ${req.headers.cookie}`)
    if (target.pathname === '/start') {
      const next = target.hostname === 'a.co.uk' ? 'http://b.co.uk/end' : 'http://api.example.com/end'
      res.writeHead(302, { location: next, 'set-cookie': 'first=1' })
      return res.end()
    }
    res.writeHead(200, { 'set-cookie': [`end=${target.hostname}`, `endStrict=1; SameSite=Strict`] })
    res.end('end')
  }, 1)
  t.after(() => proxy.close())
  const session = freshSession()
  await session.setProxy({ proxyRules: proxy.rules })
  for (const host of ['b.co.uk', 'api.example.com']) {
    await session.cookies.set({ url: `http://${host}/`, name: 'lax', value: host })
    await session.cookies.set({ url: `http://${host}/`, name: 'unspecified', value: host, sameSite: 'unspecified' })
  }

  await fetchText(net, { url: 'http://a.co.uk/start', session, useSessionCookies: true })
  await fetchText(net, { url: 'http://www.example.com/start', session, useSessionCookies: true })
  assert.deepEqual(seen, [
    'a.co.uk/start undefined',
    'b.co.uk/end undefined', // a.co.uk and b.co.uk are two sites: a cross-site request
    'www.example.com/start undefined',
    'api.example.com/end lax=api.example.com; unspecified=api.example.com' // one site, example.com
  ])
  const stored = (await session.cookies.get({})).map((c) => `${c.domain} ${c.name}`).sort()
  assert.deepEqual(stored, [
    'a.co.uk first',
    'api.example.com end',
    'api.example.com endStrict',
    'api.example.com lax',
    'api.example.com unspecified',
    'b.co.uk lax', // set through the API; the cross-site response's cookies were not stored
    'b.co.uk unspecified',
    'www.example.com first'
  ])
})

test('the origin option is the initiator of the SameSite cookie context: a cross-site one gets only SameSite=None cookies', TIMEOUT, async (t) => {
  let n = 0
  const srv = await startHttpServer((req, res) => {
    res.writeHead(200, { 'set-cookie': [`set${++n}=1`, `setNone${n}=1; SameSite=None; Secure`] })
    res.end(String(req.headers.cookie))
  })
  t.after(() => srv.close())
  const session = freshSession()
  await session.cookies.set({ url: srv.url, name: 'none', value: '1', sameSite: 'no_restriction' })
  await session.cookies.set({ url: srv.url, name: 'lax', value: '2' })
  await session.cookies.set({ url: srv.url, name: 'strict', value: '3', sameSite: 'strict' })

  const cross = await fetchText(net, { url: srv.url, session, credentials: 'include', origin: 'http://localhost:1' })
  assert.equal(cross.body, 'none=1')
  const sameSite = await fetchText(net, { url: srv.url, session, credentials: 'include', origin: 'http://127.0.0.1:1' })
  assert.equal(sameSite.body, 'none=1; lax=2; strict=3; setNone1=1', 'another port of the same host is the same site')
  assert.deepEqual((await session.cookies.get({})).map((c) => c.name).sort(),
    ['lax', 'none', 'set2', 'setNone1', 'setNone2', 'strict'], 'the cross-site response stored only its SameSite=None cookie')
})
