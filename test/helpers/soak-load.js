'use strict'

// The soak's load generator, the same in the main thread and in workers:
// `concurrency` lanes, each making one request after another through
// net.request or net.fetch, on one of the sessions, to one of the routes of
// soak-server.js, aborting or destroying it at a random point, reading the
// body quickly or slowly. Every request is accounted for: a net.request
// must end in exactly one 'close' (and nothing after it), a completed body
// must be the bytes the server sent, a request nobody aborted must not end
// silently, and one that does not settle within HUNG_MS is reported as hung.
//
//   const load = new Load({ net, origins, sessions, random })
//   await load.run({ concurrency: 64, until: Date.now() + 10000, maxRequests: 50000 })
//   load.stats  // plain counters, postMessage-able

const { makePattern } = require('./soak-server')

/** A request that has not settled after this long is hung. */
const HUNG_MS = 30000
/** At most this many violation messages are kept (all are counted). */
const MAX_MESSAGES = 40

const PATTERN = makePattern()

/** What a request sent on a keep-alive connection the server just reset fails with. */
const STALE_CONNECTION_ERRORS = new Set(['ERR_CONNECTION_RESET', 'ERR_CONNECTION_CLOSED', 'ERR_EMPTY_RESPONSE', 'ERR_CONNECTION_ABORTED'])

/** mulberry32: a small seeded PRNG. */
function prng (seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let r = Math.imul(a ^ (a >>> 15), 1 | a)
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296
  }
}

/** Picks a key of `weights` ({name: weight}) at random. */
function pick (random, weights) {
  let total = 0
  for (const w of Object.values(weights)) total += w
  let r = random() * total
  for (const [name, w] of Object.entries(weights)) {
    r -= w
    if (r < 0) return name
  }
  return Object.keys(weights)[0]
}

const CACHED_SIZES = [0, 100, 1000, 5000, 20000, 100000]

const int = (random, lo, hi) => lo + Math.floor(random() * (hi - lo + 1))

/** Body sizes: mostly small, some medium, a few up to half a MiB. */
function size (random) {
  const r = random()
  if (r < 0.6) return int(random, 0, 2048)
  if (r < 0.9) return int(random, 2049, 64 * 1024)
  return int(random, 64 * 1024 + 1, 512 * 1024)
}

const ROUTE_WEIGHTS = {
  bytes: 20, chunked: 10, gzip: 8, slowhead: 5, trickle: 6, redirect: 6, auth: 4, echo: 6, cached: 5, stall: 2,
  'reset-head': 3, 'reset-body': 3, 'close-body': 3
}
const REQUEST_ABORTS = {
  none: 45, 'before-end': 4, 'after-end': 5, timer: 10, 'on-response': 7, 'mid-body': 10,
  'res-destroy': 6, 'req-destroy': 6, 'on-redirect': 4
}
const FETCH_ABORTS = { none: 55, 'pre-aborted': 4, timer: 12, 'on-response': 8, 'mid-body': 10, 'cancel-body': 10 }
const READERS = { flow: 60, slow: 30, none: 10 }

/**
 * A request plan: what to ask, through which API and session, and how to
 * misuse it.
 */
