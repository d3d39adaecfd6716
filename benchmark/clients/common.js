'use strict'
// The measuring harness every JS client shares. A client file supplies an
// adapter (how its HTTP stack does a GET, an upload, a slow read) and calls
// main(adapter); the scenario comes as JSON in argv[2], and one JSON object
// is printed on stdout: the figures, or {error} (exit 1), or {na} when the
// stack cannot do the scenario (e.g. HTTP/2 was asked and not negotiated).
//
// Adapter (every method returns a Promise):
//   setup(scenario)                     once, before anything else (pools, sessions)
//   text(url)      -> {status, text}    a whole small body as text (protocol probe)
//   get(url)       -> {status, bytes}   a GET whose body is read and counted
//   upload(url, total, chunk) -> {status, text}   a chunked POST of `total` bytes,
//                                        writing `chunk` repeatedly and honouring backpressure
//   slowRead(url, {pauseEvery, pauseMs, deadline, onHead}) -> {status, bytes, truncated}
//                                        reads with a pause of pauseMs after every pauseEvery bytes
//   teardown()                          optional
//
// Measurements:
//   latency      process.hrtime.bigint() around each request (start -> body end)
//   CPU          process.cpuUsage(): user + system of every thread of the process
//   JS-thread CPU  the main thread's own on-CPU time from
//                /proc/self/task/<pid>/schedstat (nanoseconds, kernel accounting);
//                Node 20 has no process.threadCpuUsage(). Where schedstat is
//                missing, the event loop's active time from
//                performance.eventLoopUtilization() stands in (wall time the loop
//                was not idle: an upper bound of its CPU). `jsCpuMethod` says which.
//   RSS          process.memoryUsage.rss() every 50 ms, and VmHWM from
//                /proc/self/status at the end (the kernel's high-water mark)
const fs = require('node:fs')
const { performance } = require('node:perf_hooks')

const SCHEDSTAT = `/proc/self/task/${process.pid}/schedstat`
const haveSchedstat = (() => {
  try { return Number(fs.readFileSync(SCHEDSTAT, 'utf8').split(' ')[0]) > 0 } catch { return false }
})()

/** The main (JS) thread's CPU time so far, in microseconds. */
function jsThreadCpuUs () {
  if (haveSchedstat) return Number(fs.readFileSync(SCHEDSTAT, 'utf8').split(' ')[0]) / 1000
  return performance.eventLoopUtilization().active * 1000
}

function processCpuUs () {
  const u = process.cpuUsage()
  return u.user + u.system
}

function statusBytes (field) {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync('/proc/self/status', 'utf8'))
    return m ? Number(m[1]) * 1024 : 0
  } catch {
    return 0
  }
}

/** Samples RSS every 50 ms; `peak` since start (or since the last reset). */
function rssSampler () {
  const s = {
    peak: process.memoryUsage.rss(),
    sample () {
      const v = process.memoryUsage.rss()
      if (v > s.peak) s.peak = v
      return v
    },
    reset () { s.peak = process.memoryUsage.rss() }
  }
  s.timer = setInterval(() => s.sample(), 50)
  s.timer.unref()
  return s
}

