'use strict'
// Runs the JS suite (test/*.test.js) on several Node versions with the one
// build already made (N-API: the addon is built once, against the running
// Node's headers, and loads unchanged in every Node with N-API 8).
//
//   npm run test:node-versions                 # the versions below
//   node scripts/node-versions.js 22.23.3 24   # others (an exact version or a major)
//
// Each Node comes from npm's node-<platform>-<arch> package (the official
// binary, shipped inside the package), installed once into
// .cache/node-versions/<version>/. Exits 1 when any version has a failure.
// installNode() is also how scripts/packaging-check.js gets the Node 22
// that Electron's packaging tools need.
const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

const root = path.resolve(__dirname, '..')
const cacheRoot = path.join(root, '.cache', 'node-versions')
const DEFAULT_VERSIONS = ['20.20.2', '22.23.3', '24.21.0']
const NAPI_VERSION = 8 // binding.gyp's NAPI_VERSION

function fail (message) {
  console.error(`node-versions: ${message}`)
  process.exit(2)
}

function binaryPackage () {
  const os = process.platform === 'win32' ? 'win' : process.platform
  return `node-${os}-${process.arch}`
}

/** The path of the node binary for spec (an exact version or a major), installed if needed. */
function installNode (spec) {
  const dir = path.join(cacheRoot, spec)
  const pkg = binaryPackage()
  const bin = path.join(dir, 'node_modules', pkg, 'bin', process.platform === 'win32' ? 'node.exe' : 'node')
  if (!fs.existsSync(bin)) {
    console.log(`node-versions: installing ${pkg}@${spec} into ${path.relative(root, dir)}/`)
    fs.mkdirSync(dir, { recursive: true })
    const npm = spawnSync('npm', ['install', '--prefix', dir, '--no-save', '--no-package-lock', '--ignore-scripts',
      '--no-audit', '--no-fund', '--loglevel=error', `${pkg}@${spec}`], { cwd: dir, stdio: 'inherit', shell: process.platform === 'win32' })
    if (npm.error) fail(`npm failed to start: ${npm.error.message}`)
    if (npm.status !== 0 || !fs.existsSync(bin)) fail(`npm install ${pkg}@${spec} failed (exit ${npm.status})`)
  }
  return bin
}

function versionsOf (bin) {
  const out = spawnSync(bin, ['-p', 'JSON.stringify({ node: process.versions.node, napi: +process.versions.napi })'], { encoding: 'utf8' })
  if (out.status !== 0) fail(`${bin} does not run: ${out.stderr}`)
  return JSON.parse(out.stdout)
}

/** Counts and failing test names from a TAP report. */
function readTap (file) {
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : ''
  const counts = {}
  for (const m of text.matchAll(/^# (tests|pass|fail|cancelled|skipped|todo) (\d+)$/gm)) counts[m[1]] = +m[2]
  const failures = [...new Set([...text.matchAll(/^\s*not ok \d+ - (.*?)(?: # .*)?$/gm)].map((m) => m[1]))]
  return { counts, failures }
}

function main () {
  const specs = process.argv.slice(2).length > 0 ? process.argv.slice(2) : DEFAULT_VERSIONS
  const addon = [path.join(root, 'build', 'Release', 'go_net_request.node'),
    path.join(root, 'prebuilds', `${process.platform}-${process.arch}`, 'go_net_request.node')].find((p) => fs.existsSync(p))
  if (!addon) fail('the addon is not built: run npm install (or npm run build:native) first')
  const files = fs.readdirSync(path.join(root, 'test')).filter((f) => f.endsWith('.test.js')).sort().map((f) => path.join('test', f))
  console.log(`node-versions: ${files.length} test files, addon ${path.relative(root, addon)} (built once, N-API ${NAPI_VERSION})`)

  const results = []
  for (const spec of specs) {
    const bin = installNode(spec)
    const { node, napi } = versionsOf(bin)
    const tap = path.join(cacheRoot, `${spec}.tap`)
    fs.rmSync(tap, { force: true })
    console.log(`\nnode-versions: Node ${node} (N-API ${napi})`)
    if (napi < NAPI_VERSION) {
      results.push({ node, napi, status: 'unsupported', counts: {}, failures: [`N-API ${napi} < ${NAPI_VERSION}`], seconds: 0 })
      continue
    }
    const started = Date.now()
    // PATH first: anything the suite starts as "node" (or npm, a node
    // script) runs on this version too.
    const env = { ...process.env, PATH: `${path.dirname(bin)}${path.delimiter}${process.env.PATH}` }
    const run = spawnSync(bin, ['--test', '--test-reporter=spec', '--test-reporter-destination=stdout',
      '--test-reporter=tap', `--test-reporter-destination=${tap}`, ...files], { cwd: root, env, stdio: 'inherit' })
    const { counts, failures } = readTap(tap)
    results.push({ node, napi, status: run.status === 0 ? 'pass' : `exit ${run.status ?? run.signal}`, counts, failures, seconds: (Date.now() - started) / 1000 })
  }

  console.log('\nnode-versions: summary')
  for (const r of results) {
    const c = r.counts
    console.log(`  Node ${r.node.padEnd(8)} N-API ${r.napi}  ${r.status.padEnd(11)} tests ${c.tests ?? '-'}, pass ${c.pass ?? '-'}, ` +
      `fail ${c.fail ?? '-'}, cancelled ${c.cancelled ?? '-'}, skipped ${c.skipped ?? '-'}  (${r.seconds.toFixed(0)} s)`)
  }
  for (const r of results) {
    if (r.failures.length === 0) continue
    const elsewhere = results.filter((o) => o !== r)
    console.log(`\n  failing on Node ${r.node}:`)
    for (const name of r.failures) {
      const only = elsewhere.length > 0 && elsewhere.every((o) => !o.failures.includes(name))
      console.log(`    - ${name}${only ? `  [only on ${r.node}]` : ''}`)
    }
  }
  process.exitCode = results.every((r) => r.status === 'pass') ? 0 : 1
}

if (require.main === module) main()

module.exports = { installNode }