function makePlan (random, origins, sessionCount) {
  const route = pick(random, ROUTE_WEIGHTS)
  const n = size(random)
  const plan = {
    api: random() < 0.75 ? 'request' : 'fetch',
    scheme: random() < 0.7 ? 'http' : 'https',
    session: int(random, 0, sessionCount - 1),
    route,
    method: 'GET',
    path: '',
    upload: null, // POST body size
    chunked: false,
    expectOk: true, // a well-behaved route: only an abort may stop it
    status: 200,
    body: null, // the expected body, when the route has one
    login: 'answer',
    abort: 'none',
    abortMs: 0,
    reader: 'flow'
  }
  const pattern = PATTERN.subarray(0, n)
  switch (route) {
    case 'bytes': case 'chunked': case 'gzip':
      plan.path = `/${route}/${n}`; plan.body = pattern; break
    case 'cached': {
      // A few URLs only: the caches stay small, and most answers are hits.
      const m = CACHED_SIZES[int(random, 0, CACHED_SIZES.length - 1)]
      plan.path = `/cached/${m}`; plan.body = PATTERN.subarray(0, m); break
    }
    case 'stall':
      // Never ends by itself: the plan always aborts it (below).
      plan.path = `/stall/${int(random, 1, 4096)}`; break
    case 'slowhead':
      plan.path = `/slowhead/${int(random, 0, 300)}/${n}`; plan.body = pattern; break
    case 'trickle':
      plan.path = `/trickle/${n}/${int(random, 2, 8)}/${int(random, 5, 60)}`; plan.body = pattern; break
    case 'redirect':
      plan.path = `/redirect/${int(random, 1, 3)}/bytes/${n}`; plan.body = pattern; break
    case 'auth':
      plan.path = `/auth/${n}`
      plan.login = random() < 0.8 ? 'answer' : 'cancel'
      break
    case 'echo':
      plan.path = '/echo'; plan.method = 'POST'; plan.upload = n; plan.chunked = random() < 0.4
      plan.body = Buffer.from(String(n))
      break
    default: // reset-head, reset-body, close-body
      plan.path = route === 'reset-head' ? '/reset-head' : `/${route}/${Math.max(2, n)}`
      plan.expectOk = false
  }
  if (route === 'auth') {
    // fetch has no login handler: the 401 comes back, as in Electron.
    const denied = plan.api === 'fetch' || plan.login === 'cancel'
    plan.status = denied ? 401 : 200
    plan.body = denied ? Buffer.from('denied') : pattern
    plan.authorized = pattern
  }
  plan.abort = pick(random, plan.api === 'request' ? REQUEST_ABORTS : FETCH_ABORTS)
  if (plan.abort === 'on-redirect' && route !== 'redirect') plan.abort = 'none'
  plan.abortMs = int(random, 0, 40)
  if (route === 'stall') {
    const ways = plan.api === 'request'
      ? ['timer', 'on-response', 'mid-body', 'res-destroy', 'req-destroy']
      : ['timer', 'on-response', 'mid-body', 'cancel-body']
    plan.abort = ways[int(random, 0, ways.length - 1)]
    plan.abortMs = int(random, 20, 200)
  }
  plan.reader = pick(random, READERS)
  // An unread response is drained by the library; one that fails mid-body
  // then emits 'error' on a response nobody listens to, which (as in Node
  // and Electron) is the app's uncaught error: only well-behaved routes.
  if (plan.api === 'request' && plan.reader === 'none' &&
      (!plan.expectOk || ['on-response', 'mid-body', 'res-destroy'].includes(plan.abort))) plan.reader = 'flow'
  plan.url = origins[plan.scheme] + plan.path
  return plan
}

function describe (plan) {
  return `${plan.api} ${plan.method} ${plan.url} session=${plan.session} abort=${plan.abort}` +
    `${plan.abort === 'timer' || plan.abort === 'req-destroy' ? `(${plan.abortMs}ms)` : ''} reader=${plan.reader}` +
    `${plan.upload !== null ? ` upload=${plan.upload}${plan.chunked ? ' chunked' : ''}` : ''}` +
    `${plan.route === 'auth' ? ` login=${plan.login}` : ''}`
}

function errorCode (err) {
  if (err == null) return 'null'
  return err.code || err.name || String(err.message).slice(0, 60)
}

function newStats () {
  return {
    started: 0,
    settled: 0,
    completed: 0, // the whole body arrived and was right (or, unread, the request closed cleanly)
    aborted: 0, // ended by an abort, destroy or signal of ours
    failed: 0, // ended by an error
    bad: 0, // ended with a wrong status or body (a violation)
    requests: { started: 0, closed: 0 }, // net.request: every one must close exactly once
    fetches: { started: 0, settled: 0 },
    errors: {}, // by code, every error
    unexpected: {}, // by code, errors of requests that should have succeeded
    tolerated: {}, // by code, streamed uploads failed by an idle-connection reset
    violations: 0,
    kinds: {}, // violations by kind
    messages: [],
    hung: 0,
    uncaught: 0 // exceptions that reached the event loop (each a violation)
  }
}

class Load {
  /**
   * @param {object} o
   * @param {any} o.net the library
   * @param {{http: string, https: string}} o.origins
   * @param {any[]} o.sessions Session objects; index 0 is the default session
   * @param {() => number} o.random
   * @param {string} [o.label] prefixes violation messages
   */
  constructor ({ net, origins, sessions, random, label = 'main' }) {
    this.net = net
    this.origins = origins
    this.sessions = sessions
    this.random = random
    this.label = label
    this.stats = newStats()
    this.inflight = new Set()
    this.stopped = false
    this.watchdog = null
  }

