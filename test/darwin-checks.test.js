'use strict'

// The static checks of the darwin prebuilds (scripts/targets/darwin.js), which
// stand in for running them: nothing here runs macOS. Each check is shown to
// pass on a well-formed pair of Mach-O images written here byte by byte, and
// to reject the one flaw it exists for. When `npm run prebuild` (or
// `node scripts/targets/darwin.js`) has built real darwin prebuilds into
// build/prebuild/, they are checked too.

const test = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('node:crypto')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const { targets, parseMachO } = require('../scripts/targets/darwin')

const ROOT = path.resolve(__dirname, '..')
const CPU_TYPE = { arm64: 0x0100000c, x86_64: 0x01000007 }
const GO_INSTALL_NAME = '@rpath/libgonetrequest.dylib'
const LIBSYSTEM = '/usr/lib/libSystem.B.dylib'

function uleb128 (value) {
  const bytes = []
  do {
    let byte = value & 0x7f
    value = Math.floor(value / 128)
    if (value > 0) byte |= 0x80
    bytes.push(byte)
  } while (value > 0)
  return Buffer.from(bytes)
}

/** An export trie for names (at least one), with nested edges where names share a prefix. */
function exportTrie (names) {
  // Nodes are laid out in a second pass, once every node's size is known;
  // offsets are ULEB128, so sizes are settled by iterating (bounded).
  const build = (group) => {
    const node = { terminal: group.includes(''), children: [] }
    const rest = group.filter((n) => n !== '')
    const byFirst = new Map()
    for (const name of rest) {
      if (!byFirst.has(name[0])) byFirst.set(name[0], [])
      byFirst.get(name[0]).push(name)
    }
    for (const members of byFirst.values()) {
      let edge = members[0]
      for (const m of members) while (!m.startsWith(edge)) edge = edge.slice(0, -1)
      node.children.push({ edge, node: build(members.map((m) => m.slice(edge.length))) })
    }
    return node
  }
  const root = build(names)
  const nodes = []
  const collect = (node) => { nodes.push(node); for (const child of node.children) collect(child.node) }
  collect(root)
  const encode = (node) => Buffer.concat([
    node.terminal ? Buffer.from([2, 0, 0]) : Buffer.from([0]), // size 2: flags 0, address 0
    Buffer.from([node.children.length]),
    ...node.children.map((c) => Buffer.concat([Buffer.from(c.edge + '\0'), uleb128(c.node.offset || 0)]))
  ])
  for (let pass = 0; pass < 8; pass++) {
    let offset = 0
    for (const node of nodes) { node.offset = offset; offset += encode(node).length }
  }
  return Buffer.concat(nodes.map(encode))
}

/**
 * A 64-bit Mach-O image with the given load commands, exports and undefined
 * symbols ({ name, ordinal }: 1-based index into loads, 0xfe for dynamic lookup).
 */
