'use strict'

// When persistent cookies reach the disk
// (docs/behaviour.md#cookies-origin-and-referrer): a process ended by a
// signal's default action (SIGTERM, SIGINT: no 'exit' event) right after the
// app's change keeps it; so does one that exits by itself, and one whose app
// calls flushStore() before the signal. The library adds no signal listener:
// the signal ends the process as it would have.

const test = require('node:test')
const assert = require('node:assert/strict')
const { spawn } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const { startHttpServer } = require('./helpers/servers')

const LIBRARY = path.resolve(__dirname, '..')
const TIMEOUT = { timeout: 30000 }

function tmpDir (t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'go-net-request-persist-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  return dir
}

/**
 * Runs `body` (an async function body with `net`, `session` of partition
 * persist:p and `ready(value)` in scope) in a child process whose data
 * directory is dataDir. When the child calls ready(), `onReady(child,
 * value)` runs. Resolves with the exit, the values given to ready() and stderr.
 */
function runChild (dataDir, body, onReady = () => {}) {
  const script = `
    const net = require(${JSON.stringify(LIBRARY)})
    net.setDataPath(${JSON.stringify(dataDir)})
    const session = net.session.fromPartition('persist:p')
    const ready = (value) => process.stdout.write(JSON.stringify(value === undefined ? null : value) + '\\n')
    ;(async () => { ${body} })().catch((err) => { console.error(err); process.exit(9) })
  `
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] })
    const values = []
    let stderr = ''
    let partial = ''
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', (chunk) => {
      const lines = (partial + chunk).split('\n')
      partial = lines.pop()
      for (const line of lines) {
        values.push(JSON.parse(line))
        onReady(child, values.at(-1))
      }
    })
    child.stderr.on('data', (chunk) => { stderr += chunk })
    const limit = setTimeout(() => child.kill('SIGKILL'), 20000)
    child.once('error', reject)
    child.once('close', (code, signal) => {
      clearTimeout(limit)
      resolve({ code, signal, values, stderr })
    })
  })
}

/** The names and values of the cookies a new process finds in dataDir's persist:p. */
async function storedCookies (dataDir) {
  const { code, values, stderr } = await runChild(dataDir, `
    ready((await session.cookies.get({})).map((c) => c.name + '=' + c.value).sort())
  `)
  assert.equal(code, 0, stderr)
  return values[0]
}

const IN_AN_HOUR = 'Date.now() / 1000 + 3600'

for (const signal of ['SIGTERM', 'SIGINT']) {
  test(`a cookie set with cookies.set() survives ${signal} at once: the set is on disk when it resolves`, TIMEOUT, async (t) => {
    const dataDir = tmpDir(t)
    const first = await runChild(dataDir, `
      await session.cookies.set({ url: 'http://127.0.0.1/', name: 'set', value: '1', expirationDate: ${IN_AN_HOUR} })
      await session.cookies.set({ url: 'http://127.0.0.1/', name: 'gone', value: '1', expirationDate: ${IN_AN_HOUR} })
      await session.cookies.remove('http://127.0.0.1/', 'gone')
      ready(process.listenerCount('SIGTERM') + process.listenerCount('SIGINT'))
      setInterval(() => {}, 1000) // alive until the signal
    `, (child) => child.kill(signal))
    assert.deepEqual(first.values, [0], 'the library adds no signal listener')
    assert.equal(first.signal, signal, `the signal ended the process as it would have: ${first.stderr}`)
    assert.deepEqual(await storedCookies(dataDir), ['set=1'])
  })
}

test('many concurrent cookies.set() calls all reach the disk before a SIGTERM', TIMEOUT, async (t) => {
  const dataDir = tmpDir(t)
  const first = await runChild(dataDir, `
    await Promise.all(Array.from({ length: 50 }, (_, i) =>
      session.cookies.set({ url: 'http://127.0.0.1/', name: 'c' + String(i).padStart(2, '0'), value: String(i), expirationDate: ${IN_AN_HOUR} })))
    ready()
    setInterval(() => {}, 1000)
  `, (child) => child.kill('SIGTERM'))
  assert.equal(first.signal, 'SIGTERM', first.stderr)
  const stored = await storedCookies(dataDir)
  assert.equal(stored.length, 50)
  assert.equal(stored[49], 'c49=49')
})

test('a cookie from a response survives SIGTERM after flushStore(), and a process that exits by itself', TIMEOUT, async (t) => {
  const srv = await startHttpServer((req, res) => {
    res.setHeader('Set-Cookie', `${req.url.slice(1)}=1; Max-Age=3600`)
    res.end('ok')
  })
  t.after(() => srv.close())
  const fetchCookie = (name) => `
    await new Promise((resolve, reject) => {
      const req = net.request({ url: ${JSON.stringify(srv.origin)} + '/${name}', session, useSessionCookies: true })
      req.on('response', (res) => { res.resume(); res.on('end', resolve) })
      req.on('error', reject)
      req.end()
    })
  `
  const dataDir = tmpDir(t)
  const flushed = await runChild(dataDir, `
    ${fetchCookie('flushed')}
    await session.cookies.flushStore()
    ready()
    setInterval(() => {}, 1000)
  `, (child) => child.kill('SIGTERM'))
  assert.equal(flushed.signal, 'SIGTERM', flushed.stderr)
  assert.deepEqual(await storedCookies(dataDir), ['flushed=1'])

  // No flushStore: the process ends right after the response, by itself
  // and by process.exit(); the exit writes what the debounce has not.
  const natural = await runChild(dataDir, `${fetchCookie('natural')}`)
  assert.equal(natural.code, 0, natural.stderr)
  const exited = await runChild(dataDir, `${fetchCookie('exited')}; process.exit(3)`)
  assert.equal(exited.code, 3, exited.stderr)
  assert.deepEqual(await storedCookies(dataDir), ['exited=1', 'flushed=1', 'natural=1'])
})
