'use strict'
// net.resolveHost and net.isOnline.
const os = require('node:os')
const native = require('./native')
const { OP } = require('./protocol')
const { partitionState, sessionState } = require('./session-registry')

const QUERY_TYPES = ['A', 'AAAA']
const SOURCES = ['any', 'system', 'dns', 'mdns', 'localOnly']
const CACHE_USAGES = ['allowed', 'staleAllowed', 'disallowed']
const SECURE_DNS_POLICIES = ['allow', 'disable']

function checkOption (options, name, allowed) {
  const value = options[name]
  if (value !== undefined && !allowed.includes(value)) {
    throw new TypeError(`${name} should be one of ${allowed.join(', ')}`)
  }
  return value
}

/**
 * Resolves host with Go's resolver, as Electron's net.resolveHost does.
 * @param {object} [session] the Session of session.resolveHost (else the default session)
 * @returns {Promise<{endpoints: {address: string, family: 'ipv4' | 'ipv6'}[]}>}
 */
async function resolveHost (host, options = {}, session) {
  if (typeof host !== 'string') throw new TypeError('host must be a string')
  if (options === null || typeof options !== 'object') throw new TypeError('options must be an object')
  const resolve = {
    queryType: checkOption(options, 'queryType', QUERY_TYPES) || '',
    source: checkOption(options, 'source', SOURCES) || 'any',
    cacheUsage: checkOption(options, 'cacheUsage', CACHE_USAGES) || 'allowed'
  }
  checkOption(options, 'secureDnsPolicy', SECURE_DNS_POLICIES) // accepted: Go's resolver has no DoH
  const state = session === undefined ? partitionState('') : sessionState(session)
  return native.call(OP.RESOLVE_HOST, { session: state.id, host, resolve })
}

/** Whether the machine has a non-loopback interface that is up with an address. */
function isOnline () {
  for (const addresses of Object.values(os.networkInterfaces())) {
    for (const address of addresses || []) {
      if (!address.internal) return true
    }
  }
  return false
}

module.exports = { resolveHost, isOnline }
