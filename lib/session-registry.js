'use strict'
// The sessions below the Session class: one SessionState per partition and
// JS environment (the engine's session id, its storage, its verify
// procedure) and the brand that tells a Session from any other object.
// Requests, fetch and resolveHost need only this; lib/session.js builds the
// public Session on top of it. Nothing here requires a module that makes
// requests, so lib/ has no require cycle (test/require-graph.test.js).
const os = require('node:os')
const path = require('node:path')
const native = require('./native')
const { CERT_VERDICT, OP } = require('./protocol')
const { version } = require('../package.json')

const DEFAULT_USER_AGENT = `Mozilla/5.0 (${platformToken()}) go-net-request/${version} Node.js/${process.versions.node}`

function platformToken () {
  switch (process.platform) {
    case 'darwin': return 'Macintosh; Intel Mac OS X 10_15_7'
    case 'win32': return 'Windows NT 10.0; Win64; x64'
    default: return `X11; Linux ${process.arch === 'x64' ? 'x86_64' : process.arch}`
  }
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

// Electron's verify procedure answers with these numbers, which the engine
// takes as they are; anything else fails the request.
const VERDICTS = new Set(Object.values(CERT_VERDICT))

/** A partition's session as the engine knows it, in this JS environment. */
class SessionState {
  /** Process-wide: the engine's sessions are shared by every thread. */
  id = native.newId()
  userAgent = DEFAULT_USER_AGENT
  /** Electron's verify procedure, or null for the engine's verification. */
  verifyProc = null

  constructor (partition, options) {
    this.partition = partition
    this.persistent = partition.startsWith('persist:')
    this.storagePath = this.persistent
      ? path.join(getDataPath(), 'Partitions', encodeURIComponent(partition.slice('persist:'.length)))
      : null
    if (this.persistent) writeStoresAtExit()
    // Queued before any request that names this session, so always first.
    native.call(OP.SESSION_CREATE, {
      session: this.id,
      options: {
        partition,
        persistent: this.persistent,
        path: this.storagePath || '',
        cache: options.cache !== false,
        userAgent: this.userAgent
      }
    }).then(({ warning }) => {
      if (warning) process.emitWarning(warning, { code: 'GO_NET_REQUEST_STORE' })
    })
  }

  /**
   * Asks the verify procedure about a server certificate; callback gets
   * one of CERT_VERDICT, once.
   */
  verifyCertificate (request, callback) {
    let answered = false
    const once = (verdict) => {
      if (answered) return
      answered = true
      callback(VERDICTS.has(verdict) ? verdict : CERT_VERDICT.FAIL)
    }
    if (this.verifyProc === null) return once(CERT_VERDICT.USE_ENGINE)
    this.verifyProc(request, once)
  }
}

const statesByPartition = new Map()

/** The state of partition, made (and the engine's session created) on first use. */
function partitionState (partition, options = {}) {
  let state = statesByPartition.get(partition)
  if (state === undefined) {
    state = new SessionState(partition, options)
    statesByPartition.set(partition, state)
  }
  return state
}

// The brand: every Session made by lib/session.js, with its state. Only
// those pass sessionState, whatever their prototype says.
const stateBySession = new WeakMap()

/** Marks session as a Session whose state is state. */
function brandSession (session, state) {
  stateBySession.set(session, state)
}

/** The state of a Session, or undefined for any other value. */
function sessionState (value) {
  return stateBySession.get(value) // undefined for primitives too
}

module.exports = { brandSession, getDataPath, partitionState, sessionState, setDataPath }
