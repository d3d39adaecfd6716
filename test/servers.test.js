'use strict'

// Checks the test helpers themselves: the test PKI, the loopback servers and
// the event helpers, using only Node's own clients.

const { test } = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('node:crypto')
const { EventEmitter } = require('node:events')
const http = require('node:http')
const https = require('node:https')
const { Readable } = require('node:stream')

const { makeCertificates, trustTestCA } = require('./helpers/tls')
const {
  startHttpServer,
  startHttpsServer,
  respondRoutes,
  startAuthServer,
  startRawServer
} = require('./helpers/servers')
const { collectBody, once, recordEvents } = require('./helpers/events')

/**
 * Makes one request with node:http or node:https (no agent, so no pooled
 * socket outlives the test) and resolves with its status, headers and body.
 */
async function request (url, { method = 'GET', headers = {}, body, ...options } = {}) {
  const client = url.startsWith('https:') ? https : http
  const req = client.request(url, { method, headers, agent: false, ...options })
  req.end(body)
  const [res] = await once(req, 'response')
  return { status: res.statusCode, headers: res.headers, body: (await collectBody(res)).toString() }
}

test('the test PKI is fresh ECDSA P-256 with the promised names and dates', () => {
  const certs = makeCertificates()
  assert.equal(makeCertificates(), certs, 'made once per process')
  const ca = new crypto.X509Certificate(certs.ca)
  const now = Date.now()
  assert.equal(ca.ca, true)

  const leaves = {
    server: certs,
    expired: certs.expired,
    wrongHost: certs.wrongHost,
    selfSigned: certs.selfSigned
  }
  for (const [name, { cert, key }] of Object.entries(leaves)) {
    const x = new crypto.X509Certificate(cert)
    assert.match(key, /^-----BEGIN PRIVATE KEY-----\n/, `${name} key is PKCS#8`)
    const privateKey = crypto.createPrivateKey(key)
    assert.equal(privateKey.asymmetricKeyType, 'ec', name)
    assert.equal(privateKey.asymmetricKeyDetails.namedCurve, 'prime256v1', name)
    assert.equal(x.checkPrivateKey(privateKey), true, `${name} key matches`)
    assert.equal(x.ca, false, name)
    assert.equal(x.verify(ca.publicKey), name !== 'selfSigned', `${name} signed by the CA`)
  }

  const server = new crypto.X509Certificate(certs.cert)
  assert.equal(server.subjectAltName, 'DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1')
  assert.ok(Date.parse(server.validFrom) <= now && now < Date.parse(server.validTo))
  const expired = new crypto.X509Certificate(certs.expired.cert)
  assert.ok(Date.parse(expired.validTo) < now - 12 * 3600e3, 'expired about a day ago')
  assert.equal(new crypto.X509Certificate(certs.wrongHost.cert).subjectAltName, 'DNS:wrong.example')
  const selfSigned = new crypto.X509Certificate(certs.selfSigned.cert)
  assert.equal(selfSigned.checkIP('127.0.0.1'), '127.0.0.1')
  assert.equal(selfSigned.verify(selfSigned.publicKey), true)
})

test('trustTestCA points SSL_CERT_FILE at the CA', (t) => {
  const before = process.env.SSL_CERT_FILE
  t.after(() => {
    if (before === undefined) delete process.env.SSL_CERT_FILE
    else process.env.SSL_CERT_FILE = before
  })
  const certs = trustTestCA()
  assert.equal(process.env.SSL_CERT_FILE, certs.caFile)
  assert.equal(require('node:fs').readFileSync(certs.caFile, 'utf8'), certs.ca)
})

test('node:https trusting the test CA reaches the https server', async (t) => {
  const { ca } = makeCertificates()
  const srv = await startHttpsServer((req, res) => res.end(`secure ${req.url}`))
  t.after(() => srv.close())
  assert.match(srv.url, /^https:\/\/127\.0\.0\.1:\d+\/$/)

  for (const url of [`${srv.origin}/a`, `https://localhost:${srv.port}/b`]) {
    const res = await request(url, { ca })
    assert.equal(res.status, 200)
    assert.equal(res.body, `secure ${new URL(url).pathname}`)
  }
  assert.deepEqual(srv.requests.map((r) => r.url), ['/a', '/b'])
})

