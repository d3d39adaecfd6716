'use strict'

// Hostile peers: loopback TCP servers that each misbehave in one precise
// way (malformed or lying responses, resets, silence, trickles, a gzip bomb,
// a TLS handshake cut short), and the checks that the library survived them.
//
//   const srv = await startHostileServer(t, hostile.reply('HTTP/1.1 abc\r\n\r\n'))
//   const rec = await outcome(net.request(srv.url))
//   await assertHealthy()
//
// Every server listens on 127.0.0.1 port 0 (startRawServer) and is closed by
// t.after. A behaviour is `(socket, connection, srv) => void | Promise<void>`,
// called once per accepted connection; `connection.waitFor()` resolves once a
// request head has arrived.

const assert = require('node:assert/strict')
const zlib = require('node:zlib')

const native = require('../../lib/native')
const net = require('../..')
const { startRawServer, startHttpServer } = require('./servers')
const { collectBody, once } = require('./events')
const { recordLifecycle, quiet } = require('./lifecycle')

/**
 * Starts a raw server whose connections get `behaviour`; closed by t.after.
 * Interval timers a behaviour starts with `srv.every` are cleared with it.
 * @param {import('node:test').TestContext} t
 * @param {(socket: import('node:net').Socket, connection: any, srv: any) => any} behaviour
 */
async function startHostileServer (t, behaviour) {
  const timers = new Set()
  let srv = null
  srv = await startRawServer((socket, connection) => behaviour(socket, connection, srv))
  /** Calls fn every ms milliseconds until socket closes or the server does. */
  srv.every = (socket, ms, fn) => {
    const timer = setInterval(() => {
      if (socket.destroyed) return stop()
      fn()
    }, ms)
    const stop = () => { clearInterval(timer); timers.delete(stop) }
    timers.add(stop)
    socket.once('close', stop)
    return stop
  }
  t.after(async () => {
    for (const stop of [...timers]) stop()
    await srv.close()
  })
  return srv
}

/** Writes to socket unless it is gone; resolves once the data is flushed or the socket is gone. */
function send (socket, data) {
  return new Promise((resolve) => {
    if (socket.destroyed || socket.writableEnded) return resolve(false)
    socket.write(data, (err) => resolve(!err))
  })
}

/** The behaviours. Each answers every request head that arrives on a connection. */
const hostile = {
  /** Answers the first request head with bytes, then ends the socket (or keeps it open). */
  reply (bytes, { end = true } = {}) {
    return async (socket, connection) => {
      await connection.waitFor()
      if (end) socket.end(bytes)
      else socket.write(bytes)
    }
  },

  /** Reads the request head and resets the connection (TCP RST) before any byte of answer. */
  resetBeforeHead () {
    return async (socket, connection) => {
      await connection.waitFor()
      socket.resetAndDestroy()
    }
  },

  /** Sends part of a head, and resets once it has been written. */
  resetDuringHead (partial = 'HTTP/1.1 200 OK\r\nContent-Type: text/pl') {
    return async (socket, connection) => {
      await connection.waitFor()
      await send(socket, partial)
      socket.resetAndDestroy()
    }
  },

  /** Reads the request and never answers, keeping the connection open. */
  silent () {
    return async () => {}
  },

  /**
   * Sends `head` at once, then `body` one byte every `ms` milliseconds (the
   * first byte at once), keeping the socket open after the last byte.
   */
  trickleBody (head, body, ms = 1000) {
    return async (socket, connection, srv) => {
      await connection.waitFor()
      socket.write(head)
      let i = 0
      const next = () => {
        if (i < body.length) socket.write(body.subarray(i, ++i))
      }
      next()
      srv.every(socket, ms, next)
    }
  },

  /** Sends `head` one byte every `ms` milliseconds. */
  trickleHead (head, ms) {
    return async (socket, connection, srv) => {
      await connection.waitFor()
      const bytes = Buffer.from(head)
      let i = 0
      srv.every(socket, ms, () => {
        if (i < bytes.length) socket.write(bytes.subarray(i, ++i))
      })
    }
  },

  /**
   * Answers with a gzip body that inflates to `mebibytes` MiB of zeros,
   * streamed from one small precomputed segment while the peer reads,
   * with no Content-Length (the body runs until close).
   * `srv.bombBytesSent` counts the compressed bytes written.
   */
  gzipBomb (mebibytes = 1024) {
    const parts = gzipBombParts(mebibytes)
    return async (socket, connection, srv) => {
      await connection.waitFor()
      srv.bombBytesSent = 0
      const write = async (data) => {
        if (!await send(socket, data)) return false
        srv.bombBytesSent += data.length
        return true
      }
      if (!await write('HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n' +
        'Content-Encoding: gzip\r\nConnection: close\r\n\r\n')) return
      if (!await write(parts.header)) return
      for (let i = 0; i < parts.segments; i++) {
        if (!await write(parts.segment)) return
      }
      if (await write(parts.trailer)) socket.end()
    }
  },

  /** A TLS peer that reads the ClientHello and closes the connection. */
  tlsCloseAfterClientHello () {
    return (socket) => {
      socket.once('data', () => socket.end())
    }
  },

  /**
   * A TLS peer that answers the ClientHello with the first half of a
   * ServerHello record, then closes.
   */
  tlsHalfServerHello () {
    return (socket) => {
      socket.once('data', () => socket.end(HALF_SERVER_HELLO))
    }
  }
}

