'use strict'

// The soak's loopback servers, run in a child process (scripts/soak.js forks
// this file) so that their sockets and their CPU are not the client's: an
// HTTP and an HTTPS server on 127.0.0.1 port 0 that answer by path, well or
// badly on purpose:
//
//   /bytes/N                   N bytes of PATTERN with Content-Length
//   /chunked/N                 the same, chunked, in 16 KiB writes
//   /gzip/N                    the same, gzip-encoded (Content-Encoding: gzip)
//   /slowhead/MS/N             the head after MS milliseconds, then N bytes
//   /trickle/N/PIECES/MS       N bytes in PIECES writes MS milliseconds apart
//   /reset-head                resets the connection (RST) instead of answering
//   /reset-body/N              the head and half of N bytes, then RST
//   /close-body/N              the head and half of N bytes, then a clean close (FIN)
//   /redirect/K/rest...        302 to /redirect/K-1/rest..., then /rest...
//   /auth/N                    Basic auth (user:pass): 401 'denied' without it
//   /echo                      answers the request body's length, as text
//   /cached/N                  N bytes, fresh for 5 minutes (served from the HTTP cache)
//   /stall/N                   the head and N of 2N bytes, then nothing until the client
//                              goes away (a long poll: only an abort ends it)
//
// Every response but /cached/N says `Cache-Control: no-store`, so that the
// sessions' HTTP caches hold a bounded set of entries and the soak measures
// the engine's memory, not how full its caches are.
// Every request body is read to its end first. On top of that the server
// resets or closes an idle keep-alive connection now and then
// (`idleResetMs`), as servers and middleboxes do; a client must not let that
// fail a request it can retry.
//
// Protocol (IPC): the parent sends {cert, key, idleResetMs, seed}; the child
// answers {ready: true, http, https} with the two origins. Then:
//   {cmd: 'drop'}   destroys every connection; answers {dropped}
//   {cmd: 'stats'}  answers {sockets, requests, idleResets}
//   {cmd: 'exit'}   closes the servers and exits
// The child exits by itself when the parent goes away.

const http = require('node:http')
const https = require('node:https')
const zlib = require('node:zlib')

const PATTERN_SIZE = 1 << 20

/** The body every route serves a prefix of: deterministic, not compressible to nothing. */
function makePattern (size = PATTERN_SIZE) {
  const pattern = Buffer.allocUnsafe(size)
  let x = 0x2545f491
  for (let i = 0; i < size; i++) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5
    pattern[i] = (x >>> 24) & 0x7f | 0x20 // printable-ish, so a mismatch is readable
  }
  return pattern
}

if (require.main === module) main()

