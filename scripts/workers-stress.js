#!/usr/bin/env node
'use strict'
// Workers stress, on loopback only:
//
//   npm run stress:workers                      # 240 runs
//   node scripts/workers-stress.js 600 --concurrency 2 --seed 7 --time-limit 900
//
// Each run is a child process (test/helpers/workers-child.js) with a
// loopback server on its main thread and 2-6 worker_threads, each making
// net.requests, started and ended in one of the orders of
// test/helpers/workers.js: sequential, overlapping, all together or
// staggered; ending by themselves, by worker.terminate() or
// process.exit() mid-request, or a mix, in first-in, last-in or random
// order; with the main thread loading the library before them, after a
// worker loaded it first, or never. After them a last worker and the main
// thread (if it loaded the library) must still get answers. Runs cycle
// through every combination.
//
// A run fails when its child dies of a signal (SIGSEGV, SIGABRT, ...: the
// core dump is kept when the kernel writes one to the run's directory),
// exits with another code than 0, hangs (killed after its time limit), or
// a worker lacks its response or its expected exit. The summary counts
// runs and failures per pattern; the exit code is 1 on any failure. The
// whole stress is bounded by --time-limit (seconds): no new run starts
// after it.

const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { PATTERNS, runSpec, patternName, runWorkersChild } = require('../test/helpers/workers')

const USAGE = 'usage: node scripts/workers-stress.js [runs] [--concurrency N] [--seed N] [--time-limit SECONDS] [--verbose]'

function fail (message) {
  console.error(message)
  process.exit(2)
}

function parseArgs (argv) {
  const options = { runs: 240, concurrency: 2, seed: 1, timeLimit: 1200, verbose: false }
  const numbers = { '--concurrency': 'concurrency', '--seed': 'seed', '--time-limit': 'timeLimit' }
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s)
    if (flag === '--help' || flag === '-h') { console.log(USAGE); process.exit(0) }
    if (flag === '--verbose') { options.verbose = true; continue }
    if (/^\d+$/.test(flag)) { options.runs = Number(flag); continue }
    const key = numbers[flag]
    if (key === undefined) fail(`unknown option ${flag}\n${USAGE}`)
    const text = inline !== undefined ? inline : argv[++i]
    const value = Number(text)
    if (text === undefined || !Number.isInteger(value) || value < 0) fail(`${flag} needs a non-negative integer\n${USAGE}`)
    options[key] = value
  }
  if (options.runs < 1) fail('runs must be at least 1')
  if (options.concurrency < 1) fail('--concurrency must be at least 1')
  if (options.timeLimit < 1) fail('--time-limit must be positive')
  return options
}

/** Every combination of start, end and main-thread pattern, in a fixed order. */
function combinations () {
  const all = []
  for (const main of PATTERNS.main) {
    for (const start of PATTERNS.start) {
      for (const end of PATTERNS.end) all.push({ start, end, main })
    }
  }
  return all
}

/** Where the kernel writes core dumps, and whether they can land in a run's directory. */
function coreDumpNote () {
  let pattern = ''
  try { pattern = fs.readFileSync('/proc/sys/kernel/core_pattern', 'utf8').trim() } catch {}
  if (pattern === '') return 'core dumps: core_pattern unknown; look for cores where this system keeps them'
  if (pattern.startsWith('|')) return `core dumps: piped to ${pattern.slice(1).split(' ')[0]} (not kept here; crashes are still counted by signal)`
  if (pattern.includes('/')) return `core dumps: written to ${pattern} (not in the runs' directories)`
  return `core dumps: '${pattern}' in each run's directory (ulimit -c raised for the child)`
}

async function main () {
  const options = parseArgs(process.argv.slice(2))
  const combos = combinations()
  const deadline = Date.now() + options.timeLimit * 1000
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'gnr-workers-stress-'))
  const perPattern = new Map() // name -> { runs, failed, hung, crashed }
  const failedRuns = []
  const cores = []
  let next = 0
  let done = 0
  let skipped = 0
  const started = Date.now()

  async function lane () {
    while (next < options.runs) {
      if (Date.now() > deadline) {
        skipped = options.runs - next
        next = options.runs
        return
      }
      const index = next++
      const spec = runSpec({ ...combos[index % combos.length], seed: options.seed + index, hangMs: 4000, limitMs: 30000 })
      const name = patternName(spec)
      const dir = path.join(base, `run-${index}`)
      fs.mkdirSync(dir)
      const result = await runWorkersChild(spec, { coreDumpsIn: dir })
      const counts = perPattern.get(name) ?? { runs: 0, failed: 0, hung: 0, crashed: 0 }
      perPattern.set(name, counts)
      counts.runs++
      if (result.failures.length > 0) {
        counts.failed++
        if (result.hung) counts.hung++
        if (result.crashed) counts.crashed++
        failedRuns.push({ index, name, spec, result })
        console.log(`run ${index} ${name} workers=${spec.workers} seed=${spec.seed} FAILED` +
          `${result.crashed ? ` (crash: ${result.child.signal ?? 'exit ' + result.child.code})` : ''}` +
          `${result.hung ? ' (hang)' : ''}`)
        for (const f of result.failures.slice(0, 6)) console.log('    ' + f.split('\n')[0])
      } else if (options.verbose) {
        console.log(`run ${index} ${name} workers=${spec.workers} ok`)
      }
      cores.push(...result.cores)
      if (result.cores.length === 0) fs.rmSync(dir, { recursive: true, force: true })
      done++
      if (!options.verbose && done % 20 === 0) console.log(`${done}/${options.runs} runs, ${failedRuns.length} failed`)
    }
  }

  await Promise.all(Array.from({ length: options.concurrency }, lane))
  if (cores.length === 0) fs.rmSync(base, { recursive: true, force: true })

  console.log(`\n${done} runs in ${((Date.now() - started) / 1000).toFixed(1)} s, concurrency ${options.concurrency}, seed ${options.seed}` +
    (skipped > 0 ? `; ${skipped} runs not started (time limit)` : ''))
  console.log('pattern (start/end/main)                  runs  failed  hung  crashed')
  for (const [name, c] of [...perPattern].sort(([a], [b]) => a.localeCompare(b))) {
    console.log(`${name.padEnd(40)} ${String(c.runs).padStart(5)} ${String(c.failed).padStart(7)} ${String(c.hung).padStart(5)} ${String(c.crashed).padStart(8)}`)
  }
  const crashes = failedRuns.filter((r) => r.result.crashed).length
  const hangs = failedRuns.filter((r) => r.result.hung || r.result.failures.some((f) => f.includes('no response'))).length
  console.log(`failed runs: ${failedRuns.length} (crashes ${crashes}, hangs or lost responses ${hangs})`)
  console.log(coreDumpNote())
  for (const core of cores) console.log(`core dump kept: ${core}`)
  process.exitCode = failedRuns.length > 0 || skipped > 0 ? 1 : 0
}

main().catch((err) => {
  console.error(err)
  process.exitCode = 2
})
