#!/usr/bin/env node
'use strict'
// Runs test files again and again to catch flaky tests (a test that fails
// one run in 20 is a bug):
//
//   npm run test:repeat -- 20 test/events.test.js test/cookies.test.js
//   node scripts/repeat-tests.js 20 test/*.test.js --go ./gocore -run TestWire
//
// Each file runs alone (`node --test FILE`) that many times; with `--go PKG
// [go test flags...]` the Go package runs too (`go test -count=1`). Runs are
// bounded: one run over --timeout seconds (default 300) counts as a failure.
// Prints one line per failed run (with the failing output kept in
// .cache/repeat/) and a summary per file; exits 1 when any run failed.

const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

function parseArgs (argv) {
  const args = { times: 20, timeoutSeconds: 300, files: [], go: null }
  let i = 0
  if (/^\d+$/.test(argv[0] || '')) args.times = Number(argv[i++])
  for (; i < argv.length; i++) {
    if (argv[i] === '--timeout') args.timeoutSeconds = Number(argv[++i])
    else if (argv[i] === '--go') { args.go = argv.slice(i + 1); break } else args.files.push(argv[i])
  }
  if (!(args.times > 0) || !(args.timeoutSeconds > 0) || (args.files.length === 0 && !args.go)) {
    console.error('usage: repeat-tests.js [times] FILE... [--timeout s] [--go PKG [go test flags]]')
    process.exit(2)
  }
  return args
}

function main () {
  const args = parseArgs(process.argv.slice(2))
  const root = path.join(__dirname, '..')
  const keep = path.join(root, '.cache', 'repeat')
  fs.mkdirSync(keep, { recursive: true })
  const suites = args.files.map((file) => ({ name: file, cmd: process.execPath, argv: ['--test', file] }))
  if (args.go) suites.push({ name: 'go ' + args.go.join(' '), cmd: 'go', argv: ['test', '-count=1', ...args.go] })

  let failed = 0
  const started = Date.now()
  for (const suite of suites) {
    let passes = 0
    let slowest = 0
    for (let run = 1; run <= args.times; run++) {
      const t0 = Date.now()
      const res = spawnSync(suite.cmd, suite.argv, {
        cwd: root,
        encoding: 'utf8',
        timeout: args.timeoutSeconds * 1000,
        killSignal: 'SIGKILL',
        maxBuffer: 64 * 1024 * 1024
      })
      slowest = Math.max(slowest, Date.now() - t0)
      if (res.status === 0) {
        passes++
        continue
      }
      failed++
      const log = path.join(keep, `${suite.name.replace(/[^\w.-]+/g, '_')}.run${run}.log`)
      fs.writeFileSync(log, `${res.stdout || ''}\n--- stderr ---\n${res.stderr || ''}`)
      const why = res.error ? res.error.code : res.signal ? `signal ${res.signal}` : `exit ${res.status}`
      console.log(`FAIL ${suite.name} run ${run}: ${why} (output in ${path.relative(root, log)})`)
    }
    console.log(`${suite.name}: ${passes}/${args.times} passed, slowest run ${(slowest / 1000).toFixed(1)} s`)
  }
  const runs = suites.length * args.times
  console.log(`${runs - failed} passed, ${failed} failed (${((Date.now() - started) / 1000).toFixed(0)} s)`)
  process.exitCode = failed ? 1 : 0
}

main()
