'use strict'
// go-net-request: Electron's `net` module for Node, with a Go engine.
const { ClientRequest } = require('./lib/client-request')
const { IncomingMessage } = require('./lib/incoming-message')
const { session, Session, setDataPath } = require('./lib/session')

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
  ClientRequest,
  IncomingMessage,
  session,
  Session,
  setDataPath
}
