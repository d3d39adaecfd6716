'use strict'

// The session's HTTP cache (docs/behaviour.md#the-http-cache): freshness,
// ETag and Last-Modified revalidation, Vary, the `cache` request option
// (default, no-store, reload, no-cache, force-cache, only-if-cached),
// invalidation by unsafe methods, getCacheSize / clearCache,
// `response.fromCache`, caches per session, a persist: partition's cache
// across a process restart, and fromPartition(name, { cache: false }). Each
// test uses its own partition (one cache each) and counts what reaches its
// server.

const { test } = require('node:test')
const assert = require('node:assert/strict')

const net = require('..')
const { startHttpServer } = require('./helpers/servers')
const { makeTempDir, fetchText, runChild } = require('./helpers/sessions')

const DATA_DIR = makeTempDir()
net.setDataPath(DATA_DIR)

/**
 * Starts a server answering every GET with `respond(req, hit)` where hit
 * counts the requests to that path (1 for the first). `respond` returns
 * { status, headers, body }. `srv.hits(path)` tells how many requests the
 * path got.
 */
async function cacheServer (respond) {
  const counts = new Map()
  const srv = await startHttpServer((req, res) => {
    const { pathname } = new URL(req.url, 'http://x')
    const hit = (counts.get(pathname) || 0) + 1
    counts.set(pathname, hit)
    const { status = 200, headers = {}, body = '' } = respond(req, hit, pathname)
    res.writeHead(status, headers)
    res.end(body)
  })
  srv.hits = (pathname) => counts.get(pathname) || 0
  return srv
}

/** A response fresh for ten minutes whose body names the hit. */
const freshFor10Minutes = (req, hit, pathname) => ({
  headers: { 'content-type': 'text/plain', 'cache-control': 'max-age=600' },
  body: `${pathname} #${hit}`
})

test('a fresh max-age response is served from the cache without contacting the server', { timeout: 20000 }, async (t) => {
  const srv = await cacheServer(freshFor10Minutes)
  t.after(() => srv.close())
  const session = net.session.fromPartition('cache-fresh')
  const url = srv.origin + '/fresh'

  const first = await fetchText(net, { url, session })
  assert.equal(first.fromCache, false)
  assert.equal(first.body, '/fresh #1')
  const second = await fetchText(net, { url, session })
  assert.equal(second.fromCache, true)
  assert.equal(second.statusCode, 200)
  assert.equal(second.body, '/fresh #1')
  assert.equal(second.headers['content-type'], 'text/plain')
  assert.equal(second.headers['cache-control'], 'max-age=600')
  const third = await fetchText(net, { url, session, cache: 'default' })
  assert.equal(third.fromCache, true)
  assert.equal(srv.hits('/fresh'), 1)
})

test('the cache is per session', { timeout: 20000 }, async (t) => {
  const srv = await cacheServer(freshFor10Minutes)
  t.after(() => srv.close())
  const url = srv.origin + '/per-session'

  await fetchText(net, { url, partition: 'cache-per-session-a' })
  const other = await fetchText(net, { url, partition: 'cache-per-session-b' })
  assert.equal(other.fromCache, false)
  assert.equal(other.body, '/per-session #2')
  const again = await fetchText(net, { url, partition: 'cache-per-session-a' })
  assert.equal(again.fromCache, true)
  assert.equal(again.body, '/per-session #1')
  assert.equal(srv.hits('/per-session'), 2)
})

test("cache: 'no-store' neither reads nor writes the cache", { timeout: 20000 }, async (t) => {
  const srv = await cacheServer(freshFor10Minutes)
  t.after(() => srv.close())
  const session = net.session.fromPartition('cache-no-store')
  const url = srv.origin + '/no-store'

  const unstored = await fetchText(net, { url, session, cache: 'no-store' })
  assert.equal(unstored.fromCache, false)
  assert.equal(await session.getCacheSize(), 0)
  const stored = await fetchText(net, { url, session })
  assert.equal(stored.fromCache, false, 'the no-store answer was not kept')
  assert.equal(stored.body, '/no-store #2')

  const bypass = await fetchText(net, { url, session, cache: 'no-store' })
  assert.equal(bypass.fromCache, false)
  assert.equal(bypass.body, '/no-store #3')
  const cached = await fetchText(net, { url, session })
  assert.equal(cached.fromCache, true)
  assert.equal(cached.body, '/no-store #2', 'the no-store answer did not replace the entry')
  assert.equal(srv.hits('/no-store'), 3)
})

