'use strict'

// net.fetch and session.fetch (docs/behaviour.md#netfetch): Node's own
// Response driven by the engine; every request body type (a ReadableStream
// streamed as the engine reads it), the response body as a byte stream with
// backpressure, redirect modes, AbortSignal before and during the body,
// net::ERR_* failures (before the response and mid-body), null bodies, init
// options that are only accepted, session cookies and the HTTP cache, and one
// scenario run against Node's global fetch and net.fetch with the same
// observable results.

const test = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('node:crypto')

const net = require('..')
const { startHttpServer, startRawServer, respondRoutes } = require('./helpers/servers')
const { closedPort, deferred, resetNames, NODE_FETCH_UNTESTABLE } = require('./helpers/lifecycle')

/** A handler answering JSON with what the server received. */
function echo (req, res) {
  res.writeHead(200, { 'content-type': 'application/json' })
  res.end(JSON.stringify({
    method: req.method,
    url: req.url,
    headers: req.headers,
    body: req.body.toString('latin1')
  }))
}

/** Starts a server whose every route answers with echo(). */
async function startEcho (t) {
  const srv = await startHttpServer(echo)
  t.after(() => srv.close())
  return srv
}

/** Asserts `err` is the AbortError DOMException an aborted fetch rejects with. */
function assertAbortError (err) {
  assert.ok(err instanceof DOMException, `an AbortError DOMException, got ${err && err.stack}`)
  assert.equal(err.name, 'AbortError')
}

/** Asserts `err` is the net::NAME Error with `code`. */
function assertNetError (err, name) {
  assert.ok(err instanceof Error, `an Error, got ${err}`)
  assert.equal(err.message, `net::${name}`)
  assert.equal(err.code, name)
}

test('net.fetch resolves with the global Response: status, statusText, headers, body, url, not redirected', { timeout: 20000 }, async (t) => {
  const srv = await startHttpServer(respondRoutes({
    'GET /hello?x=1': (req, res) => {
      res.writeHead(200, 'Fine Thanks', { 'content-type': 'text/plain', 'x-thing': 'a' })
      res.end('hello world')
    }
  }))
  t.after(() => srv.close())

  const res = await net.fetch(srv.origin + '/hello?x=1')
  assert.ok(res instanceof Response)
  assert.equal(res.status, 200)
  assert.equal(res.ok, true)
  assert.equal(res.statusText, 'Fine Thanks')
  assert.ok(res.headers instanceof Headers)
  assert.equal(res.headers.get('content-type'), 'text/plain')
  assert.equal(res.headers.get('x-thing'), 'a')
  assert.equal(res.url, srv.origin + '/hello?x=1')
  assert.equal(res.redirected, false)
  assert.ok(res.body instanceof ReadableStream)
  assert.equal(await res.text(), 'hello world')
  assert.equal(srv.requests.length, 1)
  assert.equal(srv.requests[0].method, 'GET')
})

test('input may be a URL string, a URL object or a Request (its method, headers and body are used)', { timeout: 20000 }, async (t) => {
  const srv = await startEcho(t)

  const fromString = await (await net.fetch(srv.origin + '/s')).json()
  assert.equal(fromString.url, '/s')

  const fromURL = await (await net.fetch(new URL('/u?q=2', srv.url))).json()
  assert.equal(fromURL.url, '/u?q=2')

  const request = new Request(srv.origin + '/r', { method: 'PUT', headers: { 'x-from-request': 'yes' }, body: 'abc' })
  const fromRequest = await (await net.fetch(request)).json()
  assert.equal(fromRequest.method, 'PUT')
  assert.equal(fromRequest.url, '/r')
  assert.equal(fromRequest.headers['x-from-request'], 'yes')
  assert.equal(fromRequest.body, 'abc')

  // init overrides the Request's own fields.
  const overridden = await (await net.fetch(new Request(srv.origin + '/o', { method: 'POST', body: 'x' }), { method: 'PATCH', body: 'yz' })).json()
  assert.equal(overridden.method, 'PATCH')
  assert.equal(overridden.body, 'yz')

  // A Request with a known-length body is sent with Content-Length, as any
  // fetch sends it, not streamed chunked.
  assert.equal(fromRequest.headers['content-length'], '3')
  assert.equal(fromRequest.headers['transfer-encoding'], undefined)
})

