'use strict'

// Helpers for the session, cookies and cache suites: throw-away data
// directories, one-shot requests, cookie 'changed' recording, and child
// processes that use the library (for what must survive a process restart).

const { spawn } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const REPO_ROOT = path.resolve(__dirname, '..', '..')

/**
 * Makes a fresh temporary directory, removed when the process exits. Use one
 * as the data directory of every process that touches a `persist:` partition,
 * so nothing is ever written under the real home directory.
 * @param {string} [prefix]
 * @returns {string}
 */
function makeTempDir (prefix = 'go-net-request-data-') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix))
  process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }))
  return dir
}

/**
 * @typedef {object} Fetched
 * @property {number} statusCode
 * @property {string} body
 * @property {boolean} fromCache
 * @property {Record<string, any>} headers
 */

/**
 * Runs one request (options as net.request takes them) to its end and
 * resolves with what came back; rejects with the request's error.
 * @param {typeof import('../..')} net
 * @param {object} options
 * @param {{ body?: string | Buffer, onLogin?: (authInfo: object, callback: Function) => void }} [extra]
 * @returns {Promise<Fetched>}
 */
function fetchText (net, options, { body, onLogin } = {}) {
  return new Promise((resolve, reject) => {
    const request = net.request(options)
    request.on('error', reject)
    if (onLogin) request.on('login', onLogin)
    request.on('response', (response) => {
      const chunks = []
      response.on('data', (chunk) => chunks.push(chunk))
      response.on('error', reject)
      response.on('end', () => resolve({
        statusCode: response.statusCode,
        body: Buffer.concat(chunks).toString(),
        fromCache: response.fromCache,
        headers: response.headers
      }))
    })
    if (body !== undefined) request.write(body)
    request.end()
  })
}

/**
 * Records the `changed` events of a Cookies object. `next(n)` resolves once
 * n events in all have been recorded; `events` holds {event, cookie, cause,
 * removed} in emission order. `stop()` removes the listener.
 * @param {import('node:events').EventEmitter} cookies
 */
function recordCookieChanges (cookies) {
  const events = []
  const waiters = []
  const listener = (event, cookie, cause, removed) => {
    events.push({ event, cookie, cause, removed })
    for (let i = waiters.length - 1; i >= 0; i--) {
      if (events.length >= waiters[i].n) {
        waiters[i].resolve(events.slice())
        waiters.splice(i, 1)
      }
    }
  }
  cookies.on('changed', listener)
  return {
    events,
    next (n) {
      if (events.length >= n) return Promise.resolve(events.slice())
      return new Promise((resolve) => waiters.push({ n, resolve }))
    },
    stop () { cookies.off('changed', listener) }
  }
}

/**
 * Counts the TCP connections a server accepts (attach right after start).
 * @param {{ server: import('node:net').Server }} srv
 * @returns {{ count: number, sockets: import('node:net').Socket[] }}
 */
function countConnections (srv) {
  const counter = { count: 0, sockets: [] }
  srv.server.on('connection', (socket) => {
    counter.count++
    counter.sockets.push(socket)
  })
  return counter
}

// What every child script starts with: the library as `net`, `fetchText`
// bound to it, and `out(value)` to hand a JSON result back (it resolves
// once the line is written, so a script may then kill itself).
const CHILD_PRELUDE = `
'use strict'
const net = require(${JSON.stringify(REPO_ROOT)})
const { fetchText: fetchWith } = require(${JSON.stringify(__filename)})
const fetchText = (options, extra) => fetchWith(net, options, extra)
const out = (value) => new Promise((resolve) => process.stdout.write('RESULT ' + JSON.stringify(value) + '\\n', resolve))
`

/**
 * @typedef {object} ChildResult
 * @property {number | null} code
 * @property {string | null} signal
 * @property {string} stdout
 * @property {string} stderr
 * @property {any} result the value the script passed to out() (last one), or undefined
 */

/**
 * Runs `script` in a new node process (`node -e`), after CHILD_PRELUDE
 * (which gives it `net`, `fetchText(options)` and `out(value)`), inside an
 * async function, so it may await; a rejection exits with code 1. `env` is
 * merged over this process's environment; GO_NET_REQUEST_DATA must be among
 * it, or `allowNoDataDir` set with a HOME/XDG_DATA_HOME pointing somewhere
 * temporary. The child is killed after `timeout` ms.
 * @param {string} script
 * @param {{ env?: Record<string, string | undefined>, allowNoDataDir?: boolean, timeout?: number }} [options]
 * @returns {Promise<ChildResult>}
 */
function runChild (script, { env = {}, allowNoDataDir = false, timeout = 15000 } = {}) {
  if (!allowNoDataDir && !env.GO_NET_REQUEST_DATA) {
    throw new Error('runChild: give GO_NET_REQUEST_DATA (a temporary directory)')
  }
  const childEnv = { ...process.env }
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) delete childEnv[name]
    else childEnv[name] = value
  }
  return new Promise((resolve, reject) => {
    const source = CHILD_PRELUDE +
      `;(async () => {\n${script}\n})().catch((err) => { console.error(err); process.exitCode = 1 })\n`
    const child = spawn(process.execPath, ['-e', source], {
      env: childEnv,
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (s) => { stdout += s })
    child.stderr.setEncoding('utf8').on('data', (s) => { stderr += s })
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`runChild: timed out after ${timeout} ms; stdout ${JSON.stringify(stdout)}, stderr ${JSON.stringify(stderr)}`))
    }, timeout)
    child.once('error', (err) => { clearTimeout(timer); reject(err) })
    child.once('close', (code, signal) => {
      clearTimeout(timer)
      let result
      for (const line of stdout.split('\n')) {
        if (line.startsWith('RESULT ')) result = JSON.parse(line.slice('RESULT '.length))
      }
      resolve({ code, signal, stdout, stderr, result })
    })
  })
}

module.exports = { REPO_ROOT, makeTempDir, fetchText, recordCookieChanges, countConnections, runChild }
