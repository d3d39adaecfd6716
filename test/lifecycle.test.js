'use strict'

// Process life (docs/behaviour.md#module-and-process-life): an idle library
// never holds the process open and a request in flight always does (checked
// in child processes); many concurrent requests; worker_threads; aborts at
// random moments; garbage collection of requests in flight; loading from ESM;
// an exception thrown by an app's handler takes Node's normal path.

const { test } = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const { pathToFileURL } = require('node:url')
const { Worker } = require('node:worker_threads')

const net = require('..')
const native = require('../lib/native')
const { startHttpServer, respondRoutes } = require('./helpers/servers')
const { collectBody, once } = require('./helpers/events')
const { quiet, runNode: spawnNode, slow } = require('./helpers/lifecycle')

const LIB = path.resolve(__dirname, '..', 'index.js')

/** Runs `node ...args LIB ...extra` (see helpers/lifecycle.js runNode). */
function runNode (args, { extra = [], limit = 15000 } = {}) {
  return spawnNode([...args, LIB, ...extra], { limit })
}

/** The script prelude: `net` is the library, `url` the first extra argument. */
const PRELUDE = 'const net = require(process.argv[1]); const url = process.argv[2];'

/** Prints 'body:<body>' once the response ends, and 'error:<message>' on an error. */
const GET_AND_PRINT = PRELUDE + `
const req = net.request(url)
req.on('response', (res) => {
  let body = ''
  res.setEncoding('utf8')
  res.on('data', (d) => { body += d })
  res.on('end', () => console.log('body:' + body))
})
req.on('error', (err) => console.log('error:' + err.message))
req.end()
`

test('a script that makes one request exits by itself promptly after the response', { timeout: slow(20000) }, async (t) => {
  const srv = await startHttpServer(respondRoutes({ '/': (req, res) => res.end('hello') }))
  t.after(() => srv.close())

  const child = await runNode(['-e', GET_AND_PRINT], { extra: [srv.url] })
  assert.equal(child.killed, false, 'the child had to be killed: something holds the process open')
  assert.equal(child.stderr, '')
  assert.equal(child.code, 0)
  assert.deepEqual(child.lines.map((l) => l.text), ['body:hello'])
  const lingering = child.exitedAt - child.lines[0].at
  assert.ok(lingering < 3000, `exited ${Math.round(lingering)} ms after the response (an idle keep-alive connection must not hold the process)`)
})

test('a request in flight keeps the process alive until its response is complete', { timeout: slow(20000) }, async (t) => {
  const srv = await startHttpServer(respondRoutes({
    '/late-head': (req, res) => setTimeout(() => res.end('late head'), 500),
    '/late-body': (req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' })
      res.write('first, ')
      setTimeout(() => res.end('then the rest'), 500)
    }
  }))
  t.after(() => srv.close())

  for (const [route, body] of [['/late-head', 'late head'], ['/late-body', 'first, then the rest']]) {
    const child = await runNode(['-e', GET_AND_PRINT], { extra: [srv.origin + route] })
    assert.equal(child.killed, false, route)
    assert.equal(child.stderr, '', route)
    assert.equal(child.code, 0, route)
    assert.equal(child.stdout, `body:${body}\n`, `${route}: the child waited for the response`)
  }
})

