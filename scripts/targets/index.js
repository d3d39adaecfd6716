'use strict'
// The prebuild targets. Each platform module, scripts/targets/<platform>.js,
// exports { targets: { '<platform>-<arch>': Target } }, where a Target is
//
//   {
//     goos, goarch,     for go build
//     goLibrary,        'libgonetrequest.so' | 'gonetrequest.dll' | 'libgonetrequest.dylib'
//     cc,               the C compiler of its cgo builds
//     install(ctx),     makes the toolchain available (idempotent)
//     build(ctx),       builds into ctx.outDir: the addon as go_net_request.node, goLibrary beside it
//     check(ctx),       static checks of ctx.outDir; throws an Error saying what is wrong
//     test?(ctx)        runs the JS tests there (emulated); returns { passed, failed, skipped }
//     testGo?(ctx)      runs Go's tests there (go-tests.js); returns { passed, failed, skipped }
//   }
//
// and ctx is makeContext()'s object: { root, name, outDir, cacheDir,
// prebuildDir (the packed prebuild that test() runs), nodeIncludeDir (this
// Node's headers), log(msg), run(cmd, args, opts) (spawnSync that throws),
// aptInstall(packages), npmInstall(spec, { os, cpu }) (into .cache/npm/,
// returns the package's directory), hasCommand(name) (on PATH) }. node-tests.js runs the suite with
// another platform's node for test(). scripts/prebuild.js builds targets,
// scripts/cross-toolchains.js installs their toolchains, and
// scripts/test-platforms.js tests them.
const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

const toolchains = require('../cross-toolchains')

const ROOT = path.resolve(__dirname, '..', '..')
const PLATFORM_MODULES = ['linux', 'win32', 'darwin']

/** The target name of this machine, e.g. linux-x64. */
function hostTarget () {
  return `${process.platform}-${process.arch}`
}

/**
 * Every target of the platform modules present in this checkout, by name.
 * A platform whose module is absent is reported in `missing`, so the
 * others still build.
 * @returns {{ targets: Map<string, object>, missing: string[] }}
 */
function loadTargets () {
  const targets = new Map()
  const missing = []
  for (const platform of PLATFORM_MODULES) {
    const file = path.join(__dirname, `${platform}.js`)
    if (!fs.existsSync(file)) {
      missing.push(platform)
      continue
    }
    for (const [name, target] of Object.entries(require(file).targets)) {
      for (const hook of ['install', 'build', 'check']) {
        if (typeof target[hook] !== 'function') throw new Error(`scripts/targets/${platform}.js: target ${name} has no ${hook}()`)
      }
      targets.set(name, { name, ...target })
    }
  }
  return { targets, missing }
}

/**
 * Runs a command to completion and throws when it fails. stdio is
 * inherited unless options say otherwise (then result.stdout holds it).
 */
function run (cmd, args, options = {}) {
  const result = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit', ...options })
  const shown = [cmd, ...args].join(' ')
  if (result.error) throw new Error(`${shown} failed to start: ${result.error.message}`)
  if (result.status !== 0) {
    const stderr = typeof result.stderr === 'string' ? `: ${result.stderr.trim().slice(-2000)}` : ''
    throw new Error(`${shown} exited with ${result.status ?? result.signal}${stderr}`)
  }
  return result
}

/** The context a target's hooks get. */
function makeContext (target, options = {}) {
  const log = options.log || ((msg) => console.log(`[${target.name}] ${msg}`))
  const ctx = {
    root: ROOT,
    name: target.name,
    outDir: path.join(ROOT, 'build', 'prebuild', target.name),
    cacheDir: path.join(ROOT, '.cache'),
    // The prebuild this target ships (filled by scripts/prebuild.js): what test() runs.
    prebuildDir: path.join(ROOT, 'prebuilds', target.name),
    nodeIncludeDir: path.join(path.dirname(process.execPath), '..', 'include', 'node'),
    log,
    run
  }
  // Toolchain helpers for install(): apt packages and npm packages under .cache/.
  ctx.aptInstall = (packages) => toolchains.aptInstall(ctx, packages)
  ctx.npmInstall = (spec, machine) => toolchains.npmInstall(ctx, spec, machine)
  ctx.hasCommand = toolchains.hasCommand
  return ctx
}

/**
 * The targets a command line names: `--target T` (repeatable, or
 * comma-separated), `--all`, or this machine's target by default. Throws
 * for an unknown target, naming the known ones.
 */
function selectTargets (argv, targets, missing, host) {
  const names = []
  let all = false
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === '--all') all = true
    else if (arg === '--target') names.push(...String(argv[++i] || '').split(','))
    else if (arg.startsWith('--target=')) names.push(...arg.slice('--target='.length).split(','))
    else throw new Error(`unknown argument ${arg} (use --target <platform-arch>[,...] or --all)`)
  }
  if (all) return [...targets.values()]
  if (names.length === 0) names.push(host)
  return names.map((name) => {
    const target = targets.get(name)
    if (target) return target
    const absent = missing.includes(name.split('-')[0]) ? ` (scripts/targets/${name.split('-')[0]}.js is not in this checkout)` : ''
    throw new Error(`no target ${name}${absent}; known: ${[...targets.keys()].join(', ')}`)
  })
}

module.exports = { ROOT, hostTarget, loadTargets, makeContext, run, selectTargets }
