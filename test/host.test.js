'use strict'

// net.resolveHost and session.resolveHost (docs/behaviour.md#sessions),
// net.isOnline and net.online, and the request policies of
// docs/behaviour.md#cookies-origin-and-referrer: Origin from the `origin`
// option on requests that are not GET/HEAD, the Referer computed from the
// app's Referer header (or fetch's referrer) under referrerPolicy and
// recomputed on every redirect hop (downgrade to http strips it, a
// cross-origin hop keeps only the origin), priority accepted, Sec-Fetch-*
// passed through.
//
// Names resolved here are only localhost, *.localhost, *.invalid and IP
// literals: never a real name.

const { trustTestCA } = require('./helpers/tls')
trustTestCA() // before the library loads: Go reads SSL_CERT_FILE once

const test = require('node:test')
const assert = require('node:assert/strict')
const os = require('node:os')

const net = require('..')
const { startHttpServer, startHttpsServer, respondRoutes } = require('./helpers/servers')
const { collectBody } = require('./helpers/events')

/** A handler that answers 200 'ok'. */
function ok (req, res) {
  res.writeHead(200, { 'content-type': 'text/plain' })
  res.end('ok')
}

/** A handler that redirects (302) to `location`. */
function redirectTo (location) {
  return (req, res) => {
    res.writeHead(302, { location, 'content-length': '0' })
    res.end()
  }
}

/**
 * Runs net.request(options) with `body` to the end of its response body;
 * resolves with the response, rejects with the request's error.
 */
function send (options, body) {
  return new Promise((resolve, reject) => {
    const request = net.request(options)
    request.on('error', reject)
    request.on('response', (response) => {
      collectBody(response).then(() => resolve(response), reject)
    })
    request.end(body)
  })
}

/** How many times `name` (any case) appears in a recorded request's rawHeaders. */
function countHeader (recorded, name) {
  let n = 0
  for (let i = 0; i < recorded.rawHeaders.length; i += 2) {
    if (recorded.rawHeaders[i].toLowerCase() === name) n++
  }
  return n
}

/** Asserts `promise` rejects with net::ERR_NAME_NOT_RESOLVED and its code. */
async function assertNotResolved (promise, why) {
  await assert.rejects(promise, (err) => {
    assert.ok(err instanceof Error, why)
    assert.equal(err.message, 'net::ERR_NAME_NOT_RESOLVED', why)
    assert.equal(err.code, 'ERR_NAME_NOT_RESOLVED', why)
    return true
  })
}

// resolveHost

test('resolveHost(localhost) answers 127.0.0.1 and ::1 with their families; A only 127.0.0.1, AAAA only ::1', { timeout: 20000 }, async () => {
  const both = await net.resolveHost('localhost')
  assert.deepEqual(Object.keys(both), ['endpoints'])
  assert.deepEqual(
    [...both.endpoints].sort((a, b) => a.address.localeCompare(b.address)),
    [{ address: '127.0.0.1', family: 'ipv4' }, { address: '::1', family: 'ipv6' }].sort((a, b) => a.address.localeCompare(b.address)))
  assert.deepEqual(await net.resolveHost('localhost', { queryType: 'A' }), { endpoints: [{ address: '127.0.0.1', family: 'ipv4' }] })
  assert.deepEqual(await net.resolveHost('localhost', { queryType: 'AAAA' }), { endpoints: [{ address: '::1', family: 'ipv6' }] })
})

test('resolveHost of IP literals answers the literal; a literal of the other family than queryType rejects net::ERR_NAME_NOT_RESOLVED', { timeout: 20000 }, async () => {
  assert.deepEqual(await net.resolveHost('127.0.0.1'), { endpoints: [{ address: '127.0.0.1', family: 'ipv4' }] })
  assert.deepEqual(await net.resolveHost('127.0.0.1', { queryType: 'A' }), { endpoints: [{ address: '127.0.0.1', family: 'ipv4' }] })
  assert.deepEqual(await net.resolveHost('::1'), { endpoints: [{ address: '::1', family: 'ipv6' }] })
  assert.deepEqual(await net.resolveHost('::1', { queryType: 'AAAA' }), { endpoints: [{ address: '::1', family: 'ipv6' }] })
  await assertNotResolved(net.resolveHost('127.0.0.1', { queryType: 'AAAA' }), 'IPv4 literal, AAAA')
  await assertNotResolved(net.resolveHost('::1', { queryType: 'A' }), 'IPv6 literal, A')
})

