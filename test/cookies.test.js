'use strict'

// Cookies (docs/behaviour.md#cookies-origin-and-referrer): when requests send
// and store the session's cookies (useSessionCookies, credentials include /
// same-origin / omit), an app-set Cookie header, Electron's Cookies API on
// session.cookies (get filters, set, remove, the `changed` event and its
// causes), the public-suffix rule, and persistent partitions: cookies kept
// across process restarts, session cookies not kept, flushStore, and a
// corrupt store. Each test uses its own partitions; the processes that touch
// persist: partitions all use temporary data directories.

const { test } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')

const net = require('..')
const { startHttpServer, startAuthServer, startRawServer, respondRoutes } = require('./helpers/servers')
const { quiet } = require('./helpers/lifecycle')
const { makeTempDir, fetchText, recordCookieChanges, runChild } = require('./helpers/sessions')

const DATA_DIR = makeTempDir()
net.setDataPath(DATA_DIR)

const HOUR = 3600
const inAnHour = () => Date.now() / 1000 + HOUR

/**
 * A server whose '/set' answers with the given Set-Cookie lines and whose
 * every other path answers 'ok'.
 */
function cookieServer (setCookies = ['srv=1']) {
  return startHttpServer(respondRoutes({
    '/set': (req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'set-cookie': setCookies })
      res.end('set')
    },
    '/': (req, res) => res.end('ok'),
    '/page': (req, res) => res.end('ok')
  }))
}

const names = (cookies) => cookies.map((c) => c.name).sort()

// ---------------------------------------------------------------------------
// Which requests send and store cookies

test('cookies are neither sent nor stored by default', { timeout: 20000 }, async (t) => {
  const srv = await cookieServer()
  t.after(() => srv.close())
  const session = net.session.fromPartition('default-off')
  await session.cookies.set({ url: srv.url, name: 'jar', value: '1' })

  await fetchText(net, { url: srv.url, session })
  await fetchText(net, { url: srv.origin + '/set', session })
  await fetchText(net, { url: srv.url, session, useSessionCookies: false })
  assert.deepEqual(srv.requests.map((r) => r.headers.cookie), [undefined, undefined, undefined])
  assert.deepEqual(names(await session.cookies.get({})), ['jar'], 'Set-Cookie was not stored')
})

test('useSessionCookies: true sends the jar and stores Set-Cookie', { timeout: 20000 }, async (t) => {
  const srv = await cookieServer(['sid=abc', 'theme=dark; Path=/'])
  t.after(() => srv.close())
  const session = net.session.fromPartition('use-session-cookies')
  await session.cookies.set({ url: srv.url, name: 'jar', value: '1' })

  await fetchText(net, { url: srv.origin + '/set', session, useSessionCookies: true })
  assert.deepEqual(names(await session.cookies.get({})), ['jar', 'sid', 'theme'])
  await fetchText(net, { url: srv.url, session, useSessionCookies: true })

  assert.equal(srv.requests[0].headers.cookie, 'jar=1')
  assert.equal(srv.requests[1].headers.cookie, 'jar=1; sid=abc; theme=dark')
})

test("credentials: 'include' sends and stores cookies, whatever useSessionCookies says", { timeout: 20000 }, async (t) => {
  const srv = await cookieServer(['inc=1'])
  t.after(() => srv.close())
  const session = net.session.fromPartition('credentials-include')
  await session.cookies.set({ url: srv.url, name: 'jar', value: '1' })

  await fetchText(net, { url: srv.origin + '/set', session, credentials: 'include', useSessionCookies: false })
  await fetchText(net, { url: srv.url, session, credentials: 'include' })
  assert.deepEqual(srv.requests.map((r) => r.headers.cookie), ['jar=1', 'jar=1; inc=1'])
  assert.deepEqual(names(await session.cookies.get({})), ['inc', 'jar'])
})

test("credentials: 'omit' sends and stores no cookies, even with useSessionCookies", { timeout: 20000 }, async (t) => {
  const srv = await cookieServer(['omitted=1'])
  t.after(() => srv.close())
  const session = net.session.fromPartition('credentials-omit')
  await session.cookies.set({ url: srv.url, name: 'jar', value: '1' })

  await fetchText(net, { url: srv.origin + '/set', session, credentials: 'omit', useSessionCookies: true })
  await fetchText(net, { url: srv.url, session, credentials: 'omit' })
  assert.deepEqual(srv.requests.map((r) => r.headers.cookie), [undefined, undefined])
  assert.deepEqual(names(await session.cookies.get({})), ['jar'])
})

