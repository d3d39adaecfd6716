'use strict'
// `npm run test:platforms`: on each target that can be tested on this
// machine (linux-arm64 under qemu, win32-x64 under wine), runs Go's own
// tests, cross-compiled for it (scripts/targets/go-tests.js), then builds
// its prebuild and runs the JS suite against it, and prints pass/fail/skip
// counts per platform for both. Not part of `npm test`: it takes minutes
// under emulation.
//
//   npm run test:platforms                         every testable target
//   npm run test:platforms -- --target linux-arm64
//   npm run test:platforms -- --no-build           test prebuilds/ as they are
//   npm run test:platforms -- --go-only            Go's tests only (no prebuild)
//   npm run test:platforms -- --js-only            the JS suite only
const { spawnSync } = require('node:child_process')
const path = require('node:path')

const { ROOT, hostTarget, loadTargets, makeContext, selectTargets } = require('./targets')

const FLAGS = ['--no-build', '--go-only', '--js-only']

/** Runs one part (Go or JS) of a target's tests; a thrown error becomes a row's note. */
function runPart (target, part, fn) {
  try {
    return fn()
  } catch (err) {
    console.error(`[${target.name}] ${part}: ${err.message}`)
    return { error: err.message.split('\n')[0] }
  }
}

function main () {
  const argv = process.argv.slice(2)
  const build = !argv.includes('--no-build')
  const parts = { go: !argv.includes('--js-only'), js: !argv.includes('--go-only') }
  if (!parts.go && !parts.js) throw new Error('--go-only and --js-only exclude each other')
  const { targets, missing } = loadTargets()
  const named = argv.filter((arg) => !FLAGS.includes(arg))
  const testable = (target) => typeof target.test === 'function' || typeof target.testGo === 'function'
  const chosen = named.length > 0
    ? selectTargets(named, targets, missing, hostTarget())
    : [...targets.values()].filter(testable)
  const rows = []
  for (const target of chosen) {
    if (!testable(target)) {
      rows.push({ target: target.name, note: 'no test here (static checks only: npm run prebuild)' })
      continue
    }
    const ctx = makeContext(target)
    const row = { target: target.name }
    if (parts.go && typeof target.testGo === 'function') row.go = runPart(target, 'go', () => target.testGo(ctx))
    if (parts.js && typeof target.test === 'function') {
      row.js = runPart(target, 'js', () => {
        if (build) {
          const prebuild = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'prebuild.js'), '--target', target.name], { cwd: ROOT, stdio: 'inherit' })
          if (prebuild.status !== 0) throw new Error('npm run prebuild failed')
        }
        return target.test(ctx)
      })
    }
    rows.push(row)
  }
  if (missing.length > 0) console.log(`no module in this checkout for ${missing.join(', ')}`)
  printTable(rows)
  const failedPart = (result) => result !== undefined && (result.error !== undefined || result.failed > 0)
  if (rows.some((row) => failedPart(row.go) || failedPart(row.js))) process.exitCode = 1
}

/** The summary: per target, the JS suite's counts and Go's (subtests included). */
function printTable (rows) {
  const cells = (result) => {
    if (result === undefined) return 'not run'.padEnd(32)
    if (result.error !== undefined) return `error: ${result.error}`.slice(0, 60).padEnd(32)
    return `${String(result.passed).padStart(6)}  ${String(result.failed).padStart(6)}  ${String(result.skipped).padStart(7)}  ${String(result.seconds).padStart(4)} s`
  }
  console.log(`\n${''.padEnd(14)} ${'JS suite'.padEnd(32)} | Go tests (with subtests)`)
  console.log(`${'target'.padEnd(14)} passed  failed  skipped    time | passed  failed  skipped    time`)
  for (const row of rows) {
    if (row.note) console.log(`${row.target.padEnd(14)} ${row.note}`)
    else console.log(`${row.target.padEnd(14)} ${cells(row.js)} | ${cells(row.go)}`)
  }
}

try {
  main()
} catch (err) { // a usage error: say it without a stack
  console.error(`go-net-request test:platforms: ${err.message}`)
  process.exitCode = 2
}