test('requests that end otherwise do not hold the process open either', { timeout: slow(20000) }, async (t) => {
  // The server holds every request forever; only an abort or a failure ends them.
  // /stream sends part of a body and never ends it.
  const srv = await startHttpServer((req, res) => {
    if (req.url === '/stream') {
      res.writeHead(200)
      res.write('x'.repeat(1000))
    }
  })
  t.after(() => srv.close())
  const refused = await startHttpServer(() => {})
  await refused.close()

  const cases = {
    'never ended': PRELUDE + `
      const req = net.request(url)
      req.write('unsent')
      console.log('idle')`,
    'aborted in flight': PRELUDE + `
      const req = net.request({ url, method: 'POST' })
      req.on('close', () => console.log('closed'))
      req.on('error', (err) => console.log('error:' + err.message))
      req.end('body')
      setTimeout(() => req.abort(), 100)`,
    'destroyed in flight': PRELUDE + `
      const req = net.request(url)
      req.on('close', () => console.log('closed'))
      req.end()
      setTimeout(() => req.destroy(), 100)`,
    'response destroyed mid-body': PRELUDE + `
      const req = net.request(url.replace('/hold', '/stream'))
      req.on('response', (res) => res.once('data', () => res.destroy()))
      req.on('close', () => console.log('closed'))
      req.end()`,
    'connection refused': PRELUDE + `
      const req = net.request(process.argv[3])
      req.on('error', (err) => console.log('error:' + err.message))
      req.end()`
  }
  const expected = {
    'never ended': 'idle\n',
    'aborted in flight': 'closed\n',
    'destroyed in flight': 'closed\n',
    'response destroyed mid-body': 'closed\n',
    'connection refused': 'error:net::ERR_CONNECTION_REFUSED\n'
  }

  const outcomes = {}
  for (const [name, script] of Object.entries(cases)) {
    const started = performance.now()
    const child = await runNode(['-e', script], { extra: [srv.origin + '/hold', refused.url] })
    const took = Math.round(child.exitedAt - started)
    outcomes[name] = `${child.killed ? 'killed' : `code ${child.code}`} ${child.stdout}${child.stderr}${took < 5000 ? '' : ` after ${took} ms`}`
  }
  assert.deepEqual(outcomes, Object.fromEntries(Object.entries(expected).map(([name, out]) => [name, `code 0 ${out}`])))
})

test('an exception thrown by a response handler takes the uncaught-exception path', { timeout: slow(20000) }, async (t) => {
  const srv = await startHttpServer(respondRoutes({ '/': (req, res) => res.end('hi') }))
  t.after(() => srv.close())

  const throwing = PRELUDE + `
    net.request(url).on('response', () => { throw new Error('boom from the handler') }).end()`
  const crashed = await runNode(['-e', throwing], { extra: [srv.url] })
  assert.equal(crashed.killed, false)
  assert.equal(crashed.code, 1)
  assert.match(crashed.stderr, /Error: boom from the handler/)
  assert.doesNotMatch(crashed.stderr, /[Ww]arning/)

  const caught = PRELUDE + `
    process.on('uncaughtException', (err) => console.log('caught:' + err.message))
    const req = net.request(url)
    req.on('response', (res) => {
      res.on('end', () => console.log('end'))
      res.resume()
      throw new Error('boom')
    })
    req.on('close', () => console.log('close'))
    req.end()`
  const survived = await runNode(['-e', caught], { extra: [srv.url] })
  assert.equal(survived.killed, false)
  assert.equal(survived.code, 0)
  assert.equal(survived.stderr, '')
  assert.deepEqual(survived.lines.map((l) => l.text), ['caught:boom', 'end', 'close'])
})

test('300 concurrent requests all succeed', { timeout: slow(20000) }, async (t) => {
  const srv = await startHttpServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' })
    res.end(`answer to ${req.url}`)
  })
  t.after(() => srv.close())

  const N = 300
  const started = performance.now()
  const results = await Promise.all(Array.from({ length: N }, async (_, i) => {
    const req = net.request(`${srv.origin}/r/${i}`)
    const closed = once(req, 'close')
    req.end()
    const [res] = await once(req, 'response')
    const body = (await collectBody(res)).toString()
    await closed
    return `${res.statusCode} ${body}`
  }))
  const took = performance.now() - started
  assert.deepEqual(results, Array.from({ length: N }, (_, i) => `200 answer to /r/${i}`))
  assert.equal(srv.requests.length, N)
  assert.ok(took < 15000, `${N} requests took ${Math.round(took)} ms`)
})

/** A worker that makes requests: workerData {lib, url, count, parallel}; posts its results. */
const WORKER_REQUESTS = `
const { parentPort, workerData } = require('node:worker_threads')
const net = require(workerData.lib)
function get (url) {
  return new Promise((resolve, reject) => {
    const req = net.request(url)
    req.on('response', (res) => {
      const chunks = []
      res.on('data', (c) => chunks.push(c))
      res.on('end', () => resolve(res.statusCode + ' ' + Buffer.concat(chunks).toString()))
    })
    req.on('error', reject)
    req.end()
  })
}
;(async () => {
  const results = []
  for (let i = 0; i < workerData.count; i += workerData.parallel) {
    const batch = []
    for (let j = i; j < Math.min(i + workerData.parallel, workerData.count); j++) {
      batch.push(get(workerData.url + '?i=' + j))
    }
    results.push(...await Promise.all(batch))
  }
  parentPort.postMessage(results)
})().catch((err) => parentPort.postMessage({ error: err.message }))
`

