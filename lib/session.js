'use strict'
// Sessions: Electron's session module. Each partition has one Session per JS
// environment; the engine keeps one jar, cache and connection pool per
// partition for the whole process.
const os = require('node:os')
const path = require('node:path')
const native = require('./native')
const { Cookies } = require('./cookies')
const { assertHeaderValue } = require('./headers')
const { CERT_VERDICT, OP } = require('./protocol')
const { version } = require('../package.json')

const kSessionId = Symbol('sessionId')
const kVerifyCertificate = Symbol('verifyCertificate')
const kConstruct = Symbol('construct')
// Electron's verify procedure answers with these numbers, which the engine
// takes as they are; anything else fails the request.
const VERDICTS = new Set(Object.values(CERT_VERDICT))

const DEFAULT_USER_AGENT = `Mozilla/5.0 (${platformToken()}) go-net-request/${version} Node.js/${process.versions.node}`

function platformToken () {
  switch (process.platform) {
    case 'darwin': return 'Macintosh; Intel Mac OS X 10_15_7'
    case 'win32': return 'Windows NT 10.0; Win64; x64'
    default: return `X11; Linux ${process.arch === 'x64' ? 'x86_64' : process.arch}`
  }
}

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

let dataPath = null

/** The directory persistent partitions live under (see setDataPath). */
function getDataPath () {
  if (dataPath !== null) return dataPath
  if (process.env.GO_NET_REQUEST_DATA) return path.resolve(process.env.GO_NET_REQUEST_DATA)
  const home = os.homedir()
  switch (process.platform) {
    case 'darwin': return path.join(home, 'Library', 'Application Support', 'go-net-request')
    case 'win32': return path.join(process.env.APPDATA || path.join(home, 'AppData', 'Roaming'), 'go-net-request')
    default: return path.join(process.env.XDG_DATA_HOME || path.join(home, '.local', 'share'), 'go-net-request')
  }
}

/**
 * Addition: sets where persistent partitions keep their cookies and cache.
 * Takes effect for partitions first used afterwards.
 */
function setDataPath (dir) {
  if (typeof dir !== 'string' || dir === '') throw new TypeError('`dir` should be a non-empty string')
  dataPath = path.resolve(dir)
}

const sessionsByPartition = new Map()

// Cookies a response sets reach the disk a moment (0.1 s) after they
// change; at exit (process.exit() or the end of the event loop), write them
// now. No signal listener: one would change how SIGINT and SIGTERM end the
// process (cookies.set/remove write through instead; see the README).
let flushOnExit = false
function writeStoresAtExit () {
  if (flushOnExit) return
  flushOnExit = true
  process.once('exit', () => native.flushStores())
}

class Session {
  #id
  #partition
  #persistent
  #storagePath
  #userAgent = DEFAULT_USER_AGENT
  #cookies
  #verifyProc = null

  constructor (token, partition, options) {
    if (token !== kConstruct) throw new TypeError('Illegal constructor')
    // Process-wide ids: the engine's sessions are shared by every thread.
    this.#id = native.newId()
    this.#partition = partition
    this.#persistent = partition.startsWith('persist:')
    this.#storagePath = this.#persistent
      ? path.join(getDataPath(), 'Partitions', encodeURIComponent(partition.slice('persist:'.length)))
      : null
    this.#cookies = new Cookies(this.#id, this.#persistent)
    if (this.#persistent) writeStoresAtExit()
    // Queued before any request that names this session, so always first.
    native.call(OP.SESSION_CREATE, {
      session: this.#id,
      options: {
        partition,
        persistent: this.#persistent,
        path: this.#storagePath || '',
        cache: options.cache !== false,
        userAgent: this.#userAgent
      }
    }).then(({ warning }) => {
      if (warning) process.emitWarning(warning, { code: 'GO_NET_REQUEST_STORE' })
    })
  }

  /** The session's cookie jar (Electron's Cookies). */
  get cookies () { return this.#cookies }

  isPersistent () { return this.#persistent }

  /** The partition's directory on disk, or null for an in-memory session. */
  getStoragePath () { return this.#storagePath }

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
    this.#userAgent = userAgent
    native.call(OP.SET_USER_AGENT, { session: this.#id, userAgent, acceptLanguage }).catch(() => {})
  }

  getUserAgent () { return this.#userAgent }

  /** Closes the idle keep-alive connections of the session. */
  closeAllConnections () {
    return native.call(OP.CLOSE_ALL_CONNECTIONS, { session: this.#id }).then(() => undefined)
  }

  clearCache () {
    return native.call(OP.CLEAR_CACHE, { session: this.#id }).then(() => undefined)
  }

  /** @returns {Promise<number>} bytes used by the session's HTTP cache */
  getCacheSize () {
    return native.call(OP.GET_CACHE_SIZE, { session: this.#id })
  }

  /** Clears the session's cookies (the storage this library keeps). */
  clearStorageData (options) {
    return native.call(OP.CLEAR_STORAGE_DATA, { session: this.#id }).then(() => undefined)
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
    return native.call(OP.SET_PROXY, { session: this.#id, proxy }).then(() => undefined)
  }

  /**
   * The proxies a request to url would use, in Chromium's words:
   * 'DIRECT', 'PROXY host:port', 'SOCKS5 host:port', ';'-separated.
   * @returns {Promise<string>}
   */
  resolveProxy (url) {
    return native.call(OP.RESOLVE_PROXY, { session: this.#id, url: String(url) })
  }

  /** Forgets the credentials logins gave. */
  clearAuthCache () {
    return native.call(OP.CLEAR_AUTH_CACHE, { session: this.#id }).then(() => undefined)
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
    this.#verifyProc = proc
    native.call(OP.SET_CERTIFICATE_VERIFY_PROC, { session: this.#id, hostVerifies: proc !== null }).catch(() => {})
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
    return native.call(OP.SET_CA_CERTIFICATES, { session: this.#id, pems: text }).then(() => undefined)
  }

  [kVerifyCertificate] (request, callback) {
    let answered = false
    const once = (verdict) => {
      if (answered) return
      answered = true
      callback(VERDICTS.has(verdict) ? verdict : CERT_VERDICT.FAIL)
    }
    if (this.#verifyProc === null) return once(CERT_VERDICT.USE_ENGINE)
    this.#verifyProc(request, once)
  }

  /** net.fetch through this session. */
  fetch (input, init) {
    return require('./fetch').fetch(input, init, this)
  }

  /** net.resolveHost through this session's DNS cache. */
  resolveHost (host, options) {
    return require('./host').resolveHost(host, options, this)
  }

  get [kSessionId] () { return this.#id }
}

function fromPartition (partition, options = {}) {
  if (typeof partition !== 'string') throw new TypeError('`partition` should be a string')
  let session = sessionsByPartition.get(partition)
  if (session === undefined) {
    session = new Session(kConstruct, partition, options || {})
    sessionsByPartition.set(partition, session)
  }
  return session
}

module.exports = {
  Session,
  acceptLanguageHeader,
  kSessionId,
  kVerifyCertificate,
  fromPartition,
  setDataPath,
  getDataPath,
  session: {
    fromPartition,
    get defaultSession () { return fromPartition('') }
  }
}
