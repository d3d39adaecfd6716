'use strict'

// Windows has no build from source (scripts/build.js says why): npm install
// there uses a prebuild that loads, even in a checkout, and otherwise fails
// with a message that says how to get one; binding.gyp fails with the same
// message when node-gyp runs it on Windows. The gyp branch is checked here
// by configuring a copy with OS=win; the install script itself only where
// Node is the Windows one (under wine in `npm run test:platforms`).

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const { run, loadedAddon } = require('./helpers/hosts')
const { GO_LIBRARY, addonFileName } = require('../lib/prebuilds')
const { WINDOWS_HAS_NO_SOURCE_BUILD } = require('../scripts/build')

const ROOT = path.resolve(__dirname, '..')
const TIMEOUT = { timeout: 120000 }
// What binding.gyp and scripts/build.js need of the package.
const BUILD_FILES = ['binding.gyp', 'scripts/build.js', 'scripts/go-sources.js', 'lib/prebuilds.js']
const NODE_GYP = path.resolve(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js')
const NODE_HEADERS = path.resolve(path.dirname(process.execPath), '..')

function copyBuildFiles (t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gnr-windows-build-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  for (const file of BUILD_FILES) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true })
    fs.copyFileSync(path.join(ROOT, file), path.join(dir, file))
  }
  // go-sources.js lists the Go library's sources for gyp: none here.
  for (const sources of ['bridge', 'gocore']) fs.mkdirSync(path.join(dir, sources))
  return dir
}

const noGyp = !fs.existsSync(NODE_GYP) || !fs.existsSync(path.join(NODE_HEADERS, 'include', 'node', 'node_api.h'))
  ? 'node-gyp or the Node headers are not beside this node (npm\'s own node-gyp is used)'
  : false

test('node-gyp configure of binding.gyp for Windows fails with the message that says how to get the prebuild', { ...TIMEOUT, skip: noGyp }, async (t) => {
  const dir = copyBuildFiles(t)
  const configure = (defines) => run(process.execPath, [NODE_GYP, 'configure', `--nodedir=${NODE_HEADERS}`, '--', ...defines], { cwd: dir })

  const windows = await configure(['-DOS=win'])
  assert.notEqual(windows.code, 0, windows.stderr)
  assert.ok(windows.stderr.includes(WINDOWS_HAS_NO_SOURCE_BUILD), windows.stderr)
  assert.match(windows.stderr, /npm run prebuild -- --target win32-x64/)

  const here = await configure([])
  assert.equal(here.code, 0, `the same copy configures for ${process.platform}: ${here.stderr}`)
  assert.doesNotMatch(here.stderr, /no build from source on Windows/)
})

const notWindows = process.platform !== 'win32' ? 'runs with Windows Node (npm run test:platforms runs it under wine)' : false

test('npm install on Windows: a checkout uses a prebuild that loads, and without one fails saying how to get it', { ...TIMEOUT, skip: notWindows }, async (t) => {
  const dir = copyBuildFiles(t)
  fs.mkdirSync(path.join(dir, '.git')) // a checkout: elsewhere that always builds from source
  const env = { ...process.env, npm_lifecycle_event: 'install' }

  const none = await run(process.execPath, ['scripts/build.js'], { cwd: dir, env })
  assert.equal(none.code, 1, none.stdout + none.stderr)
  assert.ok(none.stderr.includes(WINDOWS_HAS_NO_SOURCE_BUILD), none.stderr)
  assert.ok(none.stderr.includes(`no prebuilt addon that loads on win32-${process.arch} (prebuilt: none)`), none.stderr)

  // The prebuild this run loads, under its prebuilds/ name.
  require('../lib/native')
  const addon = loadedAddon()
  const prebuild = path.join(dir, 'prebuilds', `win32-${process.arch}`)
  fs.mkdirSync(prebuild, { recursive: true })
  fs.copyFileSync(addon, path.join(prebuild, addonFileName(process.arch)))
  fs.copyFileSync(path.join(path.dirname(addon), GO_LIBRARY.win32), path.join(prebuild, GO_LIBRARY.win32))
  const used = await run(process.execPath, ['scripts/build.js'], { cwd: dir, env })
  assert.equal(used.code, 0, used.stdout + used.stderr)
  assert.match(used.stdout, /using the prebuilt addon prebuilds[\\/]win32-x64[\\/]node\.napi\.node/)

  const asked = await run(process.execPath, ['scripts/build.js'], { cwd: dir, env: { ...env, GO_NET_REQUEST_BUILD_FROM_SOURCE: '1' } })
  assert.equal(asked.code, 0, asked.stdout + asked.stderr)
  assert.ok(asked.stderr.includes(`building from source was asked for, but ${WINDOWS_HAS_NO_SOURCE_BUILD}`), asked.stderr)
  assert.match(asked.stdout, /using the prebuilt addon/)
})