/** Runs WORKER_REQUESTS to its exit; resolves with what it posted and its exit code. */
function runRequestWorker (url, count, parallel) {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_REQUESTS, { eval: true, workerData: { lib: LIB, url, count, parallel } })
    let posted = null
    worker.on('message', (message) => { posted = message })
    worker.once('error', reject)
    worker.once('exit', (code) => resolve({ posted, code }))
  })
}

test('the library works in worker_threads, two workers at once, beside the main thread', { timeout: slow(20000) }, async (t) => {
  const srv = await startHttpServer((req, res) => res.end(`echo ${req.url}`))
  t.after(() => srv.close())

  const expect = (name, count) => Array.from({ length: count }, (_, i) => `200 echo /${name}?i=${i}`)
  const mainThread = Promise.all(Array.from({ length: 20 }, async (_, i) => {
    const req = net.request(`${srv.origin}/main?i=${i}`)
    req.end()
    const [res] = await once(req, 'response')
    return `${res.statusCode} ${(await collectBody(res)).toString()}`
  }))
  const [a, b, main] = await Promise.all([
    runRequestWorker(srv.origin + '/a', 40, 8),
    runRequestWorker(srv.origin + '/b', 40, 1),
    mainThread
  ])
  // Each worker exits by itself once its requests are done: code 0, not terminated.
  assert.deepEqual(a, { posted: expect('a', 40), code: 0 })
  assert.deepEqual(b, { posted: expect('b', 40), code: 0 })
  assert.deepEqual(main, expect('main', 20))
})

test('terminating a worker mid-request neither crashes the process nor breaks the main thread', { timeout: slow(20000) }, async (t) => {
  // /hold never answers; /stream sends part of a body and never ends it;
  // /ok answers. The server reports each request's arrival and departure.
  const arrived = new Set()
  const gone = new Set()
  const srv = await startHttpServer((req, res) => {
    if (req.url.startsWith('/ok')) return res.end('still fine')
    res.on('close', () => {
      gone.add(req.url)
      srv.server.emit('progress')
    })
    if (req.url.startsWith('/stream')) {
      res.writeHead(200)
      res.write('x'.repeat(64 * 1024))
    }
    arrived.add(req.url)
    srv.server.emit('progress')
  })
  t.after(() => srv.close())

  const workerCode = `
    const { parentPort, workerData } = require('node:worker_threads')
    const net = require(workerData.lib)
    for (const url of workerData.urls) {
      const req = net.request(url)
      req.on('response', (res) => res.once('data', () => parentPort.postMessage('data')))
      req.on('error', (err) => parentPort.postMessage('error:' + err.message))
      req.end()
    }`
  const rounds = [['/hold'], ['/stream'], ['/hold', '/stream', '/hold', '/stream']]
  for (const [round, paths] of rounds.entries()) {
    const targets = paths.map((p, i) => `${p}?round=${round}&i=${i}`)
    const worker = new Worker(workerCode, { eval: true, workerData: { lib: LIB, urls: targets.map((p) => srv.origin + p) } })
    const messages = []
    worker.on('message', (m) => {
      messages.push(m)
      srv.server.emit('progress')
    })
    const exited = once(worker, 'exit')
    // Terminate once the server holds every request and each stream delivered data.
    const streams = paths.filter((p) => p === '/stream').length
    await until(srv.server, 'progress', () =>
      targets.every((p) => arrived.has(p)) && messages.filter((m) => m === 'data').length === streams)
    await worker.terminate()
    const [code] = await exited
    assert.equal(code, 1, 'terminated')
    assert.deepEqual(messages.filter((m) => m !== 'data'), [], 'no error reached the worker')
    // The engine lets go of the terminated worker's requests: their connections close.
    await until(srv.server, 'progress', () => targets.every((p) => gone.has(p)))
  }

  const req = net.request(srv.origin + '/ok')
  req.end()
  const [res] = await once(req, 'response')
  assert.equal((await collectBody(res)).toString(), 'still fine')
})

/** Resolves once `condition()` holds, checking now and at each `event` of `emitter`. */
function until (emitter, event, condition) {
  return new Promise((resolve) => {
    const check = () => {
      if (!condition()) return
      emitter.off(event, check)
      resolve()
    }
    emitter.on(event, check)
    check()
  })
}

/** mulberry32: a small seeded PRNG, so a failing run can be repeated with LIFECYCLE_SEED. */
function prng (seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let r = Math.imul(a ^ (a >>> 15), 1 | a)
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296
  }
}

