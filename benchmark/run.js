#!/usr/bin/env node
'use strict'
// npm run bench [-- --quick] [-- --rounds N] [-- --only REGEX]
//
// Builds the loopback server and the pure-Go client (benchmark/.bin/),
// starts the server in its own process, then runs every scenario through
// every client, each run in a fresh child process, R rounds with the client
// order rotated each round so machine drift spreads over all of them.
// Figures are the medians of the rounds. Prints the tables and writes
// benchmark/results/latest.json and latest.md. See benchmark/README.md.
const { spawn, spawnSync, execFileSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const http = require('node:http')

const ROOT = path.resolve(__dirname, '..')
const BIN = path.join(__dirname, '.bin')
const RESULTS = path.join(__dirname, 'results')
const MiB = 1 << 20

// ---- options ---------------------------------------------------------------

function parseArgs (argv) {
  const opts = { quick: false, rounds: null, only: null }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--quick') opts.quick = true
    else if (a === '--rounds') opts.rounds = Number(argv[++i])
    else if (a === '--only') opts.only = new RegExp(argv[++i])
    else if (a === '--help' || a === '-h') {
      console.log('usage: node benchmark/run.js [--quick] [--rounds N] [--only REGEX]')
      process.exit(0)
    } else {
      console.error(`unknown option ${a}`)
      process.exit(2)
    }
  }
  if (opts.rounds == null) opts.rounds = opts.quick ? 1 : 3
  return opts
}

const opts = parseArgs(process.argv.slice(2))
const SIZES = opts.quick
  ? { smallMs: 1000, warmupMs: 300, transfer: 32 * MiB, slowBody: 128 * MiB, slowCapMs: 15000, slowCount: 1000, requireRuns: 3 }
  : { smallMs: 2000, warmupMs: 500, transfer: 256 * MiB, slowBody: 1024 * MiB, slowCapMs: 60000, slowCount: 1000, requireRuns: 5 }

// ---- clients ---------------------------------------------------------------

const GNR = 'go-net-request'
const CLIENTS = {
  [GNR]: { js: 'go-net-request.js', caEnv: 'SSL_CERT_FILE' },
  'node:http': { js: 'node-http.js' },
  undici: { js: 'undici.js' },
  fetch: { js: 'fetch.js', caEnv: 'NODE_EXTRA_CA_CERTS' },
  'node:http2': { js: 'node-http2.js' },
  'pure-Go': { bin: 'goclient' }
}
const HTTP1_CLIENTS = [GNR, 'node:http', 'undici', 'fetch', 'pure-Go']
const ALL_CLIENTS = [GNR, 'node:http', 'undici', 'fetch', 'node:http2', 'pure-Go']
const STREAM_CLIENTS = [GNR, 'node:http', 'undici', 'fetch']
// Why a client answers n/a on the HTTP/2 rows (the probe's finding is kept too).
const H2_HINT = {
  [GNR]: 'the library speaks HTTP/1.1 only for now (gocore offers ALPN http/1.1 alone)',
  'node:http': 'node:http has no HTTP/2 (its TLS offers no ALPN)',
  fetch: "Node 20's global fetch does not negotiate HTTP/2 (its dispatcher has allowH2 off)",
  'pure-Go': 'gocore speaks HTTP/1.1 only'
}

// ---- helpers ---------------------------------------------------------------

const log = (...a) => process.stderr.write(a.join(' ') + '\n')

function median (values) {
  const v = values.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b)
  if (v.length === 0) return null
  const m = v.length >> 1
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2
}

function getJSON (url) {
  return new Promise((resolve, reject) => {
    http.get(url, { agent: false }, (res) => {
      let s = ''
      res.setEncoding('utf8')
      res.on('data', (c) => { s += c })
      res.on('end', () => { try { resolve(JSON.parse(s)) } catch (e) { reject(e) } })
    }).on('error', reject)
  })
}

