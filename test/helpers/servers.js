'use strict'

// Loopback servers for the tests. Each listens on 127.0.0.1, port 0, records
// what it receives, and is closed by the test that started it:
//
//   const srv = await startHttpServer(respondRoutes({ 'GET /': (req, res) => res.end('hi') }))
//   t.after(() => srv.close())
//
// `url` is `origin + '/'`; build others with `new URL('/path', srv.url)` or
// `srv.origin + '/path'`.

const crypto = require('node:crypto')
const http = require('node:http')
const https = require('node:https')
const net = require('node:net')

const HOST = '127.0.0.1'
const EMPTY = Buffer.alloc(0)
const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+" // RFC 9110 token

/**
 * What an HTTP server received for one request. `body` is empty until the
 * body has ended (or the request was cut short, then it is what arrived).
 * @typedef {object} RecordedRequest
 * @property {string} method
 * @property {string} url the request target as sent
 * @property {import('node:http').IncomingHttpHeaders} headers
 * @property {string[]} rawHeaders names and values as sent, in order
 * @property {Buffer} body
 */

/**
 * @typedef {object} Server
 * @property {string} url `${origin}/`
 * @property {string} origin e.g. 'http://127.0.0.1:40123'
 * @property {number} port
 * @property {'127.0.0.1'} host
 * @property {import('node:net').Server} server the underlying node server
 * @property {() => Promise<void>} close destroys every socket and resolves
 *   once the server is closed; safe to call more than once
 */

/**
 * @typedef {Server & { requests: RecordedRequest[] }} HttpServer
 */

/**
 * @callback Handler
 * @param {import('node:http').IncomingMessage & { body: Buffer }} req
 * @param {import('node:http').ServerResponse} res
 * @returns {void | Promise<void>}
 */

/**
 * Starts a node:http server. Unless `bufferBody` is false, `handler` is
 * called once the request body has ended, with it in `req.body`; with
 * `bufferBody: false` it is called at once and reads `req` itself (the
 * recorded body then stays empty). A handler that throws answers 500.
 * @param {Handler} handler
 * @param {import('node:http').ServerOptions & { bufferBody?: boolean }} [options]
 *   passed to http.createServer
 * @returns {Promise<HttpServer>}
 */
async function startHttpServer (handler, options = {}) {
  const { bufferBody = true, ...serverOptions } = options
  const requests = []
  const server = http.createServer(serverOptions, serve(handler, requests, bufferBody))
  const srv = await listen(server, 'http')
  return Object.assign(srv, { requests })
}

/**
 * Starts a node:https server, by default with the test CA's server
 * certificate for localhost, 127.0.0.1 and ::1 (see tls.js). Otherwise as
 * startHttpServer.
 * @param {Handler} handler
 * @param {import('node:https').ServerOptions & { bufferBody?: boolean }} [options]
 *   passed to https.createServer; `cert` and `key` default to the test
 *   server certificate (`certs.expired`, `certs.wrongHost`, ... fit here)
 * @returns {Promise<HttpServer>}
 */
async function startHttpsServer (handler, options = {}) {
  const { bufferBody = true, ...serverOptions } = options
  if (!serverOptions.cert || !serverOptions.key) {
    const { makeCertificates } = require('./tls')
    const { cert, key } = makeCertificates()
    Object.assign(serverOptions, { cert, key })
  }
  const requests = []
  const server = https.createServer(serverOptions, serve(handler, requests, bufferBody))
  const srv = await listen(server, 'https')
  return Object.assign(srv, { requests })
}

/**
 * Builds a handler from a route table. A key is 'METHOD /path' or '/path'
 * (any method); the path is matched against the whole request target first,
 * then against its pathname (without the query). A method-specific route wins
 * over an any-method one. Anything else answers 404 'not found'.
 * @param {Record<string, Handler>} routes
 * @returns {Handler}
 */
