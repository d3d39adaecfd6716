'use strict'

// worker_threads started and ended in every order (a short version of
// scripts/workers-stress.js): sequential, overlapping, all together and
// staggered; ending by themselves, by terminate() or process.exit()
// mid-request; with the main thread loading the library first, late, or
// never. Each run is a child process with a loopback server (see
// helpers/workers.js): a crash shows as a signal, a hang as a kill or a
// worker without its response.

const { test } = require('node:test')
const assert = require('node:assert/strict')
const { PATTERNS, runSpec, patternName, runWorkersChild } = require('./helpers/workers')

/** Runs each spec in turn and asserts it passed. */
async function assertRunsPass (specs) {
  for (const spec of specs) {
    const result = await runWorkersChild(spec)
    assert.deepEqual(result.failures, [],
      `${patternName(spec)} (${spec.workers} workers, seed ${spec.seed}) failed; ` +
      `stdout: ${result.child.stdout}\nstderr: ${result.child.stderr}`)
  }
}

const SHORT = { hangMs: 4000, limitMs: 20000 }

test('workers started one after another, the main thread never loading the library, each get their response', { timeout: 60000 }, async () => {
  // The first worker to load the addon went away before the next loaded
  // it: Node unloaded the addon, and a fresh copy gave reused ids that Go
  // had closed (or jumped into unmapped code).
  await assertRunsPass([1, 2].map((seed) => runSpec({ start: 'sequential', end: 'natural', main: 'none', seed, workers: 5, ...SHORT })))
})

// Every end mode once per start order, the main thread's part cycling.
const MAINS = ['none', 'late', 'before', 'none', 'late']
for (const start of PATTERNS.start) {
  test(`workers ${start}, ending by themselves, terminated or exiting mid-request, never crash or hang`, { timeout: 90000 }, async () => {
    await assertRunsPass(PATTERNS.end.map((end, i) => runSpec({ start, end, main: MAINS[i], seed: 10 + i, ...SHORT })))
  })
}
