'use strict'

// Request and response bodies
// (docs/behaviour.md#request-and-response-bodies): buffered and chunked
// uploads, backpressure both ways, progress events, empty bodies.

const test = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('node:crypto')
const { EventEmitter } = require('node:events')

const net = require('..')
const { startHttpServer, startRawServer, respondRoutes } = require('./helpers/servers')
const { collectBody, once } = require('./helpers/events')
const { recordLifecycle, quiet, emitsWithin, deferred } = require('./helpers/lifecycle')

const KiB = 1024
const MiB = 1024 * KiB
const NOTHING_UPLOADED = Object.freeze({ active: false, started: false, current: 0, total: 0 })

const sha256 = (buf) => crypto.createHash('sha256').update(buf).digest('hex')

/** Answers every request with the number of body bytes and their sha256. */
function echoDigest (req, res) {
  res.end(`${req.body.length} ${sha256(req.body)}`)
}

/** Makes the request, reads the whole response and returns it with its text. */
async function finish (req) {
  const [res] = await once(req, 'response')
  const body = await collectBody(res)
  return { res, text: body.toString() }
}

test('a buffered body (several write() then end(data)) is sent whole with Content-Length at end()', { timeout: 20000 }, async (t) => {
  const srv = await startHttpServer(respondRoutes({ 'POST /': (req, res) => res.end('ok') }))
  t.after(() => srv.close())
  let connections = 0
  srv.server.on('connection', () => connections++)

  const req = net.request({ method: 'POST', url: srv.url })
  const callbacks = []
  const written = (name) => (err) => {
    assert.ifError(err)
    callbacks.push(name)
  }
  assert.equal(req.write('one,', written('one')), true)
  assert.equal(req.write(Buffer.from('two,'), written('two')), true)
  req.write(new Uint8Array(Buffer.from('three,')))

  // Nothing is sent before end(): the body is buffered.
  await quiet(50)
  assert.equal(connections, 0, 'no connection before end()')
  assert.deepEqual(callbacks, ['one', 'two'], 'buffered write callbacks fire')

  req.end('four')
  const { res, text } = await finish(req)
  assert.equal(res.statusCode, 200)
  assert.equal(text, 'ok')
  assert.equal(srv.requests.length, 1)
  const seen = srv.requests[0]
  assert.equal(seen.body.toString(), 'one,two,three,four')
  assert.equal(seen.headers['content-length'], '18')
  assert.equal(seen.headers['transfer-encoding'], undefined)
})

test('a large buffered body (3 MiB in 64 KiB writes) arrives intact with its Content-Length', { timeout: 20000 }, async (t) => {
  const srv = await startHttpServer(echoDigest)
  t.after(() => srv.close())
  const body = crypto.randomBytes(3 * MiB + 17)

  const req = net.request({ method: 'PUT', url: srv.url })
  for (let off = 0; off < body.length; off += 64 * KiB) req.write(body.subarray(off, off + 64 * KiB))
  req.end()
  const { text } = await finish(req)
  assert.equal(text, `${body.length} ${sha256(body)}`)
  assert.equal(srv.requests[0].headers['content-length'], String(body.length))
  assert.equal(srv.requests[0].headers['transfer-encoding'], undefined)
})

test('end() without a body sends Content-Length: 0 on POST and no framing header on GET', { timeout: 20000 }, async (t) => {
  const srv = await startHttpServer((req, res) => res.end(req.method))
  t.after(() => srv.close())

  const post = net.request({ method: 'POST', url: srv.url })
  post.end()
  assert.equal((await finish(post)).text, 'POST')
  assert.equal(srv.requests[0].headers['content-length'], '0')
  assert.equal(srv.requests[0].headers['transfer-encoding'], undefined)
  assert.equal(srv.requests[0].body.length, 0)

  const get = net.request(srv.url)
  get.end()
  assert.equal((await finish(get)).text, 'GET')
  assert.equal(srv.requests[1].headers['content-length'], undefined)
  assert.equal(srv.requests[1].headers['transfer-encoding'], undefined)
})

