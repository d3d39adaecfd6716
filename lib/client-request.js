'use strict'
// ClientRequest: Electron's net.request, a Writable whose body and
// response travel through the Go engine.
const { Writable } = require('node:stream')
const native = require('./native')
const { parseOptions } = require('./options')
const { validateHeader, isValidHeaderValue, headerLists } = require('./headers')
const { fromFailure } = require('./errors')
const { IncomingMessage, kPush, kEnd, kAbort, kFail, kMute, kActive } = require('./incoming-message')
const {
  EVENT, RESPONSE_FLAG, SPEC_FIELD, SPEC_FLAG, REDIRECT_MODE, RESPONSE_WINDOW, UPLOAD_WINDOW
} = require('./protocol')

// The engine waits for JS on every redirect, follow mode included, so that
// an abort() in a 'redirect' handler stops the next hop as in Electron.
const ENGINE_REDIRECT_MODE = { follow: REDIRECT_MODE.MANUAL, error: REDIRECT_MODE.ERROR, manual: REDIRECT_MODE.MANUAL }

/**
 * Whether the session's cookies go with the request, by Electron's rules:
 * `credentials` decides when given ('same-origin': only to the initiator's
 * origin), else `useSessionCookies`, which is off by default.
 */
function sendsCookies (options) {
  switch (options.credentials) {
    case 'include': return true
    case 'omit': return false
    case 'same-origin': return options.origin === options.url.origin
    default: return options.useSessionCookies === true
  }
}

class ClientRequest extends Writable {
  // idle -end()/first chunked write-> started -head-> responded -END-> done
  // any -abort()/destroy()-> aborted; any -FAIL-> failed; then close, always last.
  #phase = 'idle'
  #options
  #chunked = undefined
  #firstWrite = false
  #id = 0
  #chunks = [] // buffered body, concatenated once at end()
  #pendingWrite = null // a chunked write's callback, waiting for the upload window
  #uploadQueued = 0 // streamed bytes handed to the engine
  #uploadSent = 0 // of which written to the socket (UPLOAD_PROGRESS)
  #response = null
  #credit = 0 // response credit granted and not yet used
  #received = 0
  #startedAt = 0 // performance.now() when the engine got the request
  #error = null // the failure reported once the response has closed
  #followRedirect = undefined
  #uploadProgress = null
  #closing = false // close is scheduled: nothing more is reported
  #closed = false

  /**
   * @param {string | URL | object} options
   * @param {(response: IncomingMessage) => void} [callback] a 'response' listener
   */
  constructor (options, callback) {
    super({ autoDestroy: false, emitClose: false })
    this.#options = parseOptions(options)
    if (typeof callback === 'function') this.once('response', callback)
  }

  get chunkedEncoding () {
    return this.#chunked || false
  }

