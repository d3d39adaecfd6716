'use strict'

// Which addon lib/native.js loads: a from-source build (build/Release)
// before this platform's prebuild, and the prebuild that
// GO_NET_REQUEST_PREBUILD_DIR names instead of either (what
// `npm run test:platforms` uses to test a prebuild under emulation). The
// prebuild is a copy of the addon this run loads under prebuildify's file
// names (lib/prebuilds.js), loaded in a child process that makes a request
// with it.

const test = require('node:test')
const assert = require('node:assert/strict')
const { execFile } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const { startHttpServer, respondRoutes } = require('./helpers/servers')
const { getScript } = require('./helpers/install')
const { GO_LIBRARY, PREBUILD_DIR_ENV, addonFileName } = require('../lib/prebuilds')

const ROOT = path.resolve(__dirname, '..')
const BUILD = path.join(ROOT, 'build', 'Release')
const TIMEOUT = { timeout: 30000 }
const CLIENT = getScript(ROOT)

function runClient (url, env) {
  return new Promise((resolve) => {
    execFile(process.execPath, ['-e', CLIENT, url], { encoding: 'utf8', timeout: 20000, env: { ...process.env, ...env } },
      (error, stdout, stderr) => resolve({ code: error ? error.code : 0, stdout, stderr }))
  })
}

/**
 * The addon this run loads and the Go library beside it: build/Release, or
 * under `npm run test:platforms` the prebuild under test (named by
 * GO_NET_REQUEST_PREBUILD_DIR), whose files this machine can load.
 */
function loadedAddon () {
  require('../lib/native')
  const addon = Object.keys(require.cache).find((file) => file.endsWith('.node'))
  return { addon, library: path.join(path.dirname(addon), GO_LIBRARY[process.platform]) }
}

/** A prebuild directory made of the loaded addon: under its prebuild name, the Go library beside it. */
function makePrebuild (t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'go-net-request-prebuild-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  const { addon, library } = loadedAddon()
  fs.copyFileSync(addon, path.join(dir, addonFileName(process.arch)))
  fs.copyFileSync(library, path.join(dir, GO_LIBRARY[process.platform]))
  return dir
}

test(`${PREBUILD_DIR_ENV} loads the prebuild in that directory instead of build/Release`, TIMEOUT, async (t) => {
  const dir = makePrebuild(t)
  const srv = await startHttpServer(respondRoutes({ '/': (req, res) => res.end('from the prebuild') }))
  t.after(() => srv.close())

  const withPrebuild = await runClient(srv.origin + '/', { [PREBUILD_DIR_ENV]: dir })
  assert.equal(withPrebuild.code, 0, withPrebuild.stderr)
  assert.deepEqual(JSON.parse(withPrebuild.stdout), {
    resolved: path.join(ROOT, 'index.js'),
    addon: path.join(fs.realpathSync(dir), addonFileName(process.arch)),
    statusCode: 200,
    body: 'from the prebuild'
  })
})

test('without GO_NET_REQUEST_PREBUILD_DIR a from-source build (build/Release) is loaded first', TIMEOUT, async (t) => {
  if (process.env[PREBUILD_DIR_ENV]) {
    t.skip('this run tests a prebuild: build/Release is for the machine that built it')
    return
  }
  if (!fs.existsSync(path.join(BUILD, 'go_net_request.node'))) {
    // The wine runner (scripts/targets/wine.js) stages the package with its prebuild only.
    t.skip('this copy has no from-source build')
    return
  }
  const srv = await startHttpServer(respondRoutes({ '/': (req, res) => res.end('from the build') }))
  t.after(() => srv.close())
  const result = await runClient(srv.origin + '/', { [PREBUILD_DIR_ENV]: '' })
  assert.equal(result.code, 0, result.stderr)
  assert.deepEqual(JSON.parse(result.stdout), {
    resolved: path.join(ROOT, 'index.js'),
    addon: path.join(BUILD, 'go_net_request.node'),
    statusCode: 200,
    body: 'from the build'
  })
})

test(`${PREBUILD_DIR_ENV} naming a directory without the addon fails, saying where it looked`, TIMEOUT, async (t) => {
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'go-net-request-empty-'))
  t.after(() => fs.rmSync(empty, { recursive: true, force: true }))
  const result = await runClient('http://127.0.0.1:9/', { [PREBUILD_DIR_ENV]: empty })
  assert.notEqual(result.code, 0)
  assert.match(result.stderr, /the native addon is not built/)
  assert.ok(result.stderr.includes(path.join(empty, addonFileName(process.arch))), result.stderr)
})