function goBuild (name) {
  const out = path.join(BIN, name)
  const r = spawnSync('go', ['build', '-trimpath', '-o', out, './benchmark/' + name], { cwd: ROOT, encoding: 'utf8' })
  if (r.error) return { error: `go build failed to start: ${r.error.message}` }
  if (r.status !== 0) return { error: `go build ./benchmark/${name}: ${(r.stderr || '').trim().split('\n').slice(0, 3).join(' | ')}` }
  return { path: out }
}

function startServer (serverBin) {
  return new Promise((resolve, reject) => {
    const child = spawn(serverBin, [], { stdio: ['pipe', 'pipe', 'inherit'] })
    let buf = ''
    const onData = (c) => {
      buf += c
      const nl = buf.indexOf('\n')
      if (nl < 0) return
      child.stdout.off('data', onData)
      try {
        resolve({ child, info: JSON.parse(buf.slice(0, nl)) })
      } catch (e) {
        reject(new Error(`server said ${buf.slice(0, 200)}`))
      }
    }
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', onData)
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)))
    child.once('error', reject)
  })
}

/** Runs one client process; resolves {result} | {na} | {error}, plus wall time. */
function runChild (command, args, env, timeoutMs) {
  return new Promise((resolve) => {
    const t = Date.now()
    const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    let timedOut = false
    child.stdout.setEncoding('utf8').on('data', (c) => { out += c })
    child.stderr.setEncoding('utf8').on('data', (c) => { if (err.length < 4000) err += c })
    const timer = setTimeout(() => {
      timedOut = true
      child.kill('SIGKILL')
    }, timeoutMs)
    child.once('error', (e) => { err += e.message })
    child.once('close', (code, signal) => {
      clearTimeout(timer)
      const wallMs = Date.now() - t
      if (timedOut) return resolve({ error: `timed out after ${timeoutMs / 1000} s`, wallMs })
      const line = out.trim().split('\n').pop() || ''
      let parsed = null
      try { parsed = JSON.parse(line) } catch {}
      if (parsed && parsed.na) return resolve({ na: parsed.na, wallMs })
      if (parsed && parsed.error) return resolve({ error: parsed.error, wallMs })
      if (parsed && code === 0) return resolve({ result: parsed, wallMs })
      const why = signal ? `killed by ${signal}` : `exited with ${code}`
      resolve({ error: `${why}: ${(err || out).trim().split('\n').slice(-3).join(' | ').slice(0, 300)}`, wallMs })
    })
  })
}

// ---- scenarios -------------------------------------------------------------

function scenarioList (server) {
  const transports = [
    { id: 'h1', label: 'HTTP/1.1', base: `http://127.0.0.1:${server.http}`, statsKey: 'httpConns' },
    { id: 'https', label: 'HTTPS', base: `https://127.0.0.1:${server.https}`, ca: server.ca, statsKey: 'httpsConns' },
    { id: 'h2', label: 'HTTP/2', base: `https://127.0.0.1:${server.h2}`, ca: server.ca, expectProto: '2.0', statsKey: 'h2Conns' }
  ]
  const list = []
  const on = (t) => ({ base: t.base, ca: t.ca, expectProto: t.expectProto })
  for (const t of transports) {
    for (const c of [1, 16, 64]) {
      list.push({
        id: `small-${t.id}-c${c}`, group: 'small', transport: t, label: `small GET ${t.label} c=${c}`,
        clients: t.id === 'h2' ? ALL_CLIENTS : HTTP1_CLIENTS,
        params: { kind: 'small', ...on(t), concurrency: c, durationMs: SIZES.smallMs, warmupMs: SIZES.warmupMs },
        timeoutMs: SIZES.smallMs + SIZES.warmupMs + 30000
      })
    }
  }
  const mib = SIZES.transfer / MiB
  for (const kind of ['download', 'upload']) {
    for (const t of transports) {
      list.push({
        id: `${kind}-${t.id}`, group: 'transfer', transport: t, label: `${mib} MiB ${kind} ${t.label}`,
        clients: t.id === 'h2' ? ALL_CLIENTS : HTTP1_CLIENTS,
        params: { kind, ...on(t), bytes: SIZES.transfer, chunk: 64 * 1024 },
        timeoutMs: 120000
      })
    }
  }
  const h1 = transports[0]
  list.push({
    id: 'slow-consumer', group: 'memory', transport: h1,
    label: `${SIZES.slowBody / MiB} MiB read by a slow consumer (5 ms pause per MiB, ≤ ${SIZES.slowCapMs / 1000} s)`,
    clients: STREAM_CLIENTS,
    params: { kind: 'slowConsumer', ...on(h1), bytes: SIZES.slowBody, pauseEvery: MiB, pauseMs: 5, capMs: SIZES.slowCapMs },
    timeoutMs: SIZES.slowCapMs + 60000
  })
  list.push({
    id: 'slow-many', group: 'memory', transport: h1, label: `${SIZES.slowCount} concurrent slow responses (2 s each)`,
    clients: STREAM_CLIENTS,
    params: { kind: 'slowMany', ...on(h1), count: SIZES.slowCount, ms: 2000 },
    timeoutMs: 90000
  })
  return list
}

