#!/usr/bin/env node
'use strict'
// Soak and fault injection, on loopback only:
//
//   npm run soak                                 # 120 s, 64 lanes
//   npm run soak -- --duration 30 --seed 42
//   node scripts/soak.js --duration 60 --concurrency 32 --requests 50000 --workers 2
//
// Loopback HTTP and HTTPS servers (test/helpers/soak-server.js, in a child
// process) answer well or badly on purpose: resets, slow heads, trickled
// bodies, chunked and gzip bodies, redirects, Basic auth, cached answers,
// long polls that only an abort ends, and idle keep-alive connections reset
// or closed now and then. The main thread and two
// worker_threads (terminated mid-load and restarted a few times; each loads
// and unloads the addon) make requests through net.request and net.fetch on
// three sessions (the default one, an in-memory partition and a persist:
// partition under a temporary GO_NET_REQUEST_DATA), aborting or destroying
// them at random points and reading some bodies slowly
// (test/helpers/soak-load.js). The run is bounded in time (--duration) and
// in requests (--requests).
//
// After a warm-up, and again at the end, the engine is brought to rest
// (every request settled, idle connections closed on both sides, GC run) and
// measured. The run fails (exit code 1) on any violation:
//   - a request that did not end in exactly one 'close', an event after
//     'close', an 'error' after abort(), a wrong body, an error from a
//     well-behaved route, a request that did not settle (hung);
//   - an exception thrown into the event loop (recorded, once per stack,
//     and the soak goes on so that the leak figures still come);
//   - a worker that did not exit by itself once drained, or crashed;
//   - at rest: __engineStats() liveRequests, liveExchanges or
//     pendingHandlers not 0; goroutines or file descriptors above the
//     post-warm-up baseline by more than their margin; RSS grown by more
//     than --rss-mb after GC;
//   - the process not exiting by itself at the end.
// The summary gives requests, completed, aborted, errors by code and the
// before/after figures (and where the resident memory is: --smaps lists the
// largest mappings); --seed repeats a run's choices (not its timing).

const { spawn, fork } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { Worker } = require('node:worker_threads')

const ROOT = path.resolve(__dirname, '..')
const LIB = path.join(ROOT, 'index.js')
const HELPERS = path.join(ROOT, 'test', 'helpers')

const USAGE = 'usage: node scripts/soak.js [--duration SECONDS] [--concurrency N] [--seed N] ' +
  '[--requests N] [--workers N] [--rss-mb N] [--quiet] [--smaps]'

function parseArgs (argv) {
  const options = {
    duration: 120,
    concurrency: 64,
    seed: null,
    requests: null, // default: 2500 per second of duration
    workers: 2,
    rssMb: 96,
    quiet: false,
    smaps: false
  }
  const numbers = { '--duration': 'duration', '--concurrency': 'concurrency', '--seed': 'seed', '--requests': 'requests', '--workers': 'workers', '--rss-mb': 'rssMb' }
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s)
    if (flag === '--quiet') { options.quiet = true; continue }
    if (flag === '--smaps') { options.smaps = true; continue }
    if (flag === '--help' || flag === '-h') { console.log(USAGE); process.exit(0) }
    const key = numbers[flag]
    if (key === undefined) fail(`unknown option ${flag}\n${USAGE}`)
    const text = inline !== undefined ? inline : argv[++i]
    const value = Number(text)
    if (text === undefined || text === '' || !Number.isFinite(value) || value < 0) fail(`${flag} needs a non-negative number\n${USAGE}`)
    options[key] = value
  }
  if (options.duration <= 0) fail('--duration must be positive')
  if (options.concurrency < 1) fail('--concurrency must be at least 1')
  options.concurrency = Math.floor(options.concurrency)
  options.workers = Math.floor(options.workers)
  if (options.seed === null) options.seed = (Date.now() ^ (process.pid << 8)) >>> 0
  if (options.requests === null) options.requests = Math.round(2500 * options.duration)
  return options
}

function fail (message) {
  console.error(`soak: ${message}`)
  process.exit(2)
}

// GC is needed to measure RSS fairly: without --expose-gc, run again with it.
if (typeof global.gc !== 'function') {
  const child = spawn(process.execPath, ['--expose-gc', ...process.execArgv, __filename, ...process.argv.slice(2)], { stdio: 'inherit' })
  child.on('exit', (code, signal) => {
    if (signal) {
      console.error(`soak: the soak process was killed by ${signal}`)
      process.exit(1)
    }
    process.exit(code)
  })
} else {
  main().catch((err) => {
    console.error('soak: failed:', err && err.stack ? err.stack : err)
    process.exit(1)
  })
}