function respondRoutes (routes) {
  const table = new Map()
  const keyPattern = new RegExp(`^(?:(${TOKEN}) )?(/\\S*)$`)
  for (const [key, route] of Object.entries(routes)) {
    const m = keyPattern.exec(key)
    if (!m) throw new TypeError(`respondRoutes: bad key ${JSON.stringify(key)}; want 'METHOD /path' or '/path'`)
    if (typeof route !== 'function') throw new TypeError(`respondRoutes: route ${JSON.stringify(key)} is not a function`)
    table.set(m[1] ? `${m[1]} ${m[2]}` : m[2], route)
  }
  return (req, res) => {
    const { pathname } = new URL(req.url, 'http://route.invalid')
    const route = table.get(`${req.method} ${req.url}`) || table.get(`${req.method} ${pathname}`) ||
      table.get(req.url) || table.get(pathname)
    if (route) return route(req, res)
    res.writeHead(404, { 'content-type': 'text/plain' })
    res.end('not found')
  }
}

/**
 * @typedef {HttpServer & { challenges: number, logins: number }} AuthServer
 *   `challenges` counts 401 answers, `logins` accepted credentials
 */

/**
 * Starts an HTTP server that demands credentials on every request, for any
 * method and path: 401 with a `WWW-Authenticate` challenge and body 'denied'
 * until a request carries valid credentials, then 200 with body
 * `ok <username>`. Digest follows RFC 7616: the challenge has realm, qop="auth",
 * algorithm, a fresh nonce per challenge, and one opaque; a response is
 * accepted when username, realm, a nonce it issued, opaque, uri (equal to the
 * request target), algorithm, qop=auth, nc, cnonce and response all check
 * (userhash=true is understood too).
 * @param {object} [options]
 * @param {'basic'|'digest'} [options.scheme='basic']
 * @param {string} [options.realm='go-net-request']
 * @param {string} [options.username='user']
 * @param {string} [options.password='pass']
 * @param {'MD5'|'SHA-256'|'MD5-sess'|'SHA-256-sess'} [options.algorithm='MD5'] Digest only
 * @returns {Promise<AuthServer>}
 */
async function startAuthServer (options = {}) {
  const {
    scheme = 'basic',
    realm = 'go-net-request',
    username = 'user',
    password = 'pass',
    algorithm = 'MD5'
  } = options
  if (scheme !== 'basic' && scheme !== 'digest') throw new TypeError(`startAuthServer: unknown scheme ${scheme}`)
  const digest = scheme === 'digest' ? new DigestVerifier(realm, username, password, algorithm) : null

  let srv = null
  const handler = (req, res) => {
    const ok = digest ? digest.verify(req) : verifyBasic(req.headers.authorization, username, password)
    if (ok) {
      srv.logins++
      res.writeHead(200, { 'content-type': 'text/plain' })
      res.end(`ok ${username}`)
      return
    }
    srv.challenges++
    const challenge = digest ? digest.challenge() : `Basic realm="${quote(realm)}", charset="UTF-8"`
    res.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': challenge })
    res.end('denied')
  }
  srv = await startHttpServer(handler)
  return Object.assign(srv, { challenges: 0, logins: 0 })
}

/**
 * One connection to a raw server. `data` is every byte received so far.
 * @typedef {object} RawConnection
 * @property {Buffer} data
 * @property {import('node:net').Socket} socket
 * @property {(marker?: string | Buffer) => Promise<Buffer>} waitFor resolves
 *   with `data` once it contains `marker` (default '\r\n\r\n', the end of a
 *   request head); rejects if the peer ends or the socket closes first
 */

/**
 * Starts a node:net server for writing raw responses (malformed ones
 * included). `onConnection(socket, connection)` is called for each
 * connection; it typically awaits `connection.waitFor()` and then writes.
 * If it throws or rejects, the socket is destroyed.
 * @param {(socket: import('node:net').Socket, connection: RawConnection) => void | Promise<void>} [onConnection]
 * @returns {Promise<Server & { connections: RawConnection[] }>}
 */
async function startRawServer (onConnection = () => {}) {
  const connections = []
  const server = net.createServer((socket) => {
    const connection = recordConnection(socket)
    connections.push(connection)
    Promise.resolve()
      .then(() => onConnection(socket, connection))
      .catch((err) => {
        console.error('startRawServer: onConnection failed:', err)
        socket.destroy()
      })
  })
  const srv = await listen(server, 'http')
  return Object.assign(srv, { connections })
}

/**
 * Listens on 127.0.0.1:0 and returns the fields every server object has.
 * @param {import('node:net').Server} server
 * @param {'http'|'https'} scheme
 * @returns {Promise<Server>}
 */
