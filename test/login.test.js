'use strict'

// Server authentication (docs/behaviour.md#logins-server-401-proxy-407): the
// login event and its AuthInfo, answering now or later, cancelling, the
// session's credential cache, credentials: 'omit', and credentials in the
// URL. Basic and Digest (MD5, SHA-256). Every test starts its own server, so
// nothing cached by another test applies (the cache is keyed by origin).

const { test } = require('node:test')
const assert = require('node:assert/strict')

const net = require('..')
const { startAuthServer } = require('./helpers/servers')
const { collectBody, recordEvents } = require('./helpers/events')

const REQUEST_EVENTS = ['login', 'response', 'error', 'abort', 'close']

const SCHEMES = [
  { name: 'Basic', server: { scheme: 'basic' }, scheme: 'basic' },
  { name: 'Digest MD5', server: { scheme: 'digest', algorithm: 'MD5' }, scheme: 'digest' },
  { name: 'Digest SHA-256', server: { scheme: 'digest', algorithm: 'SHA-256' }, scheme: 'digest' }
]

/**
 * Runs a request to its 'close'. `onLogin(authInfo, callback, request)`, when
 * given, is the login listener. Resolves with the recorded request events,
 * the response and its body.
 */
async function run (options, { body, onLogin, setup } = {}) {
  const request = net.request(options)
  // A login listener must answer, so 'login' is recorded only with onLogin.
  const events = recordEvents(request, onLogin ? REQUEST_EVENTS : REQUEST_EVENTS.filter((e) => e !== 'login'))
  const closed = new Promise((resolve) => request.once('close', resolve))
  let response = null
  let bodyDone = null
  let received = null
  request.on('response', (res) => {
    response = res
    bodyDone = collectBody(res).then((b) => { received = b.toString() })
  })
  if (onLogin) request.on('login', (authInfo, callback) => onLogin(authInfo, callback, request))
  if (setup) setup(request)
  if (body !== undefined) request.write(body)
  request.end()
  await closed
  if (bodyDone) await bodyDone
  const i = events.indexOf('error')
  return { request, events, response, body: received, error: i >= 0 ? events.args[i][0] : null }
}

/**
 * A login listener that counts its calls and cancels each login, so an
 * unexpected login fails an assertion instead of hanging the request.
 */
function loginCounter () {
  const listener = (authInfo, callback) => {
    listener.count++
    callback()
  }
  listener.count = 0
  return listener
}

/** The events a login that succeeded records. */
const LOGGED_IN = ['login', 'response', 'close']