test('a Request input with a string body is replayed on a 307 redirect, as a known-length body is', { timeout: 20000 }, async (t) => {
  const srv = await startHttpServer(respondRoutes({
    '/307': (req, res) => { res.writeHead(307, { location: '/echo' }); res.end() },
    '/echo': echo
  }))
  t.after(() => srv.close())

  const res = await net.fetch(new Request(srv.origin + '/307', { method: 'POST', body: 'replayed' }))
  const seen = await res.json()
  assert.equal(res.redirected, true)
  assert.equal(seen.method, 'POST')
  assert.equal(seen.body, 'replayed')
})

test('init.headers as a Headers object, a record and a list of pairs all reach the server', { timeout: 20000 }, async (t) => {
  const srv = await startEcho(t)

  const asHeaders = new Headers()
  asHeaders.append('X-One', '1')
  asHeaders.append('X-Two', 'two')
  for (const headers of [asHeaders, { 'X-One': '1', 'X-Two': 'two' }, [['X-One', '1'], ['X-Two', 'two']]]) {
    const seen = await (await net.fetch(srv.url, { headers })).json()
    assert.equal(seen.headers['x-one'], '1')
    assert.equal(seen.headers['x-two'], 'two')
  }
})

test('known-length bodies: string, Buffer, TypedArray, ArrayBuffer, URLSearchParams, Blob, each with its Content-Type and Content-Length', { timeout: 20000 }, async (t) => {
  const srv = await startEcho(t)
  const bytes = Buffer.from([0, 1, 2, 250, 255])
  const cases = [
    { name: 'string', body: 'héllo', expect: Buffer.from('héllo').toString('latin1'), type: 'text/plain;charset=UTF-8' },
    { name: 'Buffer', body: bytes, expect: bytes.toString('latin1'), type: undefined },
    { name: 'Uint8Array', body: new Uint8Array(bytes), expect: bytes.toString('latin1'), type: undefined },
    { name: 'Uint16Array', body: new Uint16Array([0x4241, 0x4443]), expect: 'ABCD', type: undefined },
    { name: 'DataView', body: new DataView(new Uint8Array(bytes).buffer, 1, 3), expect: bytes.subarray(1, 4).toString('latin1'), type: undefined },
    { name: 'ArrayBuffer', body: new Uint8Array(bytes).buffer, expect: bytes.toString('latin1'), type: undefined },
    { name: 'URLSearchParams', body: new URLSearchParams({ a: '1', b: 'x y&z' }), expect: 'a=1&b=x+y%26z', type: 'application/x-www-form-urlencoded;charset=UTF-8' },
    { name: 'Blob', body: new Blob(['blob ', 'parts'], { type: 'application/x-thing' }), expect: 'blob parts', type: 'application/x-thing' }
  ]
  for (const c of cases) {
    const seen = await (await net.fetch(srv.url, { method: 'POST', body: c.body })).json()
    assert.equal(seen.method, 'POST', c.name)
    assert.equal(seen.body, c.expect, c.name)
    assert.equal(seen.headers['content-type'], c.type, c.name)
    assert.equal(seen.headers['content-length'], String(Buffer.byteLength(c.expect, 'latin1')), c.name)
    assert.equal(seen.headers['transfer-encoding'], undefined, c.name)
  }
})