test("credentials: 'omit' suppresses login: the 401 is the response", { timeout: 20000 }, async (t) => {
  const srv = await startAuthServer({ scheme: 'basic' })
  t.after(() => srv.close())
  let logins = 0
  const response = await fetchText(net, { url: srv.url, partition: 'omit-login', credentials: 'omit' }, {
    onLogin: (authInfo, callback) => { logins++; callback('user', 'pass') }
  })
  assert.equal(logins, 0)
  assert.equal(response.statusCode, 401)
  assert.equal(response.body, 'denied')
  assert.equal(srv.logins, 0)
})

test("credentials: 'same-origin' needs origin, and sends and stores cookies only for that origin", { timeout: 20000 }, async (t) => {
  const srv = await cookieServer(['so=1'])
  t.after(() => srv.close())
  const session = net.session.fromPartition('credentials-same-origin')
  await session.cookies.set({ url: srv.url, name: 'jar', value: '1' })

  assert.throws(() => net.request({ url: srv.url, session, credentials: 'same-origin' }), {
    name: 'Error',
    message: 'credentials: same-origin requires origin to be set'
  })

  // Another origin (another port): nothing sent, nothing stored.
  const other = 'http://127.0.0.1:1'
  await fetchText(net, { url: srv.origin + '/set', session, credentials: 'same-origin', origin: other })
  await fetchText(net, { url: srv.url, session, credentials: 'same-origin', origin: 'http://localhost:' + srv.port })
  assert.deepEqual(names(await session.cookies.get({})), ['jar'])

  // The URL's own origin (a URL of it counts by its origin): sent and stored.
  await fetchText(net, { url: srv.origin + '/set', session, credentials: 'same-origin', origin: srv.origin })
  await fetchText(net, { url: srv.url, session, credentials: 'same-origin', origin: srv.origin + '/some/page?x=1' })
  assert.deepEqual(srv.requests.map((r) => r.headers.cookie), [undefined, undefined, 'jar=1', 'jar=1; so=1'])
  assert.deepEqual(names(await session.cookies.get({})), ['jar', 'so'])
})

test('a Cookie header set by the app is sent as given', { timeout: 20000 }, async (t) => {
  const srv = await cookieServer()
  t.after(() => srv.close())
  const session = net.session.fromPartition('app-cookie-header')
  await session.cookies.set({ url: srv.url, name: 'jar', value: '1' })

  await fetchText(net, { url: srv.url, session, useSessionCookies: true, headers: { Cookie: 'mine=1; other=2' } })
  await fetchText(net, { url: srv.url, session, headers: { cookie: 'mine=3' } })

  const request = net.request({ url: srv.url, session, credentials: 'include' })
  request.setHeader('Cookie', 'set=later')
  const done = new Promise((resolve, reject) => {
    request.on('response', (res) => { res.resume(); res.on('end', resolve) })
    request.on('error', reject)
  })
  request.end()
  await done

  assert.deepEqual(srv.requests.map((r) => r.headers.cookie), ['mine=1; other=2', 'mine=3', 'set=later'])
  assert.deepEqual(srv.requests.map((r) => r.rawHeaders.filter((v, i) => i % 2 === 0 && /^cookie$/i.test(v)).length),
    [1, 1, 1], 'one Cookie header each')
})

