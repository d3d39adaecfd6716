'use strict'
// Cookies: Electron's session.cookies, backed by the session's jar in Go.
const { EventEmitter } = require('node:events')
const native = require('./native')
const { EVENT, OP } = require('./protocol')

class Cookies extends EventEmitter {
  #sessionId
  #persistent
  #listenerId = 0 // the engine reports changes here while 'changed' has listeners

  /**
   * @param {number} sessionId the engine's id of the owning session
   * @param {boolean} persistent whether the session keeps its cookies on disk
   */
  constructor (sessionId, persistent) {
    super()
    this.#sessionId = sessionId
    this.#persistent = persistent
    this.on('newListener', (event) => {
      if (event === 'changed' && this.listenerCount('changed') === 0) this.#subscribe()
    })
    this.on('removeListener', (event) => {
      if (event === 'changed' && this.listenerCount('changed') === 0) this.#unsubscribe()
    })
  }

  /**
   * Cookies matching filter (url, name, domain, path, secure, session, httpOnly).
   * @returns {Promise<object[]>}
   */
  get (filter = {}) {
    if (filter === null || typeof filter !== 'object') {
      return Promise.reject(new TypeError('filter must be an object'))
    }
    return native.call(OP.COOKIES_GET, { session: this.#sessionId, filter: pick(filter, FILTER_FIELDS) })
  }

  /**
   * Sets a cookie (url required; no expirationDate makes a session cookie).
   * In a persistent session it is on disk when the promise resolves.
   * @returns {Promise<void>}
   */
  set (details) {
    if (details === null || typeof details !== 'object') {
      return Promise.reject(new TypeError('details must be an object'))
    }
    if (typeof details.url !== 'string') {
      return Promise.reject(new TypeError('details.url must be a string'))
    }
    const fields = pick(details, DETAIL_FIELDS)
    // Electron's default when secure is not a boolean: Secure for a
    // SameSite=None cookie. Only this side can tell absent from false.
    if (typeof fields.secure !== 'boolean') fields.secure = fields.sameSite === 'no_restriction'
    return this.#written(native.call(OP.COOKIES_SET, { session: this.#sessionId, details: fields }))
  }

  /**
   * Removes the cookies named name that would be sent to url; in a
   * persistent session, from the disk too when the promise resolves.
   */
  remove (url, name) {
    if (typeof url !== 'string' || typeof name !== 'string') {
      return Promise.reject(new TypeError('url and name must be strings'))
    }
    return this.#written(native.call(OP.COOKIES_REMOVE, { session: this.#sessionId, url, name }))
  }

  // A change the app made itself is on disk before its promise resolves:
  // a signal's default action ends the process without an 'exit' event,
  // which the store's short debounce could otherwise lose. Concurrent
  // changes share one write (the jar writes only while it is behind).
  #written (change) {
    return (this.#persistent ? change.then(() => this.flushStore()) : change).then(() => undefined)
  }

  /** Writes any unwritten cookie data to disk now. */
  flushStore () {
    return native.call(OP.COOKIES_FLUSH_STORE, { session: this.#sessionId }).then(() => undefined)
  }

  #subscribe () {
    this.#listenerId = native.listen((kind, n1, n2, text) => {
      if (kind !== EVENT.COOKIE_CHANGED) return
      const { cookie, cause, removed } = JSON.parse(text)
      this.emit('changed', changedEvent(this), cookie, cause, removed)
    })
    native.call(OP.COOKIES_SUBSCRIBE, { session: this.#sessionId, listener: this.#listenerId }).catch(() => {})
  }

  #unsubscribe () {
    const id = this.#listenerId
    this.#listenerId = 0
    native.call(OP.COOKIES_UNSUBSCRIBE, { session: this.#sessionId, listener: id })
      .finally(() => native.unlisten(id)).catch(() => {})
  }
}

const FILTER_FIELDS = ['url', 'name', 'domain', 'path', 'secure', 'session', 'httpOnly']
const DETAIL_FIELDS = ['url', 'name', 'value', 'domain', 'path', 'secure', 'httpOnly', 'expirationDate', 'sameSite']

function pick (object, fields) {
  const out = {}
  for (const field of fields) {
    if (object[field] !== undefined) out[field] = object[field]
  }
  return out
}

/** The Event Electron passes first to 'changed' listeners. */
function changedEvent (sender) {
  let defaultPrevented = false
  return {
    sender,
    get defaultPrevented () { return defaultPrevented },
    preventDefault () { defaultPrevented = true }
  }
}

module.exports = { Cookies }
