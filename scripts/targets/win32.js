'use strict'
// The Windows prebuild (x64), cross-built on this Linux machine with
// mingw-w64's gcc (the -posix variant, whose winpthreads and libgcc are
// linked statically): the Go library as gonetrequest.dll and the shim,
// compiled straight from bridge/shim/*.c against this Node's headers, as
// go_net_request.node. The shim's N-API functions are looked up in the host
// process at load time (bridge/shim/napi_win.h), so the addon imports
// nothing from node.exe and loads in electron.exe too; it finds the DLL
// beside itself (Node loads addons with LOAD_WITH_ALTERED_SEARCH_PATH).
// Tested under wine (scripts/targets/wine.js).
const fs = require('node:fs')
const path = require('node:path')

const CC = 'x86_64-w64-mingw32-gcc-posix'
const OBJDUMP = 'x86_64-w64-mingw32-objdump'
const GO_LIBRARY = require('../../lib/prebuilds').GO_LIBRARY.win32
const ADDON = 'go_net_request.node'
const SHIM = path.join('bridge', 'shim')
const SHIM_SOURCES = require('./shim').shimSources('win32')
const CFLAGS = ['-std=c11', '-Wall', '-Wextra', '-Wno-unused-parameter', '-O2',
  '-DNAPI_VERSION=8', '-DNODE_GYP_MODULE_NAME=go_net_request', '-DBUILDING_NODE_EXTENSION']
// What the addon may import: Windows itself, the C runtime, and the Go DLL.
const ADDON_IMPORTS = ['kernel32.dll', 'msvcrt.dll', 'ws2_32.dll', GO_LIBRARY]
// The Go DLL's C ABI (bridge/bridge.h and the cgo exports the shim calls).
const GO_EXPORTS = ['GnrInit', 'GnrOpenDoorbell', 'GnrCloseEnv', 'GnrLiveRequests', 'GnrFlushStores', 'GnrStats',
  'gnr_chunk_event_alloc', 'gnr_event_free', 'gnr_chunk_pool_drain', 'gnr_chunk_command_alloc', 'gnr_command_free']

/** objdump -p's view of a PE file: format, magic, imports by DLL, exports, sections. */
function peInfo (ctx, file) {
  // A Go DLL's unwind tables alone print tens of megabytes.
  const text = ctx.run(OBJDUMP, ['-p', '-h', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 512 * 1024 * 1024 }).stdout
  const format = (/file format (\S+)/.exec(text) || [])[1]
  const magic = (/^Magic\s+(\S+)/m.exec(text) || [])[1]
  const imports = new Map()
  let dll = null
  let inImports = false
  const exports = new Set()
  let inExports = false
  for (const line of text.split('\n')) {
    const name = /^\s*DLL Name: (\S+)/.exec(line)
    if (name) {
      dll = name[1].toLowerCase()
      imports.set(dll, new Set())
      inImports = true
      continue
    }
    if (/^\s*vma:\s+Hint/.test(line) && dll) continue
    if (inImports && dll) {
      const symbol = /^\s+[0-9a-f]+\s+(?:<none>\s+)?[0-9a-f]*\s+(\S+)\s*$/.exec(line)
      if (symbol) imports.get(dll).add(symbol[1])
      else if (line.trim() === '') dll = null
    }
    if (/\[Ordinal\/Name Pointer\] Table/.test(line)) { inExports = true; inImports = false; continue }
    if (inExports) {
      const symbol = /^\s+\[\s*\d+\] (\S+)/.exec(line)
      if (symbol) exports.add(symbol[1])
      else inExports = false
    }
  }
  const sections = [...text.matchAll(/^\s+\d+\s+(\.\S+)\s+[0-9a-f]{8}/gm)].map((m) => m[1])
  return { format, magic, imports, exports, sections }
}

