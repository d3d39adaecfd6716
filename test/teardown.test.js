'use strict'

// Exit and teardown (docs/behaviour.md#module-and-process-life):
// process.exit() with requests in flight, an uncaught exception in a 'data'
// handler, workers terminated (or exiting) mid-request, the addon's
// environment cleanup hook, and a process that exits by itself afterwards.
// Each case runs in a child process (`node -e`) with its own loopback server,
// bounded by a kill timer: a hang shows as `killed`, a crash as a signal or
// an unexpected code.

const { test } = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const { runNode, slow } = require('./helpers/lifecycle')

const LIB = path.resolve(__dirname, '..', 'index.js')
const HELPERS = path.resolve(__dirname, 'helpers')

/** Runs `node -e script LIB HELPERS` (see helpers/lifecycle.js runNode). */
function runChild (script, { limit = 15000 } = {}) {
  return runNode(['-e', script, LIB, HELPERS], { limit })
}

/** The JSON a child printed on its line 'result <json>'. */
function resultOf (child) {
  const line = child.lines.find((l) => l.text.startsWith('result '))
  assert.ok(line, `the child printed no result; stdout: ${child.stdout}\nstderr: ${child.stderr}`)
  return { ...JSON.parse(line.text.slice('result '.length)), printedAt: line.at }
}

/** Asserts the child ended by itself, promptly after its result, with code 0 and a quiet stderr. */
function assertCleanExit (child, what) {
  assert.equal(child.killed, false, `${what}: the child hung and was killed; stdout: ${child.stdout}\nstderr: ${child.stderr}`)
  assert.equal(child.signal, null, `${what}: the child died of ${child.signal}; stderr: ${child.stderr}`)
  assert.equal(child.stderr, '', `${what}: stderr`)
  assert.equal(child.code, 0, `${what}: exit code`)
}

/**
 * Child prelude: `net`, `startHttpServer`, `Worker`, `LIB`, and `until(fn,
 * ms)` that polls a condition the engine offers no event for (its
 * counters), every 10 ms, up to ms; resolves whether it held.
 */
const PRELUDE = `
'use strict'
const LIB = process.argv[1]
const net = require(LIB)
const { startHttpServer } = require(process.argv[2] + '/servers')
const { Worker } = require('node:worker_threads')
async function until (fn, ms) {
  const deadline = Date.now() + ms
  while (!fn()) {
    if (Date.now() > deadline) return false
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  return true
}
`

/**
 * Child server: /hold/* never answers; /stream/* streams 16 KiB every
 * millisecond for as long as the client reads; /ok/* answers 'ok';
 * /slow/* answers 'slow-body' in three pieces, the first after 200 ms.
 * `arrived` counts each path's arrivals (by the part before '?'),
 * `open` the connections the server holds.
 */
const SERVER = `
const arrived = new Map()
let open = 0
const srv = await startHttpServer((req, res) => {
  const key = req.url.split('?')[0]
  arrived.set(key, (arrived.get(key) || 0) + 1)
  srv.server.emit('arrived', key)
  if (req.url.startsWith('/hold')) return
  if (req.url.startsWith('/ok')) return res.end('ok')
  if (req.url.startsWith('/slow')) {
    res.writeHead(200, { 'content-length': 9 })
    const pieces = ['slo', 'w-b', 'ody']
    const next = () => { res.write(pieces.shift()); if (pieces.length) setTimeout(next, 100); else res.end() }
    return setTimeout(next, 200)
  }
  res.writeHead(200, { 'content-type': 'application/octet-stream' })
  const chunk = Buffer.alloc(16384, 'x')
  const timer = setInterval(() => res.write(chunk), 1)
  res.on('close', () => clearInterval(timer))
})
srv.server.on('connection', (socket) => { open++; socket.on('close', () => { open-- }) })
const count = (key) => arrived.get(key) || 0
`

