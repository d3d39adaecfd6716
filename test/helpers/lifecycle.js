'use strict'
const { spawn } = require('node:child_process')

// Recording a request's whole lifecycle (the request's events and its
// response's, interleaved) and a few small waits for the body, events and
// errors suites.

const net = require('node:net')

const REQUEST_EVENTS = ['finish', 'response', 'abort', 'error', 'close', 'timeout', 'redirect', 'login']
const RESPONSE_EVENTS = ['data', 'end', 'aborted', 'error', 'close']

/**
 * @typedef {object} Lifecycle
 * @property {string[]} log 'req:finish', 'req:response', 'res:data', ...
 *   in emission order; consecutive 'res:data' are folded into one
 * @property {Record<string, any>} errors the first argument of each
 *   'req:error' / 'res:error', by log name
 * @property {number} dataEvents how many 'data' events the response emitted
 * @property {number} bytes how many body bytes they carried
 * @property {import('node:events').EventEmitter | null} response
 * @property {Promise<void>} closed resolves at the request's first 'close'
 */

/**
 * Records every event of `req` and of its response. Listening to 'error'
 * keeps errors from being thrown; listening to 'response' means the
 * response is never left unlistened. With `read` (the default) the
 * response's 'data' is listened to, which makes it flow.
 * @param {import('node:events').EventEmitter} req
 * @param {{ read?: boolean, onResponse?: (res: any) => void }} [options]
 *   `onResponse` runs after the recorder's own listeners are attached
 * @returns {Lifecycle}
 */
function recordLifecycle (req, { read = true, onResponse } = {}) {
  let resolveClosed
  const rec = {
    log: [],
    errors: {},
    dataEvents: 0,
    bytes: 0,
    response: null,
    closed: new Promise((resolve) => { resolveClosed = resolve })
  }
  const add = (name, args) => {
    if (name.endsWith(':error') && !(name in rec.errors)) rec.errors[name] = args[0]
    if (name === 'res:data') {
      rec.dataEvents++
      rec.bytes += args[0].length
      if (rec.log.at(-1) === 'res:data') return
    }
    rec.log.push(name)
  }
  for (const name of REQUEST_EVENTS) {
    req.on(name, (...args) => {
      add(`req:${name}`, args)
      if (name === 'close') resolveClosed()
      if (name === 'response') {
        const res = args[0]
        rec.response = res
        for (const resName of RESPONSE_EVENTS) {
          if (resName === 'data' && !read) continue
          res.on(resName, (...resArgs) => add(`res:${resName}`, resArgs))
        }
        if (onResponse) onResponse(res)
      }
    })
  }
  return rec
}

/**
 * Resolves after `ms` milliseconds and two turns of the event loop. Not a
 * way to wait for an event: it only gives events that must NOT happen (a
 * second 'close', an 'error' after 'close', a write callback while the peer
 * is stalled) the chance to show themselves before the test says they did not.
 * @param {number} [ms=100]
 */
function quiet (ms = 100) {
  return new Promise((resolve) => setTimeout(() => setImmediate(() => setImmediate(resolve)), ms))
}

/**
 * Resolves true when `emitter` emits `event` within `ms`, false otherwise
 * (the listener is removed either way).
 * @param {import('node:events').EventEmitter} emitter
 * @param {string} event
 * @param {number} ms
 * @returns {Promise<boolean>}
 */
function emitsWithin (emitter, event, ms) {
  return new Promise((resolve) => {
    const onEvent = () => { clearTimeout(timer); resolve(true) }
    const timer = setTimeout(() => { emitter.off(event, onEvent); resolve(false) }, ms)
    emitter.once(event, onEvent)
  })
}

/**
 * Returns a loopback port that nothing listens on (it was just released).
 * @returns {Promise<number>}
 */