test('node:https rejects the bad certificates', async (t) => {
  const certs = makeCertificates()
  const cases = [
    { name: 'expired', pair: certs.expired, code: 'CERT_HAS_EXPIRED' },
    { name: 'wrong host', pair: certs.wrongHost, code: 'ERR_TLS_CERT_ALTNAME_INVALID' },
    { name: 'self-signed', pair: certs.selfSigned, code: 'DEPTH_ZERO_SELF_SIGNED_CERT' },
    { name: 'CA not trusted', pair: certs, code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', ca: null }
  ]
  for (const c of cases) {
    await t.test(c.name, async (t) => {
      const srv = await startHttpsServer((req, res) => res.end('unreachable'), { cert: c.pair.cert, key: c.pair.key })
      t.after(() => srv.close())
      const options = c.ca === null ? {} : { ca: certs.ca }
      await assert.rejects(request(srv.url, options), { code: c.code })
      assert.equal(srv.requests.length, 0)
    })
  }
})

test('the http server records requests and respondRoutes routes them', async (t) => {
  const srv = await startHttpServer(respondRoutes({
    'POST /echo': (req, res) => res.end(req.body),
    '/any': (req, res) => res.end(`any ${req.method}`),
    'GET /any': (req, res) => res.end('get wins'),
    'GET /q?x=1': (req, res) => res.end('exact target')
  }))
  t.after(() => srv.close())

  assert.deepEqual(await request(`${srv.origin}/echo`, { method: 'POST', body: 'hello', headers: { 'X-Test': 'yes' } })
    .then((r) => [r.status, r.body]), [200, 'hello'])
  assert.equal((await request(`${srv.origin}/any`)).body, 'get wins')
  assert.equal((await request(`${srv.origin}/any?z`, { method: 'PUT' })).body, 'any PUT')
  assert.equal((await request(`${srv.origin}/q?x=1`)).body, 'exact target')
  assert.deepEqual(await request(`${srv.origin}/q?x=2`).then((r) => [r.status, r.body]), [404, 'not found'])
  assert.equal((await request(`${srv.origin}/echo`)).status, 404, 'method-specific route')

  const [post] = srv.requests
  assert.equal(srv.requests.length, 6)
  assert.equal(post.method, 'POST')
  assert.equal(post.url, '/echo')
  assert.equal(post.headers['x-test'], 'yes')
  assert.ok(post.rawHeaders.includes('X-Test'))
  assert.deepEqual(post.body, Buffer.from('hello'))
})

test('close() destroys sockets in use and resolves', async (t) => {
  let responding
  const started = new Promise((resolve) => { responding = resolve })
  const srv = await startHttpServer((req, res) => {
    res.writeHead(200)
    res.write('partial')
    responding()
  })
  t.after(() => srv.close())
  const req = http.get(srv.url, { agent: false })
  const [res] = await once(req, 'response')
  await started
  const body = collectBody(res)
  await srv.close()
  await assert.rejects(body)
  await srv.close() // idempotent
})

test('the Basic auth server rejects bad credentials and accepts good ones', async (t) => {
  const srv = await startAuthServer({ scheme: 'basic', realm: 'basic realm', username: 'alice', password: 'secret' })
  t.after(() => srv.close())
  const basic = (user, pass) => ({ authorization: 'Basic ' + Buffer.from(`${user}:${pass}`).toString('base64') })

  const none = await request(srv.url)
  assert.equal(none.status, 401)
  assert.equal(none.body, 'denied')
  assert.equal(none.headers['www-authenticate'], 'Basic realm="basic realm", charset="UTF-8"')
  assert.equal((await request(srv.url, { headers: basic('alice', 'wrong') })).status, 401)
  assert.equal((await request(srv.url, { headers: basic('bob', 'secret') })).status, 401)

  const good = await request(`${srv.origin}/some/path`, { headers: basic('alice', 'secret') })
  assert.deepEqual([good.status, good.body], [200, 'ok alice'])
  assert.deepEqual([srv.challenges, srv.logins], [3, 1])
})

for (const algorithm of ['MD5', 'SHA-256']) {
  test(`the Digest ${algorithm} auth server checks responses per RFC 7616`, async (t) => {
    const srv = await startAuthServer({ scheme: 'digest', realm: 'digest@test', username: 'alice', password: 'secret', algorithm })
    t.after(() => srv.close())

    const first = await request(`${srv.origin}/dir/index.html?x=1`)
    assert.equal(first.status, 401)
    assert.equal(first.body, 'denied')
    const challenge = first.headers['www-authenticate']
    assert.match(challenge, /^Digest /)
    const c = parseChallenge(challenge)
    assert.equal(c.realm, 'digest@test')
    assert.equal(c.qop, 'auth')
    assert.equal(c.algorithm, algorithm)
    assert.ok(c.nonce && c.opaque)

    const uri = '/dir/index.html?x=1'
    const url = srv.origin + uri
    const auth = (fields) => ({ authorization: digestAuthorization({ ...c, method: 'GET', uri, username: 'alice', password: 'secret', ...fields }) })
    const cases = [
      { name: 'wrong password', fields: { password: 'nope' } },
      { name: 'wrong user', fields: { username: 'bob' } },
      { name: 'unknown nonce', fields: { nonce: 'f'.repeat(32) } },
      { name: 'uri other than the target', fields: { uri: '/dir/other' } },
      { name: 'wrong opaque', fields: { opaque: 'x' } },
      { name: 'signed for another method', fields: { method: 'POST' } }
    ]
    for (const { name, fields } of cases) {
      assert.equal((await request(url, { headers: auth(fields) })).status, 401, name)
    }
    const good = await request(url, { headers: auth({}) })
    assert.deepEqual([good.status, good.body], [200, 'ok alice'])
    assert.deepEqual([srv.challenges, srv.logins], [1 + cases.length, 1])
  })
}

test('the raw server records the bytes it receives and writes what the test says', async (t) => {
  const srv = await startRawServer(async (socket, connection) => {
    await connection.waitFor('\r\n\r\n')
    socket.end('HTTP/1.1 200 OK\r\nContent-Length: 3\r\nX-Odd:  spaced \r\n\r\nraw')
  })
  t.after(() => srv.close())
  assert.match(srv.url, /^http:\/\/127\.0\.0\.1:\d+\/$/)

  const res = await request(`${srv.origin}/raw`, { headers: { 'X-Test': '1' } })
  assert.deepEqual([res.status, res.body, res.headers['x-odd']], [200, 'raw', 'spaced'])
  assert.equal(srv.connections.length, 1)
  const head = srv.connections[0].data.toString('latin1')
  assert.match(head, /^GET \/raw HTTP\/1\.1\r\n/)
  assert.match(head, /\r\nX-Test: 1\r\n/)
  assert.ok(head.endsWith('\r\n\r\n'))
})

test('the event helpers record orders, wait and collect', async () => {
  const emitter = new EventEmitter()
  const events = recordEvents(emitter, ['response', 'end', 'close'])
  emitter.emit('response', 1, 2)
  emitter.emit('ignored')
  emitter.emit('end')
  emitter.emit('close')
  assert.deepStrictEqual(events, ['response', 'end', 'close'])
  assert.deepStrictEqual(events.args, [[1, 2], [], []])

  const waiting = once(emitter, 'finish')
  emitter.emit('finish', 'a')
  assert.deepStrictEqual(await waiting, ['a'])
  const failing = once(emitter, 'finish')
  emitter.emit('error', new Error('boom'))
  await assert.rejects(failing, { message: 'boom' })
  assert.equal(emitter.listenerCount('finish'), 0)

  assert.deepEqual(await collectBody(Readable.from(['ab', Buffer.from('cd')])), Buffer.from('abcd'))
  const broken = new Readable({ read () { this.destroy(new Error('cut')) } })
  await assert.rejects(collectBody(broken), { message: 'cut' })
})

/** parseChallenge reads `Digest k="v", k=v` into an object (test-side, independent of the server). */
function parseChallenge (header) {
  const params = {}
  for (const m of header.slice('Digest '.length).matchAll(/(\w+)=(?:"([^"]*)"|([^\s,]+))/g)) {
    params[m[1]] = m[2] ?? m[3]
  }
  return params
}

/** digestAuthorization computes an RFC 7616 Authorization value with qop=auth. */
function digestAuthorization ({ algorithm, realm, nonce, opaque, method, uri, username, password }) {
  const hash = { MD5: 'md5', 'SHA-256': 'sha256' }[algorithm]
  const H = (s) => crypto.createHash(hash).update(s).digest('hex')
  const nc = '00000001'
  const cnonce = crypto.randomBytes(8).toString('hex')
  const ha1 = H(`${username}:${realm}:${password}`)
  const ha2 = H(`${method}:${uri}`)
  const response = H(`${ha1}:${nonce}:${nc}:${cnonce}:auth:${ha2}`)
  return `Digest username="${username}", realm="${realm}", nonce="${nonce}", uri="${uri}", ` +
    `algorithm=${algorithm}, response="${response}", qop=auth, nc=${nc}, cnonce="${cnonce}", opaque="${opaque}"`
}
