'use strict'

// Sessions (docs/behaviour.md#sessions): net.session.defaultSession and
// fromPartition, the `session` and `partition` request options, where
// persistent partitions keep their data (setDataPath, GO_NET_REQUEST_DATA,
// the per-user default), and the Session methods: user agent, auth cache,
// storage data, connections. Each test uses its own partition names, since
// the engine keeps one session per partition for the whole process.

const { test } = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')

const net = require('..')
const { startHttpServer, startAuthServer } = require('./helpers/servers')
const { once } = require('./helpers/events')
const { makeTempDir, fetchText, countConnections, runChild } = require('./helpers/sessions')

// Every persist: partition of this process lives here, never under $HOME.
const DATA_DIR = makeTempDir()
net.setDataPath(DATA_DIR)

const echo = (req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain' })
  res.end('ok')
}

test('defaultSession is one Session, the partition ""', () => {
  const session = net.session.defaultSession
  assert.ok(session instanceof net.Session)
  assert.equal(net.session.defaultSession, session)
  assert.equal(net.session.fromPartition(''), session)
  assert.equal(session.isPersistent(), false)
  assert.equal(session.getStoragePath(), null)
})

test('fromPartition returns the same object for the same name', () => {
  const a = net.session.fromPartition('same-name')
  assert.ok(a instanceof net.Session)
  assert.equal(net.session.fromPartition('same-name'), a)
  assert.notEqual(net.session.fromPartition('other-name'), a)
  assert.notEqual(a, net.session.defaultSession)

  const p = net.session.fromPartition('persist:same-name')
  assert.equal(net.session.fromPartition('persist:same-name'), p)
  assert.notEqual(p, a)
  // The options of a later call do not make a new session.
  assert.equal(net.session.fromPartition('same-name', { cache: false }), a)
})

test('persist: partitions are persistent and live under the data path; others in memory', () => {
  const memory = net.session.fromPartition('memory-kind')
  assert.equal(memory.isPersistent(), false)
  assert.equal(memory.getStoragePath(), null)

  const disk = net.session.fromPartition('persist:disk-kind')
  assert.equal(disk.isPersistent(), true)
  assert.equal(disk.getStoragePath(), path.join(DATA_DIR, 'Partitions', 'disk-kind'))
})

test('the data path comes from GO_NET_REQUEST_DATA, and setDataPath wins over it', { timeout: 20000 }, async () => {
  const envDir = makeTempDir()
  const setDir = makeTempDir()
  const script = `
    const before = net.session.fromPartition('persist:from-env').getStoragePath()
    net.setDataPath(process.env.SET_DIR)
    const after = net.session.fromPartition('persist:from-set').getStoragePath()
    out({ before, after })
  `
  const child = await runChild(script, { env: { GO_NET_REQUEST_DATA: envDir, SET_DIR: setDir } })
  assert.equal(child.code, 0, child.stderr)
  assert.deepEqual(child.result, {
    before: path.join(envDir, 'Partitions', 'from-env'),
    after: path.join(setDir, 'Partitions', 'from-set')
  })
})

test('without setDataPath or GO_NET_REQUEST_DATA the data path is per user', { timeout: 20000 }, async () => {
  // The child's home (and every per-user base) is a temporary directory.
  const home = makeTempDir()
  const script = `
    out({ storage: net.session.fromPartition('persist:per-user').getStoragePath() })
  `
  const child = await runChild(script, {
    allowNoDataDir: true,
    env: {
      GO_NET_REQUEST_DATA: undefined,
      HOME: home,
      USERPROFILE: home,
      XDG_DATA_HOME: path.join(home, 'xdg'),
      APPDATA: path.join(home, 'appdata')
    }
  })
  assert.equal(child.code, 0, child.stderr)
  const storage = child.result.storage
  assert.equal(typeof storage, 'string')
  assert.ok(storage.startsWith(home + path.sep), storage)
  assert.ok(storage.includes('go-net-request'), storage)
  assert.ok(storage.endsWith(path.join('Partitions', 'per-user')), storage)
  if (process.platform === 'linux') {
    assert.equal(storage, path.join(home, 'xdg', 'go-net-request', 'Partitions', 'per-user'))
  }
  if (process.platform === 'win32') {
    assert.equal(storage, path.join(home, 'appdata', 'go-net-request', 'Partitions', 'per-user'))
  }
  if (process.platform === 'darwin') {
    assert.equal(storage, path.join(home, 'Library', 'Application Support', 'go-net-request', 'Partitions', 'per-user'))
  }
})

