'use strict'

// The test PKI: a CA and server certificates made fresh by
// `go run ./internal/testcert` once per test process, or made once by
// `go run ./internal/testcert -out DIR` and named by GO_NET_REQUEST_TEST_CERTS.

const { execFileSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const REPO_ROOT = path.resolve(__dirname, '..', '..')

/**
 * A certificate and its private key, both PEM.
 * @typedef {{ cert: string, key: string }} KeyPair
 */

/**
 * The test PKI. `cert`/`key` are the CA-signed server certificate for
 * localhost, 127.0.0.1 and ::1; the others are the same except as named.
 * @typedef {object} Certificates
 * @property {string} dir where the PEM files are; removed at process exit
 *   unless given by GO_NET_REQUEST_TEST_CERTS
 * @property {string} caFile path of ca.pem
 * @property {string} ca the CA certificate, PEM
 * @property {string} cert server certificate signed by the CA, valid now
 * @property {string} key its private key (PKCS#8 PEM)
 * @property {KeyPair} expired signed by the CA, expired yesterday
 * @property {KeyPair} wrongHost signed by the CA, SAN wrong.example only
 * @property {KeyPair} selfSigned self-signed, not from the CA
 */

/** @type {Certificates | null} */
let certificates = null

/**
 * Makes the test PKI on first call (in a fresh temporary directory, removed
 * when the process exits) and returns the same certificates on every call.
 * @returns {Certificates}
 */
function makeCertificates () {
  if (certificates) return certificates

  // Made beforehand where Go cannot run (the tests of a prebuild under
  // emulation: scripts/targets/wine.js).
  let dir = process.env.GO_NET_REQUEST_TEST_CERTS
  if (!dir) {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'go-net-request-certs-'))
    process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }))
    try {
      runGo(['run', './internal/testcert', '-out', dir])
    } catch (err) {
      const stderr = err.stderr ? String(err.stderr).trim() : ''
      throw new Error(`go run ./internal/testcert failed: ${stderr || err.message}`, { cause: err })
    }
  }

  const read = (name) => fs.readFileSync(path.join(dir, name), 'utf8')
  const pair = (stem) => ({ cert: read(`${stem}.pem`), key: read(`${stem}-key.pem`) })
  const server = pair('server')
  certificates = Object.freeze({
    dir,
    caFile: path.join(dir, 'ca.pem'),
    ca: read('ca.pem'),
    cert: server.cert,
    key: server.key,
    expired: Object.freeze(pair('expired')),
    wrongHost: Object.freeze(pair('wronghost')),
    selfSigned: Object.freeze(pair('selfsigned'))
  })
  return certificates
}

/**
 * Makes the test PKI and points the Go engine at its CA through
 * SSL_CERT_FILE, returning the certificates.
 *
 * Call it BEFORE the addon is first required: on Linux and macOS the Go
 * runtime copies the process environment when the shared library loads, so
 * a later change to process.env is never seen by Go (and crypto/x509 reads
 * its roots only once). On Windows and macOS the engine adds the file's
 * certificates to the system store itself (gocore systemRoots), so the CA
 * is trusted the same way everywhere, never installed system-wide. On
 * Linux Go still adds the system's certificate directories
 * (/etc/ssl/certs, ...) unless SSL_CERT_DIR is set; that only adds roots,
 * and no test contacts anything but 127.0.0.1. Node's own https ignores
 * SSL_CERT_FILE; give it `ca` instead.
 * @returns {Certificates}
 */
function trustTestCA () {
  const certs = makeCertificates()
  process.env.SSL_CERT_FILE = certs.caFile
  return certs
}

/**
 * Runs the go command in the repository root: `go` from PATH, else the
 * standard install in /usr/local/go.
 * @param {string[]} args
 */
function runGo (args) {
  const options = { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] }
  try {
    execFileSync('go', args, options)
  } catch (err) {
    if (err.code !== 'ENOENT') throw err
    execFileSync('/usr/local/go/bin/go', args, options)
  }
}

module.exports = { makeCertificates, trustTestCA }
