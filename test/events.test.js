'use strict'

// Events and their order (docs/behaviour.md#events-and-their-order): success,
// failures before and during the body, abort(), destroy(), undrained
// responses, exceptions in handlers. Each log interleaves the request's
// events ('req:...') and its response's ('res:...'); consecutive 'res:data'
// count as one entry.

const test = require('node:test')
const assert = require('node:assert/strict')
const { spawn } = require('node:child_process')
const path = require('node:path')

const net = require('..')
const { startHttpServer, startRawServer, respondRoutes } = require('./helpers/servers')
const { collectBody, once } = require('./helpers/events')
const { recordLifecycle, quiet, closedPort, deferred, resetNames } = require('./helpers/lifecycle')

const LIBRARY = path.resolve(__dirname, '..')
const MiB = 1024 * 1024

/**
 * Starts a server whose '/hold' route sends the head and `part` of a
 * `length`-byte body (or nothing at all, when `part` is null) and then
 * holds the response open; '/after' answers 'after'. `held` resolves with
 * the route's {req, res, closed}, `closed` resolving when the server sees
 * the connection go away.
 */
async function startHoldingServer (t, { part = null, length = 1 * MiB } = {}) {
  const held = deferred()
  const srv = await startHttpServer(respondRoutes({
    '/hold': (req, res) => {
      const closed = new Promise((resolve) => res.once('close', () => resolve(res.writableFinished)))
      if (part !== null) {
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': length })
        res.write(part)
      }
      held.resolve({ req, res, closed })
    },
    '/after': (req, res) => res.end('after')
  }))
  t.after(() => srv.close())
  let connections = 0
  srv.server.on('connection', () => connections++)
  return Object.assign(srv, { held: held.promise, connections: () => connections })
}

/** Makes a request that must succeed and returns its body text. */
async function fetchText (url) {
  const req = net.request(url)
  req.end()
  const [res] = await once(req, 'response')
  return (await collectBody(res)).toString()
}

/**
 * Asserts that nothing of a request reached `srv`: a later request to
 * '/after' is the only one the server saw, on its only connection.
 */
async function assertNothingReached (srv) {
  assert.equal(await fetchText(srv.origin + '/after'), 'after')
  assert.deepEqual(srv.requests.map((r) => r.url), ['/after'], 'only the follow-up request reached the server')
  assert.equal(srv.connections(), 1, 'only the follow-up request connected')
}

test('success: finish, response, res data..., res end, res close, req close, and nothing after', { timeout: 20000 }, async (t) => {
  const srv = await startHttpServer((req, res) => res.end('x'.repeat(200 * 1024)))
  t.after(() => srv.close())

  const req = net.request({ method: 'POST', url: srv.url })
  const rec = recordLifecycle(req)
  req.end('body')
  await rec.closed
  await quiet()
  assert.deepEqual(rec.log, ['req:finish', 'req:response', 'res:data', 'res:end', 'res:close', 'req:close'])
  assert.equal(rec.bytes, 200 * 1024)
})

test('failure before a response: req error then close (finish first, since end() was called)', { timeout: 20000 }, async (t) => {
  const port = await closedPort()
  const req = net.request(`http://127.0.0.1:${port}/`)
  const rec = recordLifecycle(req)
  req.end()
  await rec.closed
  await quiet()
  // The documented order is error -> close; 'finish' is the Writable's own
  // event for end(), emitted before the engine reports the failure, as in
  // Electron.
  assert.deepEqual(rec.log, ['req:finish', 'req:error', 'req:close'])
  assert.equal(rec.errors['req:error'].message, 'net::ERR_CONNECTION_REFUSED')
})

