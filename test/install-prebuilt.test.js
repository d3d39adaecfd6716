'use strict'

// Install without Go: `npm run prebuild` builds this machine's prebuild into
// prebuilds/<platform>-<arch>/ (lib/prebuilds.js names the files), `npm pack` ships it, and the tarball installs
// into a fresh app with no Go on PATH and no registry (offline, empty npm
// cache): the install script uses the prebuild, and a request works there
// against a loopback server. Skipped only when npm cannot be started.

const test = require('node:test')
const assert = require('node:assert/strict')
const { execFile, spawnSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const { startHttpServer, respondRoutes } = require('./helpers/servers')
const { appEnv, getScript, makeApp } = require('./helpers/install')
const { addonFileName } = require('../lib/prebuilds')

const ROOT = path.resolve(__dirname, '..')
const PLATFORM = `${process.platform}-${process.arch}`
const ADDON = addonFileName(process.arch)
const CLIENT = getScript('go-net-request')

/** Runs a command to its exit; resolves with {code, stdout, stderr} (never rejects on a non-zero exit). */
function run (file, args, options) {
  return new Promise((resolve, reject) => {
    execFile(file, args, { encoding: 'utf8', maxBuffer: 16 << 20, timeout: 45000, ...options }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') return reject(error) // did not start, or was killed
      resolve({ code: error ? error.code : 0, stdout, stderr })
    })
  })
}

/** Every file under dir with its size and mtime, or [] when dir is absent. */
function listTree (dir) {
  if (!fs.existsSync(dir)) return []
  return fs.readdirSync(dir, { recursive: true }).sort().map((rel) => {
    const stat = fs.statSync(path.join(dir, rel))
    return `${rel} ${stat.size} ${stat.mtimeMs}`
  })
}

