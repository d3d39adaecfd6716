'use strict'
// Writes lib/protocol.js, JS's copy of the numbers bridge/bridge.h
// declares (event kinds, flags, spec field positions, modes, verdicts,
// windows, session operations). bridge.h is the one source: the bridge's Go
// reads it through cgo and the shim includes it; JS cannot, so it gets this
// generated copy, and test/protocol.test.js fails when the two differ.
//
//   node scripts/gen-protocol.js           rewrite lib/protocol.js
//   node scripts/gen-protocol.js --check   exit 1 when it is out of date
const fs = require('node:fs')
const path = require('node:path')

const root = path.resolve(__dirname, '..')
const HEADER = path.join(root, 'bridge', 'bridge.h')
const OUTPUT = path.join(root, 'lib', 'protocol.js')

// Each named enum of bridge.h: the JS object it becomes and the prefix its
// names lose (GNR_EV_DATA -> EVENT.DATA); a null object puts the names at
// the top level. An enum of bridge.h missing here stops the generator, so
// a new one is given a JS name or declared C-only on purpose.
const EXPORTS = [
  { cEnum: 'gnr_event_kind', js: 'EVENT', prefix: 'GNR_EV_' },
  { cEnum: 'gnr_event_flags', js: 'EVENT_FLAG', prefix: 'GNR_EVENT_' },
  { cEnum: 'gnr_result_flags', js: 'RESULT_FLAG', prefix: 'GNR_RESULT_' },
  { cEnum: 'gnr_response_flags', js: 'RESPONSE_FLAG', prefix: 'GNR_RESPONSE_' },
  { cEnum: 'gnr_spec_field', js: 'SPEC_FIELD', prefix: 'GNR_SPEC_FIELD_' },
  { cEnum: 'gnr_spec_flags', js: 'SPEC_FLAG', prefix: 'GNR_SPEC_' },
  { cEnum: 'gnr_redirect_mode', js: 'REDIRECT_MODE', prefix: 'GNR_REDIRECT_' },
  { cEnum: 'gnr_cache_mode', js: 'CACHE_MODE', prefix: 'GNR_CACHE_' },
  { cEnum: 'gnr_window', js: null, prefix: 'GNR_' },
  { cEnum: 'gnr_cert_verdict', js: 'CERT_VERDICT', prefix: 'GNR_CERT_' },
  { cEnum: 'gnr_call_op', js: 'OP', prefix: 'GNR_OP_' }
]
// Enums JS never reads: commands are built by the shim's functions.
const C_ONLY = new Set(['gnr_command_kind'])

/** bridge.h without its comments. */
function stripComments (text) {
  return text.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/[^\n]*/g, ' ')
}

// What an enum value may be: integers, names declared before it, and the
// operators bridge.h uses. Anything else is refused, not guessed at.
const VALUE_TOKENS = /^(?:\s+|\d+|[A-Z][A-Z0-9_]*|<<|[-+*|()])*$/

/** Evaluates one enum value expression over the names known so far. */
function evaluate (expression, known, name) {
  if (!VALUE_TOKENS.test(expression)) throw new Error(`bridge.h: cannot read the value of ${name}: ${expression}`)
  const js = expression.replace(/[A-Z][A-Z0-9_]*/g, (ref) => {
    if (!known.has(ref)) throw new Error(`bridge.h: ${name} refers to ${ref}, not declared before it`)
    return `(${known.get(ref)})`
  })
  const value = Function(`'use strict'; return (${js})`)() // eslint-disable-line no-new-func
  if (!Number.isSafeInteger(value) || value > 0x7fffffff || value < -0x80000000) {
    throw new Error(`bridge.h: ${name} = ${value} is not a C int`)
  }
  return value
}

/**
 * Every enum of bridge.h, in order: [{name (null when anonymous), members:
 * [{name, value}]}], with C's rule that a member without a value is the
 * previous one plus one.
 */
function parseHeader (text) {
  const enums = []
  const known = new Map()
  const ENUM = /\benum\s+([A-Za-z_]\w*)?\s*\{([^}]*)\}\s*;/g
  for (const match of stripComments(text).matchAll(ENUM)) {
    const members = []
    let next = 0
    for (const item of match[2].split(',')) {
      if (item.trim() === '') continue
      const member = /^\s*([A-Z][A-Z0-9_]*)\s*(?:=\s*([^]*?))?\s*$/.exec(item)
      if (member === null) throw new Error(`bridge.h: cannot read enum member "${item.trim()}"`)
      const [, name, expression] = member
      const value = expression === undefined ? next : evaluate(expression, known, name)
      if (known.has(name)) throw new Error(`bridge.h: ${name} is declared twice`)
      known.set(name, value)
      members.push({ name, value })
      next = value + 1
    }
    enums.push({ name: match[1] || null, members })
  }
  return enums
}

/** The JS objects lib/protocol.js exports: {EVENT: {DATA: 4, ...}, RESPONSE_WINDOW: ..., ...}. */
function protocolValues (enums) {
  const out = {}
  const seen = new Set()
  for (const { name, members } of enums) {
    if (name === null || C_ONLY.has(name)) continue
    const spec = EXPORTS.find((e) => e.cEnum === name)
    if (spec === undefined) {
      throw new Error(`bridge.h declares enum ${name}, which scripts/gen-protocol.js neither exports nor lists as C-only`)
    }
    seen.add(name)
    const target = spec.js === null ? out : (out[spec.js] = {})
    for (const member of members) {
      if (!member.name.startsWith(spec.prefix)) throw new Error(`bridge.h: ${member.name} in enum ${name} lacks the prefix ${spec.prefix}`)
      target[member.name.slice(spec.prefix.length)] = member.value
    }
  }
  const missing = EXPORTS.filter((e) => !seen.has(e.cEnum)).map((e) => e.cEnum)
  if (missing.length > 0) throw new Error(`bridge.h no longer declares enum ${missing.join(', ')}`)
  return out
}

/** lib/protocol.js's text for the header text given. */
function render (headerText) {
  const values = protocolValues(parseHeader(headerText))
  const lines = [
    "'use strict'",
    '// GENERATED by scripts/gen-protocol.js from bridge/bridge.h: do not edit.',
    '// The numbers JS shares with the engine; what each means is documented in',
    '// bridge.h and docs/bridge-protocol.md. test/protocol.test.js fails when',
    '// this file and the header differ: run `node scripts/gen-protocol.js`.',
    'module.exports = Object.freeze({'
  ]
  const entries = Object.entries(values)
  entries.forEach(([key, value], i) => {
    const comma = i < entries.length - 1 ? ',' : ''
    if (typeof value === 'number') {
      lines.push(`  ${key}: ${value}${comma}`)
      return
    }
    const members = Object.entries(value).map(([k, v]) => `    ${k}: ${v}`)
    lines.push(`  ${key}: Object.freeze({`, members.join(',\n'), `  })${comma}`)
  })
  lines.push('})', '')
  return lines.join('\n')
}

module.exports = { HEADER, OUTPUT, EXPORTS, parseHeader, protocolValues, render }

if (require.main === module) {
  const text = render(fs.readFileSync(HEADER, 'latin1'))
  if (process.argv.includes('--check')) {
    if (fs.readFileSync(OUTPUT, 'utf8') !== text) {
      console.error('lib/protocol.js is out of date with bridge/bridge.h: run `node scripts/gen-protocol.js`')
      process.exit(1)
    }
  } else {
    fs.writeFileSync(OUTPUT, text)
  }
}