test('failure mid-body: res error (ERR_CONTENT_LENGTH_MISMATCH), res close, req error, req close', { timeout: 20000 }, async (t) => {
  const srv = await startRawServer(async (socket, connection) => {
    await connection.waitFor()
    socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n' + 'p'.repeat(1000), () => socket.destroy())
  })
  t.after(() => srv.close())

  const req = net.request(srv.url)
  const rec = recordLifecycle(req)
  req.end()
  await rec.closed
  await quiet()
  assert.deepEqual(rec.log,
    ['req:finish', 'req:response', 'res:data', 'res:error', 'res:close', 'req:error', 'req:close'])
  assert.equal(rec.bytes, 1000)
  assert.equal(rec.errors['res:error'].message, 'net::ERR_CONTENT_LENGTH_MISMATCH')
  assert.equal(rec.errors['req:error'].message, 'net::ERR_CONTENT_LENGTH_MISMATCH')
})

test('abort() before any write: abort on the next tick, then close; nothing reaches the server; no error', { timeout: 20000 }, async (t) => {
  const srv = await startHoldingServer(t)
  const req = net.request(srv.origin + '/hold')
  const rec = recordLifecycle(req)
  req.abort()
  assert.deepEqual(rec.log, [], "'abort' is not emitted synchronously")
  const nextTick = await new Promise((resolve) => process.nextTick(() => resolve(rec.log.slice())))
  assert.deepEqual(nextTick, ['req:abort'], "'abort' on the next tick")
  await rec.closed
  await quiet()
  assert.deepEqual(rec.log, ['req:abort', 'req:close'])
  await assertNothingReached(srv)
})

test('abort() after end(), before the response: finish, abort, close; the server sees the connection go', { timeout: 20000 }, async (t) => {
  const srv = await startHoldingServer(t)
  const req = net.request({ method: 'POST', url: srv.origin + '/hold' })
  const rec = recordLifecycle(req)
  req.end('body')
  const { closed } = await srv.held
  req.abort()
  req.abort() // idempotent
  await rec.closed
  assert.equal(await closed, false, 'the server saw the connection close before it answered')
  await quiet()
  assert.deepEqual(rec.log, ['req:finish', 'req:abort', 'req:close'])
})

test('abort() during the body: abort, res aborted, res close, req close; no error', { timeout: 20000 }, async (t) => {
  const srv = await startHoldingServer(t, { part: 'x'.repeat(1000) })
  const req = net.request(srv.origin + '/hold')
  const rec = recordLifecycle(req, { onResponse: (res) => res.once('data', () => req.abort()) })
  req.end()
  await rec.closed
  const { closed } = await srv.held
  assert.equal(await closed, false, 'the server saw the connection close mid-body')
  await quiet()
  assert.deepEqual(rec.log,
    ['req:finish', 'req:response', 'res:data', 'req:abort', 'res:aborted', 'res:close', 'req:close'])
})

test('abort() twice and after close has no effect and emits nothing more', { timeout: 20000 }, async (t) => {
  const srv = await startHttpServer(respondRoutes({ '/': (req, res) => res.end('ok') }))
  t.after(() => srv.close())

  const twice = net.request(srv.url)
  const twiceRec = recordLifecycle(twice)
  twice.abort()
  twice.abort()
  await twiceRec.closed
  twice.abort()
  await quiet()
  assert.deepEqual(twiceRec.log, ['req:abort', 'req:close'])

  const done = net.request(srv.url)
  const doneRec = recordLifecycle(done)
  done.end()
  await doneRec.closed
  done.abort()
  await quiet()
  assert.deepEqual(doneRec.log, ['req:finish', 'req:response', 'res:data', 'res:end', 'res:close', 'req:close'])

  const port = await closedPort()
  const failed = net.request(`http://127.0.0.1:${port}/`)
  const failedRec = recordLifecycle(failed)
  failed.end()
  await failedRec.closed
  failed.abort()
  await quiet()
  assert.deepEqual(failedRec.log, ['req:finish', 'req:error', 'req:close'])
})

test('destroy() on the request cancels it: close, no error, no abort', { timeout: 20000 }, async (t) => {
  const srv = await startHoldingServer(t)
  const req = net.request(srv.origin + '/hold')
  const rec = recordLifecycle(req)
  req.end()
  const { closed } = await srv.held
  req.destroy()
  req.destroy() // idempotent
  await rec.closed
  assert.equal(await closed, false, 'the server saw the connection close')
  await quiet()
  assert.deepEqual(rec.log, ['req:finish', 'req:close'])
})