test('a request body of 0 bytes: write(\'\') then end() sends Content-Length: 0; chunked sends only the last chunk', { timeout: 20000 }, async (t) => {
  const srv = await startHttpServer(echoDigest)
  t.after(() => srv.close())
  const empty = `0 ${sha256(Buffer.alloc(0))}`

  const buffered = net.request({ method: 'POST', url: srv.url })
  buffered.write('')
  buffered.end(Buffer.alloc(0))
  assert.equal((await finish(buffered)).text, empty)
  assert.equal(srv.requests[0].headers['content-length'], '0')
  assert.equal(srv.requests[0].headers['transfer-encoding'], undefined)

  const chunked = net.request({ method: 'POST', url: srv.url })
  chunked.chunkedEncoding = true
  chunked.end()
  assert.equal((await finish(chunked)).text, empty)
  assert.equal(srv.requests[1].headers['transfer-encoding'], 'chunked')
  assert.equal(srv.requests[1].headers['content-length'], undefined)
})

test('chunkedEncoding streams with Transfer-Encoding: chunked from the first write(), before end()', { timeout: 20000 }, async (t) => {
  const head = deferred()
  const firstData = deferred()
  const srv = await startHttpServer((req, res) => {
    head.resolve(req.headers)
    const chunks = []
    req.on('data', (chunk) => { chunks.push(chunk); firstData.resolve(Buffer.concat(chunks).toString()) })
    req.on('end', () => res.end(Buffer.concat(chunks)))
  }, { bufferBody: false })
  t.after(() => srv.close())

  const req = net.request({ method: 'POST', url: srv.url })
  req.chunkedEncoding = true
  assert.equal(req.chunkedEncoding, true)
  const callbacks = []
  const written = (name) => (err) => {
    assert.ifError(err)
    callbacks.push(name)
  }
  req.write('first;', written('first'))

  // The server sees the head and the first chunk while end() is not called yet.
  const headers = await head.promise
  assert.equal(headers['transfer-encoding'], 'chunked')
  assert.equal(headers['content-length'], undefined)
  assert.equal(await firstData.promise, 'first;')
  assert.equal(req.writableEnded, false)
  assert.deepEqual(callbacks, ['first'], 'the write callback fired once the engine took the chunk')

  req.write(Buffer.from('second;'), written('second'))
  req.end('third', () => callbacks.push('end'))
  const { text } = await finish(req)
  assert.equal(text, 'first;second;third')
  assert.deepEqual(callbacks, ['first', 'second', 'end'])
})

test('a chunked upload to a server that does not read: write() returns false and its callback waits until the server reads', { timeout: 30000 }, async (t) => {
  const serverSide = deferred()
  const srv = await startHttpServer((req, res) => {
    req.pause()
    serverSide.resolve({ req, res })
  }, { bufferBody: false })
  t.after(() => srv.close())

  const req = net.request({ method: 'POST', url: srv.url })
  req.chunkedEncoding = true
  const rec = recordLifecycle(req)
  const LIMIT = 64 * MiB
  const chunk = Buffer.alloc(8 * KiB, 'u')
  let writes = 0
  let callbacks = 0
  let written = 0
  const write = () => {
    writes++
    written += chunk.length
    return req.write(chunk, (err) => {
      assert.ifError(err)
      callbacks++
    })
  }

  write() // starts the request
  const { req: serverReq, res: serverRes } = await serverSide.promise

  // Write until the upload stalls: write() returns false and no 'drain'
  // comes for 500 ms. The server reads nothing, so it must stall long
  // before LIMIT (the engine's window plus the kernel's socket buffers).
  let returnedFalse = false
  let stalled = false
  while (written < LIMIT) {
    if (write()) continue
    returnedFalse = true
    if (!(await emitsWithin(req, 'drain', 500))) {
      stalled = true
      break
    }
  }
  assert.ok(returnedFalse, 'write() returned false')
  assert.ok(stalled, `the upload never stalled: ${written} bytes accepted while the server read nothing`)
  const pending = writes - callbacks
  assert.ok(pending > 0, 'a write callback is pending while the server is paused')
  await quiet(300)
  assert.equal(writes - callbacks, pending, 'no write callback fires while the server is paused')

  // The server reads: the pending callbacks fire and the upload completes.
  let received = 0
  serverReq.on('data', (data) => { received += data.length })
  const serverEnd = once(serverReq, 'end')
  const drained = once(req, 'drain')
  serverReq.resume()
  await drained
  assert.equal(callbacks, writes, 'every write callback fired after the server read')
  req.end()
  await serverEnd
  assert.equal(received, written)
  serverRes.end(String(received))
  await rec.closed
  assert.equal(rec.response.statusCode, 200)
  assert.deepEqual(rec.log, ['req:finish', 'req:response', 'res:data', 'res:end', 'res:close', 'req:close'])
})