test('a FormData body is sent as multipart/form-data that the server parses back into its fields and file', { timeout: 20000 }, async (t) => {
  const srv = await startHttpServer(async (req, res) => {
    // Parsed on the server side with the standard multipart parser.
    const form = await new Response(req.body, { headers: { 'content-type': req.headers['content-type'] } }).formData()
    const file = form.get('upload')
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({
      contentType: req.headers['content-type'],
      names: [...form.keys()],
      text: form.get('text'),
      many: form.getAll('many'),
      file: { name: file.name, type: file.type, content: Buffer.from(await file.arrayBuffer()).toString('hex') }
    }))
  })
  t.after(() => srv.close())

  const form = new FormData()
  form.append('text', 'plain välue')
  form.append('many', 'one')
  form.append('many', 'two')
  const fileBytes = Buffer.from([1, 2, 3, 0, 13, 10, 45, 45, 255])
  form.append('upload', new Blob([fileBytes], { type: 'application/octet-stream' }), 'data.bin')

  const seen = await (await net.fetch(srv.url, { method: 'POST', body: form })).json()
  assert.match(seen.contentType, /^multipart\/form-data; boundary=/)
  assert.deepEqual(seen.names, ['text', 'many', 'many', 'upload'])
  assert.equal(seen.text, 'plain välue')
  assert.deepEqual(seen.many, ['one', 'two'])
  assert.deepEqual(seen.file, { name: 'data.bin', type: 'application/octet-stream', content: fileBytes.toString('hex') })
})

test('a 32 MiB ReadableStream generated chunk by chunk is uploaded chunked; the server sees every byte (sha256)', { timeout: 20000 }, async (t) => {
  const srv = await startHttpServer((req, res) => {
    const hash = crypto.createHash('sha256')
    let length = 0
    req.on('data', (chunk) => { hash.update(chunk); length += chunk.length })
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({
        transferEncoding: req.headers['transfer-encoding'],
        contentLength: req.headers['content-length'],
        length,
        sha256: hash.digest('hex')
      }))
    })
  }, { bufferBody: false })
  t.after(() => srv.close())

  const TOTAL = 32 * 1024 * 1024
  const CHUNK = 64 * 1024
  const sent = crypto.createHash('sha256')
  let made = 0
  const body = new ReadableStream({
    pull (controller) {
      if (made >= TOTAL) return controller.close()
      const chunk = crypto.randomBytes(CHUNK)
      made += chunk.length
      sent.update(chunk)
      controller.enqueue(new Uint8Array(chunk))
    }
  })

  const res = await net.fetch(srv.url, { method: 'POST', body, duplex: 'half' })
  const seen = await res.json()
  assert.equal(res.status, 200)
  assert.equal(seen.transferEncoding, 'chunked')
  assert.equal(seen.contentLength, undefined)
  assert.equal(seen.length, TOTAL)
  assert.equal(seen.sha256, sent.digest('hex'))
})

test('a ReadableStream body is streamed as the engine reads it: its second chunk is made only after the server got the first', { timeout: 20000 }, async (t) => {
  const firstArrived = deferred()
  const srv = await startHttpServer((req, res) => {
    const chunks = []
    req.on('data', (chunk) => {
      chunks.push(chunk)
      if (Buffer.concat(chunks).toString().includes('first;')) firstArrived.resolve()
    })
    req.on('end', () => res.end(Buffer.concat(chunks)))
  }, { bufferBody: false })
  t.after(() => srv.close())

  let step = 0
  const body = new ReadableStream({
    async pull (controller) {
      step++
      if (step === 1) return controller.enqueue(new TextEncoder().encode('first;'))
      // A library that buffered the whole stream before sending would never get here.
      await firstArrived.promise
      controller.enqueue(new TextEncoder().encode('second'))
      controller.close()
    }
  })
  // Also as a Request carrying the stream.
  const res = await net.fetch(new Request(srv.url, { method: 'POST', body, duplex: 'half' }))
  assert.equal(await res.text(), 'first;second')
})