const ABORT_MODES = ['before-end', 'after-end', 'soon-after-end', 'on-response', 'on-data', 'on-data-mid-body', 'never']

/**
 * Makes one POST and aborts it as `mode` says. Resolves at the request's
 * 'close' with every event of the request and its response, in order.
 */
function abortAt (url, mode) {
  return new Promise((resolve) => {
    const req = net.request({ url, method: 'POST' })
    const log = []
    let body = ''
    let closed = false
    const note = (name) => {
      if (closed) log.push(`after-close:${name}`)
      else log.push(name)
    }
    for (const name of ['abort', 'error', 'finish', 'response']) req.on(name, () => note(`req:${name}`))
    req.on('close', () => {
      note('req:close')
      closed = true
      resolve({ mode, log, body })
    })
    req.on('response', (res) => {
      for (const name of ['aborted', 'error', 'end', 'close']) res.on(name, () => note(`res:${name}`))
      res.setEncoding('utf8')
      res.on('data', (chunk) => {
        body += chunk
        if (mode.startsWith('on-data') && !log.includes('abort()')) abort()
      })
      if (mode === 'on-response') abort()
    })
    const abort = () => {
      log.push('abort()')
      req.abort()
    }
    req.write('payload')
    if (mode === 'before-end') abort()
    req.end()
    if (mode === 'after-end') abort()
    if (mode === 'soon-after-end') setImmediate(abort)
  })
}

test('500 requests aborted at random moments: one close each, no error, and the engine lets go of them', { timeout: slow(25000) }, async (t) => {
  const seed = Number(process.env.LIFECYCLE_SEED) || (Date.now() % 2147483647)
  const random = prng(seed)
  const BODY = 'a'.repeat(16 * 1024) + 'b'.repeat(16 * 1024)
  const srv = await startHttpServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(BODY.length) })
    res.write(BODY.slice(0, 16 * 1024))
    // '/slow/' holds the second half back a little, so an abort on the first
    // data lands while the body is still on the wire.
    if (req.url.startsWith('/slow/')) setTimeout(() => res.end(BODY.slice(16 * 1024)), 20)
    else setImmediate(() => res.end(BODY.slice(16 * 1024)))
  })
  t.after(() => srv.close())

  const N = 500
  const BATCH = 50
  const modes = Array.from({ length: N }, () => ABORT_MODES[Math.floor(random() * ABORT_MODES.length)])
  const results = []
  for (let i = 0; i < N; i += BATCH) {
    results.push(...await Promise.all(modes.slice(i, i + BATCH).map((mode, j) =>
      abortAt(`${srv.origin}/${mode === 'on-data-mid-body' ? 'slow/' : ''}${i + j}`, mode))))
  }
  await quiet(100) // gives a second close or a late error the chance to show itself

  // Problems grouped by kind: "mode: why" -> how many, and the first example.
  const problems = {}
  for (const [i, { mode, log, body }] of results.entries()) {
    const events = log.filter((e) => e !== 'abort()')
    const fail = (why) => {
      const kind = `${mode}: ${why}`
      problems[kind] ??= { count: 0, example: `#${i}: ${log.join(' ')}` }
      problems[kind].count++
    }
    if (events.filter((e) => e === 'req:close').length !== 1) fail('not exactly one close')
    if (events.at(-1) !== 'req:close') fail('close is not the last event')
    if (events.some((e) => e.startsWith('after-close:'))) fail('events after close')
    if (events.some((e) => e.endsWith(':error'))) fail('an error')
    if (mode === 'never') {
      if (events.join(' ') !== 'req:finish req:response res:end res:close req:close') fail('not the success order')
      if (body !== BODY) fail('an incomplete body')
      continue
    }
    // abort() before close emits 'abort' (only after close has it no effect).
    if (events.filter((e) => e === 'req:abort').length !== 1) fail('not exactly one abort')
    if (mode === 'before-end' && events.includes('req:response')) fail('a response to a request aborted before end()')
    if (events.includes('req:response')) {
      if (events.filter((e) => e === 'res:close').length !== 1) fail('the response did not close exactly once')
      if (events.indexOf('res:close') > events.indexOf('req:close')) fail('the response closed after the request')
      // A response whose 'end' had not been emitted when abort() was called is
      // ongoing: it emits 'aborted' then 'close', and never 'end'.
      const called = log.indexOf('abort()')
      const ended = log.indexOf('res:end')
      if (called >= 0 && (ended < 0 || ended > called)) {
        if (ended >= 0) fail("'end' after abort()")
        const aborted = log.indexOf('res:aborted')
        if (aborted < 0 || aborted > log.indexOf('res:close')) fail("no 'aborted' before the response's close")
      }
    }
  }
  assert.deepEqual(problems, {}, `seed ${seed} (rerun with LIFECYCLE_SEED=${seed})`)

  const beforeEnd = modes.filter((m) => m === 'before-end').length
  assert.ok(srv.requests.length <= N - beforeEnd, 'a request aborted before end() reached the server')

  // Afterwards a normal request still works.
  const req = net.request(srv.origin + '/after')
  const closed = once(req, 'close')
  req.end()
  const [res] = await once(req, 'response')
  assert.equal((await collectBody(res)).toString(), BODY)
  await closed

  // And nothing is left in the engine or the dispatcher (no event announces this: poll, bounded by the test timeout).
  while (native.liveRequests() !== 0 || native.pendingHandlers() !== 0) await quiet(10)
})

