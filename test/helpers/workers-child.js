'use strict'
// One workers run, in a child process: `node workers-child.js <spec JSON>`
// (see workers.js for the spec). A loopback server on this main thread
// answers /ok/<name>, holds /hold/<name> open and streams /stream/<name>
// without end. Workers (workers-worker.js) start and end in the spec's
// order; whether this main thread loads the library, and when, is the
// spec's too. After them a last
// worker checks that the library still answers and that the engine let go
// of every ended worker's requests; the main thread, if it loaded the
// library, makes one more request. Prints 'result <json>' with
// { failures: string[], workers } and then exits by itself: a process that
// does not is a hang.
const http = require('node:http')
const path = require('node:path')
const { Worker } = require('node:worker_threads')

const spec = JSON.parse(process.argv[2])
const WORKER = path.join(__dirname, 'workers-worker.js')
const failures = []
const summary = []

/** A deterministic generator of numbers in [0, 1) (mulberry32). */
function random (seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
const rand = random(spec.seed)
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

function deferred () {
  let resolve
  const promise = new Promise((r) => { resolve = r })
  return { promise, resolve }
}

const firstResponse = deferred() // the first worker got its response: it loaded the addon
// Worker name -> resolves when both its /hold and /stream requests arrived.
const holds = new Map()
const arrivals = new Map()
function arrived (name) {
  arrivals.set(name, (arrivals.get(name) ?? 0) + 1)
  if (arrivals.get(name) === 2) holds.get(name)?.resolve()
}
const STREAM_CHUNK = Buffer.alloc(16 * 1024, 'x')
const server = http.createServer((req, res) => {
  const [, kind, name] = req.url.split('/')
  if (kind === 'ok') return res.end('ok ' + name)
  if (kind === 'hold') return arrived(name) // never answered: the worker ends with it in flight
  if (kind === 'stream') {
    // A body that never ends: the engine posts events to the worker's
    // environment until (and while) it goes away.
    res.writeHead(200, { 'content-type': 'application/octet-stream' })
    const timer = setInterval(() => res.write(STREAM_CHUNK), 2)
    res.on('close', () => clearInterval(timer))
    return arrived(name)
  }
  res.statusCode = 404
  res.end()
})

/** Exit codes by end mode: terminate() gives 1, the 'exit' worker exits 7. */
const EXIT_CODE = { natural: 0, terminate: 1, abrupt: 1, exit: 7 }

/**
 * Starts worker `name`. `responded` resolves at its response, `ready` once
 * it may be ended (natural: at exit; abrupt: its /hold and /stream sent;
 * terminate and exit: both arrived at the server), `exited` at its exit.
 * Each also resolves at the exit, so a worker that fails never stalls the
 * run. With drain, the worker must report the engine drained (see
 * workers-worker.js).
 */
function startWorker (name, end, { drain = false } = {}) {
  const w = {
    name,
    end,
    responded: deferred(),
    ready: deferred(),
    exited: deferred(),
    sent: deferred(),
    response: null,
    drained: false,
    code: null
  }
  const hold = deferred()
  holds.set(name, hold)
  const worker = new Worker(WORKER, {
    workerData: { lib: spec.lib, origin: spec.origin, name, end, hangMs: spec.hangMs, drain }
  })
  w.worker = worker
  worker.on('message', (m) => {
    if (m.type === 'response') {
      w.response = m
      if (m.status !== 200 || m.body !== 'ok ' + name) failures.push(`${name}: wrong response ${m.status} ${JSON.stringify(m.body)}`)
      w.responded.resolve()
      firstResponse.resolve()
    } else if (m.type === 'sent') {
      w.sent.resolve()
    } else if (m.type === 'hang') {
      failures.push(`${name}: no response within ${spec.hangMs} ms; engine ${JSON.stringify(m.stats)}`)
    } else if (m.type === 'error') {
      failures.push(`${name}: request error ${m.message}`)
    } else if (m.type === 'drained') {
      w.drained = true
      if (m.stats.liveRequests !== 0) failures.push(`${name}: the engine still holds ended workers' requests: ${JSON.stringify(m.stats)}`)
    }
  })
  worker.on('error', (err) => failures.push(`${name}: worker error ${err && err.stack}`))
  worker.on('exit', (code) => {
    w.code = code
    if (!w.response) failures.push(`${name}: exited (code ${code}) without its response`)
    else if (code !== EXIT_CODE[end]) failures.push(`${name}: exit code ${code}, expected ${EXIT_CODE[end]} (${end})`)
    else if (drain && !w.drained) failures.push(`${name}: exited without reporting the engine drained`)
    summary.push({ name, end, code })
    for (const d of [w.responded, w.ready, w.sent, w.exited]) d.resolve()
  })
  if (end === 'natural') w.exited.promise.then(w.ready.resolve)
  else if (end === 'abrupt') w.sent.promise.then(w.ready.resolve)
  else hold.promise.then(w.ready.resolve)
  return w
}

/** Ends a worker that is ready to end, as its end mode says. */
function endWorker (w) {
  if (w.end === 'terminate' || w.end === 'abrupt') w.worker.terminate()
  else if (w.end === 'exit') w.worker.postMessage('exit')
}

/**
 * GETs /ok/<name> from the main thread with the library; resolves whether
 * the right answer came in time.
 */
function mainGet (net, name) {
  return new Promise((resolve) => {
    const req = net.request(`${spec.origin}/ok/${name}`)
    const timer = setTimeout(() => {
      failures.push(`${name}: no response within ${spec.hangMs} ms; engine ${JSON.stringify(net.__engineStats())}`)
      resolve(false)
    }, spec.hangMs)
    req.on('response', (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (d) => { body += d })
      res.on('end', () => {
        clearTimeout(timer)
        const right = res.statusCode === 200 && body === 'ok ' + name
        if (!right) failures.push(`${name}: wrong response ${res.statusCode} ${JSON.stringify(body)}`)
        resolve(right)
      })
    })
    req.on('error', (err) => {
      clearTimeout(timer)
      failures.push(`${name}: request error ${err.message}`)
      resolve(false)
    })
    req.end()
  })
}

