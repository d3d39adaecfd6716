'use strict'
// Uses the prebuild for this platform when one fits; otherwise builds from
// source with node-gyp against the running Node's own headers (binding.gyp
// builds the Go library into gobuild/, then the N-API addon). Run by
// `npm install`. On Windows there is no from-source build (see
// WINDOWS_HAS_NO_SOURCE_BUILD): a prebuild that loads is used, even in a
// checkout, else it fails saying how to get one. binding.gyp runs
// `node scripts/build.js --windows-has-no-source-build` on Windows, so that
// `node-gyp rebuild` run directly fails with the same message.
const { execFileSync, spawnSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

const { prebuiltAddon } = require('../lib/prebuilds')

const root = path.resolve(__dirname, '..')
const MIN_GO = [1, 25]

function fail (message) {
  console.error(`go-net-request: ${message}`)
  process.exit(1)
}

/** The platforms this package has a prebuilt addon for (prebuilds/<platform>-<arch>/ holding a .node file). */
function prebuiltPlatforms () {
  const dir = path.join(root, 'prebuilds')
  if (!fs.existsSync(dir)) return []
  return fs.readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && fs.readdirSync(path.join(dir, entry.name)).some((name) => name.endsWith('.node')))
    .map((entry) => entry.name)
    .sort()
}

/**
 * How to get past a failed source build. Installing the package (not a
 * checkout) only builds when no prebuild fits: the app developer who meets
 * this rarely has Go, so it says which platforms do have one.
 */
function buildFromSourceHelp () {
  const installingPackage = process.env.npm_lifecycle_event === 'install' && !fs.existsSync(path.join(root, '.git'))
  const prebuilt = prebuiltPlatforms()
  const why = installingPackage
    ? `This package has no prebuilt addon that loads on ${process.platform}-${process.arch} ` +
      `(prebuilt: ${prebuilt.length > 0 ? prebuilt.join(', ') : 'none'}), so it is built from source.\n`
    : ''
  return why + `To build from source, install Go ${MIN_GO.join('.')}+ (https://go.dev/dl/ or your package manager) ` +
    'and a C compiler (gcc or clang), make sure "go" is on PATH, and run npm install (or npm rebuild go-net-request) again.'
}

// Why Windows has no from-source build: the Go library is a cgo c-shared
// DLL, which needs a MinGW-w64 gcc, and the addon must then be compiled by
// that gcc, with the shim's Windows sources and its N-API lookup in the
// host process (bridge/shim/napi_win.h), against Node's headers, which
// Windows Node does not ship; node-gyp's MSVC build does none of that.
// scripts/targets/win32.js does it all as a cross build on Linux.
const WINDOWS_HAS_NO_SOURCE_BUILD = 'There is no build from source on Windows (it needs cgo with a MinGW-w64 gcc, ' +
  'which node-gyp does not use): go-net-request uses its prebuild for win32-x64 (prebuilds/win32-x64/).'

/** The message for a Windows machine with no prebuild that loads: what there is and how to get one. */
function windowsHelp (arch = process.arch) {
  const prebuilt = prebuiltPlatforms()
  const how = arch === 'x64'
    ? 'The package on npm ships prebuilds/win32-x64/; in a checkout, make it on Linux or WSL with ' +
      '`npm run prebuild -- --target win32-x64` (Go and mingw-w64; scripts/cross-toolchains.js installs them), ' +
      'which cross-builds prebuilds/win32-x64/ into the checkout, then run npm install again.'
    : `There is no prebuild target for win32-${arch} (scripts/targets/win32.js builds win32-x64): ` +
      'run the x64 build of Node, which Windows on Arm runs too.'
  return `${WINDOWS_HAS_NO_SOURCE_BUILD}\n` +
    `This copy has no prebuilt addon that loads on win32-${arch} (prebuilt: ${prebuilt.length > 0 ? prebuilt.join(', ') : 'none'}).\n${how}`
}