test('the response body is a byte stream with backpressure: 256 MiB read slowly keeps the server held back and memory bounded', { timeout: 20000 }, async (t) => {
  const TOTAL = 256 * 1024 * 1024
  const CHUNK = Buffer.alloc(64 * 1024, 0x61)
  let written = 0
  const srv = await startHttpServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(TOTAL) })
    const more = () => {
      while (written < TOTAL) {
        written += CHUNK.length
        if (!res.write(CHUNK)) return res.once('drain', more)
      }
      res.end()
    }
    more()
  })
  t.after(() => srv.close())

  global.gc?.()
  const rssBefore = process.memoryUsage().rss
  const res = await net.fetch(srv.url)
  const reader = res.body.getReader()
  let read = 0
  let nextPause = 0
  let maxAhead = 0
  let maxGrowth = 0
  const started = Date.now()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    assert.ok(value instanceof Uint8Array)
    read += value.byteLength
    if (read >= nextPause) {
      nextPause += 8 * 1024 * 1024
      // A slow reader: give the server every chance to run ahead.
      await new Promise((resolve) => setTimeout(resolve, 20))
      maxAhead = Math.max(maxAhead, written - read)
      maxGrowth = Math.max(maxGrowth, process.memoryUsage().rss - rssBefore)
    }
    assert.ok(Date.now() - started < 18000, 'the download is bounded in time')
  }
  assert.equal(read, TOTAL)
  // The server is held back by the client's reading: what it wrote and the
  // app has not read stays within socket buffers and small windows.
  assert.ok(maxAhead < 48 * 1024 * 1024, `server ran ${(maxAhead / 1048576).toFixed(1)} MiB ahead of the reader`)
  assert.ok(maxGrowth < 128 * 1024 * 1024, `RSS grew by ${(maxGrowth / 1048576).toFixed(1)} MiB`)
})

test('redirect follow: the final response with url and redirected set', { timeout: 20000 }, async (t) => {
  const srv = await startHttpServer(respondRoutes({
    '/a': (req, res) => { res.writeHead(301, { location: '/b' }); res.end() },
    '/b': (req, res) => { res.writeHead(302, { location: '/final?z=1' }); res.end() },
    '/final': (req, res) => res.end('landed')
  }))
  t.after(() => srv.close())

  for (const init of [{}, { redirect: 'follow' }]) {
    const res = await net.fetch(srv.origin + '/a', init)
    assert.equal(res.status, 200)
    assert.equal(res.url, srv.origin + '/final?z=1')
    assert.equal(res.redirected, true)
    assert.equal(await res.text(), 'landed')
  }
})

test('redirect error: rejects and the Location is not followed', { timeout: 20000 }, async (t) => {
  const srv = await startHttpServer(respondRoutes({
    '/a': (req, res) => { res.writeHead(302, { location: '/final' }); res.end() },
    '/final': (req, res) => res.end('landed')
  }))
  t.after(() => srv.close())

  await assert.rejects(net.fetch(srv.origin + '/a', { redirect: 'error' }), (err) => {
    assert.ok(err instanceof Error)
    assert.equal(err.message, "Attempted to redirect, but redirect policy was 'error'")
    return true
  })
  assert.deepEqual(srv.requests.map((r) => r.url), ['/a'])
})

test('redirect manual: resolves with the 3xx response itself (status, statusText, Location), not followed', { timeout: 20000 }, async (t) => {
  const srv = await startHttpServer(respondRoutes({
    '/a': (req, res) => { res.writeHead(302, 'Found', { location: '/final', 'x-hop': 'first' }); res.end() },
    '/p': (req, res) => { res.writeHead(308, 'Permanent Redirect', { location: '/final' }); res.end() },
    '/final': (req, res) => res.end('landed')
  }))
  t.after(() => srv.close())

  const res = await net.fetch(srv.origin + '/a', { redirect: 'manual' })
  assert.ok(res instanceof Response)
  assert.equal(res.status, 302)
  assert.equal(res.headers.get('location'), '/final')
  assert.equal(res.headers.get('x-hop'), 'first')
  assert.equal(res.url, srv.origin + '/a')
  assert.equal(res.redirected, false)

  const permanent = await net.fetch(srv.origin + '/p', { method: 'POST', body: 'kept', redirect: 'manual' })
  assert.equal(permanent.status, 308)
  assert.deepEqual(srv.requests.map((r) => r.url), ['/a', '/p'])
  // The response itself: the status text the server sent, as Node's fetch reports it.
  assert.equal(res.statusText, 'Found')
  assert.equal(permanent.statusText, 'Permanent Redirect')
})

