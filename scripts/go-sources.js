'use strict'
// Prints the files the Go library is built from (relative to the package
// root, one a line): binding.gyp's Go build action lists them as its inputs,
// so make rebuilds the library when one changes and skips Go when none did.
const fs = require('node:fs')
const path = require('node:path')

const root = path.resolve(__dirname, '..')
const SOURCE = /\.(go|c|h)$/
const MAX_FILES = 10000

function walk (dir, out) {
  for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = path.posix.join(dir, entry.name)
    if (entry.isDirectory()) {
      // shim/ is the addon's own C (compiled by gyp), testdata/ holds fuzz corpora.
      if (entry.name !== 'testdata' && entry.name !== 'shim') walk(rel, out)
    } else if (SOURCE.test(entry.name) && !entry.name.endsWith('_test.go')) {
      out.push(rel)
    }
    if (out.length > MAX_FILES) throw new Error(`more than ${MAX_FILES} sources under ${dir}`)
  }
  return out
}

const sources = ['go.mod', 'go.sum', ...walk('bridge', []), ...walk('gocore', [])]
process.stdout.write(sources.join('\n') + '\n')
