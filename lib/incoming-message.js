'use strict'
// IncomingMessage: the response, a Readable whose body the engine pushes
// as the app's reading grants it credit.
const { Readable } = require('node:stream')
const { foldHeaders } = require('./headers')

const kPush = Symbol('push')
const kEnd = Symbol('end')
const kAbort = Symbol('abort')
const kFail = Symbol('fail')
const kMute = Symbol('mute')
const kActive = Symbol('active')

class IncomingMessage extends Readable {
  #statusCode
  #statusMessage
  #versionMajor
  #versionMinor
  #rawHeaders
  #headers = null // folded on first use
  #url
  #reused
  #fromCache
  #timingText
  #timing = null
  #startedAt
  #endedAt = 0
  #onRead
  #onDestroy
  #ended = false // the engine delivered the whole body
  #muted = false // abort() was called: no body event and no engine failure reaches the app
  #failure = null // the engine's error, emitted on the next tick unless muted first

  /**
   * @param {object} head {statusCode, statusMessage, versionMajor, versionMinor, rawHeaders, url, reused}
   * @param {() => void} onRead called when the app wants more body (grants credit)
   * @param {(err?: Error) => void} onDestroy called when the app destroys the response
   */
  constructor (head, onRead, onDestroy) {
    super({ highWaterMark: 64 * 1024 })
    this.#statusCode = head.statusCode
    this.#statusMessage = head.statusMessage
    this.#versionMajor = head.versionMajor
    this.#versionMinor = head.versionMinor
    this.#rawHeaders = head.rawHeaders
    this.#url = head.url
    this.#reused = head.reused
    this.#fromCache = head.fromCache
    this.#timingText = head.timing || ''
    this.#startedAt = head.startedAt || 0
    this.#onRead = onRead
    this.#onDestroy = onDestroy
  }

  get statusCode () { return this.#statusCode }
  get statusMessage () { return this.#statusMessage }
  get httpVersion () { return `${this.#versionMajor}.${this.#versionMinor}` }
  get httpVersionMajor () { return this.#versionMajor }
  get httpVersionMinor () { return this.#versionMinor }

  /** Lower-case names; discardable duplicates keep the first value, set-cookie is an array. */
  get headers () {
    if (this.#headers === null) this.#headers = foldHeaders(this.#rawHeaders)
    return this.#headers
  }

  /** The head as received: [name, value, ...] with case, order and duplicates. */
  get rawHeaders () { return this.#rawHeaders.slice() }

  get trailers () { throw new Error('HTTP trailers are not supported') }
  get rawTrailers () { throw new Error('HTTP trailers are not supported') }

  /** Addition: the URL this response answers, after redirects. */
  get url () { return this.#url }

  /** Addition: whether the response came over a reused keep-alive connection. */
  get reusedConnection () { return this.#reused }

  /** Addition: whether the session's HTTP cache answered, without the network. */
  get fromCache () { return this.#fromCache }

  /**
   * Addition: how the response came, in milliseconds: dns, connect, tls
   * (0 on a reused connection), sent and firstByte (from the start of the
   * request), end (once the body has ended, else null); reused,
   * remoteAddress, remotePort, protocol ('http/1.1' | 'h2'), tlsVersion,
   * cipher. null for a response from the cache.
   */
  get timing () {
    if (this.#timing === null && this.#timingText !== '') this.#timing = JSON.parse(this.#timingText)
    if (this.#timing === null) return null
    const end = this.#endedAt === 0 ? null : Math.round((this.#endedAt - this.#startedAt) * 1000) / 1000
    return { ...this.#timing, end }
  }

  _read () {
    this.#onRead()
  }

  _destroy (err, callback) {
    if (!this.#ended) this.#onDestroy(err)
    callback(err)
  }

  [kPush] (chunk) {
    this.push(chunk)
  }

  [kEnd] () {
    this.#ended = true
    this.#endedAt = performance.now()
    this.push(null)
  }

  /** The request was aborted: 'aborted', then close. */
  [kAbort] () {
    if (this.readableEnded || this.destroyed) return
    this.#ended = true
    this.#muted = true
    this.emit('aborted')
    this.destroy()
  }

  /**
   * The request's abort() was called: body events and an engine failure
   * that Readable has already scheduled (next tick) are dropped, so that
   * only 'aborted' and 'close' follow abort(), as Electron documents it.
   */
  [kMute] () {
    this.#muted = true
  }

  emit (event, ...args) {
    if (this.#muted && (event === 'data' || event === 'end' || (event === 'error' && args[0] === this.#failure))) {
      return false
    }
    return super.emit(event, ...args)
  }

  /** The body failed mid-stream: 'error', then close. */
  [kFail] (err) {
    this.#ended = true
    this.#failure = err
    this.destroy(err)
  }

  /** Whether the app may still see body events ('end' not emitted, not destroyed). */
  get [kActive] () {
    return !this.readableEnded && !this.destroyed
  }
}

module.exports = { IncomingMessage, kPush, kEnd, kAbort, kFail, kMute, kActive }