function machO ({ cpu = 'arm64', fileType = 6, id = null, loads = [], rpaths = [], signed = true, tamper = false, platform = 1, minos = 12, exports = [], undefinedSymbols = [] }) {
  const commands = []
  const pad8 = (buf) => Buffer.concat([buf, Buffer.alloc((8 - (buf.length % 8)) % 8)])
  const dylibCommand = (cmd, name) => {
    const body = pad8(Buffer.concat([Buffer.alloc(24), Buffer.from(name + '\0')]))
    body.writeUInt32LE(cmd, 0); body.writeUInt32LE(body.length, 4); body.writeUInt32LE(24, 8)
    return body
  }
  if (id !== null) commands.push(dylibCommand(0xd, id))
  for (const load of loads) commands.push(dylibCommand(0xc, load))
  for (const rpath of rpaths) {
    const body = pad8(Buffer.concat([Buffer.alloc(12), Buffer.from(rpath + '\0')]))
    body.writeUInt32LE(0x8000001c, 0); body.writeUInt32LE(body.length, 4); body.writeUInt32LE(12, 8)
    commands.push(body)
  }
  const build = Buffer.alloc(24)
  build.writeUInt32LE(0x32, 0); build.writeUInt32LE(24, 4); build.writeUInt32LE(platform, 8)
  build.writeUInt32LE(minos << 16, 12); build.writeUInt32LE(minos << 16, 16)
  commands.push(build)
  // The data after the commands: trie, symbols, strings (offsets patched below).
  const trieCommand = Buffer.alloc(16)
  trieCommand.writeUInt32LE(0x80000033, 0); trieCommand.writeUInt32LE(16, 4)
  const symtabCommand = Buffer.alloc(24)
  symtabCommand.writeUInt32LE(0x2, 0); symtabCommand.writeUInt32LE(24, 4)
  commands.push(trieCommand, symtabCommand)
  let signature = null
  if (signed) {
    signature = Buffer.alloc(16)
    signature.writeUInt32LE(0x1d, 0); signature.writeUInt32LE(16, 4)
    commands.push(signature)
  }
  const commandBytes = Buffer.concat(commands)
  const header = Buffer.alloc(32)
  header.writeUInt32LE(0xfeedfacf, 0); header.writeUInt32LE(CPU_TYPE[cpu], 4)
  header.writeUInt32LE(fileType, 12); header.writeUInt32LE(commands.length, 16)
  header.writeUInt32LE(commandBytes.length, 20); header.writeUInt32LE(0x80 | 0x4, 24) // TWOLEVEL | DYLDLINK

  const trie = exports.length > 0 ? pad8(exportTrie(exports)) : Buffer.alloc(0)
  const strings = [Buffer.from(' \0')]
  let stringsSize = 2
  const symbols = undefinedSymbols.map(({ name, ordinal }) => {
    const nlist = Buffer.alloc(16)
    nlist.writeUInt32LE(stringsSize, 0)
    nlist[4] = 0x01 // N_UNDF | N_EXT
    nlist.writeUInt16LE(ordinal << 8, 6)
    strings.push(Buffer.from(name + '\0'))
    stringsSize += name.length + 1
    return nlist
  })
  const trieAt = 32 + commandBytes.length
  const symbolsAt = trieAt + trie.length
  const stringsAt = symbolsAt + symbols.length * 16
  trieCommand.writeUInt32LE(trieAt, 8); trieCommand.writeUInt32LE(trie.length, 12)
  symtabCommand.writeUInt32LE(symbolsAt, 8); symtabCommand.writeUInt32LE(symbols.length, 12)
  symtabCommand.writeUInt32LE(stringsAt, 16); symtabCommand.writeUInt32LE(stringsSize, 20)
  const image = Buffer.concat([header, Buffer.concat(commands), trie, ...symbols, ...strings])
  if (!signed) return image
  // The signature command is the last one.
  return signImage(image, signature, 32 + commandBytes.length - signature.length, { tamper })
}

/**
 * Appends an ad hoc code signature (a SuperBlob holding one CodeDirectory
 * with a SHA-256 hash per 4 KiB page) and points the LC_CODE_SIGNATURE
 * command at it; with tamper, a byte of the signed part changes afterwards.
 */
function signImage (unsigned, signatureCommand, commandAt, { tamper }) {
  const image = Buffer.concat([unsigned, Buffer.alloc((16 - (unsigned.length % 16)) % 16)])
  const pageSize = 4096
  const slots = Math.ceil(image.length / pageSize)
  const ident = Buffer.from('test\0')
  const directoryLength = 44 + ident.length + slots * 32
  const blobLength = 12 + 8 + directoryLength
  signatureCommand.writeUInt32LE(image.length, 8)
  signatureCommand.writeUInt32LE(blobLength, 12)
  // The command is part of the image already: patch it there before hashing.
  signatureCommand.copy(image, commandAt)
  const blob = Buffer.alloc(blobLength)
  blob.writeUInt32BE(0xfade0cc0, 0); blob.writeUInt32BE(blobLength, 4); blob.writeUInt32BE(1, 8)
  blob.writeUInt32BE(0, 12); blob.writeUInt32BE(20, 16) // slot 0: the CodeDirectory, at 20
  const cd = blob.subarray(20)
  cd.writeUInt32BE(0xfade0c02, 0); cd.writeUInt32BE(directoryLength, 4); cd.writeUInt32BE(0x20400, 8)
  cd.writeUInt32BE(2, 12) // adhoc
  cd.writeUInt32BE(44 + ident.length, 16); cd.writeUInt32BE(44, 20) // hashes, identifier
  cd.writeUInt32BE(slots, 28); cd.writeUInt32BE(image.length, 32)
  cd[36] = 32; cd[37] = 2; cd[39] = 12 // SHA-256, 4 KiB pages
  ident.copy(cd, 44)
  for (let page = 0; page < slots; page++) {
    crypto.createHash('sha256').update(image.subarray(page * pageSize, (page + 1) * pageSize)).digest().copy(cd, 44 + ident.length + page * 32)
  }
  if (tamper) image[image.length - 1] ^= 0xff
  return Buffer.concat([image, blob])
}