test('abort before the call rejects with an AbortError DOMException and nothing reaches the server', { timeout: 20000 }, async (t) => {
  const srv = await startEcho(t)
  const controller = new AbortController()
  controller.abort()
  await assert.rejects(net.fetch(srv.url, { signal: controller.signal }), (err) => {
    assertAbortError(err)
    return true
  })
  // Also with a known-length body and with a stream body.
  await assert.rejects(net.fetch(srv.url, { method: 'POST', body: 'x', signal: controller.signal }), (err) => {
    assertAbortError(err)
    return true
  })
  const stream = new ReadableStream({ pull (c) { c.enqueue(new Uint8Array([1])) } })
  await assert.rejects(net.fetch(srv.url, { method: 'POST', body: stream, duplex: 'half', signal: controller.signal }), (err) => {
    assertAbortError(err)
    return true
  })
  // A request that did reach the server afterwards proves the server works.
  await (await net.fetch(srv.url)).text()
  assert.equal(srv.requests.length, 1)
})

test('abort while waiting for the head rejects with AbortError and cancels the request on the wire', { timeout: 20000 }, async (t) => {
  const arrived = deferred()
  const serverSawClose = deferred()
  const srv = await startHttpServer((req, res) => {
    res.on('close', () => serverSawClose.resolve())
    arrived.resolve() // never answers
  })
  t.after(() => srv.close())

  const controller = new AbortController()
  const pending = net.fetch(srv.url, { signal: controller.signal })
  await arrived.promise
  controller.abort()
  await assert.rejects(pending, (err) => {
    assertAbortError(err)
    return true
  })
  await serverSawClose.promise // the Go request was cancelled: its connection closed
})

test('abort during the body errors the body stream with AbortError and cancels the request on the wire', { timeout: 20000 }, async (t) => {
  const serverSawClose = deferred()
  const srv = await startHttpServer((req, res) => {
    res.on('close', () => serverSawClose.resolve())
    res.writeHead(200, { 'content-type': 'text/plain' })
    res.write('first part;') // and never ends
  })
  t.after(() => srv.close())

  const controller = new AbortController()
  const res = await net.fetch(srv.url, { signal: controller.signal })
  assert.equal(res.status, 200)
  const reader = res.body.getReader()
  const { value } = await reader.read()
  assert.equal(Buffer.from(value).toString(), 'first part;')
  controller.abort()
  await assert.rejects(reader.read(), (err) => {
    assertAbortError(err)
    return true
  })
  await serverSawClose.promise

  // text() on an aborted response rejects the same way.
  const serverSawClose2 = deferred()
  const srv2 = await startHttpServer((req, res) => {
    res.on('close', () => serverSawClose2.resolve())
    res.writeHead(200)
    res.write('x')
  })
  t.after(() => srv2.close())
  const controller2 = new AbortController()
  const res2 = await net.fetch(srv2.url, { signal: controller2.signal })
  const text = res2.text()
  controller2.abort()
  await assert.rejects(text, (err) => {
    assertAbortError(err)
    return true
  })
  await serverSawClose2.promise
})