test(`the npm tarball installs without Go (prebuilds/${PLATFORM}) and a request works from it`, { timeout: 180000 }, async (t) => {
  const npmCheck = spawnSync('npm', ['--version'], { encoding: 'utf8' })
  if (npmCheck.error) {
    t.skip(`npm pack is impossible here: npm cannot be started (${npmCheck.error.message})`)
    return
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'go-net-request-install-'))
  t.after(() => fs.rmSync(tmp, { recursive: true, force: true }))

  // 1. Stage the package as npm packs it, and prebuild for this machine into
  // the staged copy (a stripped relink of the Go library: its compiled
  // packages come from Go's cache after npm install). The checkout's own
  // prebuilds/ stays as it was, so `npm test` does not change what it packs.
  const checkoutPrebuilds = listTree(path.join(ROOT, 'prebuilds'))
  const stage = path.join(tmp, 'stage')
  fs.mkdirSync(stage)
  const packCheckout = await run('npm', ['pack', '--json', '--pack-destination', stage, '--ignore-scripts'], { cwd: ROOT })
  assert.equal(packCheckout.code, 0, packCheckout.stderr)
  const untar = await run('tar', ['-xzf', JSON.parse(packCheckout.stdout)[0].filename], { cwd: stage })
  assert.equal(untar.code, 0, untar.stderr)
  const staged = path.join(stage, 'package')
  const prebuild = await run(process.execPath, [path.join(ROOT, 'scripts', 'prebuild.js'), '--out', staged], { cwd: ROOT, timeout: 120000 })
  assert.equal(prebuild.code, 0, prebuild.stderr)
  assert.match(prebuild.stdout, /RUNPATH \[[^\]]*\$ORIGIN[^\]]*\], NEEDED libgonetrequest\.so/)
  assert.deepEqual(listTree(path.join(ROOT, 'prebuilds')), checkoutPrebuilds, 'the checkout\'s prebuilds/ is untouched')

  // 2. npm pack: the tarball carries the prebuild, and no Go tests or fuzz corpora.
  const pack = await run('npm', ['pack', '--json', '--pack-destination', tmp, '--ignore-scripts'], { cwd: staged })
  assert.equal(pack.code, 0, pack.stderr)
  const [packed] = JSON.parse(pack.stdout)
  const files = packed.files.map((f) => f.path)
  assert.ok(files.includes(`prebuilds/${PLATFORM}/${ADDON}`), 'the tarball has the addon')
  assert.ok(files.includes(`prebuilds/${PLATFORM}/libgonetrequest.so`), 'the tarball has the Go library')
  assert.ok(files.includes('LICENSE'), 'the tarball has the LICENSE')
  assert.deepEqual(files.filter((f) => f.endsWith('_test.go') || f.includes('testdata/')), [], 'the tarball has no Go tests or fuzz corpora')
  assert.ok(!files.some((f) => f.startsWith('build/') || f.startsWith('gobuild/')), 'the tarball has no build output besides prebuilds/')
  const tarball = path.join(tmp, packed.filename)

  const srv = await startHttpServer(respondRoutes({ '/hello': (req, res) => res.end('hello from the prebuild') }))
  t.after(() => srv.close())

  // 3. Install into a fresh app, with the install script: it takes the
  // prebuild (without Go on PATH, building from source would fail).
  const env = appEnv(path.join(tmp, 'npm-cache'))
  assert.equal(spawnSync('go', ['version'], { env }).error?.code, 'ENOENT', 'Go is off PATH for the app')
  const app = path.join(tmp, 'app')
  makeApp(app)
  const install = await run('npm', ['install', '--foreground-scripts', tarball], { cwd: app, env })
  assert.equal(install.code, 0, `${install.stdout}\n${install.stderr}`)
  assert.match(install.stdout, new RegExp(`go-net-request: using the prebuilt addon prebuilds/${PLATFORM}/${ADDON.replace(/\./g, '\\.')} \\(no Go build\\)`))
  const installed = path.join(app, 'node_modules', 'go-net-request')
  assert.ok(!fs.existsSync(path.join(installed, 'build')), 'nothing was built')
  assert.ok(!fs.existsSync(path.join(installed, 'gobuild')), 'Go was not run')
  // What @electron/rebuild (electron-forge, electron-builder) checks before
  // compiling a package with a binding.gyp: prebuildify among its
  // devDependencies and prebuilds/<platform>-<arch>/node.napi[.armv8].node.
  const installedPackage = JSON.parse(fs.readFileSync(path.join(installed, 'package.json'), 'utf8'))
  assert.ok(Object.hasOwn(installedPackage.devDependencies || {}, 'prebuildify'), '@electron/rebuild sees a prebuildify package')
  assert.ok(fs.existsSync(path.join(installed, 'prebuilds', PLATFORM, ADDON)), '@electron/rebuild finds the Node-API prebuild')

  const get = await run(process.execPath, ['-e', CLIENT, srv.origin + '/hello'], { cwd: app, env })
  assert.equal(get.code, 0, get.stderr)
  assert.deepEqual(JSON.parse(get.stdout), {
    resolved: path.join(fs.realpathSync(installed), 'index.js'),
    addon: path.join(fs.realpathSync(installed), 'prebuilds', PLATFORM, ADDON),
    statusCode: 200,
    body: 'hello from the prebuild'
  })

  // 4. With install scripts off (npm --ignore-scripts, or a package manager
  // that blocks them), the prebuild is found at run time all the same.
  const bare = path.join(tmp, 'app-ignore-scripts')
  makeApp(bare)
  const installBare = await run('npm', ['install', '--ignore-scripts', tarball], { cwd: bare, env })
  assert.equal(installBare.code, 0, `${installBare.stdout}\n${installBare.stderr}`)
  const getBare = await run(process.execPath, ['-e', CLIENT, srv.origin + '/hello'], { cwd: bare, env })
  assert.equal(getBare.code, 0, getBare.stderr)
  assert.equal(JSON.parse(getBare.stdout).body, 'hello from the prebuild')
  assert.equal(srv.requests.length, 2)
})