test('Set-Cookie from a response becomes an Electron Cookie', { timeout: 20000 }, async (t) => {
  const srv = await cookieServer([
    'persistent=p; Max-Age=3600; Path=/; HttpOnly; SameSite=Strict',
    'plain=s'
  ])
  t.after(() => srv.close())
  const session = net.session.fromPartition('set-cookie-fields')
  const before = Date.now() / 1000
  await fetchText(net, { url: srv.origin + '/set', session, useSessionCookies: true })

  const [persistent] = await session.cookies.get({ name: 'persistent' })
  const { expirationDate, ...rest } = persistent
  assert.deepEqual(rest, {
    name: 'persistent',
    value: 'p',
    domain: '127.0.0.1',
    hostOnly: true,
    path: '/',
    secure: false,
    httpOnly: true,
    session: false,
    sameSite: 'strict'
  })
  assert.equal(typeof expirationDate, 'number')
  assert.ok(Math.abs(expirationDate - (before + HOUR)) < 5, `expirationDate ${expirationDate}`)

  const [plain] = await session.cookies.get({ name: 'plain' })
  assert.deepEqual(plain, {
    name: 'plain',
    value: 's',
    domain: '127.0.0.1',
    hostOnly: true,
    path: '/',
    secure: false,
    httpOnly: false,
    session: true,
    sameSite: 'unspecified'
  })
})

// ---------------------------------------------------------------------------
// The Cookies API

/** Fills a session with the cookies the filter test looks for. */
async function fillForFilters (cookies) {
  const expirationDate = inAnHour()
  await cookies.set({ url: 'http://www.example.com/', name: 'a', value: '1' })
  await cookies.set({ url: 'http://www.example.com/', name: 'b', value: '2', domain: 'example.com', expirationDate })
  await cookies.set({ url: 'http://www.example.com/sub', name: 'c', value: '3', path: '/sub' })
  await cookies.set({ url: 'https://www.example.com/', name: 'd', value: '4', secure: true })
  await cookies.set({ url: 'http://www.example.com/', name: 'e', value: '5', httpOnly: true })
  await cookies.set({ url: 'http://other.example.org/', name: 'a', value: '6' })
  return expirationDate
}

test('cookies.get filters by url, name, domain, path, secure, session and httpOnly', { timeout: 20000 }, async () => {
  const { cookies } = net.session.fromPartition('get-filters')
  const expirationDate = await fillForFilters(cookies)

  const cases = [
    [{}, ['a', 'a', 'b', 'c', 'd', 'e']],
    [{ url: 'http://www.example.com/' }, ['a', 'b', 'e']],
    [{ url: 'https://www.example.com/sub/page' }, ['a', 'b', 'c', 'd', 'e']],
    [{ url: 'http://example.com/' }, ['b']],
    [{ url: 'http://other.example.org/' }, ['a']],
    [{ url: 'http://nothing.example.net/' }, []],
    [{ name: 'a' }, ['a', 'a']],
    [{ domain: 'example.com' }, ['a', 'b', 'c', 'd', 'e']],
    [{ domain: 'www.example.com' }, ['a', 'c', 'd', 'e']],
    [{ domain: 'example.org' }, ['a']],
    [{ path: '/sub' }, ['c']],
    [{ secure: true }, ['d']],
    [{ secure: false }, ['a', 'a', 'b', 'c', 'e']],
    [{ httpOnly: true }, ['e']],
    [{ session: false }, ['b']],
    [{ session: true }, ['a', 'a', 'c', 'd', 'e']],
    [{ url: 'http://www.example.com/', name: 'e', httpOnly: true }, ['e']],
    [{ url: 'http://www.example.com/', name: 'c' }, []]
  ]
  for (const [filter, expected] of cases) {
    assert.deepEqual(names(await cookies.get(filter)), expected, `filter ${JSON.stringify(filter)}`)
  }

  const [b] = await cookies.get({ name: 'b' })
  assert.deepEqual(Object.keys(b).sort(),
    ['domain', 'expirationDate', 'hostOnly', 'httpOnly', 'name', 'path', 'sameSite', 'secure', 'session', 'value'])
  assert.deepEqual({ ...b, expirationDate: Math.round(b.expirationDate) }, {
    name: 'b',
    value: '2',
    domain: '.example.com',
    hostOnly: false,
    path: '/',
    secure: false,
    httpOnly: false,
    session: false,
    expirationDate: Math.round(expirationDate),
    sameSite: 'lax'
  })
  const [a] = await cookies.get({ url: 'http://www.example.com/', name: 'a' })
  assert.deepEqual(a, {
    name: 'a',
    value: '1',
    domain: 'www.example.com',
    hostOnly: true,
    path: '/',
    secure: false,
    httpOnly: false,
    session: true,
    sameSite: 'lax'
  })
})