test('resolveHost of a name under .invalid rejects net::ERR_NAME_NOT_RESOLVED with its code, for every option set', { timeout: 20000 }, async () => {
  await assertNotResolved(net.resolveHost('no-such-host.invalid'), 'default options')
  await assertNotResolved(net.resolveHost('deeper.name.invalid', { queryType: 'A' }), 'A')
  await assertNotResolved(net.resolveHost('no-such-host.invalid', { queryType: 'AAAA', source: 'dns', cacheUsage: 'disallowed' }), 'AAAA, dns')
  await assertNotResolved(net.resolveHost('no-such-host.invalid', { source: 'localOnly', secureDnsPolicy: 'disable' }), 'localOnly')
})

test("resolveHost accepts Electron's options (source, cacheUsage, secureDnsPolicy) and *.localhost names", { timeout: 20000 }, async () => {
  for (const source of ['any', 'system', 'dns', 'mdns', 'localOnly']) {
    for (const cacheUsage of ['allowed', 'staleAllowed', 'disallowed']) {
      for (const secureDnsPolicy of ['allow', 'disable']) {
        const result = await net.resolveHost('localhost', { queryType: 'A', source, cacheUsage, secureDnsPolicy })
        assert.deepEqual(result, { endpoints: [{ address: '127.0.0.1', family: 'ipv4' }] }, `${source} ${cacheUsage} ${secureDnsPolicy}`)
      }
    }
  }
  const sub = await net.resolveHost('app.localhost', { queryType: 'AAAA' })
  assert.deepEqual(sub, { endpoints: [{ address: '::1', family: 'ipv6' }] })
})

test('resolveHost rejects option values outside Electron\'s with a TypeError', { timeout: 20000 }, async () => {
  const wrapped = (options) => (async () => net.resolveHost('localhost', options))()
  for (const options of [{ queryType: 'MX' }, { source: 'carrier-pigeon' }, { cacheUsage: 'sometimes' }, { secureDnsPolicy: 'secure' }]) {
    await assert.rejects(wrapped(options), TypeError, JSON.stringify(options))
  }
})

test('session.resolveHost answers as net.resolveHost does, per session', { timeout: 20000 }, async () => {
  const session = net.session.fromPartition('host-test-dns')
  assert.deepEqual(await session.resolveHost('localhost', { queryType: 'A' }), { endpoints: [{ address: '127.0.0.1', family: 'ipv4' }] })
  assert.deepEqual(await net.session.defaultSession.resolveHost('::1'), { endpoints: [{ address: '::1', family: 'ipv6' }] })
  await assertNotResolved(session.resolveHost('nothing.invalid'), 'session')
})

// isOnline

test('isOnline() is a boolean equal to net.online: whether a non-loopback interface is up with an address', () => {
  const online = net.isOnline()
  assert.equal(typeof online, 'boolean')
  assert.equal(net.online, online)
  // os.networkInterfaces lists the interfaces that are up, with their addresses.
  const expected = Object.values(os.networkInterfaces()).some((addresses) => (addresses || []).some((a) => !a.internal))
  assert.equal(online, expected)
})

// Origin

test('the origin option is sent as Origin on POST/PUT/DELETE but not on GET or HEAD; an app-set Origin wins', { timeout: 20000 }, async (t) => {
  const srv = await startHttpServer(ok)
  t.after(() => srv.close())
  const origin = 'http://localhost:9999'

  for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
    await send({ url: srv.url, method, origin }, method === 'POST' ? 'body' : undefined)
    const seen = srv.requests.at(-1)
    assert.equal(seen.method, method)
    assert.equal(seen.headers.origin, origin, method)
    assert.equal(countHeader(seen, 'origin'), 1, method)
  }
  for (const method of ['GET', 'HEAD']) {
    await send({ url: srv.url, method, origin })
    const seen = srv.requests.at(-1)
    assert.equal(seen.method, method)
    assert.equal(seen.headers.origin, undefined, method)
  }
  // No origin option: no Origin.
  await send({ url: srv.url, method: 'POST' }, 'x')
  assert.equal(srv.requests.at(-1).headers.origin, undefined)
  // The app's own Origin header is sent as given, once.
  await send({ url: srv.url, method: 'POST', origin, headers: { Origin: 'http://app.example' } }, 'x')
  assert.equal(srv.requests.at(-1).headers.origin, 'http://app.example')
  assert.equal(countHeader(srv.requests.at(-1), 'origin'), 1)
})

test('Sec-Fetch-Site follows the origin option: same-origin, cross-site, none without one', { timeout: 20000 }, async (t) => {
  const srv = await startHttpServer(ok)
  t.after(() => srv.close())

  await send({ url: srv.url, method: 'POST', origin: srv.origin }, 'x')
  assert.equal(srv.requests.at(-1).headers['sec-fetch-site'], 'same-origin')
  await send({ url: srv.url, method: 'POST', origin: `http://localhost:${srv.port}` }, 'x')
  assert.equal(srv.requests.at(-1).headers['sec-fetch-site'], 'cross-site')
  await send({ url: srv.url })
  assert.equal(srv.requests.at(-1).headers['sec-fetch-site'], 'none')
})

