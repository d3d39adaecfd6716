'use strict'
// Builds prebuilds, which the npm tarball ships so that `npm install` needs
// neither Go nor a C compiler (scripts/build.js picks the one that fits):
//
//   npm run prebuild                           this machine's target
//   npm run prebuild -- --target linux-arm64   one (or a comma-separated list)
//   npm run prebuild -- --all                  every target in scripts/targets/
//   ... --out DIR                              into DIR/prebuilds/ instead (a staged package)
//
// Each target (scripts/targets/<platform>.js) installs its toolchain
// (idempotent), builds into build/prebuild/<target>/ and checks the result
// statically; the pair is then copied into prebuilds/<target>/ under the
// names of lib/prebuilds.js. This machine's own prebuild must also load here.
const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

const { addonFileName, prebuildDir } = require('../lib/prebuilds')
const { ROOT, hostTarget, loadTargets, makeContext, selectTargets } = require('./targets')

function size (file) {
  const bytes = fs.statSync(file).size
  return bytes < 1 << 20 ? `${(bytes / 1024).toFixed(0)} KB` : `${(bytes / (1 << 20)).toFixed(1)} MB`
}

/** Copies a target's build into prebuilds/<target>/ under the shipped names; returns the files. */
function pack (target, ctx, packageRoot) {
  const [platform, arch] = target.name.split('-')
  const to = prebuildDir(packageRoot, platform, arch)
  fs.rmSync(to, { recursive: true, force: true })
  fs.mkdirSync(to, { recursive: true })
  const files = [
    { from: 'go_net_request.node', to: addonFileName(arch) },
    { from: target.goLibrary, to: target.goLibrary }
  ]
  for (const file of files) {
    const source = path.join(ctx.outDir, file.from)
    if (!fs.existsSync(source)) throw new Error(`the build left no ${path.relative(ROOT, source)}`)
    fs.copyFileSync(source, path.join(to, file.to))
    fs.chmodSync(path.join(to, file.to), 0o755)
  }
  return files.map((file) => path.join(to, file.to))
}

/** This machine's prebuild must load as it is, without build/ or gobuild/. */
function probeLoad (addon) {
  const probe = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(addon)})`], { encoding: 'utf8', timeout: 30000 })
  if (probe.status !== 0) throw new Error(`the packed addon does not load here: ${(probe.stderr || String(probe.error)).trim()}`)
}

function main () {
  const argv = process.argv.slice(2)
  const out = argv.indexOf('--out')
  if (out !== -1 && !argv[out + 1]) throw new Error('--out needs a directory')
  const packageRoot = out === -1 ? ROOT : path.resolve(argv.splice(out, 2)[1])
  const { targets, missing } = loadTargets()
  const chosen = selectTargets(argv, targets, missing, hostTarget())
  const failures = []
  for (const target of chosen) {
    const ctx = makeContext(target)
    try {
      target.install(ctx)
      target.build(ctx)
      target.check(ctx)
      const files = pack(target, ctx, packageRoot)
      if (target.name === hostTarget()) probeLoad(files[0])
      console.log(`go-net-request prebuild: ${target.name}: ${files.map((f) => `${path.relative(packageRoot, f)} (${size(f)})`).join(', ')}`)
    } catch (err) {
      console.error(`go-net-request prebuild: ${target.name} failed: ${err.message}`)
      failures.push(target.name)
    }
  }
  if (missing.length > 0) console.log(`go-net-request prebuild: no module in this checkout for ${missing.join(', ')}`)
  if (failures.length > 0) {
    console.error(`go-net-request prebuild: failed: ${failures.join(', ')}`)
    process.exitCode = 1
  }
}

try {
  main()
} catch (err) { // a usage error: say it without a stack
  console.error(`go-net-request prebuild: ${err.message}`)
  process.exitCode = 2
}