test('cookies.set replaces an equivalent cookie; cookies.remove removes by url and name', { timeout: 20000 }, async () => {
  const { cookies } = net.session.fromPartition('set-remove')
  const url = 'http://www.example.com/'
  const set = cookies.set({ url, name: 'x', value: '1' })
  assert.ok(set instanceof Promise)
  assert.equal(await set, undefined)
  await cookies.set({ url, name: 'x', value: '2' })
  await cookies.set({ url: url + 'sub/', name: 'x', value: 'deep', path: '/sub' })
  await cookies.set({ url, name: 'y', value: '3' })
  assert.deepEqual((await cookies.get({ name: 'x' })).map((c) => [c.path, c.value]).sort(),
    [['/', '2'], ['/sub', 'deep']])

  // Only the x that would be sent to the URL goes.
  const removed = cookies.remove(url, 'x')
  assert.ok(removed instanceof Promise)
  assert.equal(await removed, undefined)
  assert.deepEqual((await cookies.get({})).map((c) => `${c.name}${c.path}`).sort(), ['x/sub', 'y/'])
  await cookies.remove(url + 'sub/page', 'x')
  await cookies.remove('http://www.example.org/', 'y') // not sent there: stays
  assert.deepEqual(names(await cookies.get({})), ['y'])
  await cookies.remove(url, 'y')
  assert.deepEqual(await cookies.get({}), [])
})

test('cookies.set honours the public-suffix list for Domain', { timeout: 20000 }, async () => {
  const { cookies } = net.session.fromPartition('public-suffix')
  const rejected = async (details) => {
    await assert.rejects(cookies.set(details), (err) => {
      assert.ok(err instanceof Error)
      assert.match(err.message, /^Failed to set cookie - /)
      assert.match(err.message, /invalid Domain attribute/)
      return true
    }, JSON.stringify(details))
  }
  await rejected({ url: 'http://a.b.co.uk/', name: 'psl', value: '1', domain: 'co.uk' })
  await rejected({ url: 'http://a.b.co.uk/', name: 'psl', value: '1', domain: '.co.uk' })
  await rejected({ url: 'http://www.example.com/', name: 'psl', value: '1', domain: 'com' })
  await rejected({ url: 'http://me.github.io/', name: 'psl', value: '1', domain: 'github.io' })
  await rejected({ url: 'http://www.example.com/', name: 'psl', value: '1', domain: 'example.org' })
  assert.deepEqual(await cookies.get({}), [])

  await cookies.set({ url: 'http://www.example.com/', name: 'ok', value: '1', domain: 'example.com' })
  await cookies.set({ url: 'http://a.b.co.uk/', name: 'ok', value: '2', domain: 'b.co.uk' })
  const stored = await cookies.get({})
  assert.deepEqual(stored.map((c) => [c.domain, c.hostOnly]).sort(), [['.b.co.uk', false], ['.example.com', false]])
  assert.deepEqual(names(await cookies.get({ url: 'http://other.example.com/' })), ['ok'])
  assert.deepEqual(names(await cookies.get({ url: 'http://c.b.co.uk/' })), ['ok'])
  assert.deepEqual(await cookies.get({ url: 'http://other.co.uk/' }), [])
})

// ---------------------------------------------------------------------------
// Secure and SameSite on loopback (Electron's net-session spec), and what
// cookies.set refuses

