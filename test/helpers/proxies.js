'use strict'

// Loopback proxies for the proxy suite. Each listens on 127.0.0.1, port 0,
// forwards only to 127.0.0.1 targets, counts what it did in `stats`, and is
// closed by the test that started it:
//
//   const proxy = await startHttpProxy({ auth: { username: 'u', password: 'p' } })
//   t.after(() => proxy.close())
//
// Both return { port, url, close(), stats }; `url` is the proxy's own
// address ('http://127.0.0.1:<port>' or 'socks5://127.0.0.1:<port>').

const http = require('node:http')
const net = require('node:net')

const HOST = '127.0.0.1'

/** Whether a proxy may forward to host (only loopback 127.0.0.1). */
function allowedTarget (host) {
  return host === HOST || host === '[127.0.0.1]'
}

/**
 * Tells whether a Proxy-Authorization header carries the Basic credentials.
 * @param {string | undefined} header
 */
function basicMatches (header, username, password) {
  const m = /^Basic +([A-Za-z0-9+/]+=*) *$/i.exec(header || '')
  if (!m) return false
  return Buffer.from(m[1], 'base64').toString('utf8') === `${username}:${password}`
}

/**
 * Tracks a server's sockets and closes it for good.
 * @param {import('node:net').Server} server
 * @param {Set<import('node:net').Socket>} extra sockets opened to targets
 */
function closer (server, extra) {
  const sockets = new Set()
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  })
  let closed = null
  return () => {
    if (!closed) {
      closed = new Promise((resolve) => server.close(() => resolve()))
      for (const s of sockets) s.destroy()
      for (const s of extra) s.destroy()
    }
    return closed
  }
}

function listen (server) {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, HOST, () => {
      server.off('error', reject)
      resolve(server.address().port)
    })
  })
}

/**
 * Opens a TCP connection to a 127.0.0.1 target, remembered in `extra` so
 * close() can destroy it.
 */
function connectTarget (host, port, extra) {
  const upstream = net.connect({ host: HOST, port })
  extra.add(upstream)
  upstream.once('close', () => extra.delete(upstream))
  upstream.on('error', () => {})
  return upstream
}

/**
 * @typedef {object} HttpProxyStats
 * @property {number} requests plain (absolute-form) requests received, 407s included
 * @property {string[]} targets the request targets of those, as sent
 * @property {number} connects CONNECT requests received, 407s included
 * @property {number} tunnels CONNECT tunnels opened (answered 200)
 * @property {string[]} authorities the CONNECT targets ("host:port"), as sent
 * @property {number} challenges 407 answers given
 * @property {Array<string | undefined>} authorizations the Proxy-Authorization
 *   of every request and CONNECT, in arrival order (undefined when absent)
 */

/**
 * Starts a loopback HTTP proxy. Plain requests in absolute form
 * (`GET http://127.0.0.1:port/path`) are forwarded to the target (only
 * 127.0.0.1; anything else gets 502) without the Proxy-* headers; CONNECT
 * opens a tunnel to a 127.0.0.1 target. With `auth`, every request and
 * CONNECT needs Basic `Proxy-Authorization` for those credentials, else it is
 * answered 407 with `Proxy-Authenticate: Basic realm="<realm>"` (a plain
 * request's 407 has the body 'proxy auth required'; a refused CONNECT's
 * connection is closed after the 407).
 * @param {{ auth?: { username: string, password: string, realm?: string } }} [options]
 * @returns {Promise<{ port: number, url: string, close: () => Promise<void>, stats: HttpProxyStats }>}
 */