test('an abort racing a reset mid-body rejects the body with AbortError, never with the net error', { timeout: 60000 }, async (t) => {
  // The server resets two connections at once: a ClientRequest's (before
  // its head) and the fetch's (mid-body). The ClientRequest's 'error' comes
  // synchronously as the engine's batch is dispatched, and aborts the fetch,
  // whose own failure may be in that batch already: the body must reject
  // with the abort's reason, as no net error reached it before abort().
  let waiting = []
  const srv = await startRawServer(async (socket, connection) => {
    const head = (await connection.waitFor()).toString('latin1')
    const send = head.startsWith('GET /body ')
      ? 'HTTP/1.1 200 OK\r\nContent-Length: 10485760\r\n\r\n' + 'p'.repeat(20000)
      : ''
    socket.write(send, () => {
      waiting.push(socket)
      if (waiting.length < 2) return
      const batch = waiting
      waiting = []
      setImmediate(() => { for (const s of batch) s.resetAndDestroy() })
    })
  })
  t.after(() => srv.close())

  const deadline = performance.now() + 30000
  let runs = 0
  let raced = 0
  for (let i = 0; i < 40 && performance.now() < deadline; i++) {
    const controller = new AbortController()
    let bodyFailure = null // set (in a microtask) once the fetch's body rejected
    let failedBeforeAbort = false
    const sibling = net.request(srv.origin + '/nohead')
    const siblingFailed = new Promise((resolve) => sibling.once('error', (err) => {
      failedBeforeAbort = bodyFailure !== null
      controller.abort()
      resolve(err)
    }))
    sibling.end()
    try {
      // The abort may come before the head: then the fetch itself rejects.
      const res = await net.fetch(srv.origin + '/body', { signal: controller.signal })
      const reader = res.body.getReader()
      for (;;) {
        const { done } = await reader.read()
        assert.equal(done, false, 'the body cannot end: the server resets it')
      }
    } catch (err) {
      bodyFailure = err
    }
    const siblingError = await siblingFailed // reset before its head (under wine it may read as a close)
    assert.ok(resetNames('ERR_EMPTY_RESPONSE').includes(siblingError.code), `${siblingError.code}`)
    assertNetError(siblingError, siblingError.code)
    if (failedBeforeAbort) {
      // The engine reported the fetch's reset in an earlier batch: the
      // body failed before abort() and rightly says so (under wine the
      // reset may read as the end of a body shorter than its Content-Length).
      const names = resetNames('ERR_CONTENT_LENGTH_MISMATCH')
      assert.ok(names.includes(bodyFailure.code), `${bodyFailure.code}`)
      assertNetError(bodyFailure, bodyFailure.code)
    } else {
      raced++
      assertAbortError(bodyFailure)
    }
    runs++
  }
  assert.ok(runs >= 10, `${runs} runs`)
  assert.ok(raced > 0, 'some runs aborted the fetch before its body failed')
})

test('abort during a streamed upload rejects with AbortError, closes the connection and cancels the body stream with the reason', { timeout: 20000 }, async (t) => {
  const firstChunk = deferred()
  const serverSawClose = deferred()
  const srv = await startHttpServer((req, res) => {
    req.on('data', () => firstChunk.resolve())
    res.on('close', () => serverSawClose.resolve())
  }, { bufferBody: false })
  t.after(() => srv.close())

  const cancelled = deferred()
  let pulls = 0
  const body = new ReadableStream({
    pull (controller) {
      if (pulls++ === 0) return controller.enqueue(new TextEncoder().encode('only chunk'))
      return new Promise(() => {}) // the producer stalls
    },
    cancel (reason) { cancelled.resolve(reason) }
  })
  const controller = new AbortController()
  const pending = net.fetch(srv.url, { method: 'POST', body, duplex: 'half', signal: controller.signal })
  await firstChunk.promise
  controller.abort()
  await assert.rejects(pending, (err) => {
    assertAbortError(err)
    return true
  })
  await serverSawClose.promise
  // The fetch standard cancels the request body with the abort reason.
  const reason = await Promise.race([cancelled.promise, new Promise((resolve) => setTimeout(resolve, 2000, 'not cancelled within 2 s'))])
  assert.notEqual(reason, 'not cancelled within 2 s', 'the upload stream was cancelled')
  assertAbortError(reason)
})

test('cancelling the response body cancels the request on the wire', { timeout: 20000 }, async (t) => {
  const serverSawClose = deferred()
  const srv = await startHttpServer((req, res) => {
    res.on('close', () => serverSawClose.resolve())
    res.writeHead(200)
    res.write('endless;')
  })
  t.after(() => srv.close())

  const res = await net.fetch(srv.url)
  const reader = res.body.getReader()
  assert.equal(Buffer.from((await reader.read()).value).toString(), 'endless;')
  await reader.cancel()
  await serverSawClose.promise
})

test('network failures reject with the net::ERR_* Error and its code', { timeout: 20000 }, async (t) => {
  const port = await closedPort()
  await assert.rejects(net.fetch(`http://127.0.0.1:${port}/`), (err) => {
    assertNetError(err, 'ERR_CONNECTION_REFUSED')
    return true
  })
  await assert.rejects(net.fetch('http://no-such-host.invalid/'), (err) => {
    assertNetError(err, 'ERR_NAME_NOT_RESOLVED')
    return true
  })
  const raw = await startRawServer((socket) => socket.destroy())
  t.after(() => raw.close())
  await assert.rejects(net.fetch(raw.url), (err) => {
    assert.match(err.message, /^net::ERR_/)
    assert.equal(err.code, err.message.slice('net::'.length))
    return true
  })
})

