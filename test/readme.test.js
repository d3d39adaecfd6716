'use strict'

// The README's code: a snippet that makes a request also starts it (a
// ClientRequest sends nothing until end()), as a new user copies them.

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')

const README = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8')

test('every README snippet that makes a ClientRequest ends it', () => {
  const snippets = [...README.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1])
  const making = snippets.filter((code) => /\bnet\.request\(|\bnew ClientRequest\(/.test(code))
  assert.ok(making.length >= 2, 'the first-request and sessions snippets make requests')
  for (const code of making) {
    const requests = (code.match(/\bnet\.request\(|\bnew ClientRequest\(/g) || []).length
    const ends = (code.match(/\.end\(/g) || []).length
    assert.ok(ends >= requests, `a request that is never ended:\n${code}`)
  }
})
