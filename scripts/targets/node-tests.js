'use strict'
// Runs test/*.test.js with another platform's node (emulated) against a
// prebuild, and counts the results: the part of test(ctx) that does not
// depend on how that node is run.
const fs = require('node:fs')
const path = require('node:path')
const { spawnSync } = require('node:child_process')

const { PREBUILD_DIR_ENV } = require('../../lib/prebuilds')

// Test files that need this machine's own tools rather than the prebuild,
// left out on emulated targets: install-prebuilt builds a prebuild with Go
// and gcc and packs it with npm; install-no-prebuild runs npm, whose
// install script then runs on this machine's own node (x64), not the
// platform under test; types runs tsc, a native binary installed for
// linux-x64 only.
const HOST_ONLY_TESTS = Object.freeze(['install-prebuilt.test.js', 'install-no-prebuild.test.js', 'types.test.js'])

/**
 * The counts of a TAP stream's closing summary (`# pass N` ...);
 * summarized is false when there is none (the run crashed or timed out).
 */
function tapCounts (tap) {
  const count = (name) => {
    const found = new RegExp(`^# ${name} (\\d+)$`, 'm').exec(tap)
    return found ? +found[1] : 0
  }
  return {
    passed: count('pass'),
    failed: count('fail') + count('cancelled'),
    skipped: count('skipped') + count('todo'),
    summarized: /^# pass \d+$/m.test(tap)
  }
}

/**
 * Runs the suite's files (less `exclude`) with `node` and env, with the
 * prebuild of ctx.prebuildDir loaded in place of any build. Prints the spec
 * report as it goes; returns { passed, failed, skipped, excluded }.
 * @param {object} ctx a target's context
 * @param {{ node: string, env?: object, exclude?: string[], files?: string[], timeoutMs: number, args?: string[] }} options
 */
function runNodeTests (ctx, { node, env = process.env, exclude = [], files, timeoutMs, args = [] }) {
  const testDir = path.join(ctx.root, 'test')
  const chosen = (files || fs.readdirSync(testDir).filter((f) => f.endsWith('.test.js')).sort())
    .filter((f) => !exclude.includes(f))
  const tapFile = path.join(ctx.cacheDir, `test-${ctx.name}.tap`)
  fs.mkdirSync(ctx.cacheDir, { recursive: true })
  fs.rmSync(tapFile, { force: true })
  ctx.log(`node --test ${chosen.length} files (excluded: ${exclude.join(', ') || 'none'}), prebuild ${path.relative(ctx.root, ctx.prebuildDir)}`)
  const started = Date.now()
  const result = spawnSync(node, [
    ...args, '--test',
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    '--test-reporter=tap', `--test-reporter-destination=${tapFile}`,
    ...chosen.map((f) => path.join('test', f))
  ], {
    cwd: ctx.root,
    stdio: 'inherit',
    timeout: timeoutMs,
    killSignal: 'SIGKILL',
    env: { ...env, [PREBUILD_DIR_ENV]: ctx.prebuildDir }
  })
  const seconds = Math.round((Date.now() - started) / 1000)
  const counts = tapCounts(fs.existsSync(tapFile) ? fs.readFileSync(tapFile, 'utf8') : '')
  if (result.error || result.signal) {
    ctx.log(`the run did not finish: ${result.error ? result.error.message : result.signal} after ${seconds} s`)
    counts.failed++
  } else if (result.status !== 0 && counts.failed === 0) {
    counts.failed++ // a file that failed outside any test (a crash at load)
  }
  ctx.log(`${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped in ${seconds} s`)
  return { ...counts, excluded: exclude, seconds }
}

module.exports = { HOST_ONLY_TESTS, runNodeTests, tapCounts }