test('a body that fails mid-stream rejects text() and arrayBuffer() with the net error', { timeout: 20000 }, async (t) => {
  const raw = await startRawServer(async (socket, connection) => {
    await connection.waitFor()
    socket.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789')
  })
  t.after(() => raw.close())

  const first = await net.fetch(raw.url)
  assert.equal(first.status, 200)
  await assert.rejects(first.text(), (err) => {
    assertNetError(err, 'ERR_CONTENT_LENGTH_MISMATCH')
    return true
  })
  const second = await net.fetch(raw.url)
  await assert.rejects(second.arrayBuffer(), (err) => {
    assertNetError(err, 'ERR_CONTENT_LENGTH_MISMATCH')
    return true
  })
  const third = await net.fetch(raw.url)
  const reader = third.body.getReader()
  await assert.rejects((async () => { for (;;) if ((await reader.read()).done) return })(), (err) => {
    assertNetError(err, 'ERR_CONTENT_LENGTH_MISMATCH')
    return true
  })
})

test('the body is null for 204, 205 and 304 and for HEAD', { timeout: 20000 }, async (t) => {
  const srv = await startHttpServer(respondRoutes({
    '/204': (req, res) => { res.writeHead(204); res.end() },
    '/205': (req, res) => { res.writeHead(205); res.end() },
    '/304': (req, res) => { res.writeHead(304, { etag: '"e"' }); res.end() },
    '/head': (req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '5' })
      res.end(req.method === 'HEAD' ? undefined : 'hello')
    }
  }))
  t.after(() => srv.close())

  for (const status of [204, 205, 304]) {
    const res = await net.fetch(`${srv.origin}/${status}`)
    assert.equal(res.status, status)
    assert.equal(res.body, null, `status ${status}`)
    assert.equal(await res.text(), '')
  }
  const head = await net.fetch(srv.origin + '/head', { method: 'HEAD' })
  assert.equal(head.status, 200)
  assert.equal(head.headers.get('content-length'), '5')
  assert.equal(head.body, null)
  // The connection was left usable: a GET after it gets its body.
  assert.equal(await (await net.fetch(srv.origin + '/head')).text(), 'hello')
})

test('a 101 answer settles with status 101 and a null body, without an uncaught exception', { timeout: 20000 }, async (t) => {
  const raw = await startRawServer(async (socket, connection) => {
    await connection.waitFor()
    socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: example\r\nConnection: Upgrade\r\n\r\n')
  })
  t.after(() => raw.close())

  // An exception thrown inside the library's event handlers would only show
  // as an uncaught exception while the promise never settles: fail at once.
  const uncaught = new Promise((resolve, reject) => {
    const onUncaught = (err) => reject(new Error(`uncaught exception: ${err.message}`))
    process.once('uncaughtException', onUncaught)
    t.after(() => process.off('uncaughtException', onUncaught))
  })
  const plain = await Promise.race([net.fetch(raw.url), uncaught])
  assert.equal(plain.status, 101)
  assert.equal(plain.body, null)
})

test('init options that are only accepted: credentials, cache, referrer, referrerPolicy, bypassCustomProtocolHandlers', { timeout: 20000 }, async (t) => {
  const srv = await startEcho(t)
  const inits = [
    { credentials: 'include' }, { credentials: 'same-origin' }, { credentials: 'omit' },
    { cache: 'no-store' }, { cache: 'reload' }, { cache: 'no-cache' },
    { referrer: '' }, { referrer: srv.origin + '/page' }, { referrerPolicy: 'no-referrer' }, { referrerPolicy: 'unsafe-url' },
    { bypassCustomProtocolHandlers: true }, { bypassCustomProtocolHandlers: false }
  ]
  for (const init of inits) {
    const res = await net.fetch(srv.url, init)
    assert.equal(res.status, 200, JSON.stringify(init))
    await res.text()
  }
})

