'use strict'
// index.d.ts against Electron's own types: test/types/*.ts are type-checked
// with the typescript devDependency (tsc --noEmit --strict), the Electron
// files against Electron's own electron.d.ts (pinned and fetched once by
// scripts/electron-types.js). Nothing is run.
const test = require('node:test')
const assert = require('node:assert/strict')
const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

const root = path.resolve(__dirname, '..')
const { electronTypeRoot } = require('../scripts/electron-types')

const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc')
const nodeTypes = path.join(root, 'node_modules', '@types')

/**
 * Runs tsc --noEmit --strict on files (relative to the root); returns its
 * output. With electron, Electron's types are visible as
 * `/// <reference types="electron" />`; without, only @types/node is.
 */
function typeCheck (files, { electron = true, extraArgs = [] } = {}) {
  for (const needed of [tsc, path.join(nodeTypes, 'node')]) {
    assert.ok(fs.existsSync(needed), `${path.relative(root, needed)} is missing: run npm install (typescript and @types/node are devDependencies)`)
  }
  const typeRoots = electron ? [nodeTypes, electronTypeRoot()] : [nodeTypes]
  const result = spawnSync(process.execPath, [
    tsc, '--noEmit', '--strict', '--module', 'nodenext', '--target', 'es2022', '--pretty', 'false',
    '--typeRoots', typeRoots.join(','), ...extraArgs, ...files
  ], { cwd: root, encoding: 'utf8', timeout: 120000 })
  assert.equal(result.error, undefined, `tsc did not run: ${result.error && result.error.message}`)
  return { status: result.status, output: `${result.stdout}${result.stderr}`.trim() }
}

test('code typed with Electron.Net, ClientRequest, IncomingMessage, Session and Cookies accepts this library (CommonJS and ESM forms)', { timeout: 120000 }, () => {
  // Electron's types need the DOM lib, as in any Electron project: tsc's default libs.
  const { status, output } = typeCheck(['test/types/electron-compat.ts', 'test/types/electron-compat-esm.mts'])
  assert.equal(output, '')
  assert.equal(status, 0)
})

test('index.d.ts needs nothing beyond @types/node (no DOM lib, no Electron)', { timeout: 120000 }, () => {
  const { status, output } = typeCheck(['test/types/node-only.ts'], { electron: false, extraArgs: ['--lib', 'es2023'] })
  assert.equal(output, '')
  assert.equal(status, 0)
})

test('the type test fails when the types disagree (a wrong assignment is reported)', { timeout: 120000 }, (t) => {
  const dir = fs.mkdtempSync(path.join(root, 'test', 'types', '.tmp-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  const file = path.join(dir, 'wrong.ts')
  fs.writeFileSync(file, [
    '/// <reference types="electron" />',
    "import net = require('go-net-request')",
    "const status: string = net.request('http://127.0.0.1/').getUploadProgress().current",
    'const whole: Electron.Net = net',
    'void [status, whole]',
    ''
  ].join('\n'))
  const { status, output } = typeCheck([path.relative(root, file)])
  assert.notEqual(status, 0)
  assert.match(output, /wrong\.ts\(3,7\): error TS2322: Type 'number' is not assignable to type 'string'/)
  assert.match(output, /wrong\.ts\(4,7\): error TS2741: Property 'WebSocket' is missing/)
})

test('index.d.ts declares exactly the values index.js exports', { timeout: 20000 }, () => {
  const source = fs.readFileSync(path.join(root, 'index.d.ts'), 'utf8')
  const declared = [...source.matchAll(/^export declare (?:const|function|class) (\w+)/gm)].map((m) => m[1]).sort()
  const exported = Object.keys(require('..')).sort()
  assert.deepEqual(declared, exported)
})

test('every value index.d.ts declares is a named export under Node ESM (import { online } included)', { timeout: 20000 }, (t) => {
  const source = fs.readFileSync(path.join(root, 'index.d.ts'), 'utf8')
  const declared = [...source.matchAll(/^export declare (?:const|function|class) (\w+)/gm)].map((m) => m[1])
  assert.ok(declared.includes('online'))
  const dir = fs.mkdtempSync(path.join(root, 'test', 'types', '.tmp-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  const file = path.join(dir, 'named.mjs')
  fs.writeFileSync(file, [
    `import { ${declared.join(', ')} } from ${JSON.stringify(require('node:url').pathToFileURL(path.join(root, 'index.js')).href)}`,
    `console.log(JSON.stringify({ ${declared.map((name) => `${name}: typeof ${name}`).join(', ')} }))`,
    ''
  ].join('\n'))
  const result = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 15000 })
  assert.equal(result.stderr, '')
  assert.equal(result.status, 0)
  const types = JSON.parse(result.stdout)
  assert.equal(types.online, 'boolean')
  assert.equal(types.request, 'function')
  const net = require('..')
  for (const name of declared) assert.equal(types[name], typeof net[name], name)
})
