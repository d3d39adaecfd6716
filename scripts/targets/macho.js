'use strict'
// A small reader of 64-bit little-endian Mach-O files (what arm64 and x86_64
// macOS load), enough to check cross-built darwin binaries on a machine that
// cannot run them: CPU type, file type, the load commands that say which
// libraries are loaded from where, the symbols dyld exports (the export
// trie) and the undefined symbols with the library each is bound to.

const crypto = require('node:crypto')

const MH_MAGIC_64 = 0xfeedfacf
const FAT_MAGIC = 0xcafebabe
const MH_TWOLEVEL = 0x80 // undefined symbols name the library they come from

const CPU = Object.freeze({ 0x01000007: 'x86_64', 0x0100000c: 'arm64' })
const FILE_TYPE = Object.freeze({ 1: 'object', 2: 'execute', 6: 'dylib', 8: 'bundle' })
const PLATFORM = Object.freeze({ 1: 'macos', 2: 'ios', 6: 'maccatalyst' })

// Commands dyld must understand have this bit; `>>> 0` keeps them unsigned
// like readUInt32LE's results.
const LC_REQ_DYLD = 0x80000000
const LC = Object.freeze({
  SYMTAB: 0x2,
  LOAD_DYLIB: 0xc,
  ID_DYLIB: 0xd,
  CODE_SIGNATURE: 0x1d,
  LOAD_WEAK_DYLIB: (0x18 | LC_REQ_DYLD) >>> 0,
  RPATH: (0x1c | LC_REQ_DYLD) >>> 0,
  REEXPORT_DYLIB: (0x1f | LC_REQ_DYLD) >>> 0,
  DYLD_INFO: 0x22,
  DYLD_INFO_ONLY: (0x22 | LC_REQ_DYLD) >>> 0,
  BUILD_VERSION: 0x32,
  DYLD_EXPORTS_TRIE: (0x33 | LC_REQ_DYLD) >>> 0
})
const DYLIB_LOADS = new Set([LC.LOAD_DYLIB, LC.LOAD_WEAK_DYLIB, LC.REEXPORT_DYLIB])

// nlist_64 n_type bits and the special library ordinals of n_desc.
const N_STAB = 0xe0
const N_TYPE = 0x0e
const N_EXT = 0x01
const N_UNDF = 0x0
const SELF_LIBRARY_ORDINAL = 0x0
const DYNAMIC_LOOKUP_ORDINAL = 0xfe
const EXECUTABLE_ORDINAL = 0xff

/** A NUL-terminated string of buf at offset (up to end). */
function cString (buf, offset, end = buf.length) {
  const nul = buf.indexOf(0, offset)
  return buf.toString('utf8', offset, nul === -1 || nul > end ? end : nul)
}

/** Reads an unsigned LEB128 at offset: [value, next offset]. Values stay below 2^53 here. */
function uleb128 (buf, offset) {
  let value = 0
  let scale = 1
  for (let i = 0; i < 10; i++) {
    if (offset >= buf.length) throw new Error('Mach-O: truncated ULEB128')
    const byte = buf[offset++]
    value += (byte & 0x7f) * scale
    if ((byte & 0x80) === 0) return [value, offset]
    scale *= 128
  }
  throw new Error('Mach-O: ULEB128 too long')
}

/** The names in the export trie at buf[start, start+size). */
function exportTrie (buf, start, size) {
  const names = []
  const end = start + size
  const seen = new Set()
  // Bounded by the trie's size: each node is visited once.
  const walk = (nodeOffset, prefix) => {
    if (nodeOffset >= end || seen.has(nodeOffset)) throw new Error('Mach-O: bad export trie node')
    seen.add(nodeOffset)
    let [terminalSize, at] = uleb128(buf, nodeOffset)
    if (terminalSize > 0) names.push(prefix)
    at += terminalSize
    const children = buf[at++]
    for (let i = 0; i < children; i++) {
      const edge = cString(buf, at, end)
      at += Buffer.byteLength(edge) + 1
      const [childOffset, next] = uleb128(buf, at)
      at = next
      walk(start + childOffset, prefix + edge)
    }
  }
  if (size > 0) walk(start, '')
  return names
}