for (const s of SCHEMES) {
  test(`${s.name}: login carries the AuthInfo and a synchronous callback logs in`, { timeout: 20000 }, async (t) => {
    const srv = await startAuthServer({ ...s.server, realm: `realm ${s.name}` })
    t.after(() => srv.close())

    const { events, response, body } = await run(srv.url, {
      onLogin: (authInfo, callback) => {
        assert.equal(typeof callback, 'function')
        callback('user', 'pass')
      }
    })
    assert.deepEqual(events, LOGGED_IN)
    assert.deepEqual(events.args[0][0], {
      isProxy: false,
      scheme: s.scheme,
      host: '127.0.0.1',
      port: srv.port,
      realm: `realm ${s.name}`
    })
    assert.equal(response.statusCode, 200)
    assert.equal(body, 'ok user')
    assert.equal(srv.challenges, 1)
    assert.equal(srv.logins, 1)
  })

  test(`${s.name}: the callback may be called later`, { timeout: 20000 }, async (t) => {
    const srv = await startAuthServer(s.server)
    t.after(() => srv.close())

    const { events, response, body } = await run(srv.url, {
      onLogin: (authInfo, callback) => { setTimeout(() => callback('user', 'pass'), 20) }
    })
    assert.deepEqual(events, LOGGED_IN)
    assert.equal(response.statusCode, 200)
    assert.equal(body, 'ok user')
  })

  test(`${s.name}: a buffered POST body is sent again with the credentials`, { timeout: 20000 }, async (t) => {
    const srv = await startAuthServer(s.server)
    t.after(() => srv.close())

    const payload = 'the body, ' + 'x'.repeat(100 * 1024) // large enough to go out after the head
    const { events, response, body } = await run({ url: srv.origin + '/upload?q=1', method: 'POST' }, {
      body: payload,
      onLogin: (authInfo, callback) => callback('user', 'pass')
    })
    assert.deepEqual(events, LOGGED_IN)
    assert.equal(response.statusCode, 200)
    assert.equal(body, 'ok user')
    assert.equal(srv.requests.length, 2)
    for (const r of srv.requests) {
      assert.equal(r.method, 'POST')
      assert.equal(r.url, '/upload?q=1')
      assert.equal(r.body.toString(), payload)
    }
    assert.equal(srv.requests[0].headers.authorization, undefined)
    assert.ok(srv.requests[1].headers.authorization, 'the retry carries credentials')
  })

  test(`${s.name}: wrong credentials emit login again; cancelling then delivers the 401`, { timeout: 20000 }, async (t) => {
    const srv = await startAuthServer(s.server)
    t.after(() => srv.close())

    const answers = [['user', 'wrong'], ['nobody', 'pass'], []]
    const { events, response, body } = await run(srv.url, {
      onLogin: (authInfo, callback) => callback(...answers.shift())
    })
    assert.deepEqual(events, ['login', 'login', 'login', 'response', 'close'])
    for (const args of events.args.slice(0, 3)) {
      assert.deepEqual(args[0], { isProxy: false, scheme: s.scheme, host: '127.0.0.1', port: srv.port, realm: 'go-net-request' })
    }
    assert.equal(response.statusCode, 401)
    assert.equal(body, 'denied')
    assert.equal(srv.challenges, 3)
    assert.equal(srv.logins, 0)
  })

  test(`${s.name}: wrong credentials, then the right ones, log in`, { timeout: 20000 }, async (t) => {
    const srv = await startAuthServer(s.server)
    t.after(() => srv.close())

    const answers = [['user', 'wrong'], ['user', 'pass']]
    const { events, body } = await run(srv.url, {
      onLogin: (authInfo, callback) => callback(...answers.shift())
    })
    assert.deepEqual(events, ['login', 'login', 'response', 'close'])
    assert.equal(body, 'ok user')
    assert.equal(srv.logins, 1)
  })

  test(`${s.name}: credentials that worked are cached: no second login`, { timeout: 20000 }, async (t) => {
    const srv = await startAuthServer(s.server)
    t.after(() => srv.close())

    const first = await run(srv.origin + '/one', { onLogin: (authInfo, callback) => callback('user', 'pass') })
    assert.deepEqual(first.events, LOGGED_IN)
    assert.equal(first.body, 'ok user')

    const countLogins = loginCounter()
    const second = await run(srv.origin + '/one', { onLogin: countLogins })
    assert.equal(countLogins.count, 0, 'no login event for cached credentials')
    assert.deepEqual(second.events, ['response', 'close'])
    assert.equal(second.response.statusCode, 200)
    assert.equal(second.body, 'ok user')

    const third = await run({ url: srv.origin + '/two', method: 'POST' }, { body: 'again', onLogin: countLogins })
    assert.equal(countLogins.count, 0)
    assert.equal(third.body, 'ok user')
    assert.equal(srv.requests.at(-1).body.toString(), 'again')
    assert.equal(srv.logins, 3)
  })
}

test('callback() with no arguments delivers the 401 with its body', { timeout: 20000 }, async (t) => {
  const srv = await startAuthServer()
  t.after(() => srv.close())

  const { events, response, body } = await run(srv.url, { onLogin: (authInfo, callback) => callback() })
  assert.deepEqual(events, ['login', 'response', 'close'])
  assert.equal(response.statusCode, 401)
  assert.match(response.headers['www-authenticate'], /^Basic realm="go-net-request"/)
  assert.equal(body, 'denied')
  assert.equal(srv.requests.length, 1)
})

test('callback(user) without a password cancels and delivers the 401', { timeout: 20000 }, async (t) => {
  for (const server of [{ scheme: 'basic' }, { scheme: 'digest' }]) {
    const srv = await startAuthServer(server)
    t.after(() => srv.close())

    const { events, response, body } = await run(srv.url, { onLogin: (authInfo, callback) => callback('user') })
    assert.deepEqual(events, ['login', 'response', 'close'], server.scheme)
    assert.equal(response.statusCode, 401)
    assert.equal(body, 'denied')
    assert.equal(srv.requests.length, 1, 'no retry')
  }
})

test('without a login listener the 401 is delivered', { timeout: 20000 }, async (t) => {
  for (const server of [{ scheme: 'basic' }, { scheme: 'digest', algorithm: 'SHA-256' }]) {
    const srv = await startAuthServer(server)
    t.after(() => srv.close())

    const { events, response, body } = await run(srv.url)
    assert.deepEqual(events, ['response', 'close'], server.scheme)
    assert.equal(response.statusCode, 401)
    assert.equal(body, 'denied')
    assert.equal(srv.requests.length, 1)
  }
})