function main () {
  const PATTERN = makePattern()
  const gzipCache = new Map()
  const sockets = new Set()
  const counters = { requests: 0, idleResets: 0 }

  function gzipOf (n) {
    let body = gzipCache.get(n)
    if (body === undefined) {
      body = zlib.gzipSync(PATTERN.subarray(0, n))
      if (gzipCache.size < 512) gzipCache.set(n, body)
    }
    return body
  }

  function handler (req, res) {
    counters.requests++
    const socket = req.socket
    socket.activeRequests = (socket.activeRequests || 0) + 1
    socket.served = true
    res.once('close', () => {
      socket.activeRequests--
      socket.lastDone = Date.now()
    })
    const chunks = []
    let length = 0
    req.on('data', (chunk) => {
      length += chunk.length
      if (req.url === '/echo' && chunks.length < 64) chunks.push(chunk)
    })
    req.on('error', () => {})
    req.on('end', () => route(req, res, length))
  }

  function route (req, res, bodyLength) {
    const parts = req.url.split('?')[0].split('/').slice(1)
    if (parts[0] !== 'cached') res.setHeader('cache-control', 'no-store')
    const num = (i, fallback = 0) => {
      const v = Number(parts[i])
      return Number.isFinite(v) && v >= 0 ? Math.min(v, PATTERN_SIZE) : fallback
    }
    const socket = req.socket
    switch (parts[0]) {
      case 'bytes': {
        const n = num(1)
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': n })
        return res.end(PATTERN.subarray(0, n))
      }
      case 'chunked': {
        const n = num(1)
        res.writeHead(200, { 'content-type': 'application/octet-stream' })
        for (let i = 0; i < n; i += 16384) res.write(PATTERN.subarray(i, Math.min(n, i + 16384)))
        return res.end()
      }
      case 'gzip': {
        const body = gzipOf(num(1))
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-encoding': 'gzip', 'content-length': body.length })
        return res.end(body)
      }
      case 'slowhead': {
        const timer = setTimeout(() => {
          const n = num(2)
          res.writeHead(200, { 'content-length': n })
          res.end(PATTERN.subarray(0, n))
        }, num(1))
        res.once('close', () => clearTimeout(timer))
        return
      }
      case 'trickle': {
        const n = num(1)
        const pieces = Math.max(1, num(2, 1))
        const ms = num(3)
        const size = Math.ceil(n / pieces) || 1
        res.writeHead(200, { 'content-length': n })
        let at = 0
        const next = () => {
          if (res.destroyed) return
          const end = Math.min(n, at + size)
          if (end >= n) return res.end(PATTERN.subarray(at, n))
          res.write(PATTERN.subarray(at, end))
          at = end
          timer = setTimeout(next, ms)
        }
        let timer = setTimeout(next, ms)
        res.once('close', () => clearTimeout(timer))
        return
      }
      case 'reset-head':
        return reset(socket)
      case 'reset-body':
      case 'close-body': {
        const n = Math.max(2, num(1))
        res.writeHead(200, { 'content-length': n })
        res.write(PATTERN.subarray(0, n >> 1), () => {
          if (parts[0] === 'reset-body') reset(socket)
          else socket.destroySoon()
        })
        return
      }
      case 'redirect': {
        const k = num(1)
        const rest = parts.slice(2).join('/')
        const location = k > 1 ? `/redirect/${k - 1}/${rest}` : `/${rest}`
        res.writeHead(302, { location, 'content-length': 0 })
        return res.end()
      }
      case 'auth': {
        const ok = req.headers.authorization === 'Basic ' + Buffer.from('user:pass').toString('base64')
        if (!ok) {
          res.writeHead(401, { 'www-authenticate': 'Basic realm="soak"', 'content-type': 'text/plain' })
          return res.end('denied')
        }
        const n = num(1)
        res.writeHead(200, { 'content-length': n })
        return res.end(PATTERN.subarray(0, n))
      }
      case 'cached': {
        const n = num(1)
        res.writeHead(200, { 'content-length': n, 'cache-control': 'max-age=300' })
        return res.end(PATTERN.subarray(0, n))
      }
      case 'stall': {
        const n = Math.max(1, num(1))
        res.writeHead(200, { 'content-length': 2 * n })
        return res.write(PATTERN.subarray(0, n))
      }
      case 'echo':
        res.writeHead(200, { 'content-type': 'text/plain' })
        return res.end(String(bodyLength))
      default:
        res.writeHead(404, { 'content-type': 'text/plain' })
        return res.end('not found')
    }
  }

  /** An RST, not a FIN: a TLS socket is reset through the TCP socket under it. */
  function reset (socket) {
    const tcp = socket.encrypted && socket._parent ? socket._parent : socket
    try {
      tcp.resetAndDestroy()
    } catch {
      tcp.destroy()
    }
    if (tcp !== socket) socket.destroy()
  }

  function track (server) {
    server.keepAliveTimeout = 60000
    server.on('connection', (socket) => {
      sockets.add(socket)
      socket.once('close', () => sockets.delete(socket))
    })
    server.on('secureConnection', (socket) => {
      sockets.add(socket)
      socket.once('close', () => sockets.delete(socket))
    })
    server.on('clientError', (err, socket) => { if (err) socket.destroy() })
    return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)))
  }

  process.once('message', async ({ cert, key, idleResetMs = 0, seed = 1 }) => {
    const httpServer = http.createServer({ keepAlive: true }, handler)
    const httpsServer = https.createServer({ cert, key, keepAlive: true }, handler)
    const [httpPort, httpsPort] = await Promise.all([track(httpServer), track(httpsServer)])

    let x = seed >>> 0 || 1
    const random = () => { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; return (x >>> 0) / 4294967296 }
    let resetTimer = null
    if (idleResetMs > 0) {
      // Idle: no request open, the last response done a while ago (an RST
      // discards what the kernel has not sent yet, so a response that just
      // finished may not have reached the client). Half are reset (RST),
      // half closed (FIN).
      resetTimer = setInterval(() => {
        const now = Date.now()
        const idle = [...sockets].filter((s) => s.served && !s.activeRequests && !s.destroyed && now - s.lastDone > 300)
        if (idle.length === 0) return
        counters.idleResets++
        const socket = idle[Math.floor(random() * idle.length)]
        if (random() < 0.5) reset(socket)
        else socket.end()
      }, idleResetMs)
    }

    process.on('message', (msg) => {
      switch (msg && msg.cmd) {
        case 'drop': {
          const dropped = sockets.size
          for (const socket of sockets) socket.destroy()
          return process.send({ dropped })
        }
        case 'stats':
          return process.send({ sockets: sockets.size, ...counters })
        case 'exit':
          clearInterval(resetTimer)
          for (const socket of sockets) socket.destroy()
          httpServer.close()
          httpsServer.close()
          process.disconnect()
      }
    })
    process.send({ ready: true, http: `http://127.0.0.1:${httpPort}`, https: `https://127.0.0.1:${httpsPort}` })
  })
  process.once('disconnect', () => process.exit(0))
}

module.exports = { makePattern, PATTERN_SIZE }