test("cache: 'reload' goes to the server and stores the answer", { timeout: 20000 }, async (t) => {
  const srv = await cacheServer(freshFor10Minutes)
  t.after(() => srv.close())
  const session = net.session.fromPartition('cache-reload')
  const url = srv.origin + '/reload'

  await fetchText(net, { url, session })
  const reloaded = await fetchText(net, { url, session, cache: 'reload' })
  assert.equal(reloaded.fromCache, false)
  assert.equal(reloaded.body, '/reload #2')
  assert.equal(srv.requests.at(-1).headers['if-none-match'], undefined)
  assert.equal(srv.requests.at(-1).headers['if-modified-since'], undefined)
  const cached = await fetchText(net, { url, session })
  assert.equal(cached.fromCache, true)
  assert.equal(cached.body, '/reload #2')
  assert.equal(srv.hits('/reload'), 2)
})

test("cache: 'no-cache' revalidates with If-None-Match; a 304 is served from the cache", { timeout: 20000 }, async (t) => {
  const srv = await cacheServer((req, hit, pathname) => {
    if (req.headers['if-none-match'] === '"v1"') {
      return { status: 304, headers: { etag: '"v1"', 'cache-control': 'max-age=600' } }
    }
    return {
      headers: { 'content-type': 'text/plain', etag: '"v1"', 'cache-control': 'max-age=600' },
      body: `${pathname} #${hit}`
    }
  })
  t.after(() => srv.close())
  const session = net.session.fromPartition('cache-no-cache')
  const url = srv.origin + '/etag'

  await fetchText(net, { url, session })
  const revalidated = await fetchText(net, { url, session, cache: 'no-cache' })
  assert.equal(srv.hits('/etag'), 2, 'no-cache contacts the server even for a fresh entry')
  assert.equal(srv.requests[1].headers['if-none-match'], '"v1"')
  assert.equal(revalidated.statusCode, 200)
  assert.equal(revalidated.fromCache, true)
  assert.equal(revalidated.body, '/etag #1')
  assert.equal(revalidated.headers['content-type'], 'text/plain')
})

test('a stale entry is revalidated by default: ETag and Last-Modified, 304 or a new body', { timeout: 20000 }, async (t) => {
  const lastModified = new Date(Date.now() - 86400e3).toUTCString()
  let changed = false
  const srv = await cacheServer((req, hit, pathname) => {
    const conditional = pathname === '/stale-etag'
      ? req.headers['if-none-match'] === '"s1"'
      : req.headers['if-modified-since'] === lastModified
    if (conditional && !changed) return { status: 304, headers: { 'cache-control': 'max-age=0' } }
    const validator = pathname === '/stale-etag' ? { etag: changed ? '"s2"' : '"s1"' } : { 'last-modified': lastModified }
    return { headers: { 'cache-control': 'max-age=0', ...validator }, body: `${pathname} #${hit}` }
  })
  t.after(() => srv.close())
  const session = net.session.fromPartition('cache-stale')

  for (const pathname of ['/stale-etag', '/stale-date']) {
    const url = srv.origin + pathname
    const first = await fetchText(net, { url, session })
    assert.equal(first.fromCache, false)
    const second = await fetchText(net, { url, session })
    assert.equal(srv.hits(pathname), 2, `${pathname}: a stale entry goes to the server`)
    assert.equal(second.fromCache, true, `${pathname}: the 304 is served from the cache`)
    assert.equal(second.statusCode, 200)
    assert.equal(second.body, `${pathname} #1`)
  }
  const byPath = (p) => srv.requests.filter((r) => r.url === p)
  assert.equal(byPath('/stale-etag')[1].headers['if-none-match'], '"s1"')
  assert.equal(byPath('/stale-date')[1].headers['if-modified-since'], lastModified)

  // A 200 to a revalidation replaces the entry.
  changed = true
  const fresh = await fetchText(net, { url: srv.origin + '/stale-etag', session })
  assert.equal(fresh.fromCache, false)
  assert.equal(fresh.body, '/stale-etag #3')
})