test("priority: the fetch standard's values (high, low, auto) are accepted, as Node's fetch accepts them", { timeout: 20000 }, async (t) => {
  const srv = await startEcho(t)
  for (const priority of ['high', 'low', 'auto']) {
    // Node's own Request takes them.
    assert.equal(new Request(srv.url, { priority }).url, srv.url)
    const res = await net.fetch(srv.url, { priority })
    assert.equal(res.status, 200, priority)
    await res.text()
  }
})

test('session.fetch: the session\'s cookies are sent and stored; another session and credentials: omit do not see them', { timeout: 20000 }, async (t) => {
  const srv = await startHttpServer(respondRoutes({
    '/set': (req, res) => {
      res.writeHead(200, { 'set-cookie': 'fetchsession=yes; Path=/echo' })
      res.end('set')
    },
    '/echo': (req, res) => res.end(req.headers.cookie || '(none)')
  }))
  t.after(() => srv.close())

  const a = net.session.fromPartition('fetch-test-a')
  const b = net.session.fromPartition('fetch-test-b')
  const setRes = await a.fetch(srv.origin + '/set')
  assert.ok(setRes instanceof Response)
  assert.equal(await setRes.text(), 'set')
  assert.equal(await (await a.fetch(srv.origin + '/echo')).text(), 'fetchsession=yes')
  assert.equal(await (await b.fetch(srv.origin + '/echo')).text(), '(none)')
  assert.equal(await (await a.fetch(srv.origin + '/echo', { credentials: 'omit' })).text(), '(none)')
  const defaultRes = await net.session.defaultSession.fetch(srv.origin + '/echo')
  assert.ok(defaultRes instanceof Response)
  assert.equal(await defaultRes.text(), '(none)')
})

test('cache: a fresh response is reused by default; no-store goes to the network', { timeout: 20000 }, async (t) => {
  let hits = 0
  const srv = await startHttpServer((req, res) => {
    hits++
    res.writeHead(200, { 'cache-control': 'max-age=600', 'content-type': 'text/plain' })
    res.end(`hit ${hits}`)
  })
  t.after(() => srv.close())
  const session = net.session.fromPartition('fetch-test-cache')
  const url = srv.origin + '/cached'

  assert.equal(await (await session.fetch(url)).text(), 'hit 1')
  assert.equal(await (await session.fetch(url)).text(), 'hit 1')
  assert.equal(await (await session.fetch(url, { cache: 'no-store' })).text(), 'hit 2')
  assert.equal(hits, 2)
})

test('the same scenario against Node\'s global fetch and net.fetch gives the same observable results', { timeout: 20000, skip: NODE_FETCH_UNTESTABLE }, async (t) => {
  const srv = await startHttpServer(respondRoutes({
    'POST /start': (req, res) => {
      res.writeHead(303, { location: '/final?from=start' })
      res.end()
    },
    'GET /final': (req, res) => {
      res.setHeader('set-cookie', ['first=1; Path=/final', 'second=2; Path=/final; HttpOnly'])
      res.writeHead(201, 'Made It', { 'content-type': 'text/plain; charset=utf-8', 'x-custom': 'custom value' })
      res.end('final body ✓')
    }
  }))
  t.after(() => srv.close())

  const scenario = async (fetchImpl) => {
    const res = await fetchImpl(srv.origin + '/start', { method: 'POST', body: 'payload', headers: { 'x-sent': 'by app' } })
    return {
      isResponse: res instanceof Response,
      status: res.status,
      statusText: res.statusText,
      ok: res.ok,
      contentType: res.headers.get('content-type'),
      custom: res.headers.get('x-custom'),
      setCookies: res.headers.getSetCookie(),
      url: res.url,
      redirected: res.redirected,
      body: await res.text()
    }
  }
  const viaNode = await scenario(globalThis.fetch)
  const viaNet = await scenario(net.fetch)
  assert.deepEqual(viaNet, viaNode)
  assert.deepEqual(viaNet, {
    isResponse: true,
    status: 201,
    statusText: 'Made It',
    ok: true,
    contentType: 'text/plain; charset=utf-8',
    custom: 'custom value',
    setCookies: ['first=1; Path=/final', 'second=2; Path=/final; HttpOnly'],
    url: srv.origin + '/final?from=start',
    redirected: true,
    body: 'final body ✓'
  })
})