// A TLS 1.2 handshake record announcing 74 bytes (a ServerHello) of which
// only the first 26 follow: the record header, the handshake header, the
// version and the start of the random.
const HALF_SERVER_HELLO = Buffer.concat([
  Buffer.from([0x16, 0x03, 0x03, 0x00, 0x4a]), // handshake record, TLS 1.2, 74 bytes
  Buffer.from([0x02, 0x00, 0x00, 0x46]), // ServerHello, 70 bytes
  Buffer.from([0x03, 0x03]), // server_version
  Buffer.alloc(15, 0xab) // 15 of the 32 random bytes
])

// CRC-32 of 1 GiB of zeros (the gzip trailer of the default bomb).
const CRC32_OF_1GIB_ZEROS = 0x5b64c2b0

/**
 * A gzip stream of `mebibytes` MiB of zeros as a header, one raw-deflate
 * segment (1 MiB of zeros, full-flushed so copies can follow one another)
 * to be sent `segments` times, and the trailer (final empty block, CRC-32,
 * size). The CRC is only right for the default 1 GiB; other sizes are for
 * readers that stop before the end.
 * @param {number} [mebibytes=1024]
 */
function gzipBombParts (mebibytes = 1024) {
  const segment = zlib.deflateRawSync(Buffer.alloc(1 << 20), {
    level: 9,
    finishFlush: zlib.constants.Z_FULL_FLUSH
  })
  const header = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x02, 0xff])
  const trailer = Buffer.alloc(10)
  trailer[0] = 0x03 // an empty final block with fixed codes
  trailer.writeUInt32LE(mebibytes === 1024 ? CRC32_OF_1GIB_ZEROS : 0, 2)
  trailer.writeUInt32LE((mebibytes * (1 << 20)) >>> 0, 6)
  return { header, segment, segments: mebibytes, trailer, decodedSize: mebibytes * (1 << 20) }
}

/**
 * Ends `req` (with body, if any) and waits for its close, recording every
 * event of the request and its response (read as it arrives).
 */
async function outcome (req, body) {
  const rec = recordLifecycle(req)
  req.end(body)
  await rec.closed
  await quiet(20) // lets anything that must not follow close show itself
  return rec
}

/**
 * Asserts the request failed once with net::NAME (message and code) and
 * closed last, with or without a response first (then the response failed
 * with the same error before the request did).
 */
function assertFailed (rec, name, { afterResponse = false } = {}) {
  const events = rec.log.join(', ')
  const err = rec.errors['req:error']
  assert.ok(err instanceof Error, `the request failed; events: ${events}`)
  assert.equal(err.message, `net::${name}`)
  assert.equal(err.code, name)
  assert.equal(rec.log.filter((e) => e === 'req:error').length, 1, `one error; events: ${events}`)
  assert.equal(rec.log.filter((e) => e === 'req:close').length, 1, `one close; events: ${events}`)
  assert.equal(rec.log.at(-1), 'req:close', `close is last; events: ${events}`)
  assert.equal(rec.log.includes('req:response'), afterResponse,
    `a response was ${afterResponse ? '' : 'not '}delivered first; events: ${events}`)
  if (afterResponse) {
    const resErr = rec.errors['res:error']
    assert.ok(resErr instanceof Error, `the response failed; events: ${events}`)
    assert.equal(resErr.message, `net::${name}`)
  }
}

/**
 * Resolves once the engine holds no request (liveRequests() is 0), polling
 * every 10 ms; rejects after `ms`. There is no event for this, so it polls.
 * @param {number} [ms=5000]
 */
async function waitForNoLiveRequests (ms = 5000) {
  const deadline = Date.now() + ms
  while (native.liveRequests() !== 0) {
    if (Date.now() > deadline) {
      throw new Error(`liveRequests() is still ${native.liveRequests()} after ${ms} ms`)
    }
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

/**
 * Asserts the process is still healthy: a normal request to a normal server
 * succeeds, and the engine then holds no request.
 */
async function assertHealthy () {
  const srv = await startHttpServer((req, res) => res.end('healthy'))
  try {
    const req = net.request(srv.url)
    req.end()
    const [res] = await once(req, 'response')
    assert.equal(res.statusCode, 200)
    assert.equal((await collectBody(res)).toString(), 'healthy')
  } finally {
    await srv.close()
  }
  await waitForNoLiveRequests()
}

module.exports = {
  startHostileServer,
  hostile,
  gzipBombParts,
  outcome,
  assertFailed,
  assertHealthy,
  waitForNoLiveRequests,
  send
}