test('SameSite=None cookies set on http://127.0.0.1 and http://localhost are each sent across a redirect from one to the other', { timeout: 20000 }, async (t) => {
  // Electron's spec: "should be able to use the sessions cookie store safely across redirects".
  const target = await startHttpServer((req, res) => {
    res.writeHead(200, { 'x-cookie': String(req.headers.cookie) })
    res.end('ok')
  })
  t.after(() => target.close())
  const start = await startHttpServer((req, res) => {
    res.writeHead(302, { 'x-cookie': String(req.headers.cookie), location: target.url.replace('127.0.0.1', 'localhost') })
    res.end()
  })
  t.after(() => start.close())
  const session = net.session.fromPartition('samesite-none-loopback')
  const localhostUrl = start.url.replace('127.0.0.1', 'localhost')
  await Promise.all([
    session.cookies.set({ url: start.url, name: 'wild_cookie', sameSite: 'no_restriction', value: 'v-127' }),
    session.cookies.set({ url: localhostUrl, name: 'wild_cookie', sameSite: 'no_restriction', value: 'v-local' }),
    // Lax (the default) stays home when the redirect leaves the site.
    session.cookies.set({ url: localhostUrl, name: 'lax_cookie', value: 'v-lax' })
  ])
  const stored = await session.cookies.get({ name: 'wild_cookie' })
  assert.deepEqual(stored.map((c) => [c.domain, c.secure, c.sameSite]).sort(),
    [['127.0.0.1', true, 'no_restriction'], ['localhost', true, 'no_restriction']],
    "Electron's default makes them Secure, which a loopback origin may have over http")

  const response = await fetchText(net, { url: start.url, session, useSessionCookies: true })
  assert.equal(start.requests[0].headers.cookie, 'wild_cookie=v-127')
  assert.equal(response.headers['x-cookie'], 'wild_cookie=v-local')

  // The same Lax cookie goes to localhost when the request starts there.
  await fetchText(net, { url: target.url.replace('127.0.0.1', 'localhost'), session, credentials: 'include' })
  assert.equal(target.requests[1].headers.cookie, 'wild_cookie=v-local; lax_cookie=v-lax')
})

test('cookies.set reports the exclusion reasons Chromium gives, with Electron\'s messages', { timeout: 20000 }, async () => {
  const { cookies } = net.session.fromPartition('set-exclusions')
  const cases = [
    [{ url: 'http://127.0.0.1/', name: 'a', value: '1', sameSite: 'no_restriction', secure: false },
      'Failed to set cookie - The cookie specified SameSite=None, but it was not Secure.EXCLUDE_SAMESITE_NONE_INSECURE, DO_NOT_WARN, NO_EXEMPTION'],
    [{ url: 'http://www.example.com/', name: 'a', value: '1', sameSite: 'no_restriction' },
      'Failed to set cookie - The cookie was Secure, but the URL was not allowed to access Secure cookies.EXCLUDE_SECURE_ONLY, DO_NOT_WARN, NO_EXEMPTION'],
    [{ url: 'http://www.example.com/', name: 'a', value: '1', secure: true },
      'Failed to set cookie - The cookie was Secure, but the URL was not allowed to access Secure cookies.EXCLUDE_SECURE_ONLY, DO_NOT_WARN, NO_EXEMPTION'],
    [{ url: 'http://localhost/', name: '__Secure-a', value: '1', secure: true },
      'Failed to set cookie - The cookie was set with an invalid __Host- or __Secure- prefix.EXCLUDE_INVALID_PREFIX, DO_NOT_WARN, NO_EXEMPTION']
  ]
  for (const [details, message] of cases) {
    await assert.rejects(cookies.set(details), { name: 'Error', message }, JSON.stringify(details))
  }
  await cookies.set({ url: 'http://localhost/', name: 'b', value: '2', secure: true })
  await cookies.set({ url: 'https://www.example.com/', name: 'c', value: '3', sameSite: 'no_restriction' })
  assert.deepEqual((await cookies.get({})).map((c) => [c.name, c.secure]).sort(), [['b', true], ['c', true]])
})