  /**
   * Records an uncaught exception (the library threw into the event loop)
   * as a violation and lets the load go on, so that one bug does not hide
   * the leak figures; the same stack is listed once, with a count.
   */
  catchUncaught () {
    const seen = new Map()
    process.on('uncaughtException', (err) => {
      const stack = String(err && err.stack ? err.stack : err).split('\n').slice(0, 6).join(' | ')
      const n = (seen.get(stack) || 0) + 1
      seen.set(stack, n)
      this.stats.uncaught = (this.stats.uncaught || 0) + 1
      if (n === 1) this.violation('uncaught-exception', stack)
      else { this.stats.violations++; this.stats.kinds['uncaught-exception']++ }
    })
  }

  violation (kind, message) {
    const s = this.stats
    s.violations++
    s.kinds[kind] = (s.kinds[kind] || 0) + 1
    if (s.messages.length < MAX_MESSAGES) s.messages.push(`[${this.label}] ${kind}: ${message}`)
  }

  /** Runs lanes until stop(), `until` (ms epoch) or maxRequests started; resolves once all settled. */
  async run ({ concurrency, until, maxRequests }) {
    this.stopped = false
    this.startWatchdog()
    const lane = async () => {
      while (!this.stopped && Date.now() < until && this.stats.started < maxRequests) {
        try {
          await this.one()
        } catch (err) {
          this.violation('throw', `the library threw: ${err && err.stack}`)
        }
      }
    }
    try {
      await Promise.all(Array.from({ length: concurrency }, lane))
    } finally {
      this.stopWatchdog()
    }
  }

  stop () { this.stopped = true }

  startWatchdog () {
    if (this.watchdog) return
    this.watchdog = setInterval(() => this.checkHung(), 1000)
  }

  stopWatchdog () {
    clearInterval(this.watchdog)
    this.watchdog = null
  }

  /** Reports requests older than HUNG_MS once, then tries to free them with an abort. */
  checkHung () {
    const now = Date.now()
    for (const rec of this.inflight) {
      if (rec.hung || now - rec.t0 < HUNG_MS) continue
      rec.hung = true
      this.stats.hung++
      this.violation('hung', `${describe(rec.plan)}: not settled after ${now - rec.t0} ms; seen: ${rec.seen.join(',')}`)
      try { rec.unstick() } catch {}
    }
  }

  one () {
    const plan = makePlan(this.random, this.origins, this.sessions.length)
    this.stats.started++
    return plan.api === 'request' ? this.request(plan) : this.fetch(plan)
  }

  /** One net.request; resolves at its (first) 'close'. */
  request (plan) {
    const stats = this.stats
    stats.requests.started++
    const rec = { plan, t0: Date.now(), seen: [], closes: 0, abortCalled: false, error: null, completed: false, hung: false, unstick: () => {} }
    this.inflight.add(rec)
    const random = this.random
    return new Promise((resolve) => {
      let req
      try {
        req = this.net.request({ url: plan.url, method: plan.method, session: this.sessions[plan.session] })
      } catch (err) {
        this.violation('throw', `${describe(plan)}: net.request threw ${err && err.stack}`)
        this.inflight.delete(rec)
        stats.requests.closed++
        return resolve()
      }
      rec.unstick = () => req.abort()
      let timer = null
      const abort = (how) => {
        if (rec.closes > 0) return
        rec.abortCalled = true
        rec.seen.push(how)
        if (how === 'req.destroy') req.destroy()
        else req.abort()
      }
      const afterClose = (name) => {
        if (rec.closes > 0) this.violation('event-after-close', `${describe(plan)}: '${name}' after 'close'; seen: ${rec.seen.join(',')}`)
      }
      req.on('close', () => {
        rec.closes++
        if (rec.closes > 1) {
          return this.violation('double-close', `${describe(plan)}: ${rec.closes} 'close' events; seen: ${rec.seen.join(',')}`)
        }
        rec.seen.push('close')
        clearTimeout(timer)
        stats.requests.closed++
        this.settle(rec)
        resolve()
      })
      req.on('abort', () => { afterClose('abort'); rec.seen.push('abort') })
      req.on('finish', () => { afterClose('finish') })
      req.on('error', (err) => {
        afterClose('error')
        rec.seen.push(`error:${errorCode(err)}`)
        if (rec.abortCalled) {
          this.violation('error-after-abort', `${describe(plan)}: 'error' ${err && err.message} after abort()/destroy(); seen: ${rec.seen.join(',')}`)
        }
        if (rec.error === null) rec.error = err
      })
      req.on('login', (authInfo, callback) => {
        rec.seen.push('login')
        if (plan.login === 'answer') callback('user', 'pass')
        else callback()
      })
      req.on('redirect', () => {
        afterClose('redirect')
        rec.seen.push('redirect')
        if (plan.abort === 'on-redirect') abort('abort')
      })
      if (plan.reader !== 'none') {
        req.on('response', (res) => {
          afterClose('response')
          rec.seen.push(`response:${res.statusCode}`)
          this.readResponse(rec, res, abort)
        })
      }

      if (plan.chunked) req.chunkedEncoding = true
      if (plan.abort === 'before-end') abort('abort')
      if (plan.upload !== null) {
        const body = PATTERN.subarray(0, plan.upload)
        if (plan.chunked) {
          const pieces = int(random, 1, 4)
          const step = Math.ceil(body.length / pieces) || 1
          for (let i = 0; i < body.length; i += step) req.write(body.subarray(i, i + step))
        } else if (body.length > 0) {
          req.write(body)
        }
      }
      req.end()
      if (plan.abort === 'after-end') abort('abort')
      if (plan.abort === 'timer') timer = setTimeout(() => abort('abort'), plan.abortMs)
      if (plan.abort === 'req-destroy') timer = setTimeout(() => abort('req.destroy'), plan.abortMs)
    })
  }