test('destroy(err) on the request cancels it: error(err) then close', { timeout: 20000 }, async (t) => {
  const srv = await startHoldingServer(t)
  const req = net.request(srv.origin + '/hold')
  const rec = recordLifecycle(req)
  req.end()
  const { closed } = await srv.held
  const err = new Error('stop it')
  req.destroy(err)
  await rec.closed
  assert.equal(await closed, false, 'the server saw the connection close')
  await quiet()
  assert.deepEqual(rec.log, ['req:finish', 'req:error', 'req:close'])
  assert.equal(rec.errors['req:error'], err)
})

test('destroy() on the request mid-body: the response is aborted and closes, then the request closes', { timeout: 20000 }, async (t) => {
  const srv = await startHoldingServer(t, { part: 'x'.repeat(1000) })
  const req = net.request(srv.origin + '/hold')
  const rec = recordLifecycle(req, { onResponse: (res) => res.once('data', () => req.destroy()) })
  req.end()
  await rec.closed
  const { closed } = await srv.held
  assert.equal(await closed, false, 'the server saw the connection close mid-body')
  await quiet()
  assert.deepEqual(rec.log, ['req:finish', 'req:response', 'res:data', 'res:aborted', 'res:close', 'req:close'])
})

test('res.destroy() mid-body cancels the request, which then closes; no error', { timeout: 20000 }, async (t) => {
  const srv = await startHoldingServer(t, { part: 'x'.repeat(1000) })
  const req = net.request(srv.origin + '/hold')
  const rec = recordLifecycle(req, { onResponse: (res) => res.once('data', () => res.destroy()) })
  req.end()
  await rec.closed
  const { closed } = await srv.held
  assert.equal(await closed, false, 'the server saw the connection close mid-body')
  await quiet()
  assert.deepEqual(rec.log, ['req:finish', 'req:response', 'res:data', 'res:close', 'req:close'])
})

test('a response with no response listener is drained: the server sends it all and the next request works', { timeout: 20000 }, async (t) => {
  const SIZE = 32 * MiB // far more than the engine's window and the socket buffers
  const sent = deferred()
  const srv = await startHttpServer(respondRoutes({
    '/big': (req, res) => {
      res.writeHead(200, { 'content-length': SIZE })
      res.once('finish', () => sent.resolve(true))
      res.once('close', () => sent.resolve(res.writableFinished))
      res.end(Buffer.alloc(SIZE, 'b'))
    },
    '/after': (req, res) => res.end('after')
  }))
  t.after(() => srv.close())

  const req = net.request(srv.origin + '/big')
  const log = []
  for (const name of ['finish', 'error', 'close']) req.on(name, () => log.push(name))
  const closed = once(req, 'close')
  req.end()
  assert.equal(await sent.promise, true, 'the server wrote the whole body')
  await closed
  assert.deepEqual(log, ['finish', 'close'])
  assert.equal(await fetchText(srv.origin + '/after'), 'after')
})

test('write() and end() after abort() are ignored without an error event', { timeout: 20000 }, async (t) => {
  const srv = await startHoldingServer(t)

  const buffered = net.request({ method: 'POST', url: srv.origin + '/hold' })
  const bufferedRec = recordLifecycle(buffered)
  buffered.write('before')
  buffered.abort()
  buffered.write('after')
  buffered.end('end')
  await bufferedRec.closed
  buffered.write('later')
  buffered.end()
  await quiet()
  assert.deepEqual(bufferedRec.log, ['req:abort', 'req:close'])

  const chunked = net.request({ method: 'POST', url: srv.origin + '/hold' })
  chunked.chunkedEncoding = true
  const chunkedRec = recordLifecycle(chunked)
  chunked.abort()
  chunked.write('after')
  chunked.end('end')
  await chunkedRec.closed
  await quiet()
  assert.deepEqual(chunkedRec.log, ['req:abort', 'req:close'])

  await assertNothingReached(srv)
})

