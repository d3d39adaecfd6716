'use strict'

// Electron as a host: to an addon, Electron is a Node whose executable has
// another name, and whose V8 memory cage forbids external buffers (memory
// V8 did not allocate, handed to JS as a Buffer or ArrayBuffer). The addon
// runs a request in a renamed copy of this Node, and never creates an
// external buffer: not in the shim's sources, not among the N-API
// functions its native files import, not among those it binds while it
// serves requests.

const test = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('node:crypto')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { spawnSync } = require('node:child_process')

require('..') // loads the addon: loadedAddon() names the file
const { startHttpServer, respondRoutes } = require('./helpers/servers')
const { clientScript, copyNodeAs, expectedResult, loadedAddon, run } = require('./helpers/hosts')

const ROOT = path.resolve(__dirname, '..')
const SHIM = path.join(ROOT, 'bridge', 'shim')
// napi_create_external_buffer, napi_create_external_arraybuffer and the
// node_api_ spellings of them.
const EXTERNAL_BUFFER = /\b(?:napi|node_api)_create_external_(?:array)?buffer\b/
const NATIVE_FILE = /\.(node|so|dll|dylib)$/

// Above the shim's SMALL_BODY_AS_STRING (bridge/shim/addon.c): this body
// crosses as a Buffer of its own, the path an external buffer would take.
const LARGE = crypto.randomBytes(256 * 1024)
const SMALL = Buffer.from('small body')

async function startBodies (t) {
  const srv = await startHttpServer(respondRoutes({
    '/large': (req, res) => res.end(LARGE),
    '/small': (req, res) => res.end(SMALL)
  }))
  t.after(() => srv.close())
  return srv
}

function tmpDir (t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'go-net-request-hosts-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** The environment of a child host: nothing that changes how the loader binds. */
function hostEnv (extra = {}) {
  const env = { ...process.env, ...extra }
  delete env.LD_BIND_NOW
  delete env.LD_PRELOAD
  return env
}

/** The native files that ship with the addon this process loaded (it and the Go library beside it). */
function nativeFiles () {
  const dir = path.dirname(loadedAddon())
  return fs.readdirSync(dir).filter((name) => NATIVE_FILE.test(name)).map((name) => path.join(dir, name))
}

test('the addon serves requests in a host whose executable is not called node (a renamed copy, as electron is)', { timeout: 60000 }, async (t) => {
  const dir = tmpDir(t)
  const host = copyNodeAs(dir, 'electron')
  const client = path.join(dir, 'client.js')
  fs.writeFileSync(client, clientScript(ROOT))
  const srv = await startBodies(t)

  const got = await run(host, [client, srv.origin + '/small', srv.origin + '/large'], { env: hostEnv() })
  assert.equal(got.code, 0, got.stderr)
  const report = JSON.parse(got.stdout)
  assert.equal(fs.realpathSync(report.execPath), fs.realpathSync(host), 'the request ran in the renamed host')
  assert.equal(report.addon, loadedAddon())
  assert.deepEqual(report.results, [expectedResult(SMALL), expectedResult(LARGE)])
})

test('the shim sources never create an external buffer', () => {
  assert.match('napi_create_external_buffer(env, n, data', EXTERNAL_BUFFER) // the pattern finds a call
  const sources = fs.readdirSync(SHIM).filter((name) => /\.[ch]$/.test(name))
  assert.ok(sources.includes('addon.c'), `the shim sources are in ${SHIM}`)
  const uses = []
  for (const name of sources) {
    fs.readFileSync(path.join(SHIM, name), 'utf8').split('\n').forEach((line, i) => {
      if (EXTERNAL_BUFFER.test(line)) uses.push(`bridge/shim/${name}:${i + 1}: ${line.trim()}`)
    })
  }
  assert.deepEqual(uses, [], 'Electron forbids external buffers: copy the bytes (napi_create_buffer_copy)')
})

/** The undefined dynamic symbols of an ELF file (what it imports), by nm -D. */
function importedSymbols (file) {
  const result = spawnSync('nm', ['-D', '--undefined-only', file], { encoding: 'utf8' })
  if (result.error) return null
  assert.equal(result.status, 0, `nm -D ${file}: ${result.stderr}`)
  return result.stdout.split('\n').map((line) => line.trim().split(/\s+/).pop()).filter(Boolean).map((name) => name.replace(/@.*$/, ''))
}

test('no native file of the addon imports an external-buffer N-API function (nm -D)', { skip: process.platform !== 'linux' && 'ELF files only' }, (t) => {
  const files = nativeFiles()
  assert.ok(files.length >= 2, `the addon and the Go library: ${files.join(', ')}`)
  for (const file of files) {
    const imported = importedSymbols(file)
    if (imported === null) {
      t.skip('nm (binutils) is not installed')
      return
    }
    if (file === loadedAddon()) assert.ok(imported.includes('napi_create_buffer_copy'), `${file} imports its N-API functions: ${imported.join(' ')}`)
    assert.deepEqual(imported.filter((name) => EXTERNAL_BUFFER.test(name)), [], `${path.basename(file)} imports an external-buffer function`)
  }
})

// Node has no switch that makes external buffers fail, as Electron's memory
// cage does. glibc's loader binds an addon's functions lazily, on first
// call, and LD_DEBUG=bindings reports each binding: the functions the addon
// really called while it served small and large bodies.
test('serving small and large bodies binds no external-buffer function (LD_DEBUG=bindings)', {
  timeout: 60000,
  skip: !(process.platform === 'linux' && process.report.getReport().header.glibcVersionRuntime) && 'glibc only'
}, async (t) => {
  const dir = tmpDir(t)
  const client = path.join(dir, 'client.js')
  fs.writeFileSync(client, clientScript(ROOT))
  const srv = await startBodies(t)
  const log = path.join(dir, 'bindings')

  const got = await run(process.execPath, [client, srv.origin + '/small', srv.origin + '/large'], {
    env: hostEnv({ LD_DEBUG: 'bindings', LD_DEBUG_OUTPUT: log })
  })
  assert.equal(got.code, 0, got.stderr)
  assert.deepEqual(JSON.parse(got.stdout).results, [expectedResult(SMALL), expectedResult(LARGE)])

  const addon = path.basename(loadedAddon())
  const bound = new Set()
  for (const name of fs.readdirSync(dir).filter((name) => name.startsWith('bindings.'))) {
    for (const line of fs.readFileSync(path.join(dir, name), 'utf8').split('\n')) {
      const m = /binding file (\S+) \[\d+\] to \S+ \[\d+\]: normal symbol `([^']+)'/.exec(line)
      if (m && path.basename(m[1]) === addon) bound.add(m[2])
    }
  }
  // The bodies' own functions were bound: the log shows what was called.
  assert.ok(bound.has('napi_create_buffer_copy') && bound.has('napi_create_string_latin1'), `bound: ${[...bound].join(' ')}`)
  assert.deepEqual([...bound].filter((name) => EXTERNAL_BUFFER.test(name)), [])
})