function dylibName (buf, cmdOffset, cmdSize) {
  return cString(buf, cmdOffset + buf.readUInt32LE(cmdOffset + 8), cmdOffset + cmdSize)
}

function version (packed) {
  return `${packed >>> 16}.${(packed >>> 8) & 0xff}.${packed & 0xff}`
}

// Code signature blobs (big-endian, unlike the rest of the file).
const CSMAGIC_EMBEDDED_SIGNATURE = 0xfade0cc0
const CSMAGIC_CODEDIRECTORY = 0xfade0c02
const CS_HASH = Object.freeze({ 1: ['sha1', 20], 2: ['sha256', 32], 3: ['sha256', 20], 4: ['sha384', 48] })

/**
 * Checks an embedded code signature the way the kernel checks each page it
 * maps: every page of the file up to the signed limit must hash to the
 * CodeDirectory's slot for it. Ad hoc signatures (what zig and Apple's
 * linker write) carry nothing else that matters on a Mac; a file changed
 * after linking (stripped, patched) fails here as it would fail there.
 * @returns {string | null} what is wrong, or null for a valid signature
 */
function signatureProblem (buf, dataoff, datasize) {
  if (dataoff + datasize > buf.length || datasize < 12) return 'the signature runs past the end of the file'
  const blob = buf.subarray(dataoff, dataoff + datasize)
  if (blob.readUInt32BE(0) !== CSMAGIC_EMBEDDED_SIGNATURE) return 'the signature is not an embedded signature'
  const count = blob.readUInt32BE(8)
  for (let i = 0; i < count && 12 + i * 8 + 8 <= blob.length; i++) {
    const at = blob.readUInt32BE(12 + i * 8 + 4)
    if (at + 44 > blob.length || blob.readUInt32BE(at) !== CSMAGIC_CODEDIRECTORY) continue
    const cd = blob.subarray(at)
    const hashOffset = cd.readUInt32BE(16)
    const codeSlots = cd.readUInt32BE(28)
    const codeLimit = cd.readUInt32BE(32)
    const hashSize = cd[36]
    const hash = CS_HASH[cd[37]]
    const pageSize = 2 ** cd[39]
    if (!hash || hash[1] < hashSize) return `the signature uses an unknown hash type ${cd[37]}`
    if (codeLimit > dataoff) return 'the signature covers its own bytes'
    if (codeSlots !== Math.ceil(codeLimit / pageSize)) return `the signature has ${codeSlots} page hashes for ${codeLimit} bytes`
    if (hashOffset + codeSlots * hashSize > cd.length) return 'the signature\'s hashes run past its end'
    for (let page = 0; page < codeSlots; page++) {
      const start = page * pageSize
      const digest = crypto.createHash(hash[0]).update(buf.subarray(start, Math.min(start + pageSize, codeLimit))).digest()
      if (!digest.subarray(0, hashSize).equals(cd.subarray(hashOffset + page * hashSize, hashOffset + (page + 1) * hashSize))) {
        return `page ${page} (bytes ${start}-${Math.min(start + pageSize, codeLimit)}) does not match its signed hash: the file changed after signing`
      }
    }
    return null
  }
  return 'the signature has no CodeDirectory'
}

/**
 * Parses a 64-bit little-endian Mach-O image.
 * @param {Buffer} buf the file's bytes
 * @returns {{ cpu: string, fileType: string, id: string | null, loads: string[], rpaths: string[],
 *   build: { platform: string, minos: string, sdk: string } | null, twoLevel: boolean, codeSigned: boolean,
 *   signatureProblem: string | null,
 *   exports: Set<string>, undefinedSymbols: { name: string, library: string }[] }}
 *   undefinedSymbols[].library is a load's install name, 'flat' (looked up in every image at load:
 *   what -undefined dynamic_lookup gives), 'self' or 'executable'.
 */