function command (name, params, goclient) {
  const c = CLIENTS[name]
  const env = {}
  if (c.caEnv && params.ca) env[c.caEnv] = params.ca
  if (c.bin) {
    if (goclient.error) return { na: goclient.error }
    return { cmd: goclient.path, args: [JSON.stringify(params)], env }
  }
  return { cmd: process.execPath, args: [path.join(__dirname, 'clients', c.js), JSON.stringify(params)], env }
}

// ---- the run ---------------------------------------------------------------

async function main () {
  const started = Date.now()
  fs.mkdirSync(BIN, { recursive: true })
  fs.mkdirSync(RESULTS, { recursive: true })

  log('building benchmark/.bin/server and benchmark/.bin/goclient ...')
  const serverBuild = goBuild('server')
  if (serverBuild.error) throw new Error(serverBuild.error)
  const goclient = goBuild('goclient')
  if (goclient.error) log(`pure-Go client unavailable: ${goclient.error}`)

  const machine = machineInfo()
  const { child: server, info } = await startServer(serverBuild.path)
  const cleanup = () => { try { server.kill('SIGTERM') } catch {} }
  process.on('exit', cleanup)
  process.on('SIGINT', () => { cleanup(); process.exit(130) })
  log(`server pid ${info.pid}: http ${info.http}, https ${info.https}, h2 ${info.h2}`)

  const scenarios = scenarioList(info).filter((s) => !opts.only || opts.only.test(s.id))
  // Warm the server (and the page cache for the binaries) without recording.
  if (!goclient.error) {
    await runChild(goclient.path, [JSON.stringify({ kind: 'small', base: `http://127.0.0.1:${info.http}`, concurrency: 16, durationMs: 500, warmupMs: 100 })], {}, 20000)
  }

  const naCache = new Map() // "client|transport" -> reason: a protocol the client cannot speak
  const records = [] // {scenario, client, runs: [...]}
  const total = scenarios.reduce((n, s) => n + s.clients.length * opts.rounds, 0)
  let done = 0
  for (const [si, sc] of scenarios.entries()) {
    const recs = new Map(sc.clients.map((c) => [c, { scenario: sc.id, client: c, runs: [], na: null }]))
    for (let round = 0; round < opts.rounds; round++) {
      const k = (round + si) % sc.clients.length
      const order = sc.clients.slice(k).concat(sc.clients.slice(0, k))
      for (const name of order) {
        done++
        const rec = recs.get(name)
        const naKey = `${name}|${sc.transport.id}`
        if (rec.na || naCache.has(naKey)) {
          rec.na = rec.na || naCache.get(naKey)
          continue
        }
        const errors = rec.runs.filter((r) => r.error).length
        if (errors >= 2) continue // failing repeatedly: do not spend the budget on it
        const cmd = command(name, sc.params, goclient)
        if (cmd.na) { rec.na = cmd.na; continue }
        const before = await getJSON(`http://127.0.0.1:${info.http}/stats`)
        const r = await runChild(cmd.cmd, cmd.args, cmd.env, sc.timeoutMs)
        const after = await getJSON(`http://127.0.0.1:${info.http}/stats`)
        if (r.na) {
          rec.na = `${name}: ${r.na}` + (sc.transport.expectProto && H2_HINT[name] ? `: ${H2_HINT[name]}` : '')
          if (sc.transport.expectProto) naCache.set(naKey, rec.na)
          log(`[${done}/${total}] ${sc.id} ${name}: n/a (${r.na})`)
          continue
        }
        const run = r.error ? { error: r.error, round } : { ...r.result, round }
        run.conns = after[sc.transport.statsKey] - before[sc.transport.statsKey] - (sc.transport.statsKey === 'httpConns' ? 1 : 0)
        run.wallMs = r.wallMs
        rec.runs.push(run)
        log(`[${done}/${total}] ${sc.id} r${round + 1} ${name}: ${r.error ? 'ERROR ' + r.error : headline(sc, run)}`)
      }
    }
    for (const rec of recs.values()) {
      rec.median = medianOf(rec.runs.filter((r) => !r.error))
      rec.errors = rec.runs.filter((r) => r.error).map((r) => r.error)
      records.push(rec)
    }
  }

  // require() time, in fresh processes.
  const requireTimes = {}
  if (!opts.only || opts.only.test('require')) {
    for (const mod of [GNR, 'undici']) {
      const runs = []
      for (let i = 0; i < SIZES.requireRuns; i++) {
        const r = await runChild(process.execPath, [path.join(__dirname, 'clients', 'require-time.js'), mod], {}, 30000)
        if (r.result) runs.push(r.result)
        else runs.push({ error: r.error || r.na })
      }
      const ok = runs.filter((r) => !r.error)
      requireTimes[mod] = { runs, ms: median(ok.map((r) => r.ms)), rss: median(ok.map((r) => r.rss)), errors: runs.filter((r) => r.error).map((r) => r.error) }
      log(`require('${mod}'): ${fmt(requireTimes[mod].ms, 1)} ms`)
    }
  }

  server.stdin.end()
  const wallSeconds = (Date.now() - started) / 1000
  const report = { machine, options: { ...opts, only: opts.only && String(opts.only), sizes: SIZES }, server: info, scenarios: scenarios.map((s) => ({ id: s.id, label: s.label, params: s.params })), records, requireTimes, wallSeconds, date: new Date(started).toISOString() }
  const md = markdown(report, scenarios)
  fs.writeFileSync(path.join(RESULTS, 'latest.json'), JSON.stringify(report, null, 2) + '\n')
  fs.writeFileSync(path.join(RESULTS, 'latest.md'), md)
  process.stdout.write('\n' + consoleTables(report, scenarios) + '\n')
  log(`\nwrote benchmark/results/latest.json and latest.md; wall time ${fmt(wallSeconds, 0)} s`)
}

