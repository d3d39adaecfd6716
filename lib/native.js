'use strict'
// Loads the addon and routes engine events to the request that owns them.
// Calls into the addon only queue commands for the engine: none waits.
// One dispatcher per JS environment (main thread or worker): each
// environment loads its own instance of this module and of the addon's
// per-environment state.
const path = require('node:path')
const fs = require('node:fs')
const { netError } = require('./errors')
const { PREBUILD_DIR_ENV, addonFileName, prebuiltAddon } = require('./prebuilds')
const { EVENT_FLAG, RESULT_FLAG } = require('./protocol')

/**
 * The addon files to try, best first: the prebuild named by
 * GO_NET_REQUEST_PREBUILD_DIR alone when it is set (a prebuild under test),
 * else a from-source build (build/Release), then this platform's prebuild.
 */
function addonCandidates (root) {
  const override = process.env[PREBUILD_DIR_ENV]
  if (override) return [path.join(path.resolve(override), addonFileName(process.arch))]
  return [
    path.join(root, 'build', 'Release', 'go_net_request.node'),
    prebuiltAddon(root)
  ]
}

function addonPath () {
  const root = path.resolve(__dirname, '..')
  const candidates = addonCandidates(root)
  const found = candidates.find((p) => fs.existsSync(p))
  if (!found) {
    throw new Error('go-net-request: the native addon is not built; run `npm install` ' +
      '(building from source needs Go 1.25+ and a C compiler); looked for ' + candidates.join(', '))
  }
  return found
}

// Files the OS loader opens itself: they cannot be read from inside an asar archive.
const NATIVE_FILE = /\.(node|so|dll|dylib)$/

/**
 * Where the addon at `file` loads from in an Electron app packed into an
 * asar archive (a path with an `app.asar` segment): its copy in
 * `app.asar.unpacked`. The OS loads native code only from files on disk:
 * Electron's require of a `.node` in the archive loads its unpacked copy,
 * or a copy extracted to a temporary directory, and either way the addon
 * then finds the Go library beside itself only if that was unpacked too.
 * electron-builder unpacks the whole package by default; forge and
 * @electron/packager unpack only `*.node` files, which is not enough: the
 * error says which setting unpacks the rest. Outside Electron a directory
 * named like an archive is an ordinary one and `file` is used as it is.
 */
function unpackedPath (file) {
  const archive = /\.asar(?=[\\/])/i.exec(file)
  if (archive === null) return file
  const end = archive.index + archive[0].length
  const unpacked = file.slice(0, end) + '.unpacked' + file.slice(end)
  // Electron's fs lists the archive's directories like real ones.
  const natives = fs.readdirSync(path.dirname(file)).filter((name) => NATIVE_FILE.test(name))
  const missing = natives.filter((name) => !fs.existsSync(path.join(path.dirname(unpacked), name)))
  if (missing.length === 0) return unpacked
  if (process.versions.electron === undefined) return file
  throw new Error(`go-net-request: ${missing.join(', ')} must be unpacked from the app's asar archive ` +
    `(the OS loads native code only from files on disk) and ${missing.length === 1 ? 'is' : 'are'} not in ${path.dirname(unpacked)}. ` +
    'electron-builder unpacks the package by default (smartUnpack; else set asarUnpack: ["**/node_modules/go-net-request/**"]); ' +
    'electron-forge and @electron/packager unpack only *.node files: set ' +
    'packagerConfig.asar.unpack to "{**/{.**,**}/**/*.node,**/{.**,**}/**/node_modules/go-net-request/**}" ' +
    '(their *.node pattern and this package).')
}

const binding = require(unpackedPath(addonPath()))

/** @type {Map<number, (kind: number, n1: number, n2: number, text?: string, flags: number, data?: Buffer) => void>} */
const handlers = new Map()

binding.setDispatch((id, kind, n1, n2, text, flags, data) => {
  // Small bodies cross as latin1 strings (bridge/shim/addon.c): Buffer.from
  // carves them from Node's pool instead of a backing store each.
  if (typeof data === 'string') data = Buffer.from(data, 'latin1')
  const handler = handlers.get(id)
  if ((flags & EVENT_FLAG.TERMINAL) !== 0) handlers.delete(id) // the engine is done with id
  if (handler !== undefined) handler(kind, n1, n2, text, flags, data)
})

// Commands are handed to the engine once per tick: ringing its doorbell may
// wake a sleeping thread, which costs more than everything else a small
// request does, so one ring serves every command a tick queued.
let flushScheduled = false
function flush () {
  flushScheduled = false
  binding.flush()
}
function scheduleFlush () {
  if (flushScheduled) return
  flushScheduled = true
  process.nextTick(flush)
}

/** Wraps a queueing binding so the queued command reaches the engine this tick. */
function queued (command) {
  return (...args) => {
    command(...args)
    scheduleFlush()
  }
}

/**
 * Starts a request in the engine; handler receives its events until the
 * terminal one (END, FAIL, or a complete RESPONSE). The handler map keeps
 * the JS request alive for as long as the engine may still report on it.
 */
function start (spec, body, handler) {
  const id = binding.start(spec, body)
  handlers.set(id, handler)
  scheduleFlush()
  return id
}

/**
 * Runs a session operation in the engine.
 * @param {number} op one of OP (lib/protocol.js), e.g. OP.COOKIES_GET
 * @param {object} fields the operation's arguments (bridge/calls.go's table)
 * @returns {Promise<any>} the result, or a rejection with the engine's message
 */
function call (op, fields) {
  return new Promise((resolve, reject) => {
    const id = binding.call(JSON.stringify({ op, ...fields }))
    handlers.set(id, (kind, n1, n2, text, flags) => {
      if ((flags & RESULT_FLAG.ERROR) !== 0) reject(text.startsWith('net::ERR_') ? netError(text.slice(5)) : new Error(text))
      else resolve(JSON.parse(text))
    })
    scheduleFlush()
  })
}

/** Routes the events addressed to a fresh id to handler until unlisten(id). */
function listen (handler) {
  const id = binding.newId()
  handlers.set(id, handler)
  return id
}

function unlisten (id) {
  handlers.delete(id)
}

module.exports = {
  call,
  listen,
  unlisten,
  start,
  // Upload chunks go at once: the sender is waiting for them, and deferring
  // the wake-up to the next tick halves upload throughput.
  write: (id, chunk) => {
    binding.write(id, chunk)
    binding.flush()
  },
  endBody: queued(binding.endBody),
  grant: queued(binding.grant),
  // A cancelled request hears nothing more: whatever the engine reports
  // for it meanwhile (its own failure, raced by the cancel) is dropped here.
  cancel: queued((id) => {
    handlers.delete(id)
    binding.cancel(id)
  }),
  followRedirect: queued(binding.followRedirect),
  certVerdict: queued(binding.certVerdict),
  login: queued(binding.login),
  liveRequests: binding.liveRequests,
  newId: binding.newId,
  stats: () => JSON.parse(binding.stats()),
  flushStores: binding.flushStores,
  pendingHandlers: () => handlers.size
}
