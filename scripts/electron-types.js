'use strict'
// Electron's own electron.d.ts, for the type test (test/types.test.js).
//
// It is not a devDependency: the `electron` package and its download
// helpers declare `engines: >=22.12.0`, so every `npm install` of the
// checkout on Node 18-22.11 printed EBADENGINE warnings for a package of
// which only one file is read. Instead the pinned tarball is fetched once
// with `npm pack` (no install scripts, no dependencies), its integrity
// checked against the pin, and its package.json and electron.d.ts kept in
// .cache/electron-types/<version>/electron/, a folder tsc takes as a type
// root (`/// <reference types="electron" />` resolves there).
//
//   node scripts/electron-types.js   # prints the type root, fetching if needed
const { spawnSync } = require('node:child_process')
const crypto = require('node:crypto')
const fs = require('node:fs')
const path = require('node:path')

const ELECTRON_VERSION = '45.5.0'
const ELECTRON_INTEGRITY = 'sha512-rBQ0Czu1Qrtrs6Fygq7Qtfcgkhpt79SylMkaFb1AhtXItdxh0Wq3ERQoPfBYECYf+FxptAiXKCZ7p+H/39CWIA=='
const root = path.resolve(__dirname, '..')
const typeRoot = path.join(root, '.cache', 'electron-types', ELECTRON_VERSION)
const KEPT = ['package.json', 'electron.d.ts']

/**
 * The folder to pass to tsc's --typeRoots: it holds electron/electron.d.ts.
 * Fetches the pinned electron tarball from the npm registry the first time.
 * @returns {string}
 */
function electronTypeRoot () {
  const dir = path.join(typeRoot, 'electron')
  if (KEPT.every((file) => fs.existsSync(path.join(dir, file)))) return typeRoot
  fs.mkdirSync(path.join(root, '.cache'), { recursive: true }) // a fresh clone has none
  const work = fs.mkdtempSync(path.join(root, '.cache', 'electron-types-'))
  try {
    const packed = spawnSync('npm', ['pack', `electron@${ELECTRON_VERSION}`, '--pack-destination', work, '--json', '--loglevel=error'],
      { cwd: work, encoding: 'utf8', timeout: 120000, shell: process.platform === 'win32' })
    if (packed.status !== 0) throw new Error(`npm pack electron@${ELECTRON_VERSION} failed (exit ${packed.status}): ${packed.stderr || packed.error}`)
    const tarball = path.join(work, JSON.parse(packed.stdout)[0].filename)
    const digest = `sha512-${crypto.createHash('sha512').update(fs.readFileSync(tarball)).digest('base64')}`
    if (digest !== ELECTRON_INTEGRITY) throw new Error(`electron@${ELECTRON_VERSION} from the registry has integrity ${digest}, not the pinned ${ELECTRON_INTEGRITY}`)
    const untar = spawnSync('tar', ['-xzf', tarball, '-C', work, ...KEPT.map((file) => `package/${file}`)], { encoding: 'utf8', timeout: 60000 })
    if (untar.status !== 0) throw new Error(`tar could not extract ${path.basename(tarball)}: ${untar.stderr || untar.error}`)
    fs.mkdirSync(typeRoot, { recursive: true })
    fs.rmSync(dir, { recursive: true, force: true })
    fs.renameSync(path.join(work, 'package'), dir)
  } finally {
    fs.rmSync(work, { recursive: true, force: true })
  }
  return typeRoot
}

if (require.main === module) console.log(electronTypeRoot())

module.exports = { electronTypeRoot, ELECTRON_VERSION }