test("cache: 'force-cache' takes a stale entry; 'only-if-cached' too", { timeout: 20000 }, async (t) => {
  const srv = await cacheServer((req, hit, pathname) => ({
    headers: { 'cache-control': 'max-age=0', etag: '"f"' },
    body: `${pathname} #${hit}`
  }))
  t.after(() => srv.close())
  const session = net.session.fromPartition('cache-force')
  const url = srv.origin + '/stale'

  await fetchText(net, { url, session })
  const forced = await fetchText(net, { url, session, cache: 'force-cache' })
  assert.equal(forced.fromCache, true)
  assert.equal(forced.body, '/stale #1')
  const onlyCached = await fetchText(net, { url, session, cache: 'only-if-cached' })
  assert.equal(onlyCached.fromCache, true)
  assert.equal(onlyCached.body, '/stale #1')
  assert.equal(srv.hits('/stale'), 1)

  // force-cache on a miss goes to the network.
  const missed = await fetchText(net, { url: srv.origin + '/force-miss', session, cache: 'force-cache' })
  assert.equal(missed.fromCache, false)
  assert.equal(srv.hits('/force-miss'), 1)
})

test("cache: 'only-if-cached' fails a miss with net::ERR_CACHE_MISS", { timeout: 20000 }, async (t) => {
  const srv = await cacheServer(freshFor10Minutes)
  t.after(() => srv.close())
  const session = net.session.fromPartition('cache-only-if-cached')

  const request = net.request({ url: srv.origin + '/never', session, cache: 'only-if-cached' })
  const events = []
  let error = null
  request.on('response', () => events.push('response'))
  request.on('error', (err) => { events.push('error'); error = err })
  const closed = new Promise((resolve) => request.once('close', () => { events.push('close'); resolve() }))
  request.end()
  await closed
  assert.ok(error instanceof Error)
  assert.equal(error.message, 'net::ERR_CACHE_MISS')
  assert.equal(error.code, 'ERR_CACHE_MISS')
  assert.deepEqual(events, ['error', 'close'])
  assert.equal(srv.requests.length, 0)
})

test('Vary: X-Lang keeps one variant per value', { timeout: 20000 }, async (t) => {
  const srv = await cacheServer((req, hit) => ({
    headers: { 'cache-control': 'max-age=600', vary: 'X-Lang' },
    body: `${req.headers['x-lang'] || 'none'} #${hit}`
  }))
  t.after(() => srv.close())
  const session = net.session.fromPartition('cache-vary')
  const url = srv.origin + '/vary'
  const get = (lang) => fetchText(net, { url, session, headers: lang ? { 'X-Lang': lang } : {} })

  const en = await get('en')
  const fr = await get('fr')
  assert.deepEqual([en.body, en.fromCache, fr.body, fr.fromCache], ['en #1', false, 'fr #2', false])
  const enAgain = await get('en')
  const frAgain = await get('fr')
  assert.deepEqual([enAgain.body, enAgain.fromCache, frAgain.body, frAgain.fromCache], ['en #1', true, 'fr #2', true])
  assert.equal(srv.hits('/vary'), 2)

  const none = await get(null)
  assert.equal(none.fromCache, false, 'no X-Lang is another variant')
  assert.equal(none.body, 'none #3')
  assert.equal(srv.hits('/vary'), 3)
})