test('setDataPath rejects what is not a non-empty string', () => {
  assert.throws(() => net.setDataPath(''), TypeError)
  assert.throws(() => net.setDataPath(42), TypeError)
})

test('`session` must be a Session; `partition` must be a string', () => {
  const url = 'http://127.0.0.1:1/'
  for (const session of [{}, 'persist:x', 42, { cookies: {} }]) {
    assert.throws(() => net.request({ url, session }), {
      name: 'TypeError',
      message: '`session` should be an instance of the Session class'
    })
  }
  for (const partition of [42, {}, ['a'], true]) {
    assert.throws(() => net.request({ url, partition }), {
      name: 'TypeError',
      message: '`partition` should be a string'
    })
  }
  // A bad session is reported even when the partition is fine.
  assert.throws(() => net.request({ url, session: {}, partition: 'fine' }), {
    name: 'TypeError',
    message: '`session` should be an instance of the Session class'
  })
  // `session` wins: the partition is not even looked at.
  const request = net.request({ url, session: net.session.fromPartition('wins-1'), partition: 42 })
  request.abort()
})

test('`session` is checked by brand, not by prototype: an object made from Session.prototype is refused at once', async () => {
  const url = 'http://127.0.0.1:1/'
  const fake = Object.create(net.Session.prototype)
  assert.ok(fake instanceof net.Session)
  assert.throws(() => net.request({ url, session: fake }), {
    name: 'TypeError',
    message: '`session` should be an instance of the Session class'
  })
  await assert.rejects(net.fetch(url, { session: fake }), { name: 'TypeError', message: '`session` should be an instance of the Session class' })
})

test('`session` wins over `partition`; `partition` names a fromPartition session', { timeout: 20000 }, async (t) => {
  const srv = await startHttpServer(echo)
  t.after(() => srv.close())
  const a = net.session.fromPartition('precedence-a')
  const b = net.session.fromPartition('precedence-b')
  a.setUserAgent('agent-a/1.0')
  b.setUserAgent('agent-b/1.0')

  await fetchText(net, { url: srv.url, session: a, partition: 'precedence-b' })
  await fetchText(net, { url: srv.url, partition: 'precedence-b' })
  await fetchText(net, { url: srv.url, session: b })
  assert.deepEqual(srv.requests.map((r) => r.headers['user-agent']), ['agent-a/1.0', 'agent-b/1.0', 'agent-b/1.0'])
})

test('a request with `partition` uses the same jar as fromPartition(name)', { timeout: 20000 }, async (t) => {
  const srv = await startHttpServer(echo)
  t.after(() => srv.close())
  await net.session.fromPartition('jar-by-name').cookies.set({ url: srv.url, name: 'k', value: 'v' })

  await fetchText(net, { url: srv.url, partition: 'jar-by-name', useSessionCookies: true })
  await fetchText(net, { url: srv.url, partition: 'jar-by-other-name', useSessionCookies: true })
  await fetchText(net, { url: srv.url, useSessionCookies: true }) // the default session
  assert.deepEqual(srv.requests.map((r) => r.headers.cookie), ['k=v', undefined, undefined])
})