function closedPort () {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

/**
 * Returns a promise and the function that resolves it.
 * @returns {{ promise: Promise<any>, resolve: (value?: any) => void }}
 */
function deferred () {
  let resolve
  const promise = new Promise((r) => { resolve = r })
  return { promise, resolve }
}

// Emulated runs (npm run test:platforms: qemu, wine) set
// GO_NET_REQUEST_TEST_TIME_SCALE: a child node takes seconds to start there,
// so the limits that catch a hang are multiplied by it.
const TIME_SCALE = Math.max(1, Number(process.env.GO_NET_REQUEST_TEST_TIME_SCALE) || 1)

/** A hang limit (ms) for this run: ms times GO_NET_REQUEST_TEST_TIME_SCALE. */
function slow (ms) {
  return Math.round(ms * TIME_SCALE)
}

// The wine runner (scripts/targets/wine.js) sets
// GO_NET_REQUEST_TEST_EMULATOR=wine. Wine 8 reports a TCP reset as a reset
// only to a receive that is pending when it arrives; a receive made after
// it reads the end of the stream, as if the peer had closed cleanly.
// Measured with one Go program (a request, then reads until an error)
// against a server that resets, built for Windows and run under wine, and
// built for Linux: when the server wrote 38 bytes before the reset (which
// complete the pending receive, so the next one comes after the reset),
// EOF after the bytes in 77 of 80 connections under wine and ECONNRESET in
// 80 of 80 on Linux; with no bytes, WSAECONNRESET in 40 of 40 while a
// receive was pending, EOF in 40 of 40 when the program received 100 ms
// later (Linux: ECONNRESET in both). Windows reports the reset either way,
// and the engine maps it (errors_windows.go).
const UNDER_WINE = process.env.GO_NET_REQUEST_TEST_EMULATOR === 'wine'

/** The skip option of a test whose point is the name of a reset that follows data: skipped under wine only. */
const RESET_AFTER_DATA_UNTESTABLE = UNDER_WINE &&
  'wine 8 reports a TCP reset that arrives with no receive pending (here: after bytes that completed it) as a clean close (test/helpers/lifecycle.js)'

/**
 * The skip option of a test that runs Node's own fetch: skipped under wine
 * only, where it cannot connect. Undici turns TCP keep-alive on before it
 * connects, and under wine 8 a Windows Node socket given setKeepAlive(true,
 * delay) before its connect fails that connect (connect UNKNOWN, -4094),
 * measured with net.connect alone; the same socket without it connects.
 */
const NODE_FETCH_UNTESTABLE = UNDER_WINE &&
  'under wine 8, Node\'s fetch cannot connect: it sets TCP keep-alive before connecting, which fails the connect there (test/helpers/lifecycle.js)'

/**
 * The net error names (without net::) a failure caused by a reset may
 * have: ERR_CONNECTION_RESET, and under wine also `cleanCloseName`, the
 * failure a clean close at that point is (see UNDER_WINE above).
 */
function resetNames (cleanCloseName) {
  return UNDER_WINE ? ['ERR_CONNECTION_RESET', cleanCloseName] : ['ERR_CONNECTION_RESET']
}

/**
 * Runs `node ...argv` in a child process, killing it after `limit` ms
 * (times GO_NET_REQUEST_TEST_TIME_SCALE).
 * Resolves with its exit, its output, and when each stdout line arrived.
 * With `coreDumpsIn` (a directory), the child runs there with core dumps
 * allowed (a shell raises `ulimit -c` and execs node), so a crash leaves
 * its core where the kernel's core_pattern puts it (that directory when
 * the pattern is a plain file name).
 * @returns {Promise<{ code: number | null, signal: string | null, stdout: string, stderr: string,
 *   lines: { text: string, at: number }[], exitedAt: number, killed: boolean }>}
 */
function runNode (argv, { limit = 15000, coreDumpsIn = null } = {}) {
  return new Promise((resolve, reject) => {
    const child = coreDumpsIn
      ? spawn('/bin/sh', ['-c', 'ulimit -c unlimited 2>/dev/null; exec "$0" "$@"', process.execPath, ...argv],
          { cwd: coreDumpsIn, stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    const lines = []
    let partial = ''
    child.stdout.setEncoding('utf8')
    child.stderr.setEncoding('utf8')
    child.stdout.on('data', (chunk) => {
      stdout += chunk
      partial += chunk
      const parts = partial.split('\n')
      partial = parts.pop()
      for (const text of parts) lines.push({ text, at: performance.now() })
    })
    child.stderr.on('data', (chunk) => { stderr += chunk })
    let killed = false
    const timer = setTimeout(() => { killed = true; child.kill('SIGKILL') }, slow(limit))
    child.once('error', (err) => { clearTimeout(timer); reject(err) })
    child.once('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout, stderr, lines, exitedAt: performance.now(), killed })
    })
  })
}

module.exports = { recordLifecycle, quiet, emitsWithin, closedPort, deferred, runNode, slow, resetNames, RESET_AFTER_DATA_UNTESTABLE, NODE_FETCH_UNTESTABLE }