function checkGo () {
  let version
  try {
    version = execFileSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' }).trim()
  } catch {
    fail(`Go ${MIN_GO.join('.')} or newer is needed to build from source, and "go" was not found on PATH.\n${buildFromSourceHelp()}`)
  }
  const m = /^go(\d+)\.(\d+)/.exec(version)
  if (!m || +m[1] < MIN_GO[0] || (+m[1] === MIN_GO[0] && +m[2] < MIN_GO[1])) {
    fail(`Go ${MIN_GO.join('.')} or newer is needed to build from source; found ${version}.\n${buildFromSourceHelp()}`)
  }
}

function run (cmd, args, options = {}) {
  const result = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...options })
  if (result.error) fail(`${cmd} failed to start: ${result.error.message}`)
  if (result.status !== 0) fail(`${[cmd, ...args].join(' ')} exited with ${result.status}`)
}

// node-gyp downloads headers unless told where they are; the running Node
// ships them next to its binary (include/node), so point it there.
function nodeDir () {
  const prefix = path.resolve(path.dirname(process.execPath), '..')
  if (fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h'))) return prefix
  fail(`Node's headers were not found under ${prefix}/include/node; install the Node development headers.`)
}

function nodeGyp () {
  if (process.env.npm_config_node_gyp) return process.env.npm_config_node_gyp
  const npmDir = path.resolve(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm')
  const candidate = path.join(npmDir, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js')
  if (fs.existsSync(candidate)) return candidate
  try { return require.resolve('node-gyp/bin/node-gyp.js') } catch {}
  fail('node-gyp was not found (it ships with npm): run this through npm install.')
}

// Installing the npm tarball: a prebuild for this platform
// (lib/prebuilds.js: prebuilds/<platform>-<arch>/, made by `npm run prebuild`) is used as
// it is when it loads here, and nothing is built. A git checkout, `npm run
// build:native`, GO_NET_REQUEST_BUILD_FROM_SOURCE=1 or --build-from-source always
// build from source, except on Windows, which has no source build.
function usablePrebuild () {
  const fromSourceAsked = process.env.GO_NET_REQUEST_BUILD_FROM_SOURCE || process.env.npm_config_build_from_source === 'true'
  if (process.platform === 'win32') {
    if (fromSourceAsked) console.warn(`go-net-request: building from source was asked for, but ${WINDOWS_HAS_NO_SOURCE_BUILD}`)
  } else {
    if (process.env.npm_lifecycle_event !== 'install') return null
    if (fromSourceAsked) return null
    if (fs.existsSync(path.join(root, '.git'))) return null
  }
  const addon = prebuiltAddon(root)
  if (!fs.existsSync(addon)) return null
  // Loading it proves that it fits this machine (libc, N-API version).
  const probe = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(addon)})`], { encoding: 'utf8', timeout: 30000 })
  if (probe.status === 0) return addon
  const why = (probe.stderr || String(probe.error)).trim().split('\n')[0]
  const next = process.platform === 'win32' ? '' : '; building from source'
  console.warn(`go-net-request: the prebuild ${path.relative(root, addon)} does not load here (${why})${next}`)
  return null
}

function main (argv) {
  if (argv.includes('--windows-has-no-source-build')) fail(windowsHelp()) // binding.gyp on Windows
  const prebuild = usablePrebuild()
  if (prebuild !== null) {
    console.log(`go-net-request: using the prebuilt addon ${path.relative(root, prebuild)} (no Go build)`)
    process.exit(0)
  }
  if (process.platform === 'win32') fail(windowsHelp())
  checkGo()
  run(process.execPath, [nodeGyp(), 'rebuild', `--nodedir=${nodeDir()}`])
}

if (require.main === module) main(process.argv.slice(2))

module.exports = { WINDOWS_HAS_NO_SOURCE_BUILD, windowsHelp }
