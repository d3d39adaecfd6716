'use strict'
// `npm run test:platforms`: builds the prebuilds of the targets that can be
// tested on this machine (those whose module defines test(ctx): linux-arm64
// under qemu, win32-x64 under wine) and runs the JS suite against each, then
// prints pass/fail/skip counts per platform. Not part of `npm test`: it takes
// minutes under emulation.
//
//   npm run test:platforms                         every testable target
//   npm run test:platforms -- --target linux-arm64
//   npm run test:platforms -- --no-build           test prebuilds/ as they are
const { spawnSync } = require('node:child_process')
const path = require('node:path')

const { ROOT, hostTarget, loadTargets, makeContext, selectTargets } = require('./targets')

function main () {
  const argv = process.argv.slice(2)
  const build = !argv.includes('--no-build')
  const { targets, missing } = loadTargets()
  const named = argv.filter((arg) => arg !== '--no-build')
  const chosen = named.length > 0
    ? selectTargets(named, targets, missing, hostTarget())
    : [...targets.values()].filter((target) => typeof target.test === 'function')
  const rows = []
  for (const target of chosen) {
    if (typeof target.test !== 'function') {
      rows.push({ target: target.name, result: 'no test here (static checks only: npm run prebuild)' })
      continue
    }
    const ctx = makeContext(target)
    try {
      if (build) {
        const prebuild = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'prebuild.js'), '--target', target.name], { cwd: ROOT, stdio: 'inherit' })
        if (prebuild.status !== 0) throw new Error('npm run prebuild failed')
      }
      const { passed, failed, skipped, seconds } = target.test(ctx)
      rows.push({ target: target.name, passed, failed, skipped, seconds })
    } catch (err) {
      console.error(`[${target.name}] ${err.message}`)
      rows.push({ target: target.name, result: `error: ${err.message.split('\n')[0]}` })
    }
  }
  if (missing.length > 0) console.log(`no module in this checkout for ${missing.join(', ')}`)
  console.log('\ntarget         passed  failed  skipped  time')
  for (const row of rows) {
    if (row.result) console.log(`${row.target.padEnd(14)} ${row.result}`)
    else console.log(`${row.target.padEnd(14)} ${String(row.passed).padStart(6)}  ${String(row.failed).padStart(6)}  ${String(row.skipped).padStart(7)}  ${row.seconds} s`)
  }
  if (rows.some((row) => row.result ? row.result.startsWith('error') : row.failed > 0)) process.exitCode = 1
}

try {
  main()
} catch (err) { // a usage error: say it without a stack
  console.error(`go-net-request test:platforms: ${err.message}`)
  process.exitCode = 2
}