async function main () {
  const options = parseArgs(process.argv.slice(2))
  const started = Date.now()
  const log = (...args) => console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(6)}s]`, ...args)

  // The engine reads SSL_CERT_FILE when the library loads: trust first.
  const { trustTestCA } = require(path.join(HELPERS, 'tls'))
  const certs = trustTestCA()
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'go-net-request-soak-'))
  process.env.GO_NET_REQUEST_DATA = dataDir

  const net = require(LIB)
  const { Load, prng, newStats, mergeStats } = require(path.join(HELPERS, 'soak-load'))
  const random = prng(options.seed)
  const violations = []
  const violation = (kind, message) => violations.push(`${kind}: ${message}`)
  // An exception the library throws into the event loop is a violation; the
  // soak records it (once per stack, counted) and goes on, so that one bug
  // does not hide the leak figures.
  const uncaught = new Map()
  process.on('uncaughtException', (err) => {
    const stack = String(err && err.stack ? err.stack : err).split('\n').slice(0, 6).join(' | ')
    if (!uncaught.has(stack)) log(`uncaught exception: ${stack}`)
    uncaught.set(stack, (uncaught.get(stack) || 0) + 1)
  })

  log(`seed ${options.seed}, ${options.duration} s, concurrency ${options.concurrency}, ` +
    `at most ${options.requests} requests, ${options.workers} workers, node ${process.version}, pid ${process.pid}`)

  const server = await startServer(certs, options.seed)
  const origins = { http: server.http, https: server.https }
  log(`servers ${origins.http} ${origins.https}`)

  const sessions = [
    net.session.defaultSession,
    net.session.fromPartition('soak-memory'),
    net.session.fromPartition('persist:soak')
  ]
  // After the library's own exit hook (which writes the persist: stores).
  process.once('exit', () => fs.rmSync(dataDir, { recursive: true, force: true }))

  const engine = () => net.__engineStats()
  const threads = () => { try { return fs.readdirSync('/proc/self/task').length } catch { return null } }
  const rssSamples = []
  const sampler = setInterval(() => rssSamples.push(process.memoryUsage.rss()), 1000)

  /** Polls `check` every 25 ms until it returns a truthy value or ms pass; returns that value or null. */
  async function waitFor (check, ms) {
    const deadline = Date.now() + ms
    for (;;) {
      const value = check()
      if (value) return value
      if (Date.now() >= deadline) return null
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
  }

  /**
   * Brings the engine to rest and measures it: every request settled (the
   * engine's counters at 0), idle connections closed on both sides, the
   * goroutines and descriptors of closed connections gone, GC run.
   */
  async function quiesce (name, baseline) {
    const t0 = Date.now()
    const settled = await waitFor(() => {
      const s = engine()
      return s.liveRequests === 0 && s.liveExchanges === 0 && s.pendingHandlers === 0 ? s : null
    }, 20000)
    if (!settled) {
      violation('not-at-rest', `${name}: the engine still holds requests 20 s after the load stopped: ${JSON.stringify(engine())}`)
    }
    await Promise.all(sessions.map((s) => s.closeAllConnections()))
    const dropped = await server.call({ cmd: 'drop' })
    // Goroutines and descriptors of the closed connections go asynchronously.
    let previous = null
    await waitFor(() => {
      const s = engine()
      const within = baseline
        ? s.goroutines <= baseline.goroutines + GOROUTINE_MARGIN && s.fds <= baseline.fds + FD_MARGIN
        : previous !== null && s.goroutines === previous.goroutines && s.fds === previous.fds && s.idleConnections === 0
      previous = s
      return within
    }, 10000)
    for (let i = 0; i < 4; i++) {
      global.gc()
      await new Promise((resolve) => setImmediate(resolve))
    }
    const caches = await Promise.all(sessions.map((s) => s.getCacheSize()))
    const memory = process.memoryUsage()
    const m = { ...engine(), caches, threads: threads(), rss: memory.rss, heapUsed: memory.heapUsed, external: memory.external, restMs: Date.now() - t0, serverDropped: dropped.dropped }
    log(`${name} at rest after ${m.restMs} ms: ${formatStats(m)}`)
    return m
  }

  // ---------------------------------------------------------------- workers

  const workerTotals = { started: 0, terminated: 0, drained: 0, exitedByItself: 0, crashed: 0 }
  const workerStats = newStats() // drained workers: their final counters
  const terminatedStats = newStats() // terminated workers: their last report
  let workerSerial = 0

  /** Starts a soak worker; returns a handle whose stop(mode) terminates or drains it. */
  function startWorker (until, maxRequests, concurrency) {
    const label = `worker${++workerSerial}`
    workerTotals.started++
    const worker = new Worker(path.join(HELPERS, 'soak-worker.js'), {
      workerData: {
        lib: LIB,
        origins,
        seed: (options.seed + workerSerial * 7919) >>> 0,
        concurrency,
        until,
        maxRequests,
        reportMs: 200,
        label
      }
    })
    let last = newStats()
    let final = null
    let finalInflight = 0
    worker.on('message', (message) => {
      if (message.stats) last = message.stats
      if (message.final) {
        final = message.final
        finalInflight = message.inflight
      }
    })
    worker.on('error', (err) => {
      workerTotals.crashed++
      violation('worker-error', `${label}: ${err && err.stack ? err.stack : err}`)
    })
    const exited = new Promise((resolve) => worker.once('exit', resolve))
    return {
      label,
      exited,
      /** 'terminate': mid-load; 'drain': no new requests, then it must exit by itself. */
      async stop (mode) {
        if (mode === 'terminate') {
          await worker.terminate()
          await exited
          workerTotals.terminated++
          mergeStats(terminatedStats, last)
          return
        }
        worker.postMessage('drain')
        const timeout = new Promise((resolve) => setTimeout(() => resolve('timeout'), 45000).unref())
        const how = await Promise.race([exited.then((code) => ({ code })), timeout])
        if (how === 'timeout') {
          violation('worker-no-exit', `${label}: still running 45 s after 'drain' (final report ${final ? 'posted' : 'not posted'}, ` +
            `${final ? finalInflight : '?'} requests in flight); terminated`)
          await worker.terminate()
          mergeStats(terminatedStats, last)
          return
        }
        workerTotals.drained++
        if (how.code !== 0) violation('worker-exit-code', `${label}: exited with code ${how.code} after 'drain'`)
        else workerTotals.exitedByItself++
        if (final === null) {
          violation('worker-no-report', `${label}: exited without its final report`)
          mergeStats(terminatedStats, last)
          return
        }
        mergeStats(workerStats, final)
        if (final.requests.started !== final.requests.closed) {
          violation('close-count', `${label}: ${final.requests.started} net.request started, ${final.requests.closed} closed`)
        }
        if (final.fetches.started !== final.fetches.settled) {
          violation('fetch-count', `${label}: ${final.fetches.started} fetches started, ${final.fetches.settled} settled`)
        }
      }
    }
  }

  /**
   * Runs one worker slot until `until`: a worker lives a random while, is
   * terminated (mostly) or drained, and another takes its place.
   */
  async function workerSlot (until, instanceBudget, concurrency, lifeMs) {
    for (let instance = 0; instance < 8 && Date.now() < until - 500; instance++) {
      const w = startWorker(until, instanceBudget, concurrency)
      const life = Math.round(lifeMs * (0.5 + random()))
      const ended = await Promise.race([
        w.exited.then(() => 'exited'),
        new Promise((resolve) => setTimeout(() => resolve('time'), Math.max(0, Math.min(life, until - Date.now()))))
      ])
      if (ended === 'exited') {
        // It ran out of time or of requests by itself and exited: drain() collects its report.
        await w.stop('drain')
        continue
      }
      const mode = Date.now() >= until - 500 || random() < 0.25 ? 'drain' : 'terminate'
      log(`${w.label}: ${mode === 'terminate' ? 'terminating mid-load' : 'draining'}`)
      await w.stop(mode)
    }
  }

  // ---------------------------------------------------------------- warm-up

  const warmSeconds = Math.min(5, Math.max(1, options.duration * 0.1))
  const warmRequests = Math.min(5000, Math.round(options.requests * 0.05))
  const warmLoad = new Load({ net, origins, sessions, random, label: 'warm-up' })
  log(`warm-up: ${warmSeconds} s or ${warmRequests} requests, one worker drained`)
  const warmUntil = Date.now() + warmSeconds * 1000
  const warmWorker = options.workers > 0 ? startWorker(warmUntil, Math.ceil(warmRequests / 4), 4) : null
  await warmLoad.run({ concurrency: options.concurrency, until: warmUntil, maxRequests: warmRequests })
  if (warmWorker) await warmWorker.stop('drain')
  const baseline = await quiesce('baseline')

  // ---------------------------------------------------------------- the soak

  const soakStart = Date.now()
  const until = soakStart + options.duration * 1000
  const mainLoad = new Load({ net, origins, sessions, random, label: 'main' })
  const mainBudget = options.workers > 0 ? Math.round(options.requests * 0.7) : options.requests
  const workerConcurrency = Math.max(2, Math.round(options.concurrency / 8))
  const instanceBudget = Math.max(1, Math.floor((options.requests - mainBudget) / Math.max(1, options.workers * 8)))
  // A few terminations per slot: four lives per run on average.
  const lifeMs = Math.max(1000, (options.duration * 1000) / 4)

  const progress = setInterval(() => {
    const s = mainLoad.stats
    const e = engine()
    log(`main ${s.started} started, ${s.completed} completed, ${s.aborted} aborted, ${s.failed} failed, ` +
      `${s.violations} violations; workers ${workerTotals.started} started, ${workerTotals.terminated} terminated; ` +
      `engine ${e.liveRequests} live, ${e.goroutines} goroutines, ${e.fds} fds, ${mb(process.memoryUsage.rss())} MB rss`)
  }, options.quiet ? 60000 : 10000)

  await Promise.all([
    mainLoad.run({ concurrency: options.concurrency, until, maxRequests: mainBudget }),
    ...Array.from({ length: options.workers }, () => workerSlot(until, instanceBudget, workerConcurrency, lifeMs))
  ])
  clearInterval(progress)
  const soakMs = Date.now() - soakStart
  const s = mainLoad.stats
  if (s.requests.started !== s.requests.closed) violation('close-count', `main: ${s.requests.started} net.request started, ${s.requests.closed} closed`)
  if (s.fetches.started !== s.fetches.settled) violation('fetch-count', `main: ${s.fetches.started} fetches started, ${s.fetches.settled} settled`)
  if (warmLoad.stats.requests.started !== warmLoad.stats.requests.closed) {
    violation('close-count', `warm-up: ${warmLoad.stats.requests.started} net.request started, ${warmLoad.stats.requests.closed} closed`)
  }

  const after = await quiesce('after', baseline)
  clearInterval(sampler)
  const serverStats = await server.call({ cmd: 'stats' })

  // ---------------------------------------------------------------- checks

  for (const key of ['liveRequests', 'liveExchanges', 'pendingHandlers']) {
    if (after[key] !== 0) violation('engine', `${key} is ${after[key]} at rest, expected 0`)
  }
  if (after.goroutines > baseline.goroutines + GOROUTINE_MARGIN) {
    violation('goroutines', `${after.goroutines} at rest, baseline ${baseline.goroutines} (margin ${GOROUTINE_MARGIN})`)
  }
  if (after.fds > baseline.fds + FD_MARGIN) {
    violation('fds', `${after.fds} at rest, baseline ${baseline.fds} (margin ${FD_MARGIN}); open: ${describeFds()}`)
  }
  const rssGrowth = after.rss - baseline.rss
  if (rssGrowth > options.rssMb * 1024 * 1024) {
    violation('rss', `grew ${mb(rssGrowth)} MB after GC (bound ${options.rssMb} MB): ${mb(baseline.rss)} -> ${mb(after.rss)} MB`)
  }

  for (const [stack, n] of uncaught) violation('uncaught-exception', `${n} x ${stack}`)

  const all = mergeStats(mergeStats(mergeStats(newStats(), s), workerStats), terminatedStats)
  const loads = [warmLoad.stats, s, workerStats, terminatedStats]
  for (const l of loads) for (const m of l.messages) violations.push(m)
  const loadViolations = loads.reduce((n, l) => n + l.violations, 0)

  // ---------------------------------------------------------------- summary

  const lines = []
  const row = (name, text) => lines.push(`  ${name.padEnd(12)} ${text}`)
  lines.push('', `soak summary (seed ${options.seed}; rerun with --seed ${options.seed} --duration ${options.duration} --concurrency ${options.concurrency})`)
  row('time', `${(soakMs / 1000).toFixed(1)} s of load after ${warmSeconds} s of warm-up; ${(all.started / (soakMs / 1000)).toFixed(0)} requests/s`)
  row('requests', `${all.started} started (${all.requests.started} net.request, ${all.fetches.started} net.fetch), ${all.settled} settled` +
    ` + ${warmLoad.stats.started} in warm-up`)
  row('  main', `${s.started} started, ${s.settled} settled`)
  row('  workers', `${workerStats.started} in ${workerTotals.drained} drained workers (all settled: ${workerStats.settled}); ` +
    `>= ${terminatedStats.started} in ${workerTotals.terminated} terminated workers (${terminatedStats.started - terminatedStats.settled} in flight at their last report)`)
  row('completed', `${all.completed}`)
  row('aborted', `${all.aborted}`)
  row('failed', `${all.failed}: ${formatCounts(all.errors)}`)
  row('unexpected', `${formatCounts(all.unexpected) || 'none'}`)
  row('tolerated', `${formatCounts(all.tolerated) || 'none'} (streamed uploads on a connection the server reset as it went idle)`)
  row('bad', `${all.bad} (wrong status/body or silent end)`)
  row('closes', `net.request: main ${s.requests.started} started / ${s.requests.closed} closed, drained workers ${workerStats.requests.started} / ${workerStats.requests.closed}; ` +
    `double closes ${all.kinds['double-close'] || 0}, events after close ${all.kinds['event-after-close'] || 0}`)
  row('hung', `${all.hung}`)
  const uncaughtCount = [...uncaught.values()].reduce((a, b) => a + b, 0) + all.uncaught
  row('uncaught', `${uncaughtCount} exceptions reached the event loop (main ${uncaughtCount - all.uncaught}, workers ${all.uncaught})`)
  row('workers', `${workerTotals.started} started, ${workerTotals.terminated} terminated mid-load, ${workerTotals.drained} drained ` +
    `(${workerTotals.exitedByItself} exited by themselves), ${workerTotals.crashed} errors`)
  row('server', `${serverStats.requests} requests, ${serverStats.idleResets} idle connections reset, ${serverStats.sockets} sockets open at the end`)
  row('engine', `baseline ${formatStats(baseline)}`)
  row('', `after    ${formatStats(after)}`)
  row('goroutines', `${baseline.goroutines} -> ${after.goroutines} (margin ${GOROUTINE_MARGIN})`)
  row('fds', `${baseline.fds} -> ${after.fds} (margin ${FD_MARGIN})`)
  row('threads', `${baseline.threads} -> ${after.threads} (information: Go keeps the OS threads it made)`)
  row('rss', `${mb(baseline.rss)} -> ${mb(after.rss)} MB after GC (growth ${mb(rssGrowth)} MB, bound ${options.rssMb} MB); ` +
    `peak ${mb(Math.max(...rssSamples, after.rss))} MB during the load`)
  row('caches', `${baseline.caches.map(mb).join(' / ')} -> ${after.caches.map(mb).join(' / ')} MB (HTTP caches of the three sessions)`)
  row('rss by kind', formatCounts(rssByKind(), (v) => `${mb(v)} MB`))
  if (options.smaps) {
    for (const m of mappings().sort((a, b) => b.rss - a.rss).slice(0, 16)) {
      row('', `  ${m.start.toString(16).padStart(12)} ${m.perms} ${mb(m.size).padStart(7)} MB mapped ${mb(m.rss).padStart(6)} MB resident ${m.name}`)
    }
  }
  row('js heap', `${mb(baseline.heapUsed)} -> ${mb(after.heapUsed)} MB after GC`)
  lines.push(`  violations   ${violations.length === 0 ? 'none' : `${violations.length} listed (${loadViolations} from the load: ${formatCounts(all.kinds)})`}`)
  for (const v of violations.slice(0, 60)) lines.push(`    - ${v}`)
  console.log(lines.join('\n'))
  console.log('soak-json ' + JSON.stringify({
    seed: options.seed,
    duration: options.duration,
    concurrency: options.concurrency,
    soakMs,
    totals: { started: all.started, settled: all.settled, completed: all.completed, aborted: all.aborted, failed: all.failed, bad: all.bad, hung: all.hung, uncaught: uncaughtCount },
    errors: all.errors,
    unexpected: all.unexpected,
    tolerated: all.tolerated,
    workers: workerTotals,
    baseline,
    after,
    violations: violations.length
  }))

  // The process must now exit by itself: nothing of the library may hold it.
  server.close()
  process.exitCode = violations.length === 0 ? 0 : 1
  setTimeout(() => {
    console.error('soak: VIOLATION: the process did not exit by itself within 10 s after the soak ended')
    process.exit(1)
  }, 10000).unref()
}

/** Margins over the post-warm-up baseline: a few goroutines and descriptors come and go at rest. */
const GOROUTINE_MARGIN = 4
const FD_MARGIN = 4

function mb (bytes) {
  return (bytes / (1024 * 1024)).toFixed(1)
}

function formatCounts (counts, format = String) {
  return Object.entries(counts).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${format(v)}`).join(', ')
}