  readResponse (rec, res, abort) {
    const { plan } = rec
    const random = this.random
    if (plan.abort === 'on-response') return abort('abort')
    const chunks = []
    let received = 0
    res.on('error', (err) => { rec.seen.push(`res-error:${errorCode(err)}`) })
    res.on('aborted', () => { rec.seen.push('res-aborted') })
    if (plan.reader === 'slow') {
      res.pause()
      setTimeout(() => res.resume(), int(random, 1, 50))
    }
    res.on('data', (chunk) => {
      received += chunk.length
      if (received <= 1 << 20) chunks.push(chunk)
      // Chunks read before a failure still flow after it (Node streams do
      // that): the failure decided the outcome, an abort now changes nothing.
      if (res.errored) return rec.seen.push('data-after-error')
      if (plan.abort === 'mid-body') return abort('abort')
      if (plan.abort === 'res-destroy') {
        rec.abortCalled = true
        rec.seen.push('res.destroy')
        return res.destroy()
      }
      if (plan.reader === 'slow' && random() < 0.3) {
        res.pause()
        setTimeout(() => res.resume(), int(random, 1, 20))
      }
    })
    res.on('end', () => {
      rec.seen.push('res-end')
      if (rec.abortCalled) return // an abort that came after the last byte
      this.checkBody(rec, res.statusCode, Buffer.concat(chunks), received)
    })
  }

  /** Compares a completed response with what the plan expects. */
  checkBody (rec, status, body, received) {
    const { plan } = rec
    rec.bad = true // until every check passed
    if (!plan.expectOk) {
      return this.violation('broken-response-succeeded', `${describe(plan)}: status ${status}, ${received} bytes, ended without an error`)
    }
    let expected = plan.body
    if (status !== plan.status) {
      // The session's auth cache answers a protection space it has seen
      // before the server asks: then no 401 and no 'login'.
      if (!(plan.route === 'auth' && status === 200 && plan.status === 401)) {
        return this.violation('status', `${describe(plan)}: status ${status}, expected ${plan.status}`)
      }
      expected = plan.authorized
    }
    if (expected !== null && (received !== expected.length || !body.equals(expected))) {
      return this.violation('body', `${describe(plan)}: ${received} bytes, expected ${expected.length}` +
        (received === expected.length ? ' (same length, different bytes)' : ''))
    }
    rec.bad = false
    rec.completed = true
  }