function parseMachO (buf) {
  if (buf.length < 32) throw new Error('Mach-O: file too short')
  const magic = buf.readUInt32LE(0)
  if (buf.readUInt32BE(0) === FAT_MAGIC) throw new Error('Mach-O: a universal (fat) file, expected one architecture')
  if (magic !== MH_MAGIC_64) throw new Error(`not a 64-bit Mach-O file (magic 0x${magic.toString(16)})`)
  const cpuType = buf.readUInt32LE(4)
  const image = {
    cpu: CPU[cpuType] || `cpu 0x${cpuType.toString(16)}`,
    fileType: FILE_TYPE[buf.readUInt32LE(12)] || `type ${buf.readUInt32LE(12)}`,
    id: null,
    loads: [],
    rpaths: [],
    build: null,
    twoLevel: (buf.readUInt32LE(24) & MH_TWOLEVEL) !== 0,
    codeSigned: false,
    signatureProblem: null,
    exports: new Set(),
    undefinedSymbols: []
  }
  const commands = buf.readUInt32LE(16)
  const commandsEnd = 32 + buf.readUInt32LE(20)
  if (commandsEnd > buf.length) throw new Error('Mach-O: load commands run past the end of the file')
  let symtab = null
  let offset = 32
  for (let i = 0; i < commands; i++) {
    if (offset + 8 > commandsEnd) throw new Error('Mach-O: truncated load command')
    const cmd = buf.readUInt32LE(offset)
    const size = buf.readUInt32LE(offset + 4)
    if (size < 8 || offset + size > commandsEnd) throw new Error(`Mach-O: bad size of load command ${i}`)
    if (cmd === LC.ID_DYLIB) image.id = dylibName(buf, offset, size)
    else if (DYLIB_LOADS.has(cmd)) image.loads.push(dylibName(buf, offset, size))
    else if (cmd === LC.RPATH) image.rpaths.push(cString(buf, offset + buf.readUInt32LE(offset + 8), offset + size))
    else if (cmd === LC.CODE_SIGNATURE) {
      image.codeSigned = true
      image.signatureProblem = signatureProblem(buf, buf.readUInt32LE(offset + 8), buf.readUInt32LE(offset + 12))
    }
    else if (cmd === LC.BUILD_VERSION) {
      const platform = buf.readUInt32LE(offset + 8)
      image.build = {
        platform: PLATFORM[platform] || `platform ${platform}`,
        minos: version(buf.readUInt32LE(offset + 12)),
        sdk: version(buf.readUInt32LE(offset + 16))
      }
    } else if (cmd === LC.SYMTAB) {
      symtab = { symoff: buf.readUInt32LE(offset + 8), nsyms: buf.readUInt32LE(offset + 12), stroff: buf.readUInt32LE(offset + 16), strsize: buf.readUInt32LE(offset + 20) }
    } else if (cmd === LC.DYLD_INFO || cmd === LC.DYLD_INFO_ONLY) {
      for (const name of exportTrie(buf, buf.readUInt32LE(offset + 40), buf.readUInt32LE(offset + 44))) image.exports.add(name)
    } else if (cmd === LC.DYLD_EXPORTS_TRIE) {
      for (const name of exportTrie(buf, buf.readUInt32LE(offset + 8), buf.readUInt32LE(offset + 12))) image.exports.add(name)
    }
    offset += size
  }
  if (symtab !== null) {
    if (symtab.symoff + symtab.nsyms * 16 > buf.length || symtab.stroff + symtab.strsize > buf.length) {
      throw new Error('Mach-O: symbol table runs past the end of the file')
    }
    for (let i = 0; i < symtab.nsyms; i++) {
      const at = symtab.symoff + i * 16
      const type = buf[at + 4]
      if ((type & N_STAB) !== 0 || (type & N_EXT) === 0 || (type & N_TYPE) !== N_UNDF) continue
      if (buf.readBigUInt64LE(at + 8) !== 0n) continue // a common symbol, defined here
      const name = cString(buf, symtab.stroff + buf.readUInt32LE(at), symtab.stroff + symtab.strsize)
      const ordinal = (buf.readUInt16LE(at + 6) >> 8) & 0xff
      let library
      if (ordinal === DYNAMIC_LOOKUP_ORDINAL) library = 'flat'
      else if (ordinal === SELF_LIBRARY_ORDINAL) library = 'self'
      else if (ordinal === EXECUTABLE_ORDINAL) library = 'executable'
      else library = image.loads[ordinal - 1] || `missing library ordinal ${ordinal}`
      image.undefinedSymbols.push({ name, library })
    }
  }
  return image
}

module.exports = { parseMachO, LC, MH_MAGIC_64, CPU_TYPE: Object.freeze({ x86_64: 0x01000007, arm64: 0x0100000c }) }