/** The order in which a group of ready workers is ended. */
function endOrder (workers) {
  if (spec.endOrder === 'lifo') return [...workers].reverse()
  if (spec.endOrder === 'random') return [...workers].sort(() => rand() - 0.5)
  return workers
}

async function runWorkers (names, ends) {
  const started = []
  if (spec.start === 'sequential') {
    for (const [i, name] of names.entries()) {
      const w = startWorker(name, ends[i])
      started.push(w)
      await w.ready.promise
      endWorker(w)
      await w.exited.promise
    }
  } else if (spec.start === 'overlapping') {
    // Each starts once the previous one has its response; the previous is
    // ended once the next has its own, so every two lifetimes overlap.
    let previous = null
    for (const [i, name] of names.entries()) {
      const w = startWorker(name, ends[i])
      started.push(w)
      await w.responded.promise
      if (previous) await previous.ready.promise.then(() => endWorker(previous))
      previous = w
    }
    await previous.ready.promise
    endWorker(previous)
  } else if (spec.start === 'together') {
    started.push(...names.map((name, i) => startWorker(name, ends[i])))
    await Promise.all(started.map((w) => w.ready.promise))
    for (const w of endOrder(started)) {
      endWorker(w)
      if (rand() < 0.5) await sleep(Math.floor(rand() * 4))
    }
  } else if (spec.start === 'staggered') {
    await Promise.all(names.map(async (name, i) => {
      await sleep(Math.floor(rand() * 25))
      const w = startWorker(name, ends[i])
      started.push(w)
      await w.ready.promise
      await sleep(Math.floor(rand() * 25))
      endWorker(w)
    }))
  } else {
    throw new Error(`unknown start pattern ${spec.start}`)
  }
  await Promise.all(started.map((w) => w.exited.promise))
}

async function main () {
  const names = Array.from({ length: spec.workers }, (_, i) => `w${i}`)
  const ends = names.map(() => spec.end === 'mixed'
    ? ['natural', 'terminate', 'abrupt', 'exit'][Math.floor(rand() * 4)]
    : spec.end)
  let net = null
  let workersEnded = false
  // Once loaded, the main thread makes one request after another for as
  // long as the workers come and go (each must get its own answer).
  let mainLoop = null
  const loadInMain = async (when) => {
    net = require(spec.lib)
    if (!await mainGet(net, 'main-' + when)) return
    mainLoop = (async () => {
      for (let i = 0; i < 1000 && !workersEnded; i++) {
        if (!await mainGet(net, `main-${when}-${i}`)) return
      }
    })()
  }
  if (spec.main === 'before') await loadInMain('before')
  const workersDone = runWorkers(names, ends).finally(() => { workersEnded = true })
  // 'late': the addon was first loaded by a worker; the main thread loads
  // it while that worker lives (and goes on using it after it is gone).
  const lateLoad = spec.main === 'late'
    ? Promise.race([workersDone, firstResponse.promise]).then(() => loadInMain('late'))
    : null
  await workersDone
  await lateLoad
  await mainLoop
  // After every worker went away: a new environment still gets answers,
  // and the engine let go of the ended workers' requests.
  const last = startWorker('last', 'natural', { drain: spec.end !== 'natural' })
  await last.exited.promise
  if (net) {
    await mainGet(net, 'main-after')
    const stats = net.__engineStats()
    if (stats.pendingHandlers !== 0) failures.push(`main: ${stats.pendingHandlers} handlers still pending`)
  }
}

server.listen(0, '127.0.0.1', () => {
  spec.origin = `http://127.0.0.1:${server.address().port}`
  // Diagnostics before the parent's kill: what the run was waiting for.
  const watchdog = setTimeout(() => {
    console.log('result ' + JSON.stringify({ failures: [...failures, 'the run did not finish (watchdog)'], workers: summary }))
    process.exit(4)
  }, spec.limitMs)
  watchdog.unref()
  main().catch((err) => failures.push('run: ' + (err && err.stack))).finally(() => {
    clearTimeout(watchdog)
    server.closeAllConnections()
    server.close()
    console.log('result ' + JSON.stringify({ failures, workers: summary }))
  })
})
