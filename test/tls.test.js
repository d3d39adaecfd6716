'use strict'
// Certificate verification: the system store (here the test CA through
// SSL_CERT_FILE), setCertificateVerifyProc and per-session extra CAs, and
// which error a certificate with several problems gets (Chromium's order).
const { spawn } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')
const { makeCertificates } = require('./helpers/tls')
const certs = makeCertificates() // not trusted: SSL_CERT_FILE stays unset here
const { test } = require('node:test')
const assert = require('node:assert/strict')
const net = require('..')
const { startHttpsServer } = require('./helpers/servers')

async function body (session, url) {
  const res = await session.fetch(url)
  return res.text()
}

test('an untrusted CA fails with net::ERR_CERT_AUTHORITY_INVALID by default', { timeout: 20000 }, async (t) => {
  const srv = await startHttpsServer((req, res) => res.end('secret'))
  t.after(() => srv.close())
  await assert.rejects(net.fetch(srv.url), { message: 'net::ERR_CERT_AUTHORITY_INVALID', code: 'ERR_CERT_AUTHORITY_INVALID' })
})

test('setCertificateVerifyProc sees the certificate and the engine verdict, and decides', { timeout: 20000 }, async (t) => {
  const srv = await startHttpsServer((req, res) => res.end('secret'))
  t.after(() => srv.close())
  const ses = net.session.fromPartition('tls-proc')
  const seen = []
  ses.setCertificateVerifyProc((request, callback) => {
    seen.push(request)
    setImmediate(() => callback(0)) // answered later: the handshake waits
  })
  assert.equal(await body(ses, srv.url), 'secret')
  assert.equal(seen.length, 1)
  const [request] = seen
  assert.equal(request.hostname, '127.0.0.1')
  assert.equal(request.verificationResult, 'net::ERR_CERT_AUTHORITY_INVALID')
  assert.equal(request.errorCode, -202)
  assert.match(request.certificate.data, /^-----BEGIN CERTIFICATE-----/)
  assert.match(request.certificate.fingerprint, /^sha256\//)
  assert.equal(typeof request.certificate.validExpiry, 'number')

  ses.setCertificateVerifyProc((request, callback) => callback(-2))
  await assert.rejects(body(ses, srv.url), { message: 'net::ERR_FAILED' })
  ses.setCertificateVerifyProc((request, callback) => callback(-3))
  await assert.rejects(body(ses, srv.url), { message: 'net::ERR_CERT_AUTHORITY_INVALID' })
  ses.setCertificateVerifyProc(null)
  await assert.rejects(body(ses, srv.url), { message: 'net::ERR_CERT_AUTHORITY_INVALID' })
  assert.throws(() => ses.setCertificateVerifyProc('no'), TypeError)
})

test('a certificate for another host reaches the proc as net::ERR_CERT_COMMON_NAME_INVALID', { timeout: 20000 }, async (t) => {
  const srv = await startHttpsServer((req, res) => res.end('x'), certs.wrongHost)
  t.after(() => srv.close())
  const ses = net.session.fromPartition('tls-wrong-host')
  await ses.setCACertificates(certs.ca)
  let verdict
  ses.setCertificateVerifyProc((request, callback) => {
    verdict = request.verificationResult
    callback(-3)
  })
  await assert.rejects(body(ses, srv.url), { message: 'net::ERR_CERT_COMMON_NAME_INVALID' })
  assert.equal(verdict, 'net::ERR_CERT_COMMON_NAME_INVALID')
})

test('setCACertificates trusts a private CA for that session only', { timeout: 20000 }, async (t) => {
  const srv = await startHttpsServer((req, res) => res.end('private'))
  t.after(() => srv.close())
  const ses = net.session.fromPartition('tls-private-ca')
  await ses.setCACertificates([certs.ca])
  assert.equal(await body(ses, srv.url), 'private')
  await assert.rejects(net.fetch(srv.url), { message: 'net::ERR_CERT_AUTHORITY_INVALID' }, 'the default session is untouched')
  await assert.rejects(ses.setCACertificates('not a certificate'), /no PEM certificate/)
  await ses.setCACertificates('')
  await assert.rejects(body(ses, srv.url), { message: 'net::ERR_CERT_AUTHORITY_INVALID' }, 'back to the system store')
})

test('an untrusted certificate for another host is net::ERR_CERT_AUTHORITY_INVALID, as Chromium ranks it', { timeout: 20000 }, async (t) => {
  const srv = await startHttpsServer((req, res) => res.end('x'), certs.wrongHost)
  t.after(() => srv.close())
  await assert.rejects(net.fetch(srv.url), { message: 'net::ERR_CERT_AUTHORITY_INVALID' })
})

test('an expired certificate is net::ERR_CERT_DATE_INVALID once its CA is trusted, net::ERR_CERT_AUTHORITY_INVALID before', { timeout: 20000 }, async (t) => {
  const srv = await startHttpsServer((req, res) => res.end('x'), certs.expired)
  t.after(() => srv.close())
  await assert.rejects(net.fetch(srv.url), { message: 'net::ERR_CERT_AUTHORITY_INVALID' })
  const ses = net.session.fromPartition('tls-expired')
  await ses.setCACertificates(certs.ca)
  await assert.rejects(body(ses, srv.url), { message: 'net::ERR_CERT_DATE_INVALID' })
})

/**
 * Fetches url in a child process whose SSL_CERT_FILE is file; resolves to
 * the body or the error message.
 */
async function fetchWithCertFile (url, file) {
  const script = `
    require(${JSON.stringify(require.resolve('..'))}).fetch(${JSON.stringify(url)})
      .then((res) => res.text(), (err) => err.message)
      .then((answer) => console.log(JSON.stringify(answer)))`
  const child = spawn(process.execPath, ['-e', script], {
    env: { ...process.env, SSL_CERT_FILE: file },
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 15000
  })
  let out = ''
  child.stdout.on('data', (chunk) => { out += chunk })
  const code = await new Promise((resolve) => child.on('close', resolve))
  assert.equal(code, 0, `the child exited with ${code}: ${out}`)
  return JSON.parse(out)
}

test('SSL_CERT_FILE trusts its certificates on every platform; a missing file or one without certificates adds nothing', { timeout: 30000 }, async (t) => {
  const srv = await startHttpsServer((req, res) => res.end('trusted'))
  t.after(() => srv.close())
  assert.equal(await fetchWithCertFile(srv.url, certs.caFile), 'trusted')
  const noCertificate = path.join(certs.dir, 'no-certificate.pem')
  fs.writeFileSync(noCertificate, 'no certificate here\n')
  for (const file of [noCertificate, path.join(certs.dir, 'missing.pem')]) {
    assert.equal(await fetchWithCertFile(srv.url, file), 'net::ERR_CERT_AUTHORITY_INVALID', file)
  }
})
