'use strict'
// Runs Go's own tests on another platform: every package of the module that
// has tests (found by go list for that GOOS/GOARCH, so packages added or
// split later are picked up), cross-compiled with `go test -c`, each binary
// run by the target's runner (qemu, wine) in its package's directory, as
// go test does (testdata/ and the fuzz seeds are read from there). A
// package with cgo files builds with the target's C compiler (the one its
// prebuild uses) and is skipped, saying why, when the target has none. The
// binaries' -test.v=test2json output goes through `go tool test2json` and
// is counted per test, subtests included; outputs stay in
// .cache/go-tests/<target>/.
const fs = require('node:fs')
const path = require('node:path')
const { spawnSync } = require('node:child_process')

// Under emulation the engine's suite takes seconds to a minute; a binary
// that hangs is cut off.
const BINARY_TIMEOUT_MS = 10 * 60 * 1000
const GO_TEST_TIMEOUT = '8m'

/** go list's packages, as JSON objects (it prints them one after another). */
function listPackages (ctx, env) {
  const out = ctx.run('go', ['list', '-e', '-json=ImportPath,Dir,Name,CgoFiles,TestGoFiles,XTestGoFiles,Error', './...'], {
    cwd: ctx.root, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024
  }).stdout
  return out.trim() === '' ? [] : JSON.parse(`[${out.trim().replace(/\n}\n{/g, '\n},\n{')}]`)
}

/**
 * The packages to test for a build { goos, goarch, cc }: those with test
 * files. Returns { chosen: [{ importPath, dir, cgo }], skipped: [{ importPath, reason }] }.
 */
function testPackages (ctx, build) {
  // CGO_ENABLED=1 so that go list shows the cgo files (a cross build turns cgo off by default).
  const env = { ...process.env, GOOS: build.goos, GOARCH: build.goarch, CGO_ENABLED: '1' }
  const chosen = []
  const skipped = []
  for (const pkg of listPackages(ctx, env)) {
    const tests = (pkg.TestGoFiles || []).length + (pkg.XTestGoFiles || []).length
    if (tests === 0) continue
    const cgo = (pkg.CgoFiles || []).length > 0
    if (pkg.Error) skipped.push({ importPath: pkg.ImportPath, reason: `go list: ${pkg.Error.Err}` })
    else if (cgo && !build.cc) skipped.push({ importPath: pkg.ImportPath, reason: 'needs cgo, and the target names no C compiler' })
    else chosen.push({ importPath: pkg.ImportPath, dir: pkg.Dir, cgo })
  }
  return { chosen, skipped }
}

/**
 * The counts of test2json events: per test (subtests included) its last
 * action. A binary that ended without its final line (a crash, a timeout)
 * is one more failure.
 */
function test2jsonCounts (jsonLines) {
  const counts = { passed: 0, failed: 0, skipped: 0, failures: [], finished: false }
  for (const line of jsonLines.split('\n')) {
    if (!line.startsWith('{')) continue
    let event
    try {
      event = JSON.parse(line)
    } catch {
      continue
    }
    if (!event.Test) {
      if (event.Action === 'pass' || event.Action === 'fail') counts.finished = true
      continue
    }
    if (event.Action === 'pass') counts.passed++
    else if (event.Action === 'skip') counts.skipped++
    else if (event.Action === 'fail') {
      counts.failed++
      counts.failures.push(event.Test)
    }
  }
  return counts
}

/** A package's binary name: its directory in the module, as a file name. */
function binaryName (ctx, pkg, build) {
  const base = path.relative(ctx.root, pkg.dir).split(path.sep).join('_') || 'module'
  return `${base}.test${build.goos === 'windows' ? '.exe' : ''}`
}

/**
 * Cross-compiles and runs the Go tests for a build { goos, goarch, cc }
 * with runner { run(exe, args, { cwd, timeoutMs, outFile }) -> { status,
 * timedOut }, overlay? (a go build -overlay file) }. Logs per-package
 * counts and failing tests; returns { passed, failed, skipped, seconds,
 * packages, skippedPackages }.
 */
function runGoTests (ctx, build, runner) {
  const started = Date.now()
  const outDir = path.join(ctx.cacheDir, 'go-tests', ctx.name)
  fs.rmSync(outDir, { recursive: true, force: true })
  fs.mkdirSync(outDir, { recursive: true })
  const { chosen, skipped } = testPackages(ctx, build)
  for (const { importPath, reason } of skipped) ctx.log(`go: ${importPath} not tested: ${reason}`)
  const totals = { passed: 0, failed: 0, skipped: 0, packages: {}, skippedPackages: skipped }
  for (const pkg of chosen) {
    const t0 = Date.now()
    const binary = path.join(outDir, binaryName(ctx, pkg, build))
    const env = { ...process.env, GOOS: build.goos, GOARCH: build.goarch, CGO_ENABLED: pkg.cgo ? '1' : '0' }
    if (pkg.cgo) env.CC = build.cc
    const overlay = runner.overlay ? [`-overlay=${runner.overlay}`] : []
    const compiled = spawnSync('go', ['test', '-c', ...overlay, '-o', binary, pkg.importPath], { cwd: ctx.root, env, encoding: 'utf8' })
    if (compiled.status !== 0) {
      ctx.log(`go: ${pkg.importPath} did not build for ${build.goos}/${build.goarch}: ${(compiled.stderr || String(compiled.error)).trim().slice(-1000)}`)
      totals.packages[pkg.importPath] = { passed: 0, failed: 1, skipped: 0, failures: ['(build)'] }
      totals.failed++
      continue
    }
    const outFile = `${binary}.out`
    const run = runner.run(binary, ['-test.v=test2json', `-test.timeout=${GO_TEST_TIMEOUT}`], { cwd: pkg.dir, timeoutMs: BINARY_TIMEOUT_MS, outFile })
    const events = ctx.run('go', ['tool', 'test2json', '-p', pkg.importPath], {
      input: fs.readFileSync(outFile), encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 256 * 1024 * 1024
    }).stdout
    fs.writeFileSync(`${binary}.json`, events)
    const counts = test2jsonCounts(events)
    if (!counts.finished || (run.status !== 0 && counts.failed === 0)) {
      counts.failed++
      counts.failures.push(run.timedOut ? '(timed out)' : `(exit ${run.status} before its summary)`)
    }
    totals.packages[pkg.importPath] = counts
    totals.passed += counts.passed
    totals.failed += counts.failed
    totals.skipped += counts.skipped
    const failures = counts.failures.length > 0 ? `: ${counts.failures.join(', ')}` : ''
    ctx.log(`go: ${pkg.importPath}: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped in ${((Date.now() - t0) / 1000).toFixed(0)} s${failures}`)
  }
  totals.seconds = Math.round((Date.now() - started) / 1000)
  ctx.log(`go tests for ${build.goos}/${build.goarch}: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped; outputs in ${path.relative(ctx.root, outDir)}`)
  return totals
}

/** Runs a command with its output (stdout and stderr) to outFile; returns { status, timedOut }. */
function runToFile (cmd, args, { cwd, env = process.env, timeoutMs, outFile }) {
  const fd = fs.openSync(outFile, 'w')
  let result
  try {
    result = spawnSync(cmd, args, { cwd, env, stdio: ['ignore', fd, fd], timeout: timeoutMs, killSignal: 'SIGKILL' })
  } finally {
    fs.closeSync(fd)
  }
  return { status: result.status, timedOut: result.error !== undefined && result.error.code === 'ETIMEDOUT' }
}

module.exports = { runGoTests, runToFile, test2jsonCounts, testPackages }