function medianOf (runs) {
  if (runs.length === 0) return null
  const out = {}
  for (const key of Object.keys(runs[0])) {
    if (typeof runs[0][key] === 'number') out[key] = median(runs.map((r) => r[key]))
  }
  out.truncated = runs.some((r) => r.truncated)
  out.rounds = runs.length
  return out
}

function headline (sc, r) {
  switch (sc.params.kind) {
    case 'small': return `${fmt(r.rps, 0)} req/s, p50 ${fmt(r.p50Ms, 3)} ms, p99 ${fmt(r.p99Ms, 3)} ms, ${r.conns} conns`
    case 'download':
    case 'upload': return `${fmt(r.mbps, 0)} MB/s, peak RSS ${mb(r.peakRss)}`
    case 'slowConsumer': return `${mb(r.bytes)} in ${fmt(r.seconds, 1)} s, RSS growth ${mb(r.rssGrowth)}${r.truncated ? ' (capped)' : ''}`
    case 'slowMany': return `${r.ok}/${r.count} ok in ${fmt(r.seconds, 2)} s, peak RSS ${mb(r.peakRss)}`
  }
  return ''
}

// ---- machine ---------------------------------------------------------------

function machineInfo () {
  let cpu = os.cpus()[0] ? os.cpus()[0].model : 'unknown'
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))
    if (m) cpu = m[1].trim()
  } catch {}
  let go = 'unknown'
  try { go = execFileSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' }).trim() } catch {}
  return {
    cpu,
    cores: os.availableParallelism ? os.availableParallelism() : os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    go,
    undici: require('undici/package.json').version,
    nodeBundledUndici: process.versions.undici
  }
}

