'use strict'

// Installing the npm tarball where no prebuild fits and Go is missing: npm
// install fails, and what npm prints names this platform, the platforms
// the package has prebuilds for, and how to build from source.

const test = require('node:test')
const assert = require('node:assert/strict')
const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const { run } = require('./helpers/hosts')
const { appEnv, makeApp } = require('./helpers/install')

const ROOT = path.resolve(__dirname, '..')
const PLATFORM = `${process.platform}-${process.arch}`

test(`npm install of a tarball without a ${PLATFORM} prebuild, with no Go, says which platforms are prebuilt and how to build from source`, { timeout: 60000 }, async (t) => {
  const npmCheck = spawnSync('npm', ['--version'], { encoding: 'utf8' })
  if (npmCheck.error) {
    t.skip(`npm cannot be started (${npmCheck.error.message})`)
    return
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'go-net-request-no-prebuild-'))
  t.after(() => fs.rmSync(tmp, { recursive: true, force: true }))

  // The package as `npm pack` ships it, with prebuilds for two other platforms only.
  const list = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT })
  assert.equal(list.code, 0, list.stderr)
  const pkg = path.join(tmp, 'package')
  for (const file of JSON.parse(list.stdout)[0].files.map((f) => f.path).filter((f) => !f.startsWith('prebuilds/'))) {
    fs.mkdirSync(path.dirname(path.join(pkg, file)), { recursive: true })
    fs.copyFileSync(path.join(ROOT, file), path.join(pkg, file))
  }
  const others = ['darwin-arm64', 'linux-arm64', 'linux-x64', 'win32-x64'].filter((p) => p !== PLATFORM).slice(0, 2)
  for (const other of others) {
    fs.mkdirSync(path.join(pkg, 'prebuilds', other), { recursive: true })
    fs.writeFileSync(path.join(pkg, 'prebuilds', other, 'go_net_request.node'), `stands for the ${other} addon\n`)
  }
  const pack = await run('npm', ['pack', '--json', '--pack-destination', tmp, '--ignore-scripts'], { cwd: pkg })
  assert.equal(pack.code, 0, pack.stderr)
  const tarball = path.join(tmp, JSON.parse(pack.stdout)[0].filename)

  const env = appEnv(path.join(tmp, 'npm-cache'))
  assert.equal(spawnSync('go', ['version'], { env }).error?.code, 'ENOENT', 'Go is off PATH for the app')
  const app = path.join(tmp, 'app')
  makeApp(app)
  const install = await run('npm', ['install', tarball], { cwd: app, env })
  const output = `${install.stdout}\n${install.stderr}`
  assert.notEqual(install.code, 0, output)
  assert.match(output, new RegExp(`no prebuilt addon that loads on ${PLATFORM} \\(prebuilt: ${others.join(', ')}\\)`))
  assert.match(output, /Go 1\.25 or newer is needed to build from source, and "go" was not found on PATH/)
  assert.match(output, /To build from source, install Go 1\.25\+ .* and a C compiler \(gcc or clang\)/)
})
