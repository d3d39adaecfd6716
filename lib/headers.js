'use strict'
// The one header validator, and the response header views Electron gives.

const TOKEN = /^[\^_`a-zA-Z\-0-9!#$%&'*+.|~]+$/
const INVALID_VALUE = /[\r\n\0]/

// Response headers whose duplicates Node (and Electron) discard.
const DISCARDABLE = new Set([
  'age', 'authorization', 'content-length', 'content-type', 'etag', 'expires',
  'from', 'host', 'if-modified-since', 'if-unmodified-since', 'last-modified',
  'location', 'max-forwards', 'proxy-authorization', 'referer', 'retry-after',
  'server', 'user-agent'
])

function isValidHeaderName (name) {
  return TOKEN.test(name)
}

function isValidHeaderValue (value) {
  return !INVALID_VALUE.test(value)
}

/** Throws Electron's errors for a bad setHeader(name, value). */
function validateHeader (name, value) {
  if (typeof name !== 'string') {
    throw new TypeError('`name` should be a string in setHeader(name, value)')
  }
  if (value == null) {
    throw new Error('`value` required in setHeader("' + name + '", value)')
  }
  if (!isValidHeaderName(name)) {
    throw new Error(`Invalid header name: '${name}'`)
  }
  if (!isValidHeaderValue(value.toString())) {
    throw new Error(`Invalid value for header '${name}': '${value}'`)
  }
}

/**
 * Throws setHeader's message, as a TypeError, when value could not go on
 * the wire as header `name` (CR, LF or NUL): for values that enter through
 * another API (setUserAgent, the origin option). `shown` is what the
 * message quotes (the app's own input, when value was built from it).
 */
function assertHeaderValue (name, value, shown = value) {
  if (!isValidHeaderValue(value)) throw new TypeError(`Invalid value for header '${name}': '${shown}'`)
}

/** Node's `headers` view of a flat raw list: lower-case names, duplicates folded. */
function foldHeaders (raw) {
  const headers = {}
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i].toLowerCase()
    const value = raw[i + 1]
    const seen = headers[name]
    if (name === 'set-cookie') {
      if (seen === undefined) headers[name] = [value]
      else seen.push(value)
    } else if (seen === undefined) {
      headers[name] = value
    } else if (!DISCARDABLE.has(name)) {
      headers[name] = seen + ', ' + value
    }
  }
  return headers
}

/** Electron's redirect `responseHeaders`: lower-case names to arrays of values. */
function headerLists (raw) {
  const headers = {}
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i].toLowerCase()
    if (headers[name] === undefined) headers[name] = [raw[i + 1]]
    else headers[name].push(raw[i + 1])
  }
  return headers
}

module.exports = { validateHeader, assertHeaderValue, isValidHeaderName, isValidHeaderValue, foldHeaders, headerLists }
