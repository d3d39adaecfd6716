'use strict'

// Preloaded (`node --require`) into a process that plays an Electron app
// packed into an asar archive, since Electron cannot run here. Node cannot
// read an archive, so a directory stands for it: the archive extracted to
// `<resources>/app.asar/`, which is what Electron's fs shows of the
// archive, beside `<resources>/app.asar.unpacked/` as the packager wrote it.
// What Electron adds to Node for native code is done here as Electron does
// it (lib/node/asar-fs-wrapper.ts: process.dlopen through
// Archive::CopyFileOut): a native file in the archive is loaded from
// app.asar.unpacked if the packager unpacked it, else from a copy extracted
// to a temporary file with the same extension. The native files of the
// stand-in directory are replaced by text, so whatever loads them from
// there, bypassing Electron's rules, fails. process.versions.electron is
// set, as in Electron.
//
// GO_NET_REQUEST_ASAR_EMULATION: JSON { archive, view }: the archive file
// and the directory that stands for it (its name ends in .asar).

const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const asar = require('@electron/asar')

const { archive, view } = JSON.parse(process.env.GO_NET_REQUEST_ASAR_EMULATION)

Object.defineProperty(process.versions, 'electron', { value: '45.5.0', enumerable: true })

const dlopen = process.dlopen
process.dlopen = function (module, filename, ...rest) {
  const inArchive = path.relative(view, filename)
  if (inArchive === '' || inArchive.startsWith('..') || path.isAbsolute(inArchive)) {
    return dlopen.call(this, module, filename, ...rest)
  }
  let onDisk
  if (asar.statFile(archive, inArchive).unpacked) {
    onDisk = path.join(`${view}.unpacked`, inArchive)
  } else {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'asar-copy-out-'))
    onDisk = path.join(dir, `copy${path.extname(filename)}`)
    fs.writeFileSync(onDisk, asar.extractFile(archive, inArchive))
  }
  return dlopen.call(this, module, onDisk, ...rest)
}