/** A pair that passes every check, with overrides for the Go library and the addon. */
function pair ({ cpu = 'arm64', lib = {}, addon = {} } = {}) {
  return {
    lib: {
      cpu,
      id: GO_INSTALL_NAME,
      loads: [LIBSYSTEM, '/usr/lib/libresolv.9.dylib'],
      exports: ['_GnrInit', '_GnrCloseEnv', '_gnr_event_free'],
      undefinedSymbols: [{ name: '_malloc', ordinal: 1 }, { name: '_res_9_ninit', ordinal: 2 }],
      ...lib
    },
    addon: {
      cpu,
      id: '@rpath/go_net_request.node',
      loads: [GO_INSTALL_NAME, LIBSYSTEM],
      rpaths: ['@loader_path'],
      exports: ['_napi_register_module_v1', '_node_api_module_get_api_version_v1'],
      undefinedSymbols: [
        { name: '_GnrInit', ordinal: 1 },
        { name: '_gnr_event_free', ordinal: 1 },
        { name: '_pthread_once', ordinal: 2 },
        { name: '_napi_create_threadsafe_function', ordinal: 0xfe },
        { name: '_node_api_symbol_for', ordinal: 0xfe }
      ],
      ...addon
    }
  }
}

/** Runs the target's check() on the pair, written into a fresh directory. */
function check (name, { lib, addon }) {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gnr-darwin-check-'))
  try {
    fs.writeFileSync(path.join(outDir, 'libgonetrequest.dylib'), machO(lib))
    fs.writeFileSync(path.join(outDir, 'go_net_request.node'), machO(addon))
    const logged = []
    targets[name].check({ root: ROOT, outDir, cacheDir: path.join(ROOT, '.cache'), log: (msg) => logged.push(msg) })
    return logged
  } finally {
    fs.rmSync(outDir, { recursive: true, force: true })
  }
}

test('the Mach-O reader finds load commands, nested exports and where each undefined symbol comes from', () => {
  const image = parseMachO(machO(pair().addon))
  assert.equal(image.cpu, 'arm64')
  assert.equal(image.fileType, 'dylib')
  assert.equal(image.id, '@rpath/go_net_request.node')
  assert.deepEqual(image.loads, [GO_INSTALL_NAME, LIBSYSTEM])
  assert.deepEqual(image.rpaths, ['@loader_path'])
  assert.deepEqual(image.build, { platform: 'macos', minos: '12.0.0', sdk: '12.0.0' })
  assert.equal(image.codeSigned, true)
  assert.equal(image.signatureProblem, null)
  assert.equal(image.twoLevel, true)
  assert.deepEqual([...image.exports].sort(), ['_napi_register_module_v1', '_node_api_module_get_api_version_v1'])
  assert.deepEqual(image.undefinedSymbols, [
    { name: '_GnrInit', library: GO_INSTALL_NAME },
    { name: '_gnr_event_free', library: GO_INSTALL_NAME },
    { name: '_pthread_once', library: LIBSYSTEM },
    { name: '_napi_create_threadsafe_function', library: 'flat' },
    { name: '_node_api_symbol_for', library: 'flat' }
  ])
  assert.throws(() => parseMachO(Buffer.from('\x7fELF' + '\0'.repeat(60), 'latin1')), /not a 64-bit Mach-O file/)
})