/** Sends `body` (buffered, or chunked in 64 KiB writes) and resolves with 'status text' or the error's message. */
function upload (url, body, chunked) {
  return new Promise((resolve) => {
    const req = net.request({ method: 'POST', url })
    req.on('response', (res) => {
      collectBody(res).then((text) => resolve(`${res.statusCode} ${text}`), (err) => resolve(`res ${err.message}`))
    })
    req.on('error', (err) => resolve(err.message))
    if (chunked) {
      req.chunkedEncoding = true
      for (let off = 0; off < body.length; off += 64 * KiB) req.write(body.subarray(off, off + 64 * KiB))
      req.end()
    } else {
      req.end(body)
    }
  })
}

test('a server that drops the connection while a 1 MiB body uploads: always net::ERR_CONNECTION_RESET, as Chromium reports the upload', { timeout: 60000 }, async (t) => {
  // The engine's writer meets the reset, its reader meets the close: the
  // upload's error must win whichever comes first (it used to be
  // net::ERR_EMPTY_RESPONSE about half the time).
  const srv = await startRawServer(async (socket, connection) => {
    await connection.waitFor()
    socket.destroy()
  })
  t.after(() => srv.close())
  const body = Buffer.alloc(MiB, 'u')
  for (const chunked of [false, true]) {
    const outcomes = {}
    const deadline = performance.now() + 20000
    for (let i = 0; i < 20 && performance.now() < deadline; i++) {
      const outcome = await upload(srv.url, body, chunked)
      outcomes[outcome] = (outcomes[outcome] || 0) + 1
    }
    assert.deepEqual(Object.keys(outcomes), ['net::ERR_CONNECTION_RESET'], `chunked ${chunked}: ${JSON.stringify(outcomes)}`)
  }
})

test('a chunked upload the server drops while the app waits for the answer fails at once with net::ERR_CONNECTION_RESET', { timeout: 30000 }, async (t) => {
  const srv = await startRawServer(async (socket, connection) => {
    await connection.waitFor()
    socket.destroy()
  })
  t.after(() => srv.close())
  for (let i = 0; i < 10; i++) {
    const req = net.request({ method: 'POST', url: srv.url })
    req.chunkedEncoding = true
    req.write('the first part; the rest once the server answers')
    const [err] = await once(req, 'error') // never end(): the app waits for an answer
    assert.equal(err.message, 'net::ERR_CONNECTION_RESET')
  }
})

test('a server that answers 413 and closes during a 1 MiB upload: the 413 is delivered', { timeout: 60000 }, async (t) => {
  const srv = await startRawServer(async (socket, connection) => {
    await connection.waitFor()
    socket.end('HTTP/1.1 413 Payload Too Large\r\nContent-Length: 8\r\nConnection: close\r\n\r\ntoo big!', () => socket.destroy())
  })
  t.after(() => srv.close())
  const body = Buffer.alloc(MiB, 'u')
  for (const chunked of [false, true]) {
    const outcomes = {}
    for (let i = 0; i < 10; i++) {
      const outcome = await upload(srv.url, body, chunked)
      outcomes[outcome] = (outcomes[outcome] || 0) + 1
    }
    assert.deepEqual(outcomes, { '413 too big!': 10 }, `chunked ${chunked}`)
  }
})

