'use strict'
// ClientRequest options, parsed exactly as Electron parses them.
const url = require('node:url')
const { validateHeader, assertHeaderValue } = require('./headers')
const { partitionState, sessionState } = require('./session-registry')
const { CACHE_MODE } = require('./protocol')

const HTTP_PROTOCOLS = new Set(['http:', 'https:'])
// fetch's cache modes, in the order the TypeError lists them, and their
// numbers for the engine (bridge.h's GNR_CACHE_*: 'no-store' is NO_STORE).
const CACHE_MODES = ['default', 'no-store', 'reload', 'no-cache', 'force-cache', 'only-if-cached']
const CACHE_MODE_NUMBER = new Map(CACHE_MODES.map((mode) => [mode, CACHE_MODE[mode.replace(/-/g, '_').toUpperCase()]]))
const REFERRER_POLICIES = ['', 'no-referrer', 'no-referrer-when-downgrade', 'origin', 'origin-when-cross-origin',
  'same-origin', 'strict-origin', 'strict-origin-when-cross-origin', 'unsafe-url']
const REDIRECT_MODES = ['follow', 'error', 'manual']
const METHOD = /^[\^_`a-zA-Z\-0-9!#$%&'*+.|~]+$/

/**
 * The URL the options name: `url` or `href`, else composed from its parts.
 * **Decision**: a `url`, `href`, `host` or `hostname` given as an empty
 * string is an invalid URL (TypeError 'Invalid URL', as new URL('')
 * throws), where Electron falls back to http://localhost/: a request that
 * nobody meant. Absent parts still take their defaults.
 */
function hrefOf (options) {
  const href = options.url || options.href
  if (href) return typeof href === 'string' ? href : String(href)
  if (options.url === '' || options.href === '') return ''
  return composeURL(options)
}

/** Composes the URL from protocol/host/hostname/port/path as url.format does. */
function composeURL (options) {
  const parts = { protocol: options.protocol || 'http:' }
  if (!options.host && !options.hostname && (options.host === '' || options.hostname === '')) {
    // new URL's own TypeError for http(s) with no host; any other scheme
    // fails the protocol check instead, as it would anyway.
    new URL(`${parts.protocol}//`) // eslint-disable-line no-new
  }
  if (options.host) {
    parts.host = options.host
  } else {
    parts.hostname = options.hostname || 'localhost'
    if (options.port) parts.port = options.port
  }
  if (options.path && / /.test(options.path)) {
    throw new TypeError('Request path contains unescaped characters')
  }
  const pathParts = new URL(options.path || '/', 'http://localhost')
  parts.pathname = pathParts.pathname
  parts.search = pathParts.search
  parts.hash = pathParts.hash
  return url.format(parts)
}

// Parsed URLs by the string given: apps ask for the same URLs again and
// again, and parsing one cost more than the rest of the options together.
// Only href, origin and protocol are kept (immutable), so entries can be shared.
const parsedURLs = new Map()
const PARSED_URLS_MAX = 256

/** {href, origin, protocol} of an absolute URL string; throws as new URL does. */
function parseURL (href) {
  let parsed = parsedURLs.get(href)
  if (parsed === undefined) {
    const url = new URL(href)
    parsed = Object.freeze({ href: url.href, origin: url.origin, protocol: url.protocol })
    if (parsedURLs.size >= PARSED_URLS_MAX) parsedURLs.clear()
    parsedURLs.set(href, parsed)
  }
  return parsed
}

/**
 * The serialized origin of the `origin` option, or undefined when absent or
 * not a URL. It becomes the Origin header: CR, LF or NUL (which URL parsing
 * would silently drop or reject) throw, as setHeader's check does.
 */
function initiatorOrigin (origin) {
  if (origin == null || origin === '') return undefined
  const text = String(origin)
  assertHeaderValue('Origin', text)
  try {
    const parsed = parseURL(text)
    return parsed.origin === 'null' ? undefined : parsed.origin
  } catch {
    return undefined
  }
}

// Chromium's priorities as RFC 9218 urgencies (lowest sends none).
const URGENCY = { throttled: 5, idle: 4, lowest: null, low: 2, medium: 1, highest: 0, high: 0, auto: null }