test('a well-formed darwin pair passes the static checks, for each architecture', () => {
  const logged = check('darwin-arm64', pair())
  assert.match(logged.join('\n'), /libgonetrequest\.dylib arm64 .* id @rpath\/libgonetrequest\.dylib/)
  assert.match(logged.join('\n'), /go_net_request\.node arm64 .* rpath @loader_path, 2 N-API symbols from the host/)
  // x86_64 macOS runs unsigned code: no signature needed there.
  check('darwin-x64', pair({ cpu: 'x86_64', lib: { signed: false }, addon: { signed: false } }))
})

test('each flaw a darwin prebuild can have fails its static checks with a message naming it', () => {
  const flaws = [
    ['wrong architecture', 'darwin-x64', pair(), /libgonetrequest\.dylib: CPU arm64, expected x86_64/],
    ['Go library not found through the rpath', 'darwin-arm64', pair({ lib: { id: 'libgonetrequest.so' } }), /install name libgonetrequest\.so, expected @rpath\/libgonetrequest\.dylib/],
    ['no @loader_path rpath', 'darwin-arm64', pair({ addon: { rpaths: [] } }), /no @loader_path rpath/],
    ['a build machine path as rpath', 'darwin-arm64', pair({ addon: { rpaths: ['@loader_path', '/work/gobuild'] } }), /rpath \/work\/gobuild/],
    ['a Linux library name', 'darwin-arm64', pair({ addon: { loads: ['libgonetrequest.so', LIBSYSTEM] } }), /loads libgonetrequest\.so/],
    ['no N-API version entry point', 'darwin-arm64', pair({ addon: { exports: ['_napi_register_module_v1'] } }), /does not export _node_api_module_get_api_version_v1/],
    ['N-API bound to a library, not the host', 'darwin-arm64',
      pair({ addon: { loads: [GO_INSTALL_NAME, LIBSYSTEM, '/usr/local/bin/node'], undefinedSymbols: [{ name: '_napi_open_handle_scope', ordinal: 3 }] } }),
      /_napi_open_handle_scope is bound to \/usr\/local\/bin\/node/],
    ['a non-N-API symbol left to the host', 'darwin-arm64', pair({ addon: { undefinedSymbols: [{ name: '_uv_default_loop', ordinal: 0xfe }] } }), /_uv_default_loop is left for the host/],
    ['a Go symbol the library does not export', 'darwin-arm64', pair({ addon: { undefinedSymbols: [{ name: '_GnrGone', ordinal: 1 }] } }), /_GnrGone is not exported by libgonetrequest\.dylib/],
    ['unsigned arm64 code', 'darwin-arm64', pair({ lib: { signed: false } }), /libgonetrequest\.dylib: has no code signature/],
    ['a file changed after signing', 'darwin-arm64', pair({ addon: { tamper: true } }),
      /go_net_request\.node: has a code signature macOS would reject: page 0 .* does not match its signed hash/],
    ['built for iOS', 'darwin-arm64', pair({ addon: { platform: 2 } }), /go_net_request\.node: built for ios, expected macos/],
    ['a newer macOS than needed', 'darwin-x64', pair({ cpu: 'x86_64', lib: { minos: 14, signed: false }, addon: { signed: false } }),
      /libgonetrequest\.dylib: needs macOS 14\.0\.0, more than the 12\.0/]
  ]
  for (const [flaw, name, files, message] of flaws) {
    assert.throws(() => check(name, files), message, flaw)
  }
})

for (const name of Object.keys(targets)) {
  const outDir = path.join(ROOT, 'build', 'prebuild', name)
  const built = fs.existsSync(path.join(outDir, 'go_net_request.node'))
  test(`the built ${name} prebuild passes its static checks`, { skip: built ? false : `no ${name} prebuild here (node scripts/targets/darwin.js ${name})` }, () => {
    const logged = []
    targets[name].check({ root: ROOT, outDir, cacheDir: path.join(ROOT, '.cache'), log: (msg) => logged.push(msg) })
    assert.equal(logged.length, 2)
  })
}