// ---- tables ----------------------------------------------------------------

function fmt (v, digits = 0) {
  if (v == null || !Number.isFinite(v)) return '–'
  return v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
}
const mb = (bytes) => bytes == null ? '–' : `${fmt(bytes / MiB, 1)} MiB`
function ratio (a, b) {
  if (a == null || b == null || !Number.isFinite(a) || !Number.isFinite(b) || b === 0) return 'n/a'
  return `${(a / b).toFixed(2)}×`
}

/** Rows of cells for each table; the first row is the header. */
function tables (report, scenarios) {
  const byKey = new Map(report.records.map((r) => [`${r.scenario}|${r.client}`, r]))
  const notes = []
  const cellNA = (rec) => {
    if (!rec) return null
    if (rec.na) {
      let i = notes.indexOf(rec.na)
      if (i < 0) i = notes.push(rec.na) - 1
      return `n/a [${i + 1}]`
    }
    if (!rec.median) {
      const why = rec.errors[0] || 'no result'
      let i = notes.indexOf('error: ' + why)
      if (i < 0) i = notes.push('error: ' + why) - 1
      return `error [${i + 1}]`
    }
    return null
  }
  const out = []

  const small = [['scenario', 'client', 'req/s', 'p50 ms', 'p99 ms', 'CPU µs/req', 'JS-thread µs/req', 'conns', 'peak RSS']]
  const transfer = [['scenario', 'client', 'MB/s', 'CPU s', 'JS-thread s', 'peak RSS', 'conns']]
  const memory = [['scenario', 'client', 'result', 'RSS growth', 'peak RSS']]
  for (const sc of scenarios) {
    for (const client of sc.clients) {
      const rec = byKey.get(`${sc.id}|${client}`)
      const na = cellNA(rec)
      const m = rec && rec.median
      if (sc.group === 'small') {
        small.push(na ? [sc.label, client, na, '', '', '', '', '', '']
          : [sc.label, client, fmt(m.rps), fmt(m.p50Ms, 3), fmt(m.p99Ms, 3), fmt(m.cpuUsPerReq, 1), fmt(m.jsCpuUsPerReq, 1), fmt(m.conns), mb(m.peakRss)])
      } else if (sc.group === 'transfer') {
        transfer.push(na ? [sc.label, client, na, '', '', '', '']
          : [sc.label, client, fmt(m.mbps), fmt(m.cpuSec, 2), m.jsCpuSec == null ? '–' : fmt(m.jsCpuSec, 2), mb(m.peakRss), fmt(m.conns)])
      } else if (sc.params.kind === 'slowConsumer') {
        memory.push(na ? [sc.label, client, na, '', '']
          : [sc.label, client, `${mb(m.bytes)} in ${fmt(m.seconds, 1)} s${m.truncated ? ' (capped)' : ''}`, mb(m.rssGrowth), mb(m.peakRss)])
      } else {
        memory.push(na ? [sc.label, client, na, '', '']
          : [sc.label, client, `${fmt(m.ok)}/${fmt(m.count)} ok in ${fmt(m.seconds, 2)} s`, mb(m.rssGrowth), mb(m.peakRss)])
      }
    }
  }
  if (small.length > 1) out.push({ title: 'Small GET (100-byte body), closed loop', rows: small })
  if (transfer.length > 1) out.push({ title: 'Transfers (chunked upload, 64 KiB writes)', rows: transfer })
  if (memory.length > 1) out.push({ title: 'Memory', rows: memory })

  const req = [['module', 'require() ms (median)', 'RSS after']]
  for (const [mod, r] of Object.entries(report.requireTimes)) {
    req.push([mod, r.ms == null ? `error: ${r.errors[0]}` : fmt(r.ms, 1), mb(r.rss)])
  }
  if (req.length > 1) out.push({ title: 'require() time (fresh process)', rows: req })

  // Ratios: go-net-request over each peer; above 1× means more (throughput, CPU or memory).
  const peers = ['node:http', 'undici', 'fetch', 'pure-Go']
  const ratios = [['scenario', 'metric', ...peers.map((p) => `gnr / ${p}`)]]
  const metricOf = (sc) => sc.group === 'small'
    ? [['req/s', 'rps'], ['p99', 'p99Ms'], ['CPU/req', 'cpuUsPerReq'], ['JS-thread/req', 'jsCpuUsPerReq']]
    : sc.group === 'transfer' ? [['MB/s', 'mbps'], ['CPU s', 'cpuSec'], ['peak RSS', 'peakRss']]
      : sc.params.kind === 'slowConsumer' ? [['RSS growth', 'rssGrowth'], ['peak RSS', 'peakRss']] : [['seconds', 'seconds'], ['peak RSS', 'peakRss']]
  for (const sc of scenarios) {
    const g = byKey.get(`${sc.id}|${GNR}`)
    if (g && (g.na || !g.median)) {
      ratios.push([sc.label, 'all', ...peers.map((p) => sc.clients.includes(p) ? cellNA(g) : '')])
      continue
    }
    for (const [label, key] of metricOf(sc)) {
      ratios.push([sc.label, label, ...peers.map((p) => {
        const rec = byKey.get(`${sc.id}|${p}`)
        if (!sc.clients.includes(p)) return ''
        return ratio(g && g.median && g.median[key], rec && rec.median && rec.median[key])
      })])
    }
  }
  out.push({ title: 'Ratios: go-net-request / peer (throughput: higher is better; latency, CPU, RSS: lower is better)', rows: ratios })
  return { tables: out, notes }
}