async function startHttpProxy (options = {}) {
  const { auth } = options
  const realm = auth && (auth.realm ?? 'test proxy')
  const stats = { requests: 0, targets: [], connects: 0, tunnels: 0, authorities: [], challenges: 0, authorizations: [] }
  const extra = new Set()
  const server = http.createServer()
  const close = closer(server, extra)

  const authorized = (headers) => {
    stats.authorizations.push(headers['proxy-authorization'])
    return !auth || basicMatches(headers['proxy-authorization'], auth.username, auth.password)
  }
  const challenge = `Basic realm="${realm}"`

  server.on('request', (req, res) => {
    stats.requests++
    stats.targets.push(req.url)
    req.on('error', () => {})
    if (!authorized(req.headers)) {
      stats.challenges++
      req.resume()
      res.writeHead(407, { 'proxy-authenticate': challenge, 'content-type': 'text/plain' })
      res.end('proxy auth required')
      return
    }
    let target
    try {
      target = new URL(req.url)
    } catch {
      target = null
    }
    if (!target || target.protocol !== 'http:' || !allowedTarget(target.hostname)) {
      req.resume()
      res.writeHead(502, { 'content-type': 'text/plain' })
      res.end('proxy: target not allowed')
      return
    }
    const headers = { ...req.headers }
    delete headers['proxy-authorization']
    delete headers['proxy-connection']
    const upstream = http.request({
      host: HOST,
      port: Number(target.port || 80),
      method: req.method,
      path: target.pathname + target.search,
      headers,
      agent: false
    }, (upstreamRes) => {
      res.writeHead(upstreamRes.statusCode, upstreamRes.statusMessage, upstreamRes.rawHeaders)
      upstreamRes.pipe(res)
    })
    upstream.on('socket', (s) => {
      extra.add(s)
      s.once('close', () => extra.delete(s))
    })
    upstream.on('error', () => {
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'text/plain' })
        res.end('proxy: upstream failed')
      } else {
        res.destroy()
      }
    })
    req.pipe(upstream)
  })

  server.on('connect', (req, socket, head) => {
    stats.connects++
    stats.authorities.push(req.url)
    socket.on('error', () => {})
    if (!authorized(req.headers)) {
      stats.challenges++
      socket.end(`HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: ${challenge}\r\n` +
        'Content-Length: 0\r\nConnection: close\r\n\r\n')
      return
    }
    const m = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(req.url)
    if (!m || !allowedTarget(m[1])) {
      socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n')
      return
    }
    const upstream = connectTarget(m[1], Number(m[2]), extra)
    upstream.once('connect', () => {
      stats.tunnels++
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      if (head && head.length) upstream.write(head)
      upstream.pipe(socket)
      socket.pipe(upstream)
    })
    upstream.once('error', () => socket.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'))
    socket.once('close', () => upstream.destroy())
    upstream.once('close', () => socket.destroy())
  })

  const port = await listen(server)
  return { port, url: `http://${HOST}:${port}`, close, stats }
}

/**
 * @typedef {object} SocksStats
 * @property {number} connections client connections accepted
 * @property {number[][]} methods the authentication methods each greeting offered
 * @property {string[]} usernames user names of RFC 1929 logins tried
 * @property {number} refusedAuth greetings or logins refused
 * @property {string[]} targets CONNECT targets ("host:port"; names as sent)
 * @property {number} tunnels CONNECTs answered with success
 */

/**
 * Starts a loopback SOCKS5 server (RFC 1928, CONNECT only) that forwards to
 * 127.0.0.1 targets (IPv4 127.0.0.1, or the names 127.0.0.1 and localhost);
 * other targets are refused with reply 2 (not allowed by ruleset). With
 * `auth`, the client must choose username/password (RFC 1929) and send
 * these credentials; a client that offers only "no authentication" gets
 * 0xFF (no acceptable methods) and the connection is closed.
 * @param {{ auth?: { username: string, password: string } }} [options]
 * @returns {Promise<{ port: number, url: string, close: () => Promise<void>, stats: SocksStats }>}
 */