// Sec-Fetch-* and priority

test('Sec-Fetch-* headers the app sets are passed through as given, once each; the defaults otherwise', { timeout: 20000 }, async (t) => {
  const srv = await startHttpServer(ok)
  t.after(() => srv.close())
  const mine = {
    'Sec-Fetch-Site': 'same-site',
    'Sec-Fetch-Mode': 'navigate',
    'Sec-Fetch-Dest': 'document',
    'Sec-Fetch-User': '?1'
  }

  await send({ url: srv.url, headers: mine })
  const viaRequest = srv.requests.at(-1)
  for (const [name, value] of Object.entries(mine)) {
    assert.equal(viaRequest.headers[name.toLowerCase()], value, name)
    assert.equal(countHeader(viaRequest, name.toLowerCase()), 1, name)
  }

  await (await net.fetch(srv.url, { headers: mine })).text()
  const viaFetch = srv.requests.at(-1)
  for (const [name, value] of Object.entries(mine)) {
    assert.equal(viaFetch.headers[name.toLowerCase()], value, `fetch ${name}`)
    assert.equal(countHeader(viaFetch, name.toLowerCase()), 1, `fetch ${name}`)
  }

  await send({ url: srv.url })
  const defaults = srv.requests.at(-1)
  assert.equal(defaults.headers['sec-fetch-site'], 'none')
  assert.equal(defaults.headers['sec-fetch-mode'], 'no-cors')
  assert.equal(defaults.headers['sec-fetch-dest'], 'empty')
  assert.equal(defaults.headers['sec-fetch-user'], undefined)
})

test('priority and priorityIncremental are accepted by net.request', { timeout: 20000 }, async (t) => {
  const srv = await startHttpServer(ok)
  t.after(() => srv.close())
  for (const priority of ['throttled', 'idle', 'lowest', 'low', 'medium', 'highest']) {
    const res = await send({ url: srv.url, priority, priorityIncremental: priority === 'low' })
    assert.equal(res.statusCode, 200, priority)
  }
})

// Referer

test('Referer: a same-origin Referer header is sent in full, without fragment or credentials; none unless the app set one', { timeout: 20000 }, async (t) => {
  const srv = await startHttpServer(ok)
  t.after(() => srv.close())

  await send({ url: srv.url, headers: { Referer: `${srv.origin}/page?q=1` } })
  assert.equal(srv.requests.at(-1).headers.referer, `${srv.origin}/page?q=1`)
  await send({ url: srv.url, headers: { Referer: `http://user:secret@127.0.0.1:${srv.port}/page#frag` } })
  assert.equal(srv.requests.at(-1).headers.referer, `${srv.origin}/page`)
  await send({ url: srv.url })
  assert.equal(srv.requests.at(-1).headers.referer, undefined)
  await (await net.fetch(srv.url)).text()
  assert.equal(srv.requests.at(-1).headers.referer, undefined, 'fetch without a referrer')
  await (await net.fetch(srv.url, { referrer: `${srv.origin}/from?x=2#f` })).text()
  assert.equal(srv.requests.at(-1).headers.referer, `${srv.origin}/from?x=2`, 'fetch with a same-origin referrer')
})

test('Referer is recomputed on a cross-origin redirect hop (127.0.0.1 to localhost): only the origin is sent', { timeout: 20000 }, async (t) => {
  const target = await startHttpServer(ok)
  t.after(() => target.close())
  const targetURL = `http://localhost:${target.port}/land`
  const start = await startHttpServer(respondRoutes({ '/go': redirectTo(targetURL) }))
  t.after(() => start.close())

  const referrer = `${start.origin}/page?secret=1`
  const res = await send({ url: `${start.origin}/go`, headers: { Referer: referrer } })
  assert.equal(res.statusCode, 200)
  assert.equal(start.requests[0].headers.referer, referrer, 'the same-origin hop: in full')
  assert.equal(target.requests[0].headers.referer, `${start.origin}/`, 'the cross-origin hop: the origin only')
})

test('fetch with a cross-origin referrer (127.0.0.1 page, localhost target) sends only its origin', { timeout: 20000 }, async (t) => {
  const target = await startHttpServer(ok)
  t.after(() => target.close())

  const res = await net.fetch(`http://localhost:${target.port}/x`, { referrer: 'http://127.0.0.1:1234/page?secret=1' })
  assert.equal(await res.text(), 'ok')
  assert.equal(target.requests[0].headers.referer, 'http://127.0.0.1:1234/')
  const res2 = await net.fetch(`http://localhost:${target.port}/y`, { headers: { Referer: 'http://127.0.0.1:1234/page?secret=1' } })
  assert.equal(await res2.text(), 'ok')
  assert.equal(target.requests[1].headers.referer, 'http://127.0.0.1:1234/', 'a Referer header under fetch')
})