test('upload-progress (position, total) and getUploadProgress() for a buffered body', { timeout: 20000 }, async (t) => {
  const srv = await startHttpServer(echoDigest)
  t.after(() => srv.close())
  const body = crypto.randomBytes(MiB + 123)

  const req = net.request({ method: 'POST', url: srv.url })
  assert.deepEqual(req.getUploadProgress(), NOTHING_UPLOADED, 'before any write')
  const progress = []
  req.on('upload-progress', (position, total) => progress.push([position, total]))
  req.write(body.subarray(0, 1000))
  assert.deepEqual(req.getUploadProgress(), NOTHING_UPLOADED, 'a buffered body has not started uploading before end()')
  req.end(body.subarray(1000))
  const { text } = await finish(req)
  assert.equal(text, `${body.length} ${sha256(body)}`)

  assert.ok(progress.length >= 1, 'upload-progress was emitted')
  for (const [i, [position, total]] of progress.entries()) {
    assert.equal(total, body.length, `event ${i}: total`)
    assert.ok(position > 0 && position <= body.length, `event ${i}: position ${position}`)
    if (i > 0) assert.ok(position >= progress[i - 1][0], `event ${i}: position does not go back`)
  }
  assert.deepEqual(progress.at(-1), [body.length, body.length])
  const after = req.getUploadProgress()
  assert.equal(after.started, true)
  assert.equal(after.current, body.length)
  assert.equal(after.total, body.length)
})

test('upload-progress for a small buffered body and for a chunked body', { timeout: 20000 }, async (t) => {
  const srv = await startHttpServer(echoDigest)
  t.after(() => srv.close())

  const small = net.request({ method: 'POST', url: srv.url })
  const smallProgress = []
  small.on('upload-progress', (position, total) => smallProgress.push([position, total]))
  small.end('hello')
  await finish(small)
  assert.deepEqual(smallProgress.at(-1), [5, 5])
  assert.equal(small.getUploadProgress().current, 5)

  const chunked = net.request({ method: 'POST', url: srv.url })
  chunked.chunkedEncoding = true
  assert.deepEqual(chunked.getUploadProgress(), NOTHING_UPLOADED)
  const positions = []
  chunked.on('upload-progress', (position, total) => {
    assert.equal(typeof total, 'number')
    positions.push(position)
  })
  const part = Buffer.alloc(100 * KiB, 'c')
  for (let i = 0; i < 5; i++) chunked.write(part)
  chunked.end()
  const { text } = await finish(chunked)
  assert.equal(text.split(' ')[0], String(5 * part.length))
  assert.ok(positions.length >= 1, 'upload-progress was emitted')
  for (let i = 1; i < positions.length; i++) assert.ok(positions[i] >= positions[i - 1])
  assert.equal(positions.at(-1), 5 * part.length)
  assert.equal(chunked.getUploadProgress().started, true)
  assert.equal(chunked.getUploadProgress().current, 5 * part.length)
})

