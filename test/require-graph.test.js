'use strict'
// lib/'s modules depend on each other one way: no require cycle, counting
// the requires inside functions too (a lazy require hides a cycle from
// Node, not from a reader). Read from the sources, without loading them.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')

const root = path.resolve(__dirname, '..')
const lib = path.join(root, 'lib')

const REQUIRE_CALL = /\brequire\s*\(/g
const LITERAL_REQUIRE = /^require\s*\(\s*(['"])([^'"]+)\1\s*\)/
// Requires whose argument is not a string literal, which the walk cannot
// follow: only native.js's, which loads the addon (a .node file).
const DYNAMIC_ALLOWED = new Set(['native.js'])

/** The package files a module file requires, top-level and lazy alike. */
function requiresOf (file) {
  const source = fs.readFileSync(file, 'utf8')
  const found = []
  for (const match of source.matchAll(REQUIRE_CALL)) {
    const literal = LITERAL_REQUIRE.exec(source.slice(match.index))
    if (literal === null) {
      if (!DYNAMIC_ALLOWED.has(path.basename(file))) {
        throw new Error(`${path.relative(root, file)}: a require the walk cannot read: ${source.slice(match.index, match.index + 60)}`)
      }
      continue
    }
    const spec = literal[2]
    if (!spec.startsWith('.')) continue // node: built-ins and packages
    found.push(require.resolve(path.resolve(path.dirname(file), spec)))
  }
  return found
}

/** The module graph reached from the given files: file -> files it requires. */
function graphFrom (files) {
  const graph = new Map()
  const pending = [...files]
  while (pending.length > 0) {
    const file = pending.pop()
    if (graph.has(file) || !file.endsWith('.js')) continue
    const edges = requiresOf(file)
    graph.set(file, edges)
    pending.push(...edges)
  }
  return graph
}

/** One cycle of graph as a list of files (first = last), or null. */
function findCycle (graph) {
  const state = new Map() // file -> 'open' while on the path, 'done' after
  const stack = []
  const visit = (file) => {
    state.set(file, 'open')
    stack.push(file)
    for (const next of graph.get(file) || []) {
      if (state.get(next) === 'open') return [...stack.slice(stack.indexOf(next)), next]
      if (!state.has(next)) {
        const cycle = visit(next)
        if (cycle !== null) return cycle
      }
    }
    stack.pop()
    state.set(file, 'done')
    return null
  }
  for (const file of graph.keys()) {
    if (!state.has(file)) {
      const cycle = visit(file)
      if (cycle !== null) return cycle
    }
  }
  return null
}

const entryFiles = [path.join(root, 'index.js'),
  ...fs.readdirSync(lib).filter((name) => name.endsWith('.js')).map((name) => path.join(lib, name))]

test('no require cycle among index.js and lib/*.js, lazy requires included', () => {
  const cycle = findCycle(graphFrom(entryFiles))
  assert.equal(cycle && cycle.map((file) => path.relative(root, file)).join(' -> '), null)
})

test('the cycle check reports a cycle, and nothing for a graph without one', () => {
  const a = path.join(lib, 'a.js')
  const b = path.join(lib, 'b.js')
  const graph = new Map([[a, [b]], [b, []]])
  assert.equal(findCycle(graph), null)
  graph.set(b, [a])
  assert.deepEqual(findCycle(graph), [a, b, a])
})

test('the walk follows requires inside functions', () => {
  const graph = graphFrom(entryFiles)
  const index = path.join(root, 'index.js')
  // index.js requires lib/native.js only inside __engineStats.
  assert.ok(graph.get(index).includes(path.join(lib, 'native.js')), 'index.js -> lib/native.js (lazy) not seen')
})