function percentile (sorted, p) {
  if (sorted.length === 0) return null
  const i = Math.ceil((p / 100) * sorted.length) - 1
  return sorted[Math.max(0, Math.min(i, sorted.length - 1))]
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
const nowNs = () => process.hrtime.bigint()

class NotApplicable extends Error {}

/** Asks the server which protocol it saw; throws NotApplicable when it is not the one wanted. */
async function checkProtocol (adapter, scenario) {
  if (!scenario.expectProto) return
  const { status, text } = await adapter.text(scenario.base + '/proto')
  if (status !== 200) throw new Error(`protocol probe answered ${status}`)
  if (text.trim() !== scenario.expectProto) {
    throw new NotApplicable(`asked for ${scenario.expectProto}, the connection spoke ${text.trim()}`)
  }
}

const scenarios = {
  /** Closed loop: `concurrency` workers, each one request at a time. */
  async small (adapter, sc) {
    const url = sc.base + '/small'
    const warmupNs = BigInt(Math.round(sc.warmupMs * 1e6))
    const start = nowNs()
    const end = start + warmupNs + BigInt(Math.round(sc.durationMs * 1e6))
    let measuring = false
    let t0 = 0n
    let cpu0 = 0
    let js0 = 0
    let elu0 = null
    let completed = 0
    const latencies = []
    const warm = setTimeout(() => {
      t0 = nowNs()
      cpu0 = processCpuUs()
      js0 = jsThreadCpuUs()
      elu0 = performance.eventLoopUtilization()
      measuring = true
    }, sc.warmupMs)
    async function worker () {
      while (nowNs() < end) {
        const counted = measuring
        const t = nowNs()
        const { status, bytes } = await adapter.get(url)
        if (status !== 200 || bytes !== 100) throw new Error(`small GET answered ${status} with ${bytes} bytes`)
        if (counted) latencies.push(Number(nowNs() - t) / 1e6)
        if (measuring) completed++
      }
    }
    await Promise.all(Array.from({ length: sc.concurrency }, worker))
    clearTimeout(warm)
    if (!measuring) throw new Error('the warm-up never ended')
    const seconds = Number(nowNs() - t0) / 1e9
    const cpu = processCpuUs() - cpu0
    const js = jsThreadCpuUs() - js0
    const elu = performance.eventLoopUtilization(elu0)
    latencies.sort((a, b) => a - b)
    return {
      requests: completed,
      seconds,
      rps: completed / seconds,
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      cpuUsPerReq: cpu / completed,
      jsCpuUsPerReq: js / completed,
      jsCpuMethod: haveSchedstat ? 'schedstat' : 'elu',
      elu: elu.utilization
    }
  },

  async download (adapter, sc) {
    const t = nowNs()
    const cpu0 = processCpuUs()
    const js0 = jsThreadCpuUs()
    const { status, bytes } = await adapter.get(sc.base + '/bytes?n=' + sc.bytes)
    const seconds = Number(nowNs() - t) / 1e9
    if (status !== 200 || bytes !== sc.bytes) throw new Error(`download answered ${status} with ${bytes} of ${sc.bytes} bytes`)
    return {
      bytes,
      seconds,
      mbps: bytes / 1e6 / seconds,
      cpuSec: (processCpuUs() - cpu0) / 1e6,
      jsCpuSec: (jsThreadCpuUs() - js0) / 1e6
    }
  },

  async upload (adapter, sc) {
    const chunk = Buffer.alloc(sc.chunk, 'u')
    const t = nowNs()
    const cpu0 = processCpuUs()
    const js0 = jsThreadCpuUs()
    const { status, text } = await adapter.upload(sc.base + '/upload', sc.bytes, chunk)
    const seconds = Number(nowNs() - t) / 1e9
    if (status !== 200 || Number(text) !== sc.bytes) throw new Error(`upload answered ${status}: ${String(text).slice(0, 80)}`)
    return {
      bytes: sc.bytes,
      seconds,
      mbps: sc.bytes / 1e6 / seconds,
      cpuSec: (processCpuUs() - cpu0) / 1e6,
      jsCpuSec: (jsThreadCpuUs() - js0) / 1e6
    }
  },

  /** A huge body read slowly: RSS growth from the start of the transfer must stay bounded. */
  async slowConsumer (adapter, sc, rss) {
    let rssStart = 0
    const t = nowNs()
    const deadline = Date.now() + sc.capMs
    const { status, bytes, truncated } = await adapter.slowRead(sc.base + '/bytes?n=' + sc.bytes, {
      pauseEvery: sc.pauseEvery,
      pauseMs: sc.pauseMs,
      deadline,
      onHead () {
        rss.reset()
        rssStart = rss.peak
      }
    })
    const seconds = Number(nowNs() - t) / 1e9
    rss.sample()
    if (status !== 200) throw new Error(`slow read answered ${status}`)
    if (!truncated && bytes !== sc.bytes) throw new Error(`slow read got ${bytes} of ${sc.bytes} bytes`)
    return {
      bytes,
      seconds,
      truncated,
      mbps: bytes / 1e6 / seconds,
      rssStart,
      rssPeakDuring: rss.peak,
      rssGrowth: rss.peak - rssStart
    }
  },

  /** n requests at once to a route that answers after ms. */
  async slowMany (adapter, sc, rss) {
    const rssBefore = process.memoryUsage.rss()
    const t = nowNs()
    let ok = 0
    let failed = 0
    let firstError = null
    await Promise.all(Array.from({ length: sc.count }, () =>
      adapter.get(sc.base + '/slow?ms=' + sc.ms).then(({ status, bytes }) => {
        if (status === 200 && bytes === 100) ok++
        else failed++
      }, (err) => {
        failed++
        firstError = firstError || String(err && err.message)
      })))
    const seconds = Number(nowNs() - t) / 1e9
    rss.sample()
    return { count: sc.count, ok, failed, firstError, seconds, rssBefore, rssGrowth: rss.peak - rssBefore }
  }
}

function print (obj) {
  process.stdout.write(JSON.stringify(obj) + '\n')
}

async function main (adapter) {
  const scenario = JSON.parse(process.argv[2])
  const rss = rssSampler()
  let result
  try {
    if (adapter.setup) await adapter.setup(scenario)
    await checkProtocol(adapter, scenario)
    const run = scenarios[scenario.kind]
    if (!run) throw new NotApplicable(`scenario ${scenario.kind} is not implemented by this client`)
    result = await run(adapter, scenario, rss)
    if (adapter.teardown) await adapter.teardown()
  } catch (err) {
    if (err instanceof NotApplicable) {
      print({ na: err.message })
      process.exit(0)
    }
    print({ error: String((err && err.stack) || err).split('\n').slice(0, 3).join(' | ') })
    process.exit(1)
  }
  rss.sample()
  result.peakRss = Math.max(rss.peak, statusBytes('VmHWM'))
  print(result)
  // Exit at once: a client that keeps its process alive (pools, a referenced
  // handle) must not stall the run. How long a natural exit would take is not measured.
  process.exit(0)
}

module.exports = { main, sleep, NotApplicable }
