'use strict'
// Packs the current build for this platform into prebuilds/<platform>-<arch>/
// (go_net_request.node and libgonetrequest.so side by side), which the npm
// tarball ships: `npm install` of the tarball then uses it and needs neither
// Go nor a C compiler (scripts/build.js). Run after a build:
//
//   npm install && npm run prebuild && npm pack
//
// The pair is self-contained: the addon finds the Go library beside itself
// through its RUNPATH ($ORIGIN), checked here with readelf.
const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

const root = path.resolve(__dirname, '..')
const platform = `${process.platform}-${process.arch}`
const FILES = ['go_net_request.node', 'libgonetrequest.so']

function fail (message) {
  console.error(`go-net-request prebuild: ${message}`)
  process.exit(1)
}

/** The dynamic section of an ELF file as readelf prints it, or null without readelf. */
function dynamicSection (file) {
  const result = spawnSync('readelf', ['-d', file], { encoding: 'utf8' })
  if (result.error) return null
  if (result.status !== 0) fail(`readelf -d ${file} failed: ${result.stderr.trim()}`)
  return result.stdout
}

/** Checks that the addon loads the Go library from its own directory. */
function checkPair (dir) {
  const addon = path.join(dir, FILES[0])
  const dynamic = dynamicSection(addon)
  if (dynamic === null) {
    console.warn('go-net-request prebuild: readelf not found; RUNPATH not checked')
    return
  }
  const runpath = /\((?:RUNPATH|RPATH)\)\s+Library (?:runpath|rpath): \[([^\]]*)\]/.exec(dynamic)
  if (!runpath || !runpath[1].split(':').includes('$ORIGIN')) {
    fail(`${FILES[0]} has no $ORIGIN RUNPATH (found ${runpath ? runpath[1] : 'none'}): it would not find ${FILES[1]} beside itself`)
  }
  if (!/\(NEEDED\)\s+Shared library: \[libgonetrequest\.so\]/.test(dynamic)) {
    fail(`${FILES[0]} does not name libgonetrequest.so as NEEDED`)
  }
  console.log(`go-net-request prebuild: ${FILES[0]} RUNPATH [${runpath[1]}], NEEDED libgonetrequest.so`)
}

const from = path.join(root, 'build', 'Release')
for (const file of FILES) {
  if (!fs.existsSync(path.join(from, file))) fail(`build/Release/${file} is missing: run npm install (or npm run build:native) first`)
}
const to = path.join(root, 'prebuilds', platform)
fs.rmSync(to, { recursive: true, force: true })
fs.mkdirSync(to, { recursive: true })
for (const file of FILES) {
  // Copied, not linked: build/Release's library is a hard link to gobuild's.
  fs.copyFileSync(path.join(from, file), path.join(to, file))
  fs.chmodSync(path.join(to, file), 0o755)
}
checkPair(to)

// The pair must load here as it is, without build/ or gobuild/.
const probe = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(path.join(to, FILES[0]))})`], { encoding: 'utf8', timeout: 30000 })
if (probe.status !== 0) fail(`the packed addon does not load: ${(probe.stderr || String(probe.error)).trim()}`)
console.log(`go-net-request prebuild: packed ${FILES.join(' and ')} into prebuilds/${platform}/`)