test('process.exit() with 50 requests in flight exits at once with its code, no crash, no hang (4 children)', { timeout: slow(20000) }, async () => {
  // 25 requests stream a body (the engine posting events as fast as it can)
  // and 25 wait for a head that never comes, when the child calls exit(7).
  const script = PRELUDE + `(async () => {
    ${SERVER}
    let streaming = 0
    for (let i = 0; i < 50; i++) {
      const req = net.request(srv.origin + (i % 2 ? '/hold' : '/stream') + '?i=' + i)
      req.on('response', (res) => res.once('data', () => { streaming++; check() }))
      req.on('error', (err) => { console.log('error ' + err.message) })
      req.end()
    }
    srv.server.on('arrived', check)
    function check () {
      if (streaming === 25 && count('/hold') === 25) {
        console.log('exiting')
        process.exit(7)
      }
    }
  })()`
  const children = await Promise.all(Array.from({ length: 4 }, () => runChild(script, { limit: 15000 })))
  for (const [i, child] of children.entries()) {
    const what = `child ${i}`
    assert.equal(child.killed, false, `${what}: hung; stdout: ${child.stdout}\nstderr: ${child.stderr}`)
    assert.equal(child.signal, null, `${what}: died of ${child.signal}; stderr: ${child.stderr}`)
    assert.equal(child.code, 7, `${what}: exit code; stderr: ${child.stderr}`)
    assert.equal(child.stderr, '', `${what}: stderr`)
    assert.equal(child.stdout, 'exiting\n', `${what}: stdout (no request failed before the exit)`)
    const exiting = child.lines.find((l) => l.text === 'exiting')
    const took = child.exitedAt - exiting.at
    assert.ok(took < 2000, `${what}: exited ${Math.round(took)} ms after process.exit()`)
  }
})

test('an exception thrown in a data handler takes the uncaught path: exit code 1, the error on stderr, no hang', { timeout: slow(20000) }, async () => {
  // The response streams forever and another request waits forever: only
  // the uncaught exception can end this process.
  const script = PRELUDE + `(async () => {
    ${SERVER}
    const held = net.request(srv.origin + '/hold')
    held.on('error', () => {})
    held.end()
    const req = net.request(srv.origin + '/stream')
    req.on('response', (res) => {
      res.on('data', () => { throw new Error('boom from a data handler') })
    })
    req.end()
  })()`
  const child = await runChild(script, { limit: 15000 })
  assert.equal(child.killed, false, `hung; stderr: ${child.stderr}`)
  assert.equal(child.signal, null, `died of ${child.signal}; stderr: ${child.stderr}`)
  assert.equal(child.code, 1, `exit code; stderr: ${child.stderr}`)
  assert.match(child.stderr, /Error: boom from a data handler/)
  assert.doesNotMatch(child.stderr, /Warning|FATAL|Abort|Segmentation|panic/i)
  // Once, not once per chunk: the process ended at the first throw.
  assert.equal(child.stderr.split('Error: boom from a data handler').length - 1, 1, child.stderr)
})