test('requests garbage-collected in flight still complete (no use after free)', { timeout: slow(20000) }, async (t) => {
  let n = 0
  const srv = await startHttpServer((req, res) => {
    // Answers after 0..150 ms, with a body in two parts, so collections hit every phase.
    const delay = (n++ * 37) % 150
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'text/plain' })
      res.write('x'.repeat(8 * 1024))
      setTimeout(() => res.end('y'.repeat(8 * 1024)), delay % 20)
    }, delay)
  })
  t.after(() => srv.close())

  const script = PRELUDE + `
    const N = 200
    globalThis.closed = 0
    globalThis.ended = 0
    globalThis.bytes = 0
    const timer = setInterval(() => gc(), 1)
    for (let i = 0; i < N; i++) {
      const req = net.request(url + '?i=' + i)
      if (i % 2 === 0) {
        // Half read their response; the other half have no response listener (drained).
        req.on('response', (res) => {
          res.on('data', (d) => { globalThis.bytes += d.length })
          res.on('end', () => { globalThis.ended++ })
        })
      }
      req.on('close', () => {
        if (++globalThis.closed === N) {
          clearInterval(timer)
          gc()
          console.log('closed ' + globalThis.closed + ' ended ' + globalThis.ended + ' bytes ' + globalThis.bytes)
        }
      })
      req.end()
      if (i % 20 === 0) gc()
    }`
  const child = await runNode(['--expose-gc', '-e', script], { extra: [srv.url] })
  assert.equal(child.killed, false)
  assert.equal(child.signal, null)
  assert.equal(child.stderr, '')
  assert.equal(child.code, 0)
  assert.equal(child.stdout, `closed 200 ended 100 bytes ${100 * 16 * 1024}\n`)
  assert.equal(srv.requests.length, 200)
})

test('loads from ESM: the default import and named imports', { timeout: slow(20000) }, async (t) => {
  const srv = await startHttpServer((req, res) => res.end(`esm ${req.url}`))
  t.after(() => srv.close())
  const href = JSON.stringify(pathToFileURL(LIB).href)
  const get = (fn) => `
    const req = ${fn}(process.argv[2])
    req.on('response', (res) => {
      let body = ''
      res.on('data', (d) => { body += d })
      res.on('end', () => console.log(body))
    })
    req.end()`

  const defaultImport = `import net from ${href}
    console.log(typeof net.request, typeof net.ClientRequest, typeof net.IncomingMessage)
    ${get('net.request')}`
  const named = `import { request, ClientRequest, IncomingMessage } from ${href}
    console.log(typeof request, typeof ClientRequest, typeof IncomingMessage)
    console.log(request(process.argv[2]) instanceof ClientRequest)
    ${get('request')}`
  // process.argv[1] is LIB for runNode; the URL follows it.
  for (const [name, code] of [['default', defaultImport], ['named', named]]) {
    const child = await runNode(['--input-type=module', '-e', code], { extra: [srv.origin + '/' + name] })
    assert.equal(child.killed, false, name)
    assert.equal(child.stderr, '', name)
    assert.equal(child.code, 0, name)
    const expected = name === 'default'
      ? ['function function function', 'esm /default']
      : ['function function function', 'true', 'esm /named']
    assert.deepEqual(child.lines.map((l) => l.text), expected, name)
  }
})
