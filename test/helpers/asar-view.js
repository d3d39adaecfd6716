'use strict'

// A packed Electron app as Electron sees it, laid out for Node, and run in
// Node the way Electron would run it (electron-asar.js preloaded: Electron
// cannot run here). Node cannot read an archive, so the archive is
// extracted into a directory named like it, beside a copy of the
// archive's app.asar.unpacked; the extracted native files are replaced by
// text, so only what Electron's rules load from disk can load. Used by
// asar.test.js (archives it packs with @electron/asar) and
// scripts/packaging-check.js (archives that electron-builder and
// electron-forge made).

const fs = require('node:fs')
const path = require('node:path')
const asar = require('@electron/asar')

const { run } = require('./hosts')

const EMULATION = path.join(__dirname, 'electron-asar.js')
// Files the OS loader opens itself: they cannot be read from inside an archive.
const NATIVE_FILE = /\.(node|so|dll|dylib)$/

/** The files under dir, relative to it, sorted. */
function filesUnder (dir) {
  if (!fs.existsSync(dir)) return []
  return fs.readdirSync(dir, { recursive: true })
    .filter((f) => fs.statSync(path.join(dir, f)).isFile())
    .sort()
}

/**
 * Lays out `archive` (an app.asar, with its app.asar.unpacked beside it if
 * the packager wrote one) at `view`, a path ending in app.asar; returns
 * { archive, view, unpacked } with the unpacked files relative to the
 * unpacked directory.
 */
function layOutArchive (archive, view) {
  asar.extractAll(archive, view)
  for (const file of filesUnder(view).filter((f) => NATIVE_FILE.test(f))) {
    fs.writeFileSync(path.join(view, file), 'inside app.asar: the OS cannot load this\n')
  }
  if (fs.existsSync(`${archive}.unpacked`)) fs.cpSync(`${archive}.unpacked`, `${view}.unpacked`, { recursive: true })
  return { archive, view, unpacked: filesUnder(`${view}.unpacked`) }
}

/** The arguments and environment a Node (under any name) runs the laid-out app's main.js with, as Electron would. */
function laidOutCommand (laidOut, args, env = process.env) {
  return {
    args: ['--require', EMULATION, path.join(laidOut.view, 'main.js'), ...args],
    env: { ...env, GO_NET_REQUEST_ASAR_EMULATION: JSON.stringify({ archive: laidOut.archive, view: laidOut.view }) }
  }
}

/**
 * Runs the laid-out app's main.js with `args` on `host` (an executable that
 * is Node, under any name) as Electron would; resolves with {code, stdout, stderr}.
 */
function runLaidOut (host, laidOut, args, options = {}) {
  const command = laidOutCommand(laidOut, args, options.env)
  return run(host, command.args, { ...options, env: command.env })
}

module.exports = { NATIVE_FILE, filesUnder, laidOutCommand, layOutArchive, runLaidOut }