  /** Files a settled request (a net.request at its close, a fetch when its promise chain ends). */
  settle (rec) {
    const { plan } = rec
    const stats = this.stats
    this.inflight.delete(rec)
    stats.settled++
    if (rec.completed) return stats.completed++
    if (rec.error !== null) {
      stats.failed++
      const code = errorCode(rec.error)
      stats.errors[code] = (stats.errors[code] || 0) + 1
      if (!plan.expectOk || rec.abortCalled) return
      if (plan.chunked && STALE_CONNECTION_ERRORS.has(code)) {
        // A streamed upload cannot be replayed: when the server resets an
        // idle keep-alive connection just as the request goes out on it, the
        // engine may not retry it (Chromium cannot either).
        stats.tolerated[code] = (stats.tolerated[code] || 0) + 1
      } else {
        stats.unexpected[code] = (stats.unexpected[code] || 0) + 1
        this.violation('unexpected-error', `${describe(plan)}: ${rec.error && rec.error.message}; seen: ${rec.seen.join(',')}`)
      }
      return
    }
    if (rec.abortCalled) return stats.aborted++
    if (plan.api === 'request' && plan.reader === 'none') {
      // Nobody read it: the library drained it; a clean close is all there is to see.
      if (!plan.expectOk) {
        stats.bad++
        return this.violation('broken-response-succeeded', `${describe(plan)}: closed without an error; seen: ${rec.seen.join(',')}`)
      }
      return stats.completed++
    }
    stats.bad++
    if (rec.bad) return // reported by checkBody
    this.violation('silent-end', `${describe(plan)}: ended with neither a complete body, an error nor an abort; seen: ${rec.seen.join(',')}`)
  }

  /** One net.fetch (or session.fetch); resolves once it and its body have settled. */
  async fetch (plan) {
    const stats = this.stats
    stats.fetches.started++
    const rec = { plan, t0: Date.now(), seen: [], abortCalled: false, error: null, completed: false, hung: false, unstick: () => {} }
    this.inflight.add(rec)
    const random = this.random
    const controller = new AbortController()
    const abort = (how) => {
      rec.abortCalled = true
      rec.seen.push(how)
      controller.abort()
    }
    rec.unstick = () => controller.abort()
    let timer = null
    try {
      const init = { method: plan.method, signal: controller.signal }
      if (plan.upload !== null) {
        const body = PATTERN.subarray(0, plan.upload)
        if (plan.chunked) {
          let sent = false
          init.body = new ReadableStream({
            pull (c) {
              if (sent) return c.close()
              sent = true
              c.enqueue(new Uint8Array(body))
            }
          })
          init.duplex = 'half'
        } else {
          init.body = body
        }
      }
      if (plan.abort === 'pre-aborted') abort('pre-abort')
      if (plan.abort === 'timer') timer = setTimeout(() => abort('timer'), plan.abortMs)
      const session = this.sessions[plan.session]
      const res = plan.session === 0 && random() < 0.5
        ? await this.net.fetch(plan.url, init)
        : await session.fetch(plan.url, init)
      rec.seen.push(`response:${res.status}`)
      if (plan.abort === 'on-response') {
        abort('abort-on-response')
        // Rejects, unless the whole body was already in the stream's queue.
        await res.arrayBuffer().catch(() => {})
        return
      }
      const reader = res.body.getReader()
      const chunks = []
      let received = 0
      for (;;) {
        if (plan.reader === 'slow' && random() < 0.3) await new Promise((resolve) => setTimeout(resolve, int(random, 1, 20)))
        const { value, done } = await reader.read()
        if (done) break
        received += value.byteLength
        if (received <= 1 << 20) chunks.push(Buffer.from(value))
        if (plan.abort === 'mid-body') abort('abort-mid-body')
        if (plan.abort === 'cancel-body') {
          rec.abortCalled = true
          rec.seen.push('reader.cancel')
          await reader.cancel()
          break
        }
      }
      if (!rec.abortCalled) this.checkBody(rec, res.status, Buffer.concat(chunks), received)
    } catch (err) {
      rec.seen.push(`rejected:${errorCode(err)}`)
      if (!(rec.abortCalled && err && err.name === 'AbortError')) rec.error = err
    } finally {
      clearTimeout(timer)
      stats.fetches.settled++
      this.settle(rec)
    }
  }
}

/** Adds the counters of `b` into `a` (both newStats() shapes). */
function mergeStats (a, b) {
  for (const key of ['started', 'settled', 'completed', 'aborted', 'failed', 'bad', 'violations', 'hung', 'uncaught']) a[key] += b[key]
  for (const key of ['started', 'closed']) a.requests[key] += b.requests[key]
  for (const key of ['started', 'settled']) a.fetches[key] += b.fetches[key]
  for (const field of ['errors', 'unexpected', 'tolerated', 'kinds']) {
    for (const [k, v] of Object.entries(b[field])) a[field][k] = (a[field][k] || 0) + v
  }
  for (const m of b.messages) if (a.messages.length < MAX_MESSAGES) a.messages.push(m)
  return a
}

module.exports = { Load, prng, newStats, mergeStats, makePlan, describe, HUNG_MS }