test('a POST to a cached URL invalidates it', { timeout: 20000 }, async (t) => {
  const srv = await startHttpServer((req, res) => {
    res.writeHead(200, { 'cache-control': 'max-age=600' })
    res.end(`${req.method} ${srv.requests.length}`)
  })
  t.after(() => srv.close())
  const session = net.session.fromPartition('cache-post')
  const url = srv.origin + '/resource'

  await fetchText(net, { url, session })
  assert.equal((await fetchText(net, { url, session })).fromCache, true)
  const posted = await fetchText(net, { url, session, method: 'POST' }, { body: 'change' })
  assert.equal(posted.fromCache, false)
  assert.equal(posted.body, 'POST 2')
  const after = await fetchText(net, { url, session })
  assert.equal(after.fromCache, false)
  assert.equal(after.body, 'GET 3')
  assert.deepEqual(srv.requests.map((r) => r.method), ['GET', 'POST', 'GET'])
})

test('getCacheSize grows with entries; clearCache empties the cache', { timeout: 20000 }, async (t) => {
  const srv = await cacheServer((req, hit, pathname) => ({
    headers: { 'cache-control': 'max-age=600' },
    body: pathname.repeat(200)
  }))
  t.after(() => srv.close())
  const session = net.session.fromPartition('cache-size')

  const empty = session.getCacheSize()
  assert.ok(empty instanceof Promise)
  assert.equal(await empty, 0)
  await fetchText(net, { url: srv.origin + '/one', session })
  const one = await session.getCacheSize()
  assert.ok(one > 0, `size ${one}`)
  await fetchText(net, { url: srv.origin + '/two', session })
  const two = await session.getCacheSize()
  assert.ok(two > one, `size ${two} after ${one}`)

  const cleared = session.clearCache()
  assert.ok(cleared instanceof Promise)
  assert.equal(await cleared, undefined)
  assert.equal(await session.getCacheSize(), 0)
  const refetched = await fetchText(net, { url: srv.origin + '/one', session })
  assert.equal(refetched.fromCache, false)
  assert.equal(srv.hits('/one'), 2)
})

test('fromPartition(name, { cache: false }) never caches', { timeout: 20000 }, async (t) => {
  const srv = await cacheServer(freshFor10Minutes)
  t.after(() => srv.close())
  const session = net.session.fromPartition('cache-disabled', { cache: false })
  const url = srv.origin + '/uncached'

  const first = await fetchText(net, { url, session })
  const second = await fetchText(net, { url, session })
  const third = await fetchText(net, { url, session, cache: 'force-cache' })
  assert.deepEqual([first.fromCache, second.fromCache, third.fromCache], [false, false, false])
  assert.deepEqual([first.body, second.body, third.body], ['/uncached #1', '/uncached #2', '/uncached #3'])
  assert.equal(srv.hits('/uncached'), 3)
  assert.equal(await session.getCacheSize(), 0)
})

test("a persist: partition's cache survives a process restart", { timeout: 20000 }, async (t) => {
  const srv = await cacheServer(freshFor10Minutes)
  t.after(() => srv.close())
  const env = { GO_NET_REQUEST_DATA: makeTempDir(), URL: srv.origin + '/kept' }
  const script = `
    const session = net.session.fromPartition('persist:disk-cache')
    const { body, fromCache } = await fetchText({ url: process.env.URL, session })
    await out({ body, fromCache, size: await session.getCacheSize() })
  `
  const first = await runChild(script, { env })
  assert.equal(first.code, 0, first.stderr)
  assert.equal(first.result.body, '/kept #1')
  assert.equal(first.result.fromCache, false)
  assert.ok(first.result.size > 0)

  const second = await runChild(script, { env })
  assert.equal(second.code, 0, second.stderr)
  assert.equal(second.result.body, '/kept #1')
  assert.equal(second.result.fromCache, true)
  assert.equal(srv.hits('/kept'), 1)
})

test('an in-memory partition does not keep its cache across processes', { timeout: 20000 }, async (t) => {
  const srv = await cacheServer(freshFor10Minutes)
  t.after(() => srv.close())
  const env = { GO_NET_REQUEST_DATA: makeTempDir(), URL: srv.origin + '/memory' }
  const script = `
    const { fromCache } = await fetchText({ url: process.env.URL, partition: 'memory-cache' })
    await out(fromCache)
  `
  assert.equal((await runChild(script, { env })).result, false)
  assert.equal((await runChild(script, { env })).result, false)
  assert.equal(srv.hits('/memory'), 2)
})