/**
 * Where the resident memory is, from /proc/self/smaps: the Go heap (its
 * arenas live at 0xc000000000 on 64-bit Linux), the brk heap, thread
 * stacks, other anonymous memory (glibc malloc arenas of other threads,
 * V8's heaps), and file mappings (code).
 */
function rssByKind () {
  const kinds = {}
  for (const m of mappings()) {
    let kind
    if (m.start >= 0xc000000000n && m.start < 0xc100000000n) kind = 'go heap'
    else if (m.name === '[heap]') kind = 'brk heap'
    else if (m.name.startsWith('[stack')) kind = 'stacks'
    else if (m.name.startsWith('/')) kind = 'files'
    else if (m.name === '') kind = 'anonymous'
    else continue
    kinds[kind] = (kinds[kind] || 0) + m.rss
  }
  return kinds
}

/** The process's mappings from /proc/self/smaps: {start, size, perms, name, rss} (bytes). */
function mappings () {
  const list = []
  let text
  try { text = fs.readFileSync('/proc/self/smaps', 'utf8') } catch { return list }
  let current = null
  for (const line of text.split('\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$/.exec(line)
    if (head) {
      const start = BigInt('0x' + head[1])
      current = { start, size: Number(BigInt('0x' + head[2]) - start), perms: head[3], name: head[4], rss: 0 }
      list.push(current)
      continue
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line)
    if (rss && current) current.rss = Number(rss[1]) * 1024
  }
  return list
}

function formatStats (m) {
  return `liveRequests ${m.liveRequests}, liveExchanges ${m.liveExchanges}, pendingHandlers ${m.pendingHandlers}, ` +
    `goroutines ${m.goroutines}, idleConnections ${m.idleConnections}, sessions ${m.sessions}, fds ${m.fds}` +
    (m.threads != null ? `, threads ${m.threads}` : '') + (m.rss ? `, rss ${mb(m.rss)} MB` : '')
}

/** What the open descriptors are, for a report: counts by kind (socket, pipe, anon_inode:..., file). */
function describeFds () {
  const kinds = {}
  try {
    for (const fd of fs.readdirSync('/proc/self/fd')) {
      let target
      try { target = fs.readlinkSync(`/proc/self/fd/${fd}`) } catch { continue }
      const kind = target.startsWith('/') ? 'file' : target.replace(/\[.*\]$/, '')
      kinds[kind] = (kinds[kind] || 0) + 1
    }
  } catch {}
  return formatCounts(kinds)
}

/** Forks soak-server.js; resolves with its origins, call(msg) -> its answer, and close(). */
function startServer (certs, seed) {
  return new Promise((resolve, reject) => {
    const child = fork(path.join(HELPERS, 'soak-server.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    child.once('error', reject)
    child.once('exit', (code, signal) => {
      if (code !== 0) console.error(`soak: the server process exited early (code ${code}, signal ${signal})`)
    })
    child.once('message', (ready) => {
      const waiting = []
      child.on('message', (answer) => { const next = waiting.shift(); if (next) next(answer) })
      resolve({
        http: ready.http,
        https: ready.https,
        call (message) {
          return new Promise((resolve) => {
            waiting.push(resolve)
            child.send(message)
          })
        },
        close () {
          child.disconnect() // the server exits when its parent lets go
        }
      })
    })
    child.send({ cert: certs.cert, key: certs.key, idleResetMs: 250, seed })
  })
}