test('setUserAgent changes getUserAgent and the User-Agent sent', { timeout: 20000 }, async (t) => {
  const srv = await startHttpServer(echo)
  t.after(() => srv.close())
  const session = net.session.fromPartition('user-agent')
  const initial = session.getUserAgent()
  assert.equal(typeof initial, 'string')
  assert.notEqual(initial, '')

  await fetchText(net, { url: srv.url, session })
  session.setUserAgent('TestAgent/2.0 (sessions)')
  assert.equal(session.getUserAgent(), 'TestAgent/2.0 (sessions)')
  await fetchText(net, { url: srv.url, session })
  // Another session keeps its own.
  await fetchText(net, { url: srv.url, partition: 'user-agent-other' })

  assert.deepEqual(srv.requests.map((r) => r.headers['user-agent']),
    [initial, 'TestAgent/2.0 (sessions)', net.session.fromPartition('user-agent-other').getUserAgent()])
  assert.equal(net.session.fromPartition('user-agent-other').getUserAgent(), initial)
  assert.throws(() => session.setUserAgent(42), TypeError)
})

test('clearAuthCache makes the next request ask for a login again', { timeout: 20000 }, async (t) => {
  const srv = await startAuthServer({ scheme: 'basic', username: 'user', password: 'pass' })
  t.after(() => srv.close())
  const session = net.session.fromPartition('auth-cache')
  let logins = 0
  const onLogin = (authInfo, callback) => {
    logins++
    callback('user', 'pass')
  }

  const first = await fetchText(net, { url: srv.url, session }, { onLogin })
  assert.equal(first.statusCode, 200)
  assert.equal(first.body, 'ok user')
  assert.equal(logins, 1)

  const second = await fetchText(net, { url: srv.url, session }, { onLogin })
  assert.equal(second.statusCode, 200)
  assert.equal(logins, 1, 'the cached credentials are used without a login')

  const cleared = session.clearAuthCache()
  assert.ok(cleared instanceof Promise)
  assert.equal(await cleared, undefined)

  const third = await fetchText(net, { url: srv.url, session }, { onLogin })
  assert.equal(third.statusCode, 200)
  assert.equal(third.body, 'ok user')
  assert.equal(logins, 2, 'a login is asked again after clearAuthCache')
  assert.equal(srv.logins, 3)
})

test('clearStorageData removes the cookies', { timeout: 20000 }, async (t) => {
  const srv = await startHttpServer(echo)
  t.after(() => srv.close())
  const session = net.session.fromPartition('clear-storage')
  await session.cookies.set({ url: srv.url, name: 'a', value: '1' })
  await session.cookies.set({ url: srv.url, name: 'b', value: '2', expirationDate: Date.now() / 1000 + 3600 })
  await session.cookies.set({ url: 'http://www.example.com/', name: 'c', value: '3' })
  assert.equal((await session.cookies.get({})).length, 3)

  const cleared = session.clearStorageData()
  assert.ok(cleared instanceof Promise)
  assert.equal(await cleared, undefined)
  assert.deepEqual(await session.cookies.get({}), [])

  await fetchText(net, { url: srv.url, session, useSessionCookies: true })
  assert.equal(srv.requests[0].headers.cookie, undefined)
})

test('closeAllConnections makes the next request use a new connection', { timeout: 20000 }, async (t) => {
  const srv = await startHttpServer(echo)
  t.after(() => srv.close())
  const connections = countConnections(srv)
  const session = net.session.fromPartition('close-connections')

  await fetchText(net, { url: srv.url, session })
  await fetchText(net, { url: srv.url, session })
  assert.equal(connections.count, 1, 'keep-alive reuses the first connection')

  const firstClosed = once(connections.sockets[0], 'close')
  const closed = session.closeAllConnections()
  assert.ok(closed instanceof Promise)
  assert.equal(await closed, undefined)
  await firstClosed // the server sees the client drop it

  await fetchText(net, { url: srv.url, session })
  assert.equal(connections.count, 2)
  assert.equal(srv.requests.length, 3)
})

test('the promise-returning Session methods return promises', async () => {
  const session = net.session.fromPartition('promises')
  for (const call of [
    () => session.clearCache(),
    () => session.getCacheSize(),
    () => session.clearStorageData(),
    () => session.clearAuthCache(),
    () => session.closeAllConnections(),
    () => session.cookies.get({}),
    () => session.cookies.flushStore()
  ]) {
    const value = call()
    assert.ok(value instanceof Promise)
    await value
  }
})