  set chunkedEncoding (value) {
    if (this.#id !== 0 || this.#phase === 'started') { // started, as Electron counts it (abort() does not start)
      throw new Error('chunkedEncoding can only be set before the request is started')
    }
    if (this.#chunked !== undefined) throw new Error('chunkedEncoding can only be set once')
    this.#chunked = !!value
  }

  setHeader (name, value) {
    if (this.#phase !== 'idle' || this.#firstWrite) throw new Error("Can't set headers after they are sent")
    validateHeader(name, value)
    this.#options.headers.set(name.toLowerCase(), { name, value })
  }

  getHeader (name) {
    if (name == null) throw new Error('`name` is required for getHeader(name)')
    const header = this.#options.headers.get(String(name).toLowerCase())
    return header && header.value
  }

  removeHeader (name) {
    if (name == null) throw new Error('`name` is required for removeHeader(name)')
    if (this.#phase !== 'idle' || this.#firstWrite) throw new Error("Can't remove headers after they are sent")
    this.#options.headers.delete(String(name).toLowerCase())
  }

  followRedirect () {
    if (this.#followRedirect === undefined) {
      throw new Error('followRedirect() called, but was not waiting for a redirect')
    }
    this.#followRedirect()
  }

  getUploadProgress () {
    return this.#uploadProgress
      ? { ...this.#uploadProgress }
      : { active: false, started: false, current: 0, total: 0 }
  }

  /**
   * Addition (as node:http has it): fail the request with net::ERR_TIMED_OUT,
   * after a 'timeout' event, when nothing moves for ms milliseconds. Takes
   * effect for a request not started yet.
   */
  setTimeout (ms, callback) {
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
      throw new TypeError('`msecs` should be a non-negative number')
    }
    if (this.#phase === 'idle') this.#options.timeout = ms
    if (typeof callback === 'function') this.once('timeout', callback)
    return this
  }

  abort () {
    if (this.#closing || this.#phase === 'aborted') return
    this.#cancel()
    process.nextTick(() => {
      this.emit('abort')
      this.#closeAfterResponse()
    })
  }

  _write (chunk, encoding, callback) {
    this.#firstWrite = true
    if (this.#closing || this.#phase === 'aborted') return callback()
    if (!this.#chunked) {
      this.#chunks.push(chunk)
      return callback()
    }
    if (this.#phase === 'idle') this.#start(null)
    native.write(this.#id, chunk)
    this.#uploadQueued += chunk.length
    if (this.#uploadQueued - this.#uploadSent < UPLOAD_WINDOW) callback()
    else this.#pendingWrite = callback
  }

  _final (callback) {
    if (this.#closing || this.#phase === 'aborted') return callback()
    if (this.#chunked) {
      if (this.#phase === 'idle') this.#start(null)
      native.endBody(this.#id)
    } else {
      const chunks = this.#chunks
      this.#chunks = []
      this.#start(chunks.length === 0 ? null : chunks.length === 1 ? chunks[0] : Buffer.concat(chunks))
    }
    callback()
  }

  /** destroy([err]) cancels the network request as abort() does, without 'abort'. */
  _destroy (err, callback) {
    if (this.#closing) return callback(err)
    this.#cancel()
    callback(err) // Node emits 'error' (when err) on the next tick, before our close
    this.#closeAfterResponse()
  }

  #start (body) {
    const options = this.#options
    this.#phase = 'started'
    let flags = 0
    if (this.#chunked) flags |= SPEC_FLAG.BODY_STREAMING
    else if (body !== null) flags |= SPEC_FLAG.BODY_BUFFERED
    if (options.credentials === 'omit') flags |= SPEC_FLAG.NO_LOGIN
    if (sendsCookies(options)) flags |= SPEC_FLAG.COOKIES
    const fields = new Array(SPEC_FIELD.HEADERS)
    fields[SPEC_FIELD.FLAGS] = flags
    fields[SPEC_FIELD.SESSION] = options.session.id
    fields[SPEC_FIELD.METHOD] = options.method
    fields[SPEC_FIELD.URL] = options.url.href
    fields[SPEC_FIELD.REDIRECT] = ENGINE_REDIRECT_MODE[options.redirect]
    fields[SPEC_FIELD.WINDOW] = RESPONSE_WINDOW
    fields[SPEC_FIELD.TIMEOUT] = options.timeout
    fields[SPEC_FIELD.ORIGIN] = options.origin || ''
    fields[SPEC_FIELD.CACHE] = options.cacheMode
    fields[SPEC_FIELD.REFERRER_POLICY] = options.referrerPolicy
    fields[SPEC_FIELD.PRIORITY] = options.priority
    for (const { name, value } of options.headers.values()) {
      const text = String(value)
      // A value whose toString() changed since setHeader must still not inject.
      fields.push(name, isValidHeaderValue(text) ? text : '\r')
    }
    this.#credit = RESPONSE_WINDOW
    this.#startedAt = performance.now()
    this.#id = native.start(fields.join('\0'), body, (kind, n1, n2, text, eventFlags, data) =>
      this.#onEngineEvent(kind, n1, n2, text, eventFlags, data))
  }

  #onEngineEvent (kind, n1, n2, text, flags, data) {
    if (this.#closing) return // aborted or destroyed: the engine is only finishing
    switch (kind) {
      case EVENT.RESPONSE: return this.#onResponse(n1, n2, text, flags, data)
      case EVENT.DATA: return this.#onData(data)
      case EVENT.END: return this.#onEnd()
      case EVENT.FAIL: return this.#onFail(fromFailure(text))
      case EVENT.REDIRECT: return this.#onRedirect(n1, text)
      case EVENT.LOGIN: return this.#onLogin(n1, n2, text)
      case EVENT.UPLOAD_PROGRESS: return this.#onUploadProgress(n1, n2)
      case EVENT.CERT_VERIFY: return this.#onCertificate(text)
      default: throw new Error(`go-net-request: unknown engine event ${kind}`)
    }
  }

  #onResponse (statusCode, version, text, flags, body) {
    const fields = text.split('\0')
    const response = new IncomingMessage({
      statusCode,
      statusMessage: fields[0],
      url: fields[1],
      timing: fields[2],
      startedAt: this.#startedAt,
      rawHeaders: fields.slice(3),
      versionMajor: Math.floor(version / 1000),
      versionMinor: version % 1000,
      reused: (flags & RESPONSE_FLAG.REUSED) !== 0,
      fromCache: (flags & RESPONSE_FLAG.FROM_CACHE) !== 0
    }, () => this.#grantCredit(), () => this.#onResponseDestroyed())
    this.#response = response
    this.#phase = 'responded'
    response.once('close', () => this.#onResponseClose())
    if ((flags & RESPONSE_FLAG.COMPLETE) !== 0) {
      // The whole body came with the head: no DATA or END follows.
      if (body !== undefined) this.#onData(body)
      this.#onEnd()
    }
    // A response nobody listens to is drained, so it never pins a connection.
    if (!this.emit('response', response)) response.resume()
  }

  #onData (chunk) {
    this.#credit -= chunk.length
    this.#received += chunk.length
    const response = this.#response
    response[kPush](chunk)
    if (response.listenerCount('download-progress') > 0) response.emit('download-progress', this.#received)
  }

  #grantCredit () {
    if (this.#phase !== 'responded' || this.#credit >= RESPONSE_WINDOW / 2) return
    native.grant(this.#id, RESPONSE_WINDOW - this.#credit)
    this.#credit = RESPONSE_WINDOW
  }

  #onEnd () {
    this.#phase = 'done'
    this.#releaseWrite()
    this.#response[kEnd]()
  }

  #onFail (err) {
    this.#phase = 'failed'
    this.#releaseWrite()
    if (err.code === 'ERR_TIMED_OUT' && this.#options.timeout > 0) this.emit('timeout')
    const response = this.#response
    if (response !== null && response[kActive]) {
      // res 'error' -> res 'close', then the request's 'error' -> 'close'.
      this.#error = err
      response[kFail](err)
      return
    }
    this.#reportError(err)
  }

  #reportError (err) {
    this.#closing = true
    process.nextTick(() => this.#emitClose())
    this.emit('error', err)
  }

  #onResponseClose () {
    if (this.#phase === 'failed' && this.#error !== null) {
      const err = this.#error
      this.#error = null
      // After every 'close' listener of the response has run; one of them
      // may have called abort(), which wins: no 'error' follows abort().
      return process.nextTick(() => {
        if (this.#phase !== 'aborted') this.#reportError(err)
      })
    }
    if (this.#phase === 'responded') {
      // The app destroyed the response while its body streamed.
      this.#cancel()
    }
    this.#closing = true
    process.nextTick(() => this.#emitClose())
  }

  #onResponseDestroyed () {
    if (this.#phase === 'responded') this.#cancel()
  }

  #onRedirect (statusCode, payload) {
    const [method, url, ...raw] = payload.split('\0')
    const headers = headerLists(raw)
    if (this.#options.redirect !== 'manual') {
      this.#followRedirect = () => {}
      try {
        this.emit('redirect', statusCode, method, url, headers)
      } finally {
        this.#followRedirect = undefined
        if (this.#phase !== 'aborted') native.followRedirect(this.#id, true)
      }
      return
    }
    let follow = false
    this.#followRedirect = () => { follow = true }
    try {
      this.emit('redirect', statusCode, method, url, headers)
    } finally {
      this.#followRedirect = undefined
      // Not following makes the engine fail with 'Redirect was cancelled'.
      if (this.#phase !== 'aborted') native.followRedirect(this.#id, follow)
    }
  }

  #onLogin (port, isProxy, payload) {
    const [scheme, host, realm] = payload.split('\0')
    const authInfo = { isProxy: isProxy === 1, scheme, host, port, realm }
    const id = this.#id
    let answered = false
    const callback = (username, password) => {
      if (answered) return
      answered = true
      if (this.#closing || this.#phase === 'aborted') return
      if (typeof username === 'string' && typeof password === 'string') native.login(id, username, password)
      else native.login(id)
    }
    if (!this.emit('login', authInfo, callback)) callback()
  }

  #onCertificate (text) {
    const id = this.#id
    this.#options.session.verifyCertificate(JSON.parse(text), (verdict) => {
      if (!this.#closing) native.certVerdict(id, verdict)
    })
  }

  #onUploadProgress (position, total) {
    this.#uploadSent = position
    if (this.#uploadQueued - position <= UPLOAD_WINDOW / 2) this.#releaseWrite()
    this.#uploadProgress = { active: true, started: true, current: position, total }
    this.emit('upload-progress', position, total)
  }

  #releaseWrite () {
    const callback = this.#pendingWrite
    this.#pendingWrite = null
    if (callback !== null) callback()
  }

  /** Stops the engine and silences it; the caller schedules the close. */
  #cancel () {
    this.#phase = 'aborted'
    this.#closing = true
    if (this.#id !== 0) native.cancel(this.#id)
    // What the response has yet to emit (body, a failure) is dropped: abort() came first.
    if (this.#response !== null) this.#response[kMute]()
    this.#releaseWrite()
    if (!this.destroyed) this.destroy() // later writes are refused quietly
  }

  /** An ongoing response emits 'aborted' and 'close'; then the request closes. */
  #closeAfterResponse () {
    const response = this.#response
    if (response !== null && response[kActive]) {
      response[kAbort]() // its 'close' closes the request (#onResponseClose)
    } else {
      process.nextTick(() => this.#emitClose())
    }
  }

  #emitClose () {
    if (this.#closed) return
    this.#closed = true
    this.emit('close')
  }
}

module.exports = { ClientRequest }
