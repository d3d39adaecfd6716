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

module.exports = {
  request,
  fetch: (input, init) => fetch(input, init),
  resolveHost: (host, options) => resolveHost(host, options),
  isOnline,
  get online () { return isOnline() },
  ClientRequest,
  IncomingMessage,
  session,
  Session,
  setDataPath
}