test('a worker terminated mid-request, 20 times, while the main thread makes requests: no crash, every main request succeeds, the engine lets go', { timeout: slow(25000) }, async () => {
  // Rounds terminate the worker at different points: right after its
  // requests were made (round % 3 == 0), once the server holds them all
  // (1), once its streams delivered data (2).
  const script = PRELUDE + `(async () => {
    ${SERVER}
    const WORKER = \`
      const { parentPort, workerData } = require('node:worker_threads')
      const net = require(workerData.lib)
      for (const url of workerData.urls) {
        const req = net.request(url)
        req.on('response', (res) => res.once('data', () => parentPort.postMessage('data')))
        req.on('error', (err) => parentPort.postMessage('error ' + err.message))
        req.end()
      }
      parentPort.postMessage('sent')
    \`
    const exitCodes = []
    const workerErrors = []
    let mainOk = 0
    let mainTotal = 0
    const mainRequest = (i) => new Promise((resolve) => {
      mainTotal++
      const req = net.request(srv.origin + '/ok?main=' + i)
      req.on('response', (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (d) => { body += d })
        res.on('end', () => { if (res.statusCode === 200 && body === 'ok') mainOk++ })
      })
      req.on('error', (err) => console.log('main error ' + err.message))
      req.on('close', resolve)
      req.end()
    })
    for (let round = 0; round < 20; round++) {
      const urls = ['/hold', '/hold', '/hold', '/stream', '/stream', '/stream'].map((p) => srv.origin + p + '/' + round)
      const worker = new Worker(WORKER, { eval: true, workerData: { lib: LIB, urls } })
      const exited = new Promise((resolve) => worker.once('exit', resolve))
      let sent = false
      let data = 0
      const ready = new Promise((resolve) => {
        const check = () => {
          const arrivedAll = count('/hold/' + round) === 3 && count('/stream/' + round) === 3
          if ((round % 3 === 0 && sent) || (round % 3 === 1 && arrivedAll) || (round % 3 === 2 && arrivedAll && data === 3)) {
            srv.server.off('arrived', check)
            resolve()
          }
        }
        worker.on('message', (m) => {
          if (m === 'sent') sent = true
          else if (m === 'data') data++
          else workerErrors.push(m)
          check()
        })
        srv.server.on('arrived', check)
      })
      const mains = Promise.all(Array.from({ length: 5 }, (_, i) => mainRequest(round * 5 + i)))
      await ready
      await worker.terminate()
      exitCodes.push(await exited)
      await mains
    }
    const t0 = Date.now()
    const settled = await until(() => net.__engineStats().liveRequests === 0, 5000)
    const stats = net.__engineStats()
    await until(() => open === 0, 5000)
    console.log('result ' + JSON.stringify({ mainOk, mainTotal, exitCodes, workerErrors, settled, waitedMs: Date.now() - t0, stats, serverOpen: open }))
    srv.close()
  })()`
  const child = await runChild(script, { limit: 22000 })
  assertCleanExit(child, 'the child')
  const r = resultOf(child)
  assert.equal(r.mainTotal, 100)
  assert.equal(r.mainOk, 100, 'every main-thread request succeeded')
  assert.deepEqual(r.exitCodes, Array(20).fill(1), 'each worker ended by terminate()')
  assert.deepEqual(r.workerErrors, [], 'no error reached a worker before it was terminated')
  assert.equal(r.settled, true, `liveRequests back to 0 within 5 s of the last terminate: ${JSON.stringify(r.stats)}`)
  assert.equal(r.stats.liveRequests, 0)
  assert.equal(r.stats.liveExchanges, 0)
  assert.equal(r.stats.pendingHandlers, 0)
  assert.equal(r.serverOpen, 0, 'the engine closed the connections of the cancelled requests')
  assert.ok(child.exitedAt - r.printedAt < 3000, `the child exited ${Math.round(child.exitedAt - r.printedAt)} ms after its last work`)
})

test('a worker whose script ends with requests in flight lives until they end, then exits by itself with code 0', { timeout: slow(20000) }, async () => {
  // Two requests: one reads a body that arrives in pieces over ~400 ms,
  // one has no 'response' listener at all (the library drains it). The
  // worker's script returns at once; only the requests keep it alive.
  const script = PRELUDE + `(async () => {
    ${SERVER}
    const worker = new Worker(\`
      const { parentPort, workerData } = require('node:worker_threads')
      const net = require(workerData.lib)
      const req = net.request(workerData.origin + '/slow/read')
      req.on('response', (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (d) => { body += d })
        res.on('end', () => parentPort.postMessage('body ' + body))
      })
      req.on('close', () => parentPort.postMessage('close read'))
      req.end()
      const unread = net.request(workerData.origin + '/slow/unread')
      unread.on('close', () => parentPort.postMessage('close unread'))
      unread.end()
    \`, { eval: true, workerData: { lib: LIB, origin: srv.origin } })
    const messages = []
    worker.on('message', (m) => messages.push(m))
    const code = await new Promise((resolve) => worker.once('exit', resolve))
    const stats = net.__engineStats()
    console.log('result ' + JSON.stringify({ code, messages: messages.sort(), stats }))
    srv.close()
  })()`
  const child = await runChild(script, { limit: 15000 })
  assertCleanExit(child, 'the child')
  const r = resultOf(child)
  assert.equal(r.code, 0, 'the worker exited by itself')
  assert.deepEqual(r.messages, ['body slow-body', 'close read', 'close unread'], 'both requests ended before the worker did')
  assert.equal(r.stats.liveRequests, 0)
})

