'use strict'

// Inside a packaged Electron app: node_modules packed into app.asar by the
// real @electron/asar with the unpack rules of electron-builder and
// electron-forge, then the app run the way Electron would run it
// (test/helpers/electron-asar.js emulates what Electron adds for native
// code: Electron itself cannot run here). The addon and the Go library
// beside it must be files on disk in app.asar.unpacked; the JS may stay in
// the archive. electron-builder's default unpacks them; forge's default
// (the auto-unpack-natives plugin, and @electron/packager's `asar: true`)
// unpacks only *.node, and the library then says which line of forge
// configuration unpacks the rest.

const test = require('node:test')
const assert = require('node:assert/strict')
const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const asar = require('@electron/asar')

require('..') // loads the addon: loadedAddon() names the file
const { startHttpServer, respondRoutes } = require('./helpers/servers')
const { clientScript, expectedResult, loadedAddon, run } = require('./helpers/hosts')
const { NATIVE_FILE, layOutArchive, runLaidOut } = require('./helpers/asar-view')
const { PREBUILD_DIR_ENV } = require('../lib/prebuilds')

const ROOT = path.resolve(__dirname, '..')
const PACKAGE = path.join('node_modules', 'go-net-request')
// electron-forge's auto-unpack-natives plugin (and @electron/packager for
// `asar: true`): every .node file, wherever it is, dotted directories too.
const FORGE_DEFAULT = '**/{.**,**}/**/*.node'
// The line README tells forge users to add (packagerConfig.asar.unpack):
// forge's own pattern and this package. @electron/packager (forge 8) takes
// it as it is; forge 7's auto-unpack-natives plugin merges its pattern in
// as `{ours,its}`, which adds nothing.
const FORGE_DOCUMENTED = '{**/{.**,**}/**/*.node,**/{.**,**}/**/node_modules/go-net-request/**}'
const BODY = Buffer.from('hello from app.asar')

/** The addon's directory inside the package (build/Release or prebuilds/<platform>-<arch>) and its native files. */
function addonLayout () {
  const dir = path.dirname(loadedAddon())
  return {
    dir: path.relative(ROOT, dir),
    natives: fs.readdirSync(dir).filter((name) => NATIVE_FILE.test(name)).sort()
  }
}

/**
 * An app as a packager sees it before packing: package.json, main.js (a
 * GET through require('go-net-request')), and node_modules/go-net-request
 * with what `npm pack` ships plus this build's native files.
 */
async function makeApp (dir) {
  // npm pack compresses all it would ship, prebuilds/ of every target
  // included (80 MB after `npm run prebuild -- --all`): 15 s here when the
  // machine is busy, over 45 s (hosts.js run()'s default limit) at times.
  const pack = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, timeout: 180000 })
  assert.equal(pack.code, 0, pack.stderr)
  const shipped = JSON.parse(pack.stdout)[0].files.map((f) => f.path)
  const pkg = path.join(dir, PACKAGE)
  // prebuilds/ of this checkout may be another test's work in progress: the
  // build's own files stand for them (the same pair, in lib/native.js's first place).
  for (const file of shipped.filter((f) => !f.startsWith('prebuilds/'))) {
    fs.mkdirSync(path.dirname(path.join(pkg, file)), { recursive: true })
    fs.copyFileSync(path.join(ROOT, file), path.join(pkg, file))
  }
  const layout = addonLayout()
  fs.mkdirSync(path.join(pkg, layout.dir), { recursive: true })
  for (const name of layout.natives) fs.copyFileSync(path.join(ROOT, layout.dir, name), path.join(pkg, layout.dir, name))
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', main: 'main.js' }))
  fs.writeFileSync(path.join(dir, 'main.js'), clientScript('go-net-request'))
}

/**
 * electron-builder's smart unpack (app-builder-lib, asar/unpackDetector.ts):
 * the whole root of every package under node_modules that holds a file
 * ending in .dll, .exe, .dylib, .so or .node.
 */
function electronBuilderUnpackDirs (app) {
  const dirs = []
  const holdsLib = (dir) => fs.readdirSync(dir, { withFileTypes: true }).some((entry) => entry.isDirectory()
    ? holdsLib(path.join(dir, entry.name))
    : /\.(dll|exe|dylib|so|node)$/.test(entry.name))
  const modules = path.join(app, 'node_modules')
  for (const name of fs.readdirSync(modules)) {
    const roots = name.startsWith('@') ? fs.readdirSync(path.join(modules, name)).map((n) => path.join(name, n)) : [name]
    for (const root of roots) if (holdsLib(path.join(modules, root))) dirs.push(path.join('node_modules', root))
  }
  return dirs
}

/**
 * Packs app into <out>/packed/app.asar with @electron/asar's options, and
 * lays out <out>/resources as Electron reads it (see asar-view.js).
 */
async function packApp (app, out, options) {
  const archive = path.join(out, 'packed', 'app.asar')
  await asar.createPackageWithOptions(app, archive, options)
  return layOutArchive(archive, path.join(out, 'resources', 'app.asar'))
}

/**
 * The environment an app runs in: this run's, less the prebuild it names
 * (test:platforms), since an app loads its own native files.
 */
function appEnv () {
  const env = { ...process.env }
  delete env[PREBUILD_DIR_ENV]
  return env
}

/** Runs the packed app's main.js as Electron would; resolves with {code, stdout, stderr}. */
function runApp (out, packed, url) {
  // TMPDIR: Electron's copies out of the archive land under the test's directory.
  return runLaidOut(process.execPath, packed, [url], { cwd: out, env: { ...appEnv(), TMPDIR: out } })
}

