'use strict'
// net.fetch: WHATWG fetch answered with Node's own Response, driven by this
// engine (a ClientRequest underneath), as Electron's net.fetch is.
const { STATUS_CODES } = require('node:http')
const { ClientRequest } = require('./client-request')

// Statuses whose response has no body (and HEAD answers).
const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304])

// Chromium's priorities (Electron's names) and the fetch standard's.
const PRIORITIES = new Set(['throttled', 'idle', 'lowest', 'low', 'medium', 'highest', 'high', 'auto'])

/**
 * net.fetch(input[, init]) and session.fetch.
 * @param {string | URL | Request} input
 * @param {RequestInit & {session?: object, priority?: string, bypassCustomProtocolHandlers?: boolean}} [init]
 * @param {object} [session] the Session of session.fetch (else the default session)
 * @returns {Promise<Response>}
 */
async function fetch (input, init = {}, session) {
  // Node's Request normalises the URL, method, headers and every body type
  // (FormData becomes multipart, URLSearchParams and strings get their
  // Content-Type) exactly as the standard says.
  const request = new Request(input, init)
  const signal = request.signal
  if (signal.aborted) throw signal.reason
  if (init.priority !== undefined && !PRIORITIES.has(init.priority)) {
    throw new TypeError(`priority should be one of ${[...PRIORITIES].join(', ')}`)
  }
  const url = new URL(request.url)
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`fetch failed: unsupported scheme ${url.protocol}`)
  }

  let source = null
  if (request.body !== null) {
    if (init.body instanceof ReadableStream) {
      source = streamFrom(request.body.getReader()) // the app asked for a stream: it is streamed
    } else if (init.body != null) {
      source = { body: Buffer.from(await request.arrayBuffer()), reader: null } // a known length
    } else {
      source = await takeBody(request.body) // a Request's own body: find out
    }
  }
  if (signal.aborted) {
    if (source?.reader) source.reader.cancel(signal.reason).catch(() => {})
    throw signal.reason
  }
  const streamed = source !== null && source.reader !== null
  const body = source === null ? null : source.body
  const upload = streamed ? source.reader : null

  const headers = {}
  for (const [name, value] of request.headers) headers[name] = value
  const referrer = referrerOf(request, init)
  if (referrer !== '' && headers.referer === undefined) headers.referer = referrer

  const req = new ClientRequest({
    method: request.method,
    url: request.url,
    headers,
    session: init.session || session,
    redirect: request.redirect,
    // fetch's default credentials (same-origin) count as include when
    // there is no origin: the session's cookies are sent and stored.
    credentials: request.credentials === 'omit' ? 'omit' : 'include',
    cache: request.cache,
    referrerPolicy: request.referrerPolicy || undefined,
    priority: init.priority,
    origin: init.origin
  })

  return new Promise((resolve, reject) => {
    let settled = false
    let response = null
    let responseBody = null // {stream, abort}, once resolved
    let redirected = false
    const fail = (err) => {
      if (!settled) {
        settled = true
        reject(err)
      }
    }
    const onAbort = () => {
      req.abort()
      fail(signal.reason)
      if (upload !== null) upload.cancel(signal.reason).catch(() => {})
      // The body fails with the reason now, before any net error the
      // engine reported meanwhile can reach it.
      if (responseBody !== null) responseBody.abort(signal.reason)
      if (response !== null) response.destroy(signal.reason)
    }
    signal.addEventListener('abort', onAbort, { once: true })
    req.on('close', () => signal.removeEventListener('abort', onAbort))

    req.on('error', (err) => fail(err))
    req.on('redirect', (statusCode, method, redirectUrl, responseHeaders) => {
      if (request.redirect !== 'manual') {
        redirected = true
        return
      }
      // redirect: 'manual' resolves with the 3xx response itself.
      settled = true
      const headersOut = new Headers()
      for (const [name, values] of Object.entries(responseHeaders)) {
        for (const value of values) headersOut.append(name, value)
      }
      const statusText = STATUS_CODES[statusCode] || ''
      resolve(describe(new Response(null, { status: statusCode, statusText, headers: headersOut }), request.url, redirected))
      req.abort()
    })
    req.on('response', (res) => {
      response = res
      if (settled) return res.resume()
      settled = true
      const headersOut = new Headers()
      const raw = res.rawHeaders
      for (let i = 0; i < raw.length; i += 2) headersOut.append(raw[i], raw[i + 1])
      const noBody = NULL_BODY_STATUS.has(res.statusCode) || request.method === 'HEAD'
      if (noBody) res.resume()
      // Response refuses statuses below 200 (a 101): build it as 200, then tell the truth.
      const status = res.statusCode
      const init = { status: status < 200 ? 200 : status, statusText: res.statusMessage, headers: headersOut }
      if (!noBody) responseBody = bodyStream(res)
      const answer = describe(new Response(noBody ? null : responseBody.stream, init), res.url, redirected)
      if (status < 200) Object.defineProperty(answer, 'status', { value: status, enumerable: true })
      resolve(answer)
    })

    if (streamed) {
      req.chunkedEncoding = true
      pump(source, req).catch((err) => {
        req.destroy()
        fail(err)
      })
    } else {
      req.end(body === null ? undefined : body)
    }
  })
}

