'use strict'
// Linux prebuilds (x64, arm64), built on this Linux machine: the Go library
// with cgo and a gcc for the target (aarch64-linux-gnu-gcc from Debian's
// gcc-aarch64-linux-gnu when cross-building), the shim compiled by that gcc
// straight from bridge/shim/*.c against this Node's headers. Both stripped.
// The addon names libgonetrequest.so as NEEDED and finds it through RUNPATH
// $ORIGIN, beside itself.
const fs = require('node:fs')
const path = require('node:path')

const { GO_LIBRARY } = require('../../lib/prebuilds')

const SHIM_SOURCES = require('./shim').shimSources('linux')
// The same warnings and defines as binding.gyp's from-source build.
const CFLAGS = ['-std=c11', '-Wall', '-Wextra', '-Wno-unused-parameter', '-O2', '-fPIC', '-pthread',
  '-DNAPI_VERSION=8', '-DNODE_GYP_MODULE_NAME=go_net_request', '-DBUILDING_NODE_EXTENSION']

// readelf's names for the machines, and the gcc that builds for each.
const ARCHES = {
  x64: { goarch: 'amd64', machine: 'Advanced Micro Devices X86-64', crossGcc: 'x86_64-linux-gnu-gcc', gccPackage: 'gcc-x86-64-linux-gnu' },
  arm64: { goarch: 'arm64', machine: 'AArch64', crossGcc: 'aarch64-linux-gnu-gcc', gccPackage: 'gcc-aarch64-linux-gnu' }
}

/** The C compiler for arch: the native gcc on a machine of that arch, else the cross gcc. */
function compilerFor (arch) {
  return process.arch === arch && process.platform === 'linux' ? 'gcc' : ARCHES[arch].crossGcc
}

function readelf (ctx, args) {
  return ctx.run('readelf', ['-W', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).stdout
}

/** The dynamic symbols of an ELF file: { defined: Set, undefined: Set } (versions cut off). */
function dynamicSymbols (ctx, file) {
  const defined = new Set()
  const undefinedSymbols = new Set()
  for (const line of readelf(ctx, ['--dyn-syms', file]).split('\n')) {
    // Num: Value Size Type Bind Vis Ndx Name
    const fields = line.trim().split(/\s+/)
    if (fields.length < 8 || !/^\d+:$/.test(fields[0])) continue
    const name = fields[7].split('@')[0]
    if (name === '') continue
    if (fields[6] === 'UND') undefinedSymbols.add(fields[7])
    else defined.add(name)
  }
  return { defined, undefined: undefinedSymbols }
}

function linuxTarget (arch) {
  const { goarch, machine, gccPackage } = ARCHES[arch]
  const goLibrary = GO_LIBRARY.linux
  return {
    goos: 'linux',
    goarch,
    goLibrary,
    cc: compilerFor(arch),

    install (ctx) {
      const cc = compilerFor(arch)
      // What is on PATH already is used as it is (any distribution); only
      // what is missing comes from Debian's packages.
      const packages = { [cc]: cc === 'gcc' ? 'gcc' : gccPackage, readelf: 'binutils' }
      const missing = Object.keys(packages).filter((command) => !ctx.hasCommand(command))
      if (missing.length > 0) ctx.aptInstall(missing.map((command) => packages[command]))
      if (!ctx.hasCommand('go')) throw new Error('Go is not on PATH: install Go 1.25+ (https://go.dev/dl/)')
    },

    build (ctx) {
      const cc = compilerFor(arch)
      fs.rmSync(ctx.outDir, { recursive: true, force: true })
      fs.mkdirSync(ctx.outDir, { recursive: true })
      const library = path.join(ctx.outDir, goLibrary)
      ctx.log(`go build (GOARCH=${goarch}, CC=${cc}, stripped)`)
      ctx.run('go', ['build', '-trimpath', '-buildmode=c-shared', '-ldflags=-s -w', '-o', library, './bridge'], {
        env: { ...process.env, CGO_ENABLED: '1', GOOS: 'linux', GOARCH: goarch, CC: cc }
      })
      ctx.log(`${cc} bridge/shim/*.c -> go_net_request.node`)
      ctx.run(cc, [
        ...CFLAGS, '-shared', '-s',
        '-I', 'bridge', '-I', ctx.outDir, '-I', ctx.nodeIncludeDir,
        ...SHIM_SOURCES,
        '-o', path.join(ctx.outDir, 'go_net_request.node'),
        '-L', ctx.outDir, '-lgonetrequest', '-ldl', '-Wl,-rpath,$ORIGIN'
      ])
    },

    check (ctx) {
      const addon = path.join(ctx.outDir, 'go_net_request.node')
      const library = path.join(ctx.outDir, goLibrary)
      for (const file of [addon, library]) {
        const header = readelf(ctx, ['-h', file])
        const found = /Machine:\s+(.*)/.exec(header)
        if (!found || found[1].trim() !== machine) throw new Error(`${file} is for ${found ? found[1].trim() : 'an unknown machine'}, not ${machine}`)
        if (!/Type:\s+DYN/.test(header)) throw new Error(`${file} is not a shared object`)
        if (/\.debug_|\.symtab/.test(readelf(ctx, ['-S', file]))) throw new Error(`${file} is not stripped`)
      }
      const dynamic = readelf(ctx, ['-d', addon])
      const runpath = /\((?:RUNPATH|RPATH)\)\s+Library (?:runpath|rpath): \[([^\]]*)\]/.exec(dynamic)
      if (!runpath || !runpath[1].split(':').includes('$ORIGIN')) {
        throw new Error(`go_net_request.node has no $ORIGIN RUNPATH (found ${runpath ? runpath[1] : 'none'}): it would not find ${goLibrary} beside itself`)
      }
      const needed = [...dynamic.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1])
      if (!needed.includes(goLibrary)) throw new Error(`go_net_request.node does not name ${goLibrary} as NEEDED (it needs ${needed.join(', ')})`)
      // The host (node, electron) provides napi_*; libc its versioned symbols;
      // everything else the addon calls must be exported by the Go library.
      const addonSymbols = dynamicSymbols(ctx, addon)
      if (!addonSymbols.defined.has('napi_register_module_v1')) throw new Error('go_net_request.node does not export napi_register_module_v1')
      const goSymbols = dynamicSymbols(ctx, library)
      const unresolved = [...addonSymbols.undefined].filter((name) => {
        return !name.includes('@') && !/^(napi_|node_api_)/.test(name) && !/^_*(gmon_start|ITM_|cxa_finalize)/.test(name) && !goSymbols.defined.has(name)
      })
      if (unresolved.length > 0) throw new Error(`go_net_request.node needs symbols that ${goLibrary} does not export: ${unresolved.join(', ')}`)
      const glibc = [...addonSymbols.undefined, ...goSymbols.undefined]
        .map((name) => /@GLIBC_(\d+)\.(\d+)/.exec(name)).filter(Boolean)
        .reduce((max, m) => Math.max(max, +m[1] * 1000 + +m[2]), 0)
      ctx.log(`${machine}; RUNPATH [${runpath[1]}], NEEDED ${needed.join(' ')}; needs glibc ${Math.floor(glibc / 1000)}.${glibc % 1000}+; stripped`)
    }
  }
}

module.exports = {
  targets: {
    'linux-x64': linuxTarget('x64'),
    'linux-arm64': {
      ...linuxTarget('arm64'),
      test: (ctx) => require('./qemu').testUnderQemu(ctx),
      testGo (ctx) { return require('./qemu').testGoUnderQemu(ctx, this) }
    }
  }
}