/**
 * Starts a raw server whose every response sends its head and `part` bytes
 * of a longer body, then resets the connection (RST). With `together`, the
 * resets wait until `together` connections are mid-body, then all go at once.
 */
async function startResettingServer (t, { part = 20000, together = 1 } = {}) {
  let waiting = []
  const srv = await startRawServer(async (socket, connection) => {
    await connection.waitFor()
    socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${10 * MiB}\r\n\r\n` + 'p'.repeat(part), () => {
      waiting.push(socket)
      if (waiting.length < together) return
      const batch = waiting
      waiting = []
      setImmediate(() => { for (const s of batch) s.resetAndDestroy() })
    })
  })
  t.after(() => srv.close())
  return srv
}

// After abort() (or destroy()) is called, only these events may come
// (docs/behaviour.md#events-and-their-order).
const AFTER_ABORT = new Set(['req:abort', 'res:aborted', 'res:close', 'req:close'])

/**
 * Asserts the log of a request that `abort()` was called on when the log
 * held `at` entries: nothing but AFTER_ABORT after that point, 'abort' once
 * when the request was still open, and 'close' once, last.
 */
function assertQuietAfterAbort (log, at, context) {
  const tail = log.slice(at)
  const message = `${context}: ${log.join(' ')} (abort() after ${at})`
  assert.deepEqual(tail.filter((name) => !AFTER_ABORT.has(name)), [], message)
  assert.equal(log.filter((name) => name === 'req:close').length, 1, message)
  assert.equal(log.at(-1), 'req:close', message)
  if (!log.slice(0, at).includes('req:close')) {
    assert.equal(tail.filter((name) => name === 'req:abort').length, 1, message)
  }
}

for (const listener of ['error', 'close']) {
  test(`abort() in the response's '${listener}' listener after a reset mid-body: no request 'error' follows`, { timeout: 20000 }, async (t) => {
    const srv = await startResettingServer(t)
    const req = net.request(srv.url)
    let at = -1
    const rec = recordLifecycle(req, {
      onResponse: (res) => res.once(listener, () => {
        at = rec.log.length
        req.abort()
      })
    })
    req.end()
    await rec.closed
    await quiet()
    // A reset mid-body (under wine it may read as the end of a body shorter than its Content-Length).
    const names = resetNames('ERR_CONTENT_LENGTH_MISMATCH').map((name) => `net::${name}`)
    assert.ok(names.includes(rec.errors['res:error'].message), rec.errors['res:error'].message)
    assert.deepEqual(rec.log, ['req:finish', 'req:response', 'res:data', 'res:error', 'res:close', 'req:abort', 'req:close'])
    assertQuietAfterAbort(rec.log, at, listener)
  })
}

test('abort() at any point of a response the server resets mid-body: only abort, aborted and close follow', { timeout: 60000 }, async (t) => {
  const srv = await startResettingServer(t)
  // Where the app calls abort(): in a listener, or from the event loop a
  // little later, racing the reset the engine reports.
  const points = {
    response: (req, res, abort) => abort(),
    'first data': (req, res, abort) => res.once('data', abort),
    'res error': (req, res, abort) => res.once('error', abort),
    'res close': (req, res, abort) => res.once('close', abort),
    'req finish': null, // set on the request, below
    immediate: (req, res, abort) => setImmediate(abort),
    'timer 0': (req, res, abort) => setTimeout(abort, 0),
    'timer 1': (req, res, abort) => setTimeout(abort, 1),
    'timer 3': (req, res, abort) => setTimeout(abort, 3)
  }
  const names = Object.keys(points)
  const deadline = performance.now() + 30000
  let runs = 0
  for (let i = 0; i < 10 * names.length && performance.now() < deadline; i++) {
    const name = names[i % names.length]
    const req = net.request(srv.url)
    let at = -1
    const abort = () => {
      if (at === -1) at = rec.log.length
      req.abort()
    }
    const rec = recordLifecycle(req, { onResponse: (res) => points[name] && points[name](req, res, abort) })
    if (name === 'req finish') req.once('finish', () => setImmediate(abort))
    req.end()
    await rec.closed
    await quiet(5)
    assert.notEqual(at, -1, `${name}: abort() was called`)
    assertQuietAfterAbort(rec.log, at, name)
    runs++
  }
  assert.ok(runs >= names.length, `every abort point ran (${runs} runs)`)
})