async function startSocks5Proxy (options = {}) {
  const { auth } = options
  const stats = { connections: 0, methods: [], usernames: [], refusedAuth: 0, targets: [], tunnels: 0 }
  const extra = new Set()
  const server = net.createServer((socket) => {
    stats.connections++
    socket.on('error', () => {})
    const reader = byteReader(socket)
    negotiate(socket, reader).catch(() => socket.destroy())
  })
  const close = closer(server, extra)

  async function negotiate (socket, reader) {
    const [ver, nMethods] = await reader.read(2)
    if (ver !== 5) throw new Error('not SOCKS5')
    const methods = [...await reader.read(nMethods)]
    stats.methods.push(methods)
    const wanted = auth ? 2 : 0
    if (!methods.includes(wanted)) {
      stats.refusedAuth++
      socket.end(Buffer.from([5, 0xff]))
      return
    }
    socket.write(Buffer.from([5, wanted]))
    if (auth) {
      const [authVer, uLen] = await reader.read(2)
      if (authVer !== 1) throw new Error('bad auth version')
      const username = (await reader.read(uLen)).toString('utf8')
      const [pLen] = await reader.read(1)
      const password = (await reader.read(pLen)).toString('utf8')
      stats.usernames.push(username)
      if (username !== auth.username || password !== auth.password) {
        stats.refusedAuth++
        socket.end(Buffer.from([1, 1]))
        return
      }
      socket.write(Buffer.from([1, 0]))
    }
    const [v, cmd, , atyp] = await reader.read(4)
    if (v !== 5) throw new Error('bad request version')
    let host
    if (atyp === 1) {
      host = [...await reader.read(4)].join('.')
    } else if (atyp === 3) {
      const [len] = await reader.read(1)
      host = (await reader.read(len)).toString('latin1')
    } else if (atyp === 4) {
      const b = await reader.read(16)
      host = `[${b.toString('hex').match(/.{4}/g).join(':')}]`
    } else {
      throw new Error('bad address type')
    }
    const port = (await reader.read(2)).readUInt16BE(0)
    stats.targets.push(`${host}:${port}`)
    const reply = (rep) => Buffer.from([5, rep, 0, 1, 0, 0, 0, 0, 0, 0])
    if (cmd !== 1) {
      socket.end(reply(7))
      return
    }
    if (host !== HOST && host !== 'localhost') {
      socket.end(reply(2))
      return
    }
    const upstream = connectTarget(HOST, port, extra)
    upstream.once('connect', () => {
      stats.tunnels++
      socket.write(reply(0))
      const rest = reader.detach()
      if (rest.length) upstream.write(rest)
      upstream.pipe(socket)
      socket.pipe(upstream)
    })
    upstream.once('error', () => socket.end(reply(5)))
    socket.once('close', () => upstream.destroy())
    upstream.once('close', () => socket.destroy())
  }

  const port = await listen(server)
  return { port, url: `socks5://${HOST}:${port}`, close, stats }
}

/**
 * Reads exact byte counts from a socket. detach() stops reading and returns
 * the bytes received beyond those read.
 * @param {import('node:net').Socket} socket
 */
function byteReader (socket) {
  let buffered = Buffer.alloc(0)
  let waiter = null
  let ended = false
  const settle = () => {
    if (!waiter) return
    if (buffered.length >= waiter.n) {
      const out = buffered.subarray(0, waiter.n)
      buffered = buffered.subarray(waiter.n)
      const w = waiter
      waiter = null
      w.resolve(out)
    } else if (ended) {
      const w = waiter
      waiter = null
      w.reject(new Error('socket ended'))
    }
  }
  const onData = (chunk) => {
    buffered = Buffer.concat([buffered, chunk])
    settle()
  }
  const onEnd = () => { ended = true; settle() }
  socket.on('data', onData)
  socket.once('end', onEnd)
  socket.once('close', onEnd)
  return {
    read (n) {
      return new Promise((resolve, reject) => {
        waiter = { n, resolve, reject }
        settle()
      })
    },
    detach () {
      socket.off('data', onData)
      socket.off('end', onEnd)
      socket.off('close', onEnd)
      const rest = buffered
      buffered = Buffer.alloc(0)
      return rest
    }
  }
}

/**
 * A 127.0.0.1 port nothing listens on (bound, then closed).
 * @returns {Promise<number>}
 */
async function closedPort () {
  const server = net.createServer()
  const port = await listen(server)
  await new Promise((resolve) => server.close(resolve))
  return port
}

module.exports = { startHttpProxy, startSocks5Proxy, closedPort }