/** The HTTP/2 priority field value for Electron's priority options. */
function priorityField (priority, incremental) {
  if (priority != null && !(priority in URGENCY)) {
    throw new TypeError(`priority should be one of ${Object.keys(URGENCY).join(', ')}`)
  }
  const urgency = priority == null ? null : URGENCY[priority]
  const parts = []
  if (urgency !== null) parts.push(`u=${urgency}`)
  if (incremental === true) parts.push('i')
  return parts.join(', ')
}

/**
 * Parses net.request's options. Throws Electron's synchronous errors.
 * @returns {{method: string, url: {href: string, origin: string, protocol: string}, redirect: string, headers: Map<string, {name: string, value: any}>, session: object,
 *   credentials?: string, useSessionCookies?: boolean, origin?: string, timeout: number, raw: object}}
 */
function parseOptions (input) {
  let options
  let href
  if (typeof input === 'string') {
    // As Electron: a string is the URL itself, so '' is new URL('')'s TypeError.
    options = {}
    href = input
  } else if (input instanceof URL) {
    options = {}
    href = input.href
  } else if (input !== null && typeof input === 'object') {
    options = { ...input }
    href = hrefOf(options)
  } else {
    throw new TypeError('options must be a string, a URL or an object')
  }
  const parsed = parseURL(href)

  const redirect = options.redirect || 'follow'
  if (!REDIRECT_MODES.includes(redirect)) {
    throw new Error('redirect mode should be one of follow, error or manual')
  }
  if (options.headers != null && typeof options.headers !== 'object') {
    throw new TypeError('headers must be an object')
  }
  const headers = new Map()
  for (const [name, value] of Object.entries(options.headers || {})) {
    validateHeader(name, value)
    headers.set(name.toLowerCase(), { name, value })
  }
  let session // the SessionState (lib/session-registry.js) of the session named
  if (options.session) {
    // A brand check: only a Session made by this library has a state.
    session = sessionState(options.session)
    if (session === undefined) throw new TypeError('`session` should be an instance of the Session class')
  } else if (options.partition) {
    if (typeof options.partition !== 'string') throw new TypeError('`partition` should be a string')
    session = partitionState(options.partition)
  } else {
    session = partitionState('')
  }
  if (!HTTP_PROTOCOLS.has(parsed.protocol)) {
    throw new Error('ClientRequest only supports http: and https: protocols')
  }
  if (options.credentials === 'same-origin' && !options.origin) {
    throw new Error('credentials: same-origin requires origin to be set')
  }
  if (options.method != null && typeof options.method !== 'string') {
    throw new TypeError('`method` should be a string')
  }
  const method = (options.method || 'GET').toUpperCase()
  if (!METHOD.test(method)) {
    throw new TypeError(`Method must be a valid HTTP token ["${method}"]`)
  }
  const cache = options.cache == null ? 'default' : options.cache
  if (!CACHE_MODE_NUMBER.has(cache)) {
    throw new TypeError(`cache mode should be one of ${CACHE_MODES.join(', ')}`)
  }
  const referrerPolicy = options.referrerPolicy == null ? '' : String(options.referrerPolicy)
  if (!REFERRER_POLICIES.includes(referrerPolicy)) {
    throw new TypeError(`referrerPolicy should be one of ${REFERRER_POLICIES.slice(1).join(', ')}`)
  }
  const priority = priorityField(options.priority, options.priorityIncremental)
  let timeout = 0
  if (options.timeout != null) {
    timeout = options.timeout // a number, as the types say: '5' is refused, not read as 5 ms
    if (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout < 0) {
      throw new TypeError('`timeout` should be a non-negative number of milliseconds')
    }
  }
  return {
    method,
    url: parsed,
    redirect,
    headers,
    session,
    cacheMode: CACHE_MODE_NUMBER.get(cache),
    referrerPolicy,
    priority,
    credentials: options.credentials,
    useSessionCookies: options.useSessionCookies,
    origin: initiatorOrigin(options.origin),
    timeout
  }
}

module.exports = { parseOptions }