test('requests that abort each other when one fails (resets at the same moment): no error after abort()', { timeout: 60000 }, async (t) => {
  // The engine reports both resets in one batch: the first failure's
  // listener aborts the sibling whose own failure is already on its way.
  const srv = await startResettingServer(t, { together: 2 })
  const deadline = performance.now() + 30000
  let runs = 0
  for (let i = 0; i < 40 && performance.now() < deadline; i++) {
    const pair = [net.request(srv.url), net.request(srv.url)]
    const ats = [-1, -1]
    const recs = pair.map((req, k) => recordLifecycle(req, {
      onResponse: (res) => {
        const abortSibling = () => {
          if (ats[1 - k] === -1 && !pair[1 - k].destroyed) {
            ats[1 - k] = recs[1 - k].log.length
            pair[1 - k].abort()
          }
        }
        res.once('error', abortSibling)
        req.once('error', abortSibling)
      }
    }))
    for (const req of pair) req.end()
    await Promise.all(recs.map((rec) => rec.closed))
    await quiet(5)
    for (const k of [0, 1]) {
      if (ats[k] !== -1) assertQuietAfterAbort(recs[k].log, ats[k], `request ${k}`)
    }
    runs++
  }
  assert.ok(runs >= 10, `${runs} runs`)
})

/**
 * Runs a child process that makes one request whose `where` handler throws
 * (`response`: the 'response' listener; `data`: the response's 'data'
 * listener), with or without a process 'uncaughtException' handler.
 */
function runThrowingChild (where, withHandler) {
  const thrower = where === 'response'
    ? "throw new Error('boom from response')"
    : "res.on('data', () => { throw new Error('boom from data') })"
  const script = `
    const http = require('node:http')
    const net = require(${JSON.stringify(LIBRARY)})
    if (${withHandler}) {
      process.on('uncaughtException', (err) => {
        console.log('caught: ' + err.message)
        process.exit(42)
      })
    }
    const server = http.createServer((req, res) => {
      res.setHeader('connection', 'close')
      res.end('hello')
    })
    server.listen(0, '127.0.0.1', () => {
      server.unref()
      const req = net.request('http://127.0.0.1:' + server.address().port + '/')
      req.on('response', (res) => { ${thrower} })
      req.end()
    })
  `
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 15000 })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => { stdout += d })
    child.stderr.on('data', (d) => { stderr += d })
    child.once('error', reject)
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }))
  })
}

for (const where of ['response', 'data']) {
  test(`an exception thrown in a '${where}' handler is uncaught: the process reports it and exits`, { timeout: 20000 }, async () => {
    const { code, signal, stderr } = await runThrowingChild(where, false)
    assert.equal(signal, null, 'the child ended by itself')
    assert.match(stderr, new RegExp(`Error: boom from ${where}`))
    assert.doesNotMatch(stderr, /N-API callback exception/i, 'not swallowed with a warning')
    assert.equal(code, 1, `exit code; stderr: ${stderr}`)
  })

  test(`an exception thrown in a '${where}' handler reaches process 'uncaughtException'`, { timeout: 20000 }, async () => {
    const { code, signal, stdout, stderr } = await runThrowingChild(where, true)
    assert.equal(signal, null, 'the child ended by itself')
    assert.equal(stdout.trim(), `caught: boom from ${where}`, `stderr: ${stderr}`)
    assert.equal(code, 42)
  })
}