test('download backpressure: an unread 256 MiB response blocks the server, then reads whole with bounded memory', { timeout: 60000 }, async (t) => {
  const SIZE = 256 * MiB
  const PAUSED_BOUND = 16 * MiB
  const RSS_GROWTH_BOUND = 100 * MiB
  const block = Buffer.alloc(64 * KiB, 'd')
  const server = new EventEmitter() // 'blocked' when res.write returns false, 'drain' when it drains
  let serverWritten = 0
  let serverBlocked = false
  const srv = await startHttpServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': SIZE })
    const pump = () => {
      while (serverWritten < SIZE) {
        serverWritten += block.length
        if (!res.write(block)) {
          serverBlocked = true
          server.emit('blocked')
          res.once('drain', () => {
            serverBlocked = false
            server.emit('drain')
            pump()
          })
          return
        }
      }
      res.end()
    }
    pump()
  })
  t.after(() => srv.close())

  const baseline = process.memoryUsage.rss()
  let peak = baseline
  const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage.rss()) }, 20)
  t.after(() => clearInterval(sampler))

  const req = net.request(srv.url)
  const closed = once(req, 'close')
  req.end()
  const [res] = await once(req, 'response')
  assert.equal(res.headers['content-length'], String(SIZE))

  // The app does not read. Wait until the server has been unable to write
  // for a whole second (bounded: 15 attempts).
  let quietSecond = false
  for (let attempt = 0; attempt < 15 && !quietSecond; attempt++) {
    if (!serverBlocked) await once(server, 'blocked')
    quietSecond = !(await emitsWithin(server, 'drain', 1000))
  }
  assert.ok(quietSecond, `the server never blocked: it wrote ${serverWritten} bytes into an unread response`)
  assert.ok(serverWritten < PAUSED_BOUND,
    `the server wrote ${(serverWritten / MiB).toFixed(1)} MiB into an unread response; bound ${PAUSED_BOUND / MiB} MiB`)
  const whilePaused = serverWritten

  // Now read everything, keeping nothing.
  let received = 0
  let progressEvents = 0
  res.on('download-progress', () => progressEvents++)
  res.on('data', (chunk) => { received += chunk.length })
  await once(res, 'end')
  clearInterval(sampler)
  peak = Math.max(peak, process.memoryUsage.rss())
  assert.equal(received, SIZE)
  assert.ok(serverWritten > whilePaused)
  assert.ok(progressEvents > 0, 'download-progress was emitted')
  assert.ok(peak - baseline < RSS_GROWTH_BOUND,
    `RSS grew by ${((peak - baseline) / MiB).toFixed(1)} MiB during a 256 MiB download; bound ${RSS_GROWTH_BOUND / MiB} MiB`)
  await closed
})

test('download-progress reports the bytes received so far, up to the whole body', { timeout: 20000 }, async (t) => {
  const body = crypto.randomBytes(3 * MiB + 5)
  const srv = await startHttpServer((req, res) => {
    res.writeHead(200, { 'content-length': body.length })
    res.end(body)
  })
  t.after(() => srv.close())

  const req = net.request(srv.url)
  req.end()
  const [res] = await once(req, 'response')
  const progress = []
  let bytesAtProgress = 0
  let bytes = 0
  res.on('data', (chunk) => { bytes += chunk.length })
  res.on('download-progress', (current) => {
    progress.push(current)
    bytesAtProgress = Math.max(bytesAtProgress, current)
  })
  const got = await collectBody(res)
  assert.equal(sha256(got), sha256(body))
  assert.ok(progress.length >= 1, 'download-progress was emitted')
  for (let i = 0; i < progress.length; i++) {
    assert.equal(typeof progress[i], 'number')
    if (i > 0) assert.ok(progress[i] > progress[i - 1], `download-progress goes forward: ${progress[i - 1]} then ${progress[i]}`)
  }
  assert.equal(progress.at(-1), body.length)
  assert.equal(bytes, body.length)
})

test('a response body of 0 bytes ends without data (Content-Length: 0, chunked, HEAD, 204)', { timeout: 20000 }, async (t) => {
  const srv = await startHttpServer(respondRoutes({
    '/length': (req, res) => { res.writeHead(200, { 'content-length': '0' }); res.end() },
    '/chunked': (req, res) => { res.writeHead(200, { 'transfer-encoding': 'chunked' }); res.end() },
    '/head': (req, res) => { res.writeHead(200, { 'content-length': '1234' }); res.end() },
    '/nocontent': (req, res) => { res.writeHead(204); res.end() }
  }))
  t.after(() => srv.close())

  for (const [path, method, status] of [['/length', 'GET', 200], ['/chunked', 'GET', 200], ['/head', 'HEAD', 200], ['/nocontent', 'GET', 204]]) {
    const req = net.request({ method, url: srv.origin + path })
    const rec = recordLifecycle(req)
    req.end()
    await rec.closed
    await quiet(20)
    assert.equal(rec.response.statusCode, status, path)
    assert.equal(rec.dataEvents, 0, `${path}: no data event`)
    assert.deepEqual(rec.log, ['req:finish', 'req:response', 'res:end', 'res:close', 'req:close'], path)
  }
})
