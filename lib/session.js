'use strict'
// Sessions: Electron's session module. Each partition has one Session per JS
// environment; the engine keeps one jar, cache and connection pool per
// partition for the whole process. The Session is the top of lib/: the
// state requests need lives below it, in lib/session-registry.js.
const native = require('./native')
const { Cookies } = require('./cookies')
const { assertHeaderValue } = require('./headers')
const { fetch } = require('./fetch')
const { resolveHost } = require('./host')
const { OP } = require('./protocol')
const { brandSession, getDataPath, partitionState, setDataPath } = require('./session-registry')

const kConstruct = Symbol('construct')

/**
 * Chromium's Accept-Language for a comma-separated language list
 * (HttpUtil::GenerateAcceptLanguageHeader): the first language bare, each
 * next one with a q-value 0.1 lower, never below 0.1.
 * 'en-US,fr,de' -> 'en-US,fr;q=0.9,de;q=0.8'
 */
function acceptLanguageHeader (languages) {
  let quality = 10
  const parts = []
  for (const raw of languages.split(',')) {
    const language = raw.trim()
    if (language === '') continue
    parts.push(quality === 10 ? language : `${language};q=0.${quality}`)
    if (quality > 1) quality--
  }
  return parts.join(',')
}

class Session {
  #state
  #cookies

  constructor (token, state) {
    if (token !== kConstruct) throw new TypeError('Illegal constructor')
    this.#state = state
    this.#cookies = new Cookies(state.id, state.persistent)
    brandSession(this, state)
  }

  /** The session's cookie jar (Electron's Cookies). */
  get cookies () { return this.#cookies }

  isPersistent () { return this.#state.persistent }

  /** The partition's directory on disk, or null for an in-memory session. */
  getStoragePath () { return this.#state.storagePath }

  /**
   * Electron's setUserAgent: the User-Agent (and, with acceptLanguages, the
   * Accept-Language) of this session's later requests. A header a request
   * sets itself wins. Without acceptLanguages, no Accept-Language is sent.
   * @param {string} userAgent
   * @param {string} [acceptLanguages] comma-separated, e.g. 'en-US,fr'
   */
  setUserAgent (userAgent, acceptLanguages) {
    if (typeof userAgent !== 'string') throw new TypeError('`userAgent` should be a string')
    assertHeaderValue('User-Agent', userAgent)
    // Electron ignores an acceptLanguages that is not a string.
    const acceptLanguage = typeof acceptLanguages === 'string' ? acceptLanguageHeader(acceptLanguages) : ''
    assertHeaderValue('Accept-Language', acceptLanguage, acceptLanguages)
    this.#state.userAgent = userAgent
    native.call(OP.SET_USER_AGENT, { session: this.#state.id, userAgent, acceptLanguage }).catch(() => {})
  }

  getUserAgent () { return this.#state.userAgent }

  /** Closes the idle keep-alive connections of the session. */
  closeAllConnections () {
    return native.call(OP.CLOSE_ALL_CONNECTIONS, { session: this.#state.id }).then(() => undefined)
  }

  clearCache () {
    return native.call(OP.CLEAR_CACHE, { session: this.#state.id }).then(() => undefined)
  }

  /** @returns {Promise<number>} bytes used by the session's HTTP cache */
  getCacheSize () {
    return native.call(OP.GET_CACHE_SIZE, { session: this.#state.id })
  }

  /** Clears the session's cookies (the storage this library keeps). */
  clearStorageData (options) {
    return native.call(OP.CLEAR_STORAGE_DATA, { session: this.#state.id }).then(() => undefined)
  }

  /**
   * Electron's setProxy: {mode, proxyRules, proxyBypassRules, pacScript}.
   * Idle connections are closed so that the next requests follow it.
   * @returns {Promise<void>}
   */
  setProxy (config) {
    if (config === null || typeof config !== 'object') {
      return Promise.reject(new TypeError('config must be an object'))
    }
    const proxy = {}
    for (const key of ['mode', 'proxyRules', 'proxyBypassRules', 'pacScript']) {
      if (config[key] != null) proxy[key] = String(config[key])
    }
    if (proxy.mode === undefined) proxy.mode = proxy.pacScript ? 'pac_script' : proxy.proxyRules ? 'fixed_servers' : 'direct'
    return native.call(OP.SET_PROXY, { session: this.#state.id, proxy }).then(() => undefined)
  }

  /**
   * The proxies a request to url would use, in Chromium's words:
   * 'DIRECT', 'PROXY host:port', 'SOCKS5 host:port', ';'-separated.
   * @returns {Promise<string>}
   */
  resolveProxy (url) {
    return native.call(OP.RESOLVE_PROXY, { session: this.#state.id, url: String(url) })
  }

  /** Forgets the credentials logins gave. */
  clearAuthCache () {
    return native.call(OP.CLEAR_AUTH_CACHE, { session: this.#state.id }).then(() => undefined)
  }

  /** Writes unwritten cookie data to disk. */
  flushStorageData () {
    this.#cookies.flushStore().catch(() => {})
  }

  /**
   * Electron's setCertificateVerifyProc: proc(request, callback) decides
   * about every server certificate of this session; callback(0) trusts,
   * callback(-2) fails, callback(-3) uses the engine's verdict. The TLS
   * handshake waits for it. null restores the default verification.
   */
  setCertificateVerifyProc (proc) {
    if (proc !== null && typeof proc !== 'function') {
      throw new TypeError('`proc` should be a function or null')
    }
    this.#state.verifyProc = proc
    native.call(OP.SET_CERTIFICATE_VERIFY_PROC, { session: this.#state.id, hostVerifies: proc !== null }).catch(() => {})
  }

  /**
   * Addition: trusts these PEM CA certificates for this session's TLS, on
   * top of the system store (private deployments). An empty string or
   * array goes back to the system store alone.
   * @param {string | string[]} pems
   * @returns {Promise<void>}
   */
  setCACertificates (pems) {
    const text = Array.isArray(pems) ? pems.join('\n') : pems
    if (typeof text !== 'string') return Promise.reject(new TypeError('`pems` should be a string or an array of strings'))
    return native.call(OP.SET_CA_CERTIFICATES, { session: this.#state.id, pems: text }).then(() => undefined)
  }

  /** net.fetch through this session. */
  fetch (input, init) {
    return fetch(input, init, this)
  }

  /** net.resolveHost through this session's DNS cache. */
  resolveHost (host, options) {
    return resolveHost(host, options, this)
  }
}

// One Session per partition in this environment; requests that name a
// partition before the app asks for its Session share its state.
const sessionsByPartition = new Map()

function fromPartition (partition, options = {}) {
  if (typeof partition !== 'string') throw new TypeError('`partition` should be a string')
  let session = sessionsByPartition.get(partition)
  if (session === undefined) {
    session = new Session(kConstruct, partitionState(partition, options || {}))
    sessionsByPartition.set(partition, session)
  }
  return session
}

module.exports = {
  Session,
  acceptLanguageHeader,
  fromPartition,
  setDataPath,
  getDataPath,
  session: {
    fromPartition,
    get defaultSession () { return fromPartition('') }
  }
}
