'use strict'

// Events and their order (SPEC 5): success, failures before and during the
// body, abort(), destroy(), undrained responses, exceptions in handlers.
// Each log interleaves the request's events ('req:...') and its response's
// ('res:...'); consecutive 'res:data' count as one entry.

const test = require('node:test')
const assert = require('node:assert/strict')
const { spawn } = require('node:child_process')
const path = require('node:path')

const net = require('..')
const { startHttpServer, startRawServer, respondRoutes } = require('./helpers/servers')
const { collectBody, once } = require('./helpers/events')
const { recordLifecycle, quiet, closedPort, deferred } = require('./helpers/lifecycle')

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
  // SPEC 5 lists error -> close; 'finish' is the Writable's own event for
  // end(), emitted before the engine reports the failure, as in Electron.
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