test('Referer is stripped on a redirect from https to http (downgrade) under the default policy', { timeout: 20000 }, async (t) => {
  const plain = await startHttpServer(ok)
  t.after(() => plain.close())
  const secure = await startHttpsServer(respondRoutes({ '/go': redirectTo(`${plain.origin}/land`) }))
  t.after(() => secure.close())

  const referrer = `${secure.origin}/page?secret=1`
  const res = await send({ url: `${secure.origin}/go`, headers: { Referer: referrer } })
  assert.equal(res.statusCode, 200)
  assert.equal(secure.requests[0].headers.referer, referrer, 'the https hop: in full')
  assert.equal(plain.requests.length, 1)
  assert.equal(plain.requests[0].headers.referer, undefined, 'the http hop: none')

  // The same through fetch.
  const viaFetch = await net.fetch(`${secure.origin}/go`, { referrer })
  assert.equal(await viaFetch.text(), 'ok')
  assert.equal(viaFetch.redirected, true)
  assert.equal(secure.requests[1].headers.referer, referrer)
  assert.equal(plain.requests[1].headers.referer, undefined)
})

test('fetch with an https referrer to an http 127.0.0.1 target sends no Referer', { timeout: 20000 }, async (t) => {
  const plain = await startHttpServer(ok)
  t.after(() => plain.close())

  await (await net.fetch(plain.url, { referrer: `https://127.0.0.1:${plain.port}/page` })).text()
  assert.equal(plain.requests[0].headers.referer, undefined)
  await (await net.fetch(plain.url, { referrer: 'https://localhost/page', referrerPolicy: 'strict-origin-when-cross-origin' })).text()
  assert.equal(plain.requests[1].headers.referer, undefined)
})

test('every referrerPolicy across a same-origin hop then a cross-origin hop (net.request)', { timeout: 20000 }, async (t) => {
  const target = await startHttpServer(ok)
  t.after(() => target.close())
  const start = await startHttpServer(respondRoutes({ '/go': redirectTo(`http://localhost:${target.port}/land`) }))
  t.after(() => start.close())
  const full = `${start.origin}/page?q=1`
  const origin = `${start.origin}/`
  const expected = {
    'no-referrer': [undefined, undefined],
    'unsafe-url': [full, full],
    origin: [origin, origin],
    'strict-origin': [origin, origin],
    'no-referrer-when-downgrade': [full, full],
    'same-origin': [full, undefined],
    'origin-when-cross-origin': [full, origin],
    'strict-origin-when-cross-origin': [full, origin],
    default: [full, origin]
  }
  for (const [policy, [first, second]] of Object.entries(expected)) {
    const options = { url: `${start.origin}/go`, headers: { Referer: full } }
    if (policy !== 'default') options.referrerPolicy = policy
    await send(options)
    assert.equal(start.requests.at(-1).headers.referer, first, `${policy}: same-origin hop`)
    assert.equal(target.requests.at(-1).headers.referer, second, `${policy}: cross-origin hop`)
  }
})

test('every referrerPolicy across an https hop then a downgrade to http (net.request and fetch)', { timeout: 20000 }, async (t) => {
  const plain = await startHttpServer(ok)
  t.after(() => plain.close())
  const secure = await startHttpsServer(respondRoutes({ '/go': redirectTo(`${plain.origin}/land`) }))
  t.after(() => secure.close())
  const full = `${secure.origin}/page?q=1`
  const origin = `${secure.origin}/`
  const expected = {
    'no-referrer': [undefined, undefined],
    'unsafe-url': [full, full],
    origin: [origin, origin],
    'strict-origin': [origin, undefined],
    'no-referrer-when-downgrade': [full, undefined],
    'same-origin': [full, undefined],
    'origin-when-cross-origin': [full, origin],
    'strict-origin-when-cross-origin': [full, undefined]
  }
  for (const [policy, [first, second]] of Object.entries(expected)) {
    await send({ url: `${secure.origin}/go`, headers: { Referer: full }, referrerPolicy: policy })
    assert.equal(secure.requests.at(-1).headers.referer, first, `${policy}: https hop`)
    assert.equal(plain.requests.at(-1).headers.referer, second, `${policy}: http hop`)

    await (await net.fetch(`${secure.origin}/go`, { referrer: full, referrerPolicy: policy })).text()
    assert.equal(secure.requests.at(-1).headers.referer, first, `fetch ${policy}: https hop`)
    assert.equal(plain.requests.at(-1).headers.referer, second, `fetch ${policy}: http hop`)
  }
})