/** The Referer the app asked for: init.referrer, else the Request's own. */
function referrerOf (request, init) {
  const referrer = init.referrer !== undefined ? String(init.referrer) : request.referrer
  if (referrer === '' || referrer === 'about:client' || referrer === 'no-referrer') return ''
  try {
    return new URL(referrer).href
  } catch {
    return ''
  }
}

/** Sets the url and redirected a constructed Response cannot take. */
function describe (response, url, redirected) {
  Object.defineProperty(response, 'url', { value: url, enumerable: true })
  Object.defineProperty(response, 'redirected', { value: redirected, enumerable: true })
  return response
}

/**
 * The response body as a byte stream. The engine reads the socket only as
 * fast as this stream is read: pull() resumes the IncomingMessage, whose
 * reading grants the engine credit; a full queue pauses it.
 * @returns {{stream: ReadableStream, abort: (reason: any) => void}} abort
 *   errors the stream with reason at once (the signal's abort)
 */
function bodyStream (res) {
  let open = true // after cancel, close or error the controller takes nothing more
  let control = null
  const stop = () => {
    open = false
    res.pause()
  }
  const abort = (reason) => {
    if (open) control.error(reason)
    open = false
  }
  const stream = new ReadableStream({
    start (controller) {
      control = controller
      res.on('data', (chunk) => {
        if (!open) return // buffered chunks still come after a cancel
        controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength))
        if (controller.desiredSize <= 0) res.pause()
      })
      res.on('end', () => {
        if (open) controller.close()
        open = false
      })
      res.on('error', (err) => {
        if (open) controller.error(err)
        open = false
      })
      res.on('aborted', () => {
        if (open) controller.error(new DOMException('The operation was aborted.', 'AbortError'))
        open = false
      })
      res.pause()
    },
    pull () {
      if (open) res.resume()
    },
    cancel () {
      stop()
      res.destroy() // cancels the engine's request
    }
  }, { highWaterMark: 256 * 1024, size: (chunk) => chunk.byteLength })
  return { stream, abort }
}

const WAITING = Symbol('waiting')
// The most of a request body read ahead to find out whether it ends.
const MAX_WHOLE_BODY = 1 << 20

/**
 * Reads a request body for as long as it comes without waiting. A body that
 * ends so (strings, buffers, FormData, Blobs: a Request's body cannot tell
 * them from a stream) is sent whole with Content-Length; one that has to
 * wait for its producer is streamed chunked from where it stands.
 * @returns {Promise<{body: Buffer, reader: null} | {head: Buffer[], pending: Promise, reader: ReadableStreamDefaultReader}>}
 */
async function takeBody (stream) {
  const reader = stream.getReader()
  const chunks = []
  let size = 0
  for (;;) {
    if (size > MAX_WHOLE_BODY) return streamFrom(reader, chunks) // memory stays bounded
    const pending = reader.read()
    const next = await Promise.race([pending, new Promise((resolve) => setImmediate(resolve, WAITING))])
    if (next === WAITING) return streamFrom(reader, chunks, pending)
    if (next.done) return { body: Buffer.concat(chunks), reader: null }
    const chunk = Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength)
    chunks.push(chunk)
    size += chunk.length
  }
}

function streamFrom (reader, head = [], pending = reader.read()) {
  return { head, pending, reader }
}

/** Streams a body into a chunked ClientRequest, honouring write()'s backpressure. */
async function pump ({ head, pending, reader }, req) {
  for (const chunk of head) await write(req, chunk)
  for (let next = await pending; !next.done; next = await reader.read()) {
    if (req.destroyed) {
      await reader.cancel()
      return
    }
    await write(req, Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength))
  }
  req.end()
}

/** Writes chunk, waiting for 'drain' (or the request's end) when the window is full. */
function write (req, chunk) {
  if (req.write(chunk)) return
  return new Promise((resolve) => {
    const settle = () => {
      req.off('drain', settle)
      req.off('close', settle)
      resolve()
    }
    req.on('drain', settle)
    req.on('close', settle)
  })
}

module.exports = { fetch }