test('cookies.set refuses CR, LF, NUL and ; where they would break the Cookie line, and none reaches the wire', { timeout: 20000 }, async (t) => {
  const srv = await startRawServer(async (socket, connection) => {
    await connection.waitFor('\r\n\r\n')
    socket.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok')
  })
  t.after(() => srv.close())
  const { cookies } = net.session.fromPartition('set-control-characters')
  const disallowed = 'Failed to set cookie - The cookie contains ASCII control charactersEXCLUDE_DISALLOWED_CHARACTER, DO_NOT_WARN, NO_EXEMPTION'
  const cases = [
    [{ value: 'x\r\nX-Injected: 1' }, disallowed],
    [{ value: 'x\nX-Injected: 1' }, disallowed],
    [{ value: 'x\rX-Injected: 1' }, disallowed],
    [{ value: 'x\u0000y' }, disallowed],
    [{ value: 'x; X-Injected=1' }, disallowed],
    [{ name: 'n\r\nX-Injected: 1' }, disallowed],
    [{ name: 'n\u0000' }, disallowed],
    [{ domain: '127.0.0.1\r\nX-Injected: 1' }, 'Failed to set cookie - The cookie was set with an invalid Domain attribute.EXCLUDE_INVALID_DOMAIN, DO_NOT_WARN, NO_EXEMPTION'],
    [{ path: '/\r\nX-Injected: 1' }, 'Failed to set cookie - The cookie was malformed and could not be storedEXCLUDE_FAILURE_TO_STORE, DO_NOT_WARN, NO_EXEMPTION']
  ]
  for (const [fields, message] of cases) {
    const details = { url: srv.url, name: 'n', value: 'v', ...fields }
    await assert.rejects(cookies.set(details), { name: 'Error', message }, JSON.stringify(details))
  }
  await cookies.set({ url: srv.url, name: 'good', value: 'tab\there' })
  assert.deepEqual(names(await cookies.get({})), ['good'])

  await fetchText(net, { url: srv.url, session: net.session.fromPartition('set-control-characters'), useSessionCookies: true })
  const head = srv.connections[0].data.toString('latin1')
  assert.doesNotMatch(head, /X-Injected/i)
  assert.match(head, /\r\nCookie: good=tab\there\r\n/)
})

test('Set-Cookie lines holding control characters are dropped', { timeout: 20000 }, async (t) => {
  const srv = await startRawServer(async (socket, connection) => {
    await connection.waitFor('\r\n\r\n')
    socket.end(Buffer.from('HTTP/1.1 200 OK\r\n' +
      'Set-Cookie: ctl=a\u0001b\r\n' +
      'Set-Cookie: del=a\u007fb\r\n' +
      'Set-Cookie: name\u0001=1\r\n' +
      'Set-Cookie: attr=1; Path=/\u0001\r\n' +
      'Set-Cookie: good=1\r\n' +
      'Content-Length: 2\r\nConnection: close\r\n\r\nok', 'latin1'))
  })
  t.after(() => srv.close())
  const session = net.session.fromPartition('set-cookie-control-characters')
  const response = await fetchText(net, { url: srv.url, session, useSessionCookies: true })
  assert.equal(response.statusCode, 200)
  assert.deepEqual(names(await session.cookies.get({})), ['good'])
})

test("'changed' reports inserted, overwrite, expired-overwrite and explicit with removed flags", { timeout: 20000 }, async () => {
  const { cookies } = net.session.fromPartition('changed-causes')
  const url = 'http://www.example.com/'
  const changes = recordCookieChanges(cookies)
  const summary = (events) => events.map((e) => [e.cookie.name, e.cookie.value, e.cause, e.removed])

  await cookies.set({ url, name: 'a', value: '1', expirationDate: inAnHour() })
  await changes.next(1)
  await cookies.set({ url, name: 'a', value: '2', expirationDate: inAnHour() })
  await changes.next(3)
  await cookies.set({ url, name: 'a', value: '3', expirationDate: 1e9 }) // 2001: already expired
  await changes.next(4)
  await cookies.set({ url, name: 'b', value: '1' })
  await changes.next(5)
  await cookies.remove(url, 'b')
  const events = await changes.next(6)
  await quiet()

  assert.deepEqual(summary(changes.events), [
    ['a', '1', 'inserted', false],
    ['a', '1', 'overwrite', true],
    ['a', '2', 'inserted', false],
    ['a', '2', 'expired-overwrite', true],
    ['b', '1', 'inserted', false],
    ['b', '1', 'explicit', true]
  ])
  assert.deepEqual(await cookies.get({}), [])
  for (const { event, cookie } of events) {
    assert.equal(typeof event, 'object')
    assert.equal(cookie.domain, 'www.example.com')
    assert.equal(cookie.hostOnly, true)
    assert.equal(cookie.path, '/')
  }
  assert.equal(events[0].cookie.session, false)
  assert.equal(typeof events[0].cookie.expirationDate, 'number')
  assert.equal(events[4].cookie.session, true)
  changes.stop()
})