test("the environment cleanup hook: terminating a worker with 100 requests in flight brings the engine's goroutines back to baseline", { timeout: slow(20000) }, async () => {
  const script = PRELUDE + `(async () => {
    ${SERVER}
    // Warm up the engine in this thread, then take the baseline at rest.
    await new Promise((resolve) => { const r = net.request(srv.origin + '/ok/warm'); r.on('close', resolve); r.end() })
    await net.session.defaultSession.closeAllConnections()
    await until(() => open === 0, 5000)
    await until(() => net.__engineStats().goroutines <= 4, 2000)
    const baseline = net.__engineStats()
    const worker = new Worker(\`
      const { workerData } = require('node:worker_threads')
      const net = require(workerData.lib)
      for (let i = 0; i < 100; i++) {
        const req = net.request(workerData.origin + '/hold/' + i)
        req.on('error', () => {})
        req.end()
      }
    \`, { eval: true, workerData: { lib: LIB, origin: srv.origin } })
    const exited = new Promise((resolve) => worker.once('exit', resolve))
    await new Promise((resolve) => {
      const check = () => { if ([...arrived.keys()].filter((k) => k.startsWith('/hold/')).length === 100) resolve() }
      srv.server.on('arrived', check)
    })
    const during = net.__engineStats()
    const t0 = Date.now()
    await worker.terminate()
    const code = await exited
    const back = await until(() => {
      const s = net.__engineStats()
      return s.liveRequests === 0 && s.liveExchanges === 0 && s.goroutines <= baseline.goroutines + 2
    }, 5000)
    const after = net.__engineStats()
    const closed = await until(() => open === 0, 5000)
    console.log('result ' + JSON.stringify({ code, baseline, during, after, back, waitedMs: Date.now() - t0, closed, open }))
    srv.close()
  })()`
  const child = await runChild(script, { limit: 15000 })
  assertCleanExit(child, 'the child')
  const r = resultOf(child)
  assert.equal(r.code, 1, 'terminated')
  assert.ok(r.during.liveRequests >= 100 && r.during.goroutines >= r.baseline.goroutines + 100,
    `the 100 requests were live in the engine before the terminate: ${JSON.stringify(r.during)}`)
  assert.equal(r.back, true, `goroutines back to baseline (${r.baseline.goroutines} + 2) within 5 s: ${JSON.stringify(r.after)}`)
  assert.equal(r.after.liveRequests, 0)
  assert.equal(r.after.liveExchanges, 0)
  assert.equal(r.closed, true, `the engine closed the 100 held connections (${r.open} still open)`)
  assert.ok(child.exitedAt - r.printedAt < 3000, `the child exited ${Math.round(child.exitedAt - r.printedAt)} ms after its last work`)
})

test('a worker calling process.exit() with requests in flight, 10 times: its code, no crash, the engine lets go', { timeout: slow(20000) }, async () => {
  const script = PRELUDE + `(async () => {
    ${SERVER}
    const codes = []
    for (let round = 0; round < 10; round++) {
      const worker = new Worker(\`
        const { workerData } = require('node:worker_threads')
        const net = require(workerData.lib)
        let streaming = 0
        for (let i = 0; i < 10; i++) {
          const req = net.request(workerData.origin + (i % 2 ? '/hold/' : '/stream/') + workerData.round + '?i=' + i)
          req.on('response', (res) => res.once('data', () => { if (++streaming === 5) process.exit(40 + workerData.round) }))
          req.end()
        }
      \`, { eval: true, workerData: { lib: LIB, origin: srv.origin, round } })
      codes.push(await new Promise((resolve) => worker.once('exit', resolve)))
    }
    const settled = await until(() => net.__engineStats().liveRequests === 0, 5000)
    const closed = await until(() => open === 0, 5000)
    console.log('result ' + JSON.stringify({ codes, settled, stats: net.__engineStats(), closed, open }))
    srv.close()
  })()`
  const child = await runChild(script, { limit: 15000 })
  assertCleanExit(child, 'the child')
  const r = resultOf(child)
  assert.deepEqual(r.codes, Array.from({ length: 10 }, (_, i) => 40 + i))
  assert.equal(r.settled, true, `liveRequests back to 0: ${JSON.stringify(r.stats)}`)
  assert.equal(r.closed, true, `the engine closed the exited workers' connections (${r.open} still open)`)
})