function consoleTables (report, scenarios) {
  const { tables: ts, notes } = tables(report, scenarios)
  const lines = [machineLine(report), '']
  for (const t of ts) {
    lines.push(t.title)
    const widths = t.rows[0].map((_, i) => Math.max(...t.rows.map((r) => String(r[i]).length)))
    for (const [ri, r] of t.rows.entries()) {
      lines.push(r.map((c, i) => (i < 2 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  '))
      if (ri === 0) lines.push(widths.map((w) => '-'.repeat(w)).join('  '))
    }
    lines.push('')
  }
  notes.forEach((n, i) => lines.push(`[${i + 1}] ${n}`))
  lines.push(`wall time ${fmt(report.wallSeconds, 0)} s`)
  return lines.join('\n')
}

function machineLine (report) {
  const m = report.machine
  return `${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.kernel}; Node ${m.node}, ${m.go}, undici ${m.undici} (fetch: bundled undici ${m.nodeBundledUndici}); ${report.date}; ${report.options.rounds} round(s)${report.options.quick ? ', --quick sizes' : ''}`
}

function markdown (report, scenarios) {
  const { tables: ts, notes } = tables(report, scenarios)
  const lines = ['# go-net-request benchmark', '', `Machine: ${machineLine(report)}.`, '',
    'Medians of the rounds; each client ran in its own process per scenario, in rotating order, against one Go server on 127.0.0.1 sharing the same cores. ' +
    'MB/s is 10^6 bytes per second. CPU is the whole client process (all threads); JS-thread is the main thread alone ' +
    '(`/proc/self/task/<pid>/schedstat`). conns: connections the server accepted during the run. See benchmark/README.md.', '']
  for (const t of ts) {
    lines.push(`## ${t.title}`, '')
    const esc = (c) => String(c).replace(/\|/g, '\\|')
    lines.push('| ' + t.rows[0].map(esc).join(' | ') + ' |')
    lines.push('|' + t.rows[0].map((_, i) => (i < 2 ? ' --- |' : ' ---: |')).join(''))
    for (const r of t.rows.slice(1)) lines.push('| ' + r.map(esc).join(' | ') + ' |')
    lines.push('')
  }
  if (notes.length) {
    lines.push('## Notes', '')
    notes.forEach((n, i) => lines.push(`${i + 1}. ${n}`))
    lines.push('')
  }
  lines.push(`Wall time of the run: ${fmt(report.wallSeconds, 0)} s.`, '')
  return lines.join('\n')
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