test("'changed' reports cookies stored from responses and removed by clearStorageData", { timeout: 20000 }, async (t) => {
  const srv = await cookieServer(['r1=1', 'r2=2; Max-Age=3600'])
  t.after(() => srv.close())
  const session = net.session.fromPartition('changed-responses')
  const changes = recordCookieChanges(session.cookies)

  await fetchText(net, { url: srv.origin + '/set', session }) // cookies off: no change
  await fetchText(net, { url: srv.origin + '/set', session, useSessionCookies: true })
  await changes.next(2)
  await session.clearStorageData()
  await changes.next(4)
  await quiet()
  assert.deepEqual(changes.events.map((e) => [e.cookie.name, e.cause, e.removed]).sort(), [
    ['r1', 'explicit', true],
    ['r1', 'inserted', false],
    ['r2', 'explicit', true],
    ['r2', 'inserted', false]
  ])
  assert.deepEqual(changes.events.map((e) => e.removed), [false, false, true, true])
  changes.stop()
})

// ---------------------------------------------------------------------------
// Persistent partitions

test('flushStore writes the store file of a persistent partition', { timeout: 20000 }, async () => {
  const session = net.session.fromPartition('persist:flush-here')
  const store = path.join(session.getStoragePath(), 'Cookies')
  await session.cookies.set({ url: 'http://www.example.com/', name: 'flushed', value: 'yes', expirationDate: inAnHour() })
  const flushed = session.cookies.flushStore()
  assert.ok(flushed instanceof Promise)
  assert.equal(await flushed, undefined)
  assert.ok(fs.statSync(store).size > 0, 'the store file is written')

  // An in-memory session has nothing to write, and says so without failing.
  assert.equal(await net.session.fromPartition('flush-memory').cookies.flushStore(), undefined)
})

test('a persistent partition writes its cookies without flushStore', { timeout: 20000 }, async () => {
  const session = net.session.fromPartition('persist:flush-later')
  const dir = session.getStoragePath()
  await session.cookies.set({ url: 'http://www.example.com/', name: 'later', value: 'yes', expirationDate: inAnHour() })
  fs.mkdirSync(dir, { recursive: true })
  // Wait for the file to appear (bounded by the test's timeout).
  await new Promise((resolve) => {
    const watcher = fs.watch(dir, () => check())
    const check = () => {
      if (fs.existsSync(path.join(dir, 'Cookies'))) {
        watcher.close()
        resolve()
      }
    }
    check()
  })
})

// The child killed itself (process.kill(process.pid, 'SIGKILL')): Windows
// has no signals, and a process killed there exits with code 1.
function assertKilled (child) {
  if (process.platform === 'win32') assert.equal(child.code, 1, child.stderr)
  else assert.equal(child.signal, 'SIGKILL', child.stderr)
}

test('persistent cookies survive a process restart (flushStore, then killed); session cookies do not', { timeout: 20000 }, async (t) => {
  const srv = await cookieServer(['kept=1; Max-Age=3600', 'transient=1'])
  t.after(() => srv.close())
  const dataDir = makeTempDir()
  const env = { GO_NET_REQUEST_DATA: dataDir, ORIGIN: srv.origin }

  const first = await runChild(`
    const session = net.session.fromPartition('persist:restart')
    await fetchText({ url: process.env.ORIGIN + '/set', session, useSessionCookies: true })
    await session.cookies.set({ url: process.env.ORIGIN, name: 'api', value: 'x', expirationDate: Date.now() / 1000 + 3600 })
    await session.cookies.flushStore()
    await out((await session.cookies.get({})).map((c) => c.name).sort())
    process.kill(process.pid, 'SIGKILL') // no chance to write anything more
  `, { env })
  assertKilled(first)
  assert.deepEqual(first.result, ['api', 'kept', 'transient'])

  const second = await runChild(`
    const session = net.session.fromPartition('persist:restart')
    const cookies = await session.cookies.get({})
    await fetchText({ url: process.env.ORIGIN + '/', session, useSessionCookies: true })
    await out(cookies)
  `, { env })
  assert.equal(second.code, 0, second.stderr)
  assert.deepEqual(names(second.result), ['api', 'kept'])
  const kept = second.result.find((c) => c.name === 'kept')
  assert.equal(kept.value, '1')
  assert.equal(kept.session, false)
  assert.equal(kept.domain, '127.0.0.1')
  assert.equal(srv.requests.at(-1).headers.cookie, 'kept=1; api=x')
  assert.ok(!second.stderr.includes('GO_NET_REQUEST_STORE'), second.stderr)
})