test('requests a worker starts in the very tick its environment goes away are cancelled as well', { timeout: slow(20000) }, async () => {
  // The worker's starts are still queued for the engine when its
  // environment is torn down (process.exit() in the same tick); the
  // cleanup hook must cancel them too, not only the ones already running.
  // A later command from the main thread wakes the engine.
  const script = PRELUDE + `(async () => {
    ${SERVER}
    const codes = []
    for (let round = 0; round < 5; round++) {
      const worker = new Worker(\`
        const { workerData } = require('node:worker_threads')
        const net = require(workerData.lib)
        for (let i = 0; i < 3; i++) net.request(workerData.origin + '/hold/' + workerData.round + '/' + i).end()
        process.exit(0)
      \`, { eval: true, workerData: { lib: LIB, origin: srv.origin, round } })
      codes.push(await new Promise((resolve) => worker.once('exit', resolve)))
    }
    await new Promise((resolve) => { const r = net.request(srv.origin + '/ok/wake'); r.on('close', resolve); r.end() })
    const settled = await until(() => net.__engineStats().liveRequests === 0, 3000)
    const stats = net.__engineStats()
    await net.session.defaultSession.closeAllConnections()
    const closed = await until(() => open === 0, 3000)
    const held = [...arrived.keys()].filter((k) => k.startsWith('/hold/')).length
    console.log('result ' + JSON.stringify({ codes, settled, stats, closed, open, held }))
    srv.close()
  })()`
  const child = await runChild(script, { limit: 15000 })
  assertCleanExit(child, 'the child')
  const r = resultOf(child)
  assert.deepEqual(r.codes, [0, 0, 0, 0, 0])
  assert.equal(r.settled, true, `the engine still runs ${r.stats.liveRequests} requests of exited workers ` +
    `(${r.held} reached the server): ${JSON.stringify(r.stats)}`)
  assert.equal(r.closed, true, `${r.open} connections of exited workers still open`)
})

test('a worker terminated just after it starts requests, 50 times: none of its requests outlives it', { timeout: slow(20000) }, async () => {
  // Each worker starts 4 requests that the server never answers and says
  // so; the main thread terminates it at once. Whether the engine had
  // taken a start, was starting it, or had it running when the
  // environment went away, the request must end with it.
  const script = PRELUDE + `(async () => {
    ${SERVER}
    const WORKER = \`
      const { parentPort, workerData } = require('node:worker_threads')
      const net = require(workerData.lib)
      for (let i = 0; i < 4; i++) {
        const req = net.request(workerData.origin + '/hold/' + workerData.round + '/' + i)
        req.on('error', () => {})
        req.end()
      }
      parentPort.postMessage('sent')
    \`
    for (let round = 0; round < 50; round++) {
      const worker = new Worker(WORKER, { eval: true, workerData: { lib: LIB, origin: srv.origin, round } })
      await new Promise((resolve) => worker.once('message', resolve))
      await worker.terminate()
    }
    const settled = await until(() => net.__engineStats().liveRequests === 0, 3000)
    const stats = net.__engineStats()
    const closed = await until(() => open === 0, 3000)
    const held = [...arrived.keys()].filter((k) => k.startsWith('/hold/')).length
    console.log('result ' + JSON.stringify({ settled, stats, closed, open, held }))
    srv.close()
  })()`
  const child = await runChild(script, { limit: 18000 })
  assertCleanExit(child, 'the child')
  const r = resultOf(child)
  assert.equal(r.settled, true, `${r.stats.liveRequests} requests of terminated workers still live in the engine 3 s later ` +
    `(${r.held} of 200 reached the server): ${JSON.stringify(r.stats)}`)
  assert.equal(r.stats.liveExchanges, 0)
  assert.equal(r.closed, true, `${r.open} connections of terminated workers still open`)
})