async function listen (server, scheme) {
  const sockets = new Set()
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  })
  await new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, HOST, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const { port } = server.address()
  const origin = `${scheme}://${HOST}:${port}`
  let closed = null
  return {
    url: `${origin}/`,
    origin,
    port,
    host: HOST,
    server,
    close () {
      if (!closed) {
        closed = new Promise((resolve) => server.close(() => resolve()))
        for (const socket of sockets) socket.destroy()
      }
      return closed
    }
  }
}

/**
 * Returns the request listener behind startHttpServer and startHttpsServer.
 * @param {Handler} handler
 * @param {RecordedRequest[]} requests
 * @param {boolean} bufferBody
 */
function serve (handler, requests, bufferBody) {
  return (req, res) => {
    const record = {
      method: req.method,
      url: req.url,
      headers: req.headers,
      rawHeaders: req.rawHeaders,
      body: EMPTY
    }
    requests.push(record)
    req.on('error', () => {}) // the client went away; the record keeps what arrived
    if (!bufferBody) return invoke(handler, req, res)

    const chunks = []
    let ended = false
    req.on('data', (chunk) => chunks.push(chunk))
    req.once('close', () => {
      if (!ended) record.body = Buffer.concat(chunks)
    })
    req.once('end', () => {
      ended = true
      record.body = req.body = Buffer.concat(chunks)
      invoke(handler, req, res)
    })
  }
}

/**
 * Calls handler, answering 500 (or destroying the response once its head is
 * sent) if it throws or rejects.
 */
async function invoke (handler, req, res) {
  try {
    await handler(req, res)
  } catch (err) {
    console.error(`test server: handler for ${req.method} ${req.url} failed:`, err)
    if (res.headersSent) {
      res.destroy(err)
    } else {
      res.writeHead(500, { 'content-type': 'text/plain' })
      res.end(`handler failed: ${err && err.message}`)
    }
  }
}

/**
 * Records what arrives on a raw socket.
 * @param {import('node:net').Socket} socket
 * @returns {RawConnection}
 */
function recordConnection (socket) {
  const chunks = []
  let data = EMPTY
  let finished = null // why no more data will come, once it is so
  const waiters = new Set()

  const settle = () => {
    for (const waiter of waiters) {
      if (data.includes(waiter.marker)) {
        waiters.delete(waiter)
        waiter.resolve(data)
      } else if (finished) {
        waiters.delete(waiter)
        waiter.reject(new Error(`waitFor ${JSON.stringify(String(waiter.marker))}: ${finished} first; received ${JSON.stringify(data.toString('latin1'))}`))
      }
    }
  }
  socket.on('data', (chunk) => {
    chunks.push(chunk)
    data = Buffer.concat(chunks)
    settle()
  })
  socket.on('error', () => {}) // resets are normal when tests abort
  socket.once('end', () => { finished ??= 'peer ended'; settle() })
  socket.once('close', () => { finished ??= 'socket closed'; settle() })

  return {
    get data () { return data },
    socket,
    waitFor (marker = '\r\n\r\n') {
      return new Promise((resolve, reject) => {
        waiters.add({ marker, resolve, reject })
        settle()
      })
    }
  }
}

/**
 * Tells whether an Authorization header carries the Basic credentials.
 * @param {string | undefined} header
 */