test('persistent cookies survive a normal process exit without flushStore', { timeout: 20000 }, async (t) => {
  const srv = await cookieServer(['natural=1; Max-Age=3600'])
  t.after(() => srv.close())
  const env = { GO_NET_REQUEST_DATA: makeTempDir(), ORIGIN: srv.origin }

  const first = await runChild(`
    const session = net.session.fromPartition('persist:natural-exit')
    await fetchText({ url: process.env.ORIGIN + '/set', session, useSessionCookies: true })
    await out((await session.cookies.get({})).map((c) => c.name))
  `, { env })
  assert.equal(first.code, 0, first.stderr)
  assert.deepEqual(first.result, ['natural'])

  const second = await runChild(`
    const session = net.session.fromPartition('persist:natural-exit')
    await out((await session.cookies.get({})).map((c) => c.name))
  `, { env })
  assert.equal(second.code, 0, second.stderr)
  assert.deepEqual(second.result, ['natural'])
})

test('a corrupt cookie store is reported, moved aside and replaced by an empty jar', { timeout: 20000 }, async (t) => {
  const srv = await cookieServer(['fresh=1; Max-Age=3600'])
  t.after(() => srv.close())
  const dataDir = makeTempDir()
  const partitionDir = path.join(dataDir, 'Partitions', 'damaged')
  fs.mkdirSync(partitionDir, { recursive: true })
  const garbage = Buffer.from('\u0000this is not a cookie store\u00ff{"cookies":[', 'latin1')
  fs.writeFileSync(path.join(partitionDir, 'Cookies'), garbage)
  const env = { GO_NET_REQUEST_DATA: dataDir, ORIGIN: srv.origin }

  const first = await runChild(`
    const warnings = []
    const warned = new Promise((resolve) => process.on('warning', (w) => {
      warnings.push({ name: w.name, code: w.code, message: w.message })
      resolve()
    }))
    const session = net.session.fromPartition('persist:damaged')
    const before = await session.cookies.get({})
    await warned
    const response = await fetchText({ url: process.env.ORIGIN + '/set', session, useSessionCookies: true })
    await session.cookies.flushStore()
    await out({ warnings, before, status: response.statusCode, after: (await session.cookies.get({})).map((c) => c.name) })
  `, { env })
  assert.equal(first.code, 0, first.stderr)
  const { warnings, before, status, after } = first.result
  assert.equal(warnings.length, 1, JSON.stringify(warnings))
  assert.equal(warnings[0].code, 'GO_NET_REQUEST_STORE')
  assert.equal(typeof warnings[0].message, 'string')
  assert.notEqual(warnings[0].message, '')
  assert.deepEqual(before, [])
  assert.equal(status, 200)
  assert.deepEqual(after, ['fresh'])
  assert.deepEqual(fs.readFileSync(path.join(partitionDir, 'Cookies.corrupt')), garbage)

  // The fresh store is a good one: the next process reads it without a warning.
  const second = await runChild(`
    const warnings = []
    process.on('warning', (w) => warnings.push(w.code))
    const session = net.session.fromPartition('persist:damaged')
    await out({ warnings, names: (await session.cookies.get({})).map((c) => c.name) })
  `, { env })
  assert.equal(second.code, 0, second.stderr)
  assert.deepEqual(second.result, { warnings: [], names: ['fresh'] })
})

test('clearStorageData empties a persistent store for the next process too', { timeout: 20000 }, async () => {
  const env = { GO_NET_REQUEST_DATA: makeTempDir() }
  const first = await runChild(`
    const session = net.session.fromPartition('persist:cleared')
    await session.cookies.set({ url: 'http://www.example.com/', name: 'gone', value: '1', expirationDate: Date.now() / 1000 + 3600 })
    await session.cookies.flushStore()
    await session.clearStorageData()
    await out((await session.cookies.get({})).length)
    process.kill(process.pid, 'SIGKILL')
  `, { env })
  assertKilled(first)
  assert.equal(first.result, 0)

  const second = await runChild(`
    await out(await net.session.fromPartition('persist:cleared').cookies.get({}))
  `, { env })
  assert.equal(second.code, 0, second.stderr)
  assert.deepEqual(second.result, [])
})