test("credentials: 'omit' emits no login and delivers the 401", { timeout: 20000 }, async (t) => {
  const srv = await startAuthServer()
  t.after(() => srv.close())

  const countLogins = loginCounter()
  const { events, response, body } = await run({ url: srv.url, credentials: 'omit' }, { onLogin: countLogins })
  assert.equal(countLogins.count, 0)
  assert.deepEqual(events, ['response', 'close'])
  assert.equal(response.statusCode, 401)
  assert.equal(body, 'denied')
})

test("credentials: 'omit' does not send cached credentials", { timeout: 20000 }, async (t) => {
  for (const server of [{ scheme: 'basic' }, { scheme: 'digest' }]) {
    const srv = await startAuthServer(server)
    t.after(() => srv.close())

    const first = await run(srv.url, { onLogin: (authInfo, callback) => callback('user', 'pass') })
    assert.equal(first.body, 'ok user')

    const countLogins = loginCounter()
    const omitted = await run({ url: srv.url, credentials: 'omit' }, { onLogin: countLogins })
    assert.equal(countLogins.count, 0)
    assert.equal(omitted.response.statusCode, 401, server.scheme)
    assert.equal(omitted.body, 'denied')
    assert.equal(srv.requests.at(-1).headers.authorization, undefined)
  }
})

test('a login callback called twice is harmless', { timeout: 20000 }, async (t) => {
  const srv = await startAuthServer()
  t.after(() => srv.close())

  let late = null
  const { events, body } = await run(srv.url, {
    onLogin: (authInfo, callback) => {
      callback('user', 'pass')
      callback('user', 'wrong')
      callback()
      late = callback
    }
  })
  assert.deepEqual(events, LOGGED_IN)
  assert.equal(body, 'ok user')
  assert.equal(srv.requests.length, 2)
  late('user', 'pass') // after close too
  late()

  // Cancel first, then answer: the cancel wins.
  const srv2 = await startAuthServer()
  t.after(() => srv2.close())
  const cancelled = await run(srv2.url, {
    onLogin: (authInfo, callback) => {
      callback()
      callback('user', 'pass')
    }
  })
  assert.deepEqual(cancelled.events, ['login', 'response', 'close'])
  assert.equal(cancelled.response.statusCode, 401)
  assert.equal(cancelled.body, 'denied')
  assert.equal(srv2.requests.length, 1)
})

test('a login callback called after abort() does nothing', { timeout: 20000 }, async (t) => {
  const srv = await startAuthServer()
  t.after(() => srv.close())

  let answered = null
  const { events, response } = await run(srv.url, {
    onLogin: (authInfo, callback, request) => {
      request.abort()
      answered = new Promise((resolve) => setImmediate(() => { callback('user', 'pass'); resolve() }))
    }
  })
  await answered
  assert.deepEqual(events, ['login', 'abort', 'close'])
  assert.equal(response, null)

  // A later request to the same server is answered after anything the stale
  // callback could have sent; the server saw no credentials, and nothing was cached.
  const probe = await run(srv.url)
  assert.equal(probe.response.statusCode, 401)
  assert.equal(probe.body, 'denied')
  assert.equal(srv.logins, 0)
  assert.equal(srv.requests.length, 2)
  for (const r of srv.requests) assert.equal(r.headers.authorization, undefined)
})

test('credentials in the URL log in without a login event', { timeout: 20000 }, async (t) => {
  for (const server of [{ scheme: 'basic' }, { scheme: 'digest' }, { scheme: 'digest', algorithm: 'SHA-256' }]) {
    const srv = await startAuthServer(server)
    t.after(() => srv.close())

    const countLogins = loginCounter()
    const { events, response, body } = await run(`http://user:pass@127.0.0.1:${srv.port}/`, { onLogin: countLogins })
    assert.equal(countLogins.count, 0, `${server.scheme} ${server.algorithm}`)
    assert.deepEqual(events, ['response', 'close'])
    assert.equal(response.statusCode, 200)
    assert.equal(body, 'ok user')
  }
})

test('wrong credentials in the URL are tried once, then login is emitted', { timeout: 20000 }, async (t) => {
  const srv = await startAuthServer()
  t.after(() => srv.close())

  const { events, body } = await run(`http://user:wrong@127.0.0.1:${srv.port}/`, {
    onLogin: (authInfo, callback) => callback('user', 'pass')
  })
  assert.deepEqual(events, LOGGED_IN)
  assert.deepEqual(events.args[0][0], { isProxy: false, scheme: 'basic', host: '127.0.0.1', port: srv.port, realm: 'go-net-request' })
  assert.equal(body, 'ok user')
  assert.equal(srv.requests.length, 3)
})