function verifyBasic (header, username, password) {
  const m = /^Basic +([A-Za-z0-9+/]+=*) *$/i.exec(header || '')
  if (!m) return false
  const decoded = Buffer.from(m[1], 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  return colon >= 0 && safeEqual(decoded.slice(0, colon), username) && safeEqual(decoded.slice(colon + 1), password)
}

// The Digest algorithms of RFC 7616 section 3.3 and their node:crypto hashes.
const DIGEST_HASHES = { MD5: 'md5', 'SHA-256': 'sha256' }

/** A DigestVerifier issues Digest challenges and checks their responses. */
class DigestVerifier {
  #realm
  #username
  #password
  #algorithm // as announced, e.g. 'SHA-256-sess'
  #hash // node:crypto name
  #sess
  #opaque = crypto.randomBytes(16).toString('hex')
  #nonces = new Set() // every nonce issued; each stays valid

  constructor (realm, username, password, algorithm) {
    const sess = /-sess$/i.test(algorithm)
    const hash = DIGEST_HASHES[algorithm.replace(/-sess$/i, '').toUpperCase()]
    if (!hash) throw new TypeError(`startAuthServer: unknown Digest algorithm ${algorithm}`)
    this.#realm = realm
    this.#username = username
    this.#password = password
    this.#algorithm = algorithm
    this.#hash = hash
    this.#sess = sess
  }

  /** challenge returns a WWW-Authenticate value with a new nonce. */
  challenge () {
    const nonce = crypto.randomBytes(16).toString('hex')
    this.#nonces.add(nonce)
    return `Digest realm="${quote(this.#realm)}", qop="auth", algorithm=${this.#algorithm}, ` +
      `nonce="${nonce}", opaque="${this.#opaque}"`
  }

  /**
   * verify tells whether req's Authorization header is a correct response to
   * one of our challenges (RFC 7616 section 3.4).
   * @param {import('node:http').IncomingMessage} req
   */
  verify (req) {
    const m = /^Digest\s+(.*)$/is.exec(req.headers.authorization || '')
    const p = m && parseAuthParams(m[1])
    if (!p) return false
    const H = (s) => crypto.createHash(this.#hash).update(s, 'utf8').digest('hex')

    const user = p.userhash === 'true' ? H(`${this.#username}:${this.#realm}`) : this.#username
    if (p.username !== user || p.realm !== this.#realm || p.opaque !== this.#opaque) return false
    if (!this.#nonces.has(p.nonce) || p.uri !== req.url) return false
    if ((p.algorithm || 'MD5').toUpperCase() !== this.#algorithm.toUpperCase()) return false
    if (p.qop !== 'auth' || !/^[0-9a-f]{8}$/i.test(p.nc || '') || !p.cnonce || !p.response) return false

    let ha1 = H(`${this.#username}:${this.#realm}:${this.#password}`)
    if (this.#sess) ha1 = H(`${ha1}:${p.nonce}:${p.cnonce}`)
    const ha2 = H(`${req.method}:${p.uri}`)
    const expected = H(`${ha1}:${p.nonce}:${p.nc}:${p.cnonce}:${p.qop}:${ha2}`)
    return safeEqual(p.response.toLowerCase(), expected)
  }
}

/**
 * Parses comma-separated auth-params (`a=b, c="d \" e"`) into an object with
 * lower-case names, or returns null if malformed.
 * @param {string} s
 * @returns {Record<string, string> | null}
 */
function parseAuthParams (s) {
  const param = new RegExp(`[\\s,]*(${TOKEN})\\s*=\\s*(?:"((?:[^"\\\\]|\\\\.)*)"|([^\\s,"]*))\\s*(?=,|$)`, 'y')
  const params = Object.create(null)
  param.lastIndex = 0
  while (!/^[\s,]*$/.test(s.slice(param.lastIndex))) {
    const m = param.exec(s)
    if (!m) return null
    params[m[1].toLowerCase()] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3]
  }
  return params
}

/** quote escapes s for a quoted-string. */
function quote (s) {
  return String(s).replace(/[\\"]/g, '\\$&')
}

/** safeEqual compares two strings in constant time for equal lengths. */
function safeEqual (a, b) {
  const x = Buffer.from(String(a))
  const y = Buffer.from(String(b))
  return x.length === y.length && crypto.timingSafeEqual(x, y)
}

/**
 * A startRawServer behaviour that answers every complete request head on a
 * connection with answer(head, index) (a string to write; index counts the
 * heads of every connection; the connection is ended after a response that
 * says Connection: close). `heads` (every head as it arrived) is optional.
 * @param {(head: string, index: number) => string} answer
 * @param {string[]} [heads]
 * @returns {(socket: import('node:net').Socket) => void}
 */
function answerEachHead (answer, heads = []) {
  return (socket) => {
    let pending = ''
    socket.on('data', (chunk) => {
      pending += chunk.toString('latin1')
      let end
      while ((end = pending.indexOf('\r\n\r\n')) >= 0) {
        const head = pending.slice(0, end + 4)
        pending = pending.slice(end + 4)
        heads.push(head)
        const reply = answer(head, heads.length - 1)
        if (socket.destroyed) return
        if (/\r\nConnection: close\r\n/i.test(reply)) socket.end(reply)
        else socket.write(reply)
      }
    })
  }
}

module.exports = {
  startHttpServer,
  startHttpsServer,
  respondRoutes,
  startAuthServer,
  startRawServer,
  answerEachHead
}
