'use strict'
// go-net-request: Electron's `net` module for Node, with a Go engine.
const { ClientRequest } = require('./lib/client-request')
const { IncomingMessage } = require('./lib/incoming-message')
const { session, Session, setDataPath } = require('./lib/session')
const { fetch } = require('./lib/fetch')
const { resolveHost, isOnline } = require('./lib/host')

/**
 * Creates a ClientRequest, as Electron's net.request does.
 * @param {string | URL | object} options a URL, or Electron's ClientRequestConstructorOptions
 * @param {(response: IncomingMessage) => void} [callback] called once with the response
 * @returns {ClientRequest}
 */
function request (options, callback) {
  return new ClientRequest(options, callback)
}

/**
 * net.fetch: WHATWG fetch on this engine, answered with Node's Response.
 * @param {string | URL | Request} input
 * @param {RequestInit} [init]
 */
function netFetch (input, init) {
  return fetch(input, init)
}

/** Resolves host: Promise<{endpoints: [{address, family}]}>. */
function netResolveHost (host, options) {
  return resolveHost(host, options)
}

// Plain assignments, so that ESM `import { request } from` sees each name.
exports.request = request
exports.fetch = netFetch
exports.resolveHost = netResolveHost
exports.isOnline = isOnline
exports.ClientRequest = ClientRequest
exports.IncomingMessage = IncomingMessage
exports.session = session
exports.Session = Session
exports.setDataPath = setDataPath
// ESM finds a CommonJS module's names by reading its source
// (cjs-module-lexer), which drops a name defined by a getter it cannot
// read: the assignment names `online` for `import { online }` (a value
// read at import); the getter then keeps `net.online` live.
exports.online = false
Object.defineProperties(exports, { online: { enumerable: true, get: isOnline } })
// `import net from 'go-net-request'` compiled by TypeScript without
// esModuleInterop reads `.default`.
Object.defineProperty(exports, 'default', { enumerable: false, value: exports })

/**
 * Addition, diagnostic: the engine's counters (live requests, goroutines,
 * sessions, idle connections) and this environment's pending handlers and
 * open file descriptors. Not a stable API: for tests and soaks.
 */
exports.__engineStats = function engineStats () {
  const native = require('./lib/native')
  let fds = null
  try { fds = require('node:fs').readdirSync('/proc/self/fd').length } catch {}
  return { ...native.stats(), pendingHandlers: native.pendingHandlers(), fds }
}
