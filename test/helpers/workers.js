'use strict'
// Workers runs (test/workers.test.js, scripts/workers-stress.js): each run
// is a child process (workers-child.js) whose worker_threads start and end
// in one order against a loopback server, checked from outside for its
// exit, signal, hang and every worker's response.
const fs = require('node:fs')
const path = require('node:path')
const { runNode } = require('./lifecycle')

const LIB = path.resolve(__dirname, '..', '..', 'index.js')
const CHILD = path.join(__dirname, 'workers-child.js')

/**
 * The orders a run can take:
 * - start: 'sequential' (each after the previous exited), 'overlapping'
 *   (each once the previous has its response; the previous ends once the
 *   next has its own), 'together' (all in one tick, ended together in
 *   endOrder), 'staggered' (random start and end delays);
 * - end: how each worker ends: 'natural' (exits by itself after its
 *   response), 'terminate' (worker.terminate() while a request the server
 *   never answers and one whose body never ends are both at the server),
 *   'abrupt' (terminate() just after it sent them), 'exit'
 *   (process.exit() in the worker with both at the server),
 *   'mixed' (one of those per worker, at random);
 * - main: whether the main thread loads the library: 'none', 'before' the
 *   workers, or 'late' (once a worker has loaded it first); once loaded,
 *   it makes requests one after another while the workers come and go.
 */
const PATTERNS = Object.freeze({
  start: Object.freeze(['sequential', 'overlapping', 'together', 'staggered']),
  end: Object.freeze(['natural', 'terminate', 'abrupt', 'exit', 'mixed']),
  main: Object.freeze(['none', 'before', 'late'])
})
const END_ORDERS = ['fifo', 'lifo', 'random']

/**
 * A run's spec. `workers` defaults to 2-6 (from the seed), `endOrder` to
 * one picked by the seed.
 */
function runSpec ({ start, end, main, seed, workers, endOrder, hangMs = 5000, limitMs = 25000 }) {
  return {
    lib: LIB,
    start,
    end,
    main,
    seed,
    workers: workers ?? 2 + (seed % 5),
    endOrder: endOrder ?? END_ORDERS[Math.floor(seed / 5) % END_ORDERS.length],
    hangMs,
    limitMs
  }
}

/** The name of a run's pattern, for reports. */
function patternName (spec) {
  return `${spec.start}/${spec.end}/main-${spec.main}`
}

/** True when the crash signal or exit code means the process died of a fault. */
function crashed (child) {
  return ['SIGSEGV', 'SIGABRT', 'SIGBUS', 'SIGILL', 'SIGFPE', 'SIGTRAP'].includes(child.signal) ||
    [134, 135, 136, 139].includes(child.code)
}

/**
 * Runs one spec in a child process, killed after `limit` ms. Resolves with
 * { failures, crashed, hung, child, cores }: failures is empty when the
 * child exited by itself with code 0 and no signal, printed its result, and
 * every worker had its response and its expected exit. With coreDumpsIn
 * (an empty directory), core files the child left there are listed.
 */
async function runWorkersChild (spec, { limit = spec.limitMs + 5000, coreDumpsIn = null } = {}) {
  const child = await runNode([CHILD, JSON.stringify(spec)], { limit, coreDumpsIn })
  const failures = []
  const hung = child.killed
  if (hung) failures.push(`hung: killed after ${limit} ms`)
  if (child.signal && !hung) failures.push(`died of ${child.signal}`)
  else if (child.code !== 0 && !hung) failures.push(`exit code ${child.code}`)
  const line = child.lines.find((l) => l.text.startsWith('result '))
  if (line) failures.push(...JSON.parse(line.text.slice('result '.length)).failures)
  else if (!hung) failures.push('printed no result')
  if (child.stderr.trim() !== '') failures.push(`stderr: ${child.stderr.trim().slice(0, 2000)}`)
  const cores = coreDumpsIn
    ? fs.readdirSync(coreDumpsIn).filter((f) => f.startsWith('core')).map((f) => path.join(coreDumpsIn, f))
    : []
  return { failures, crashed: crashed(child), hung, child, cores }
}

module.exports = { PATTERNS, runSpec, patternName, runWorkersChild }