const win32x64 = {
  goos: 'windows',
  goarch: 'amd64',
  goLibrary: GO_LIBRARY,
  cc: CC,

  install (ctx) {
    const packages = ['gcc-mingw-w64-x86-64-posix', 'binutils-mingw-w64-x86-64']
    if (ctx.aptInstall) ctx.aptInstall(packages)
    ctx.run(CC, ['--version'], { stdio: 'ignore' })
    ctx.run('go', ['version'], { stdio: 'ignore' })
    // What test() runs it with: wine and Windows Node.
    require('./wine').install(ctx)
  },

  build (ctx) {
    fs.rmSync(ctx.outDir, { recursive: true, force: true })
    fs.mkdirSync(ctx.outDir, { recursive: true })
    const library = path.join(ctx.outDir, GO_LIBRARY)
    ctx.log(`go build (GOOS=windows GOARCH=amd64, CC=${CC}, stripped)`)
    ctx.run('go', ['build', '-trimpath', '-buildmode=c-shared', '-ldflags=-s -w', '-o', library, './bridge'], {
      env: { ...process.env, CGO_ENABLED: '1', GOOS: 'windows', GOARCH: 'amd64', CC }
    })
    // cgo names the header after the library; the shim includes libgonetrequest.h.
    fs.renameSync(path.join(ctx.outDir, 'gonetrequest.h'), path.join(ctx.outDir, 'libgonetrequest.h'))
    ctx.log(`${CC} bridge/shim/*.c -> ${ADDON}`)
    ctx.run(CC, [
      ...CFLAGS, '-shared', '-s',
      '-I', 'bridge', '-I', ctx.outDir, '-I', ctx.nodeIncludeDir || path.join(path.dirname(process.execPath), '..', 'include', 'node'),
      '-include', path.join(SHIM, 'napi_win.h'),
      ...SHIM_SOURCES,
      '-o', path.join(ctx.outDir, ADDON),
      '-L', ctx.outDir, `-l:${GO_LIBRARY}`, '-lws2_32', '-static'
    ])
  },

  check (ctx) {
    const addonFile = path.join(ctx.outDir, ADDON)
    const libraryFile = path.join(ctx.outDir, GO_LIBRARY)
    const addon = peInfo(ctx, addonFile)
    const library = peInfo(ctx, libraryFile)
    for (const [file, info] of [[addonFile, addon], [libraryFile, library]]) {
      if (info.format !== 'pei-x86-64' || info.magic !== '020b') throw new Error(`${file} is not a PE32+ x86-64 image (${info.format}, magic ${info.magic})`)
      const debug = info.sections.filter((s) => s.startsWith('.debug') || s === '.symtab')
      if (debug.length > 0) throw new Error(`${file} is not stripped (${debug.join(', ')})`)
    }
    for (const symbol of ['napi_register_module_v1', 'node_api_module_get_api_version_v1']) {
      if (!addon.exports.has(symbol)) throw new Error(`${ADDON} does not export ${symbol}`)
    }
    const foreign = [...addon.imports.keys()].filter((dll) => !ADDON_IMPORTS.includes(dll))
    if (foreign.length > 0) throw new Error(`${ADDON} imports from ${foreign.join(', ')}: it may import only from ${ADDON_IMPORTS.join(', ')} (N-API comes from the host at load time)`)
    const napi = [...addon.imports.values()].flatMap((set) => [...set]).filter((s) => /^(napi_|node_api_)/.test(s))
    if (napi.length > 0) throw new Error(`${ADDON} imports ${napi.join(', ')}: it would not load in a host not called node.exe`)
    const fromGo = addon.imports.get(GO_LIBRARY.toLowerCase()) || new Set()
    if (fromGo.size === 0) throw new Error(`${ADDON} does not import ${GO_LIBRARY}`)
    const missing = [...fromGo, ...GO_EXPORTS].filter((s) => !library.exports.has(s))
    if (missing.length > 0) throw new Error(`${GO_LIBRARY} does not export ${[...new Set(missing)].join(', ')}`)
    const libraryForeign = [...library.imports.keys()].filter((dll) => !['kernel32.dll', 'msvcrt.dll'].includes(dll))
    if (libraryForeign.length > 0) throw new Error(`${GO_LIBRARY} imports ${libraryForeign.join(', ')} (winpthreads and libgcc must be linked statically)`)
    const size = (file) => `${(fs.statSync(file).size / 1e6).toFixed(1)} MB`
    ctx.log(`PE32+ x86-64, stripped; ${ADDON} (${size(addonFile)}) exports napi_register_module_v1, imports ${[...addon.imports.keys()].join(' ')}; ` +
      `${GO_LIBRARY} (${size(libraryFile)}) exports ${library.exports.size} symbols, imports ${[...library.imports.keys()].join(' ')}`)
  },

  test (ctx) {
    return require('./wine').test(ctx)
  },

  testGo (ctx) {
    return require('./wine').testGo(ctx, this)
  }
}

module.exports = { targets: { 'win32-x64': win32x64 }, peInfo }
