'use strict'

// The library run the way an app runs it, in a process of its own: a host
// executable that need not be called `node` (Electron is a renamed Node to
// an addon), a script that requires the package, and GETs to loopback
// servers. Used by hosts.test.js and asar.test.js.

const { execFile } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

/** The native file of the addon this process loaded (require('..') first). */
function loadedAddon () {
  const addon = Object.keys(require.cache).find((file) => file.endsWith('.node'))
  if (addon === undefined) throw new Error('the addon is not loaded in this process')
  return addon
}

/**
 * The source of an app script that requires `moduleId`, GETs each URL of
 * its argv one after the other, and prints one JSON line: the host's
 * executable, the addon file it loaded, and each response's status, body
 * length and sha256.
 */
function clientScript (moduleId) {
  return `'use strict'
const crypto = require('node:crypto')
const net = require(${JSON.stringify(moduleId)})
const urls = process.argv.slice(2)
const results = []
function next () {
  if (urls.length === 0) {
    const addon = Object.keys(require.cache).find((file) => file.endsWith('.node'))
    console.log(JSON.stringify({ execPath: process.execPath, addon, results }))
    return
  }
  const req = net.request(urls.shift())
  req.on('response', (res) => {
    const chunks = []
    res.on('data', (chunk) => chunks.push(chunk))
    res.on('end', () => {
      const body = Buffer.concat(chunks)
      results.push({ statusCode: res.statusCode, length: body.length, sha256: crypto.createHash('sha256').update(body).digest('hex') })
      next()
    })
  })
  req.on('error', (err) => { console.error(err.message); process.exitCode = 1 })
  req.end()
}
next()
`
}

/** What clientScript prints for a 200 response with `body`. */
function expectedResult (body) {
  return { statusCode: 200, length: body.length, sha256: require('node:crypto').createHash('sha256').update(body).digest('hex') }
}

/** Copies the running Node executable into `dir` as `name` (+ .exe on Windows); returns its path. */
function copyNodeAs (dir, name) {
  const host = path.join(dir, process.platform === 'win32' ? `${name}.exe` : name)
  fs.copyFileSync(process.execPath, host)
  fs.chmodSync(host, 0o755)
  return host
}

/** Runs a command to its exit; resolves with {code, stdout, stderr} (never rejects on a non-zero exit). */
function run (file, args, options) {
  return new Promise((resolve, reject) => {
    execFile(file, args, { encoding: 'utf8', maxBuffer: 16 << 20, timeout: 45000, ...options }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') return reject(error) // did not start, or was killed
      resolve({ code: error ? error.code : 0, stdout, stderr })
    })
  })
}

module.exports = { clientScript, copyNodeAs, expectedResult, loadedAddon, run }
