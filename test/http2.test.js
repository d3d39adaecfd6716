'use strict'
// HTTP/2 by ALPN, response timing, and the system proxy settings.
const { trustTestCA } = require('./helpers/tls')
const certs = trustTestCA() // before the library loads: Go reads SSL_CERT_FILE then
const { test } = require('node:test')
const assert = require('node:assert/strict')
const http2 = require('node:http2')
const { spawn } = require('node:child_process')
const net = require('..')
const { startHttpServer } = require('./helpers/servers')
const { collectBody } = require('./helpers/events')

/** An HTTP/2 server on 127.0.0.1 counting its sessions (connections). */
function startH2Server (handler) {
  const server = http2.createSecureServer({ cert: certs.cert, key: certs.key }, handler)
  const sessions = new Set()
  let connections = 0
  server.on('session', (session) => {
    connections++
    sessions.add(session)
    session.on('close', () => sessions.delete(session))
  })
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    url: `https://127.0.0.1:${server.address().port}/`,
    get connections () { return connections },
    openSessions: () => sessions.size,
    close: () => new Promise((done) => {
      for (const s of sessions) s.destroy()
      server.close(done)
    })
  })))
}

function get (options) {
  return new Promise((resolve, reject) => {
    const req = net.request(options)
    req.on('response', async (res) => resolve({ res, body: (await collectBody(res)).toString() }))
    req.on('error', reject)
    req.end()
  })
}

test('HTTP/2 is negotiated by ALPN: httpVersion 2.0, and concurrent requests share one connection', { timeout: 20000 }, async (t) => {
  const srv = await startH2Server((req, res) => {
    res.setHeader('set-cookie', ['a=1', 'b=2'])
    res.end(`${req.httpVersion} ${req.method} ${req.url}`)
  })
  t.after(() => srv.close())
  const session = net.session.fromPartition('h2-shared')
  const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => get({ url: srv.url + 'n' + i, session })))
  for (const [i, { res, body }] of answers.entries()) {
    assert.equal(res.httpVersion, '2.0')
    assert.equal(res.httpVersionMajor, 2)
    assert.equal(body, `2.0 GET /n${i}`)
    assert.deepEqual(res.headers['set-cookie'], ['a=1', 'b=2'])
  }
  assert.equal(srv.connections, 1, 'one multiplexed connection')
})

test('HTTP/2 carries buffered and streamed bodies, and closeAllConnections closes its connection', { timeout: 20000 }, async (t) => {
  const srv = await startH2Server(async (req, res) => {
    const body = await collectBody(req)
    res.end(`${req.method} ${body.length}`)
  })
  t.after(() => srv.close())
  const session = net.session.fromPartition('h2-bodies')
  const buffered = await new Promise((resolve, reject) => {
    const req = net.request({ url: srv.url, method: 'POST', session })
    req.on('response', async (res) => resolve((await collectBody(res)).toString()))
    req.on('error', reject)
    req.end(Buffer.alloc(100000, 1))
  })
  assert.equal(buffered, 'POST 100000')
  const streamed = await new Promise((resolve, reject) => {
    const req = net.request({ url: srv.url, method: 'PUT', session })
    req.chunkedEncoding = true
    req.on('response', async (res) => resolve((await collectBody(res)).toString()))
    req.on('error', reject)
    for (let i = 0; i < 10; i++) req.write(Buffer.alloc(65536, i))
    req.end()
  })
  assert.equal(streamed, 'PUT 655360')
  assert.equal(srv.openSessions(), 1)
  await session.closeAllConnections()
  const deadline = Date.now() + 5000
  while (srv.openSessions() > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20))
  assert.equal(srv.openSessions(), 0, 'the server saw the connection close')
})

test('priority becomes the RFC 9218 priority header on HTTP/2', { timeout: 20000 }, async (t) => {
  const srv = await startH2Server((req, res) => res.end(String(req.headers.priority)))
  t.after(() => srv.close())
  const session = net.session.fromPartition('h2-priority')
  assert.equal((await get({ url: srv.url, session, priority: 'low' })).body, 'u=2')
  assert.equal((await get({ url: srv.url, session, priority: 'highest', priorityIncremental: true })).body, 'u=0, i')
  assert.equal((await get({ url: srv.url, session })).body, 'undefined')
})

test('response.timing tells how the answer came, on a new and on a reused connection', { timeout: 20000 }, async (t) => {
  const srv = await startHttpServer((req, res) => res.end('timed'))
  t.after(() => srv.close())
  const first = await get(`http://localhost:${srv.port}/`)
  const timing = first.res.timing
  assert.equal(timing.reused, false)
  assert.equal(timing.protocol, 'http/1.1')
  assert.equal(timing.remoteAddress, '127.0.0.1')
  assert.equal(timing.remotePort, srv.port)
  for (const phase of ['dns', 'connect', 'sent', 'firstByte', 'end']) {
    assert.equal(typeof timing[phase], 'number', phase)
    assert.ok(timing[phase] >= 0, phase)
  }
  assert.ok(timing.firstByte >= timing.sent && timing.end >= timing.firstByte)
  const second = await get(`http://localhost:${srv.port}/`)
  assert.equal(second.res.timing.reused, true)
  assert.equal(second.res.timing.connect, 0)
})

test('response.timing over HTTP/2 names the protocol, the TLS version and the cipher', { timeout: 20000 }, async (t) => {
  const srv = await startH2Server((req, res) => res.end('x'))
  t.after(() => srv.close())
  const { res } = await get({ url: srv.url, session: net.session.fromPartition('h2-timing') })
  assert.equal(res.timing.protocol, 'h2')
  assert.equal(res.timing.tlsVersion, 'TLS 1.3')
  assert.match(res.timing.cipher, /^TLS_/)
  assert.ok(res.timing.tls > 0)
})

test('the system proxy settings (HTTP_PROXY, NO_PROXY) are the default, read in a child process', { timeout: 20000 }, async () => {
  const script = `
    const net = require(${JSON.stringify(require.resolve('..'))})
    Promise.all([
      net.session.defaultSession.resolveProxy('http://intranet.test/'),
      net.session.defaultSession.resolveProxy('http://skip.test/'),
      net.session.defaultSession.resolveProxy('http://127.0.0.1:8080/')
    ]).then((answers) => console.log(JSON.stringify(answers)))`
  const child = spawn(process.execPath, ['-e', script], {
    env: { ...process.env, HTTP_PROXY: 'http://127.0.0.1:3128', NO_PROXY: 'skip.test' },
    stdio: ['ignore', 'pipe', 'inherit']
  })
  let out = ''
  child.stdout.on('data', (chunk) => { out += chunk })
  const code = await new Promise((resolve) => child.on('close', resolve))
  assert.equal(code, 0)
  assert.deepEqual(JSON.parse(out), ['PROXY 127.0.0.1:3128', 'DIRECT', 'DIRECT'])
})