test('app.asar: which native files must be unpacked, and the library loading from app.asar.unpacked under each packager default', { timeout: 300000 }, async (t) => {
  const npmCheck = spawnSync('npm', ['--version'], { encoding: 'utf8' })
  if (npmCheck.error) {
    t.skip(`the app is made from npm pack's file list, and npm cannot be started (${npmCheck.error.message})`)
    return
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'go-net-request-asar-'))
  t.after(() => fs.rmSync(tmp, { recursive: true, force: true }))
  // A dotted directory on the way, as forge's own patterns allow for.
  const app = path.join(tmp, '.build', 'app')
  await makeApp(app)
  const srv = await startHttpServer(respondRoutes({ '/hello': (req, res) => res.end(BODY) }))
  t.after(() => srv.close())
  const url = srv.origin + '/hello'
  const layout = addonLayout()
  const nativesInPackage = layout.natives.map((name) => path.join(PACKAGE, layout.dir, name))
  const addonName = path.basename(loadedAddon())
  const unpackedAddon = (packed) => path.join(`${packed.view}.unpacked`, PACKAGE, layout.dir, addonName)

  /** Packs with options, asserts what was unpacked, runs the app; resolves with the run. */
  async function packAndRun (name, options) {
    const out = path.join(tmp, name)
    const packed = await packApp(app, out, options)
    const ran = await runApp(out, packed, url)
    return { packed, ran }
  }

  await t.test('electron-builder default (smart unpack): the whole package is unpacked and the app loads it from there', async () => {
    const unpackDirs = electronBuilderUnpackDirs(app)
    assert.deepEqual(unpackDirs, [PACKAGE])
    const { packed, ran } = await packAndRun('electron-builder', { unpackDir: unpackDirs[0] })
    assert.ok(packed.unpacked.includes(path.join(PACKAGE, 'index.js')), 'the JS too')
    for (const file of nativesInPackage) assert.ok(packed.unpacked.includes(file), `${file} is unpacked`)
    assert.equal(ran.code, 0, ran.stderr)
    const report = JSON.parse(ran.stdout)
    assert.equal(report.addon, unpackedAddon(packed))
    assert.deepEqual(report.results, [expectedResult(BODY)])
  })

  await t.test('only the native files beside the addon need to be on disk: unpacked alone, the app works', async () => {
    const { packed, ran } = await packAndRun('natives-only', { unpack: '**/{.**,**}/**/*.{node,so,dll,dylib}' })
    assert.deepEqual(packed.unpacked, nativesInPackage)
    assert.equal(ran.code, 0, ran.stderr)
    const report = JSON.parse(ran.stdout)
    assert.equal(report.addon, unpackedAddon(packed))
    assert.deepEqual(report.results, [expectedResult(BODY)])
  })

  await t.test('electron-forge default (auto-unpack-natives: *.node only): the error names the files left in the archive and the forge setting', async () => {
    const { packed, ran } = await packAndRun('forge-default', { unpack: FORGE_DEFAULT })
    assert.deepEqual(packed.unpacked, [path.join(PACKAGE, layout.dir, addonName)])
    assert.notEqual(ran.code, 0)
    const left = layout.natives.filter((name) => name !== addonName)
    assert.ok(left.length > 0)
    assert.match(ran.stderr, new RegExp(`go-net-request: ${left.join(', ').replace(/\./g, '\\.')} must be unpacked from the app's asar archive`))
    assert.ok(ran.stderr.includes(`packagerConfig.asar.unpack to "${FORGE_DOCUMENTED}"`), ran.stderr)
  })

  await t.test('electron-forge with the one documented line: the app works', async () => {
    const { packed, ran } = await packAndRun('forge-documented', { unpack: FORGE_DOCUMENTED })
    for (const file of nativesInPackage) assert.ok(packed.unpacked.includes(file), `${file} is unpacked`)
    assert.equal(ran.code, 0, ran.stderr)
    const report = JSON.parse(ran.stdout)
    assert.equal(report.addon, unpackedAddon(packed))
    assert.deepEqual(report.results, [expectedResult(BODY)])
  })

  await t.test('nothing unpacked (electron-builder with smartUnpack off): the error names every native file', async () => {
    const { packed, ran } = await packAndRun('nothing-unpacked', {})
    assert.deepEqual(packed.unpacked, [])
    assert.notEqual(ran.code, 0)
    assert.match(ran.stderr, new RegExp(`go-net-request: ${layout.natives.join(', ').replace(/\./g, '\\.')} must be unpacked`))
    assert.ok(ran.stderr.includes('asarUnpack: ["**/node_modules/go-net-request/**"]'), ran.stderr)
  })

  await t.test('outside Electron, a directory named like an archive is an ordinary one: the addon loads from it', async () => {
    const plain = path.join(tmp, 'plain', 'app.asar')
    fs.cpSync(app, plain, { recursive: true })
    const ran = await run(process.execPath, [path.join(plain, 'main.js'), url], { cwd: tmp, env: appEnv() })
    assert.equal(ran.code, 0, ran.stderr)
    const report = JSON.parse(ran.stdout)
    assert.equal(report.addon, path.join(plain, PACKAGE, layout.dir, addonName))
    assert.deepEqual(report.results, [expectedResult(BODY)])
  })

  assert.equal(srv.requests.length, 4)
})
