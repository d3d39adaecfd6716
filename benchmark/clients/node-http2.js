'use strict'
// node:http2: one client session, every request a stream on it. The
// receive windows are raised (8 MiB per stream, 32 MiB per session) so flow
// control, not the default 64 KiB window, is not what the download measures.
const http2 = require('node:http2')
const fs = require('node:fs')
const { main, sleep } = require('./common')

let session

function open (url, headers) {
  const u = new URL(url)
  return session.request({ ':method': 'GET', ':path': u.pathname + u.search, ...headers })
}

function finish (stream, onData) {
  return new Promise((resolve, reject) => {
    let status = 0
    stream.on('response', (h) => { status = h[':status'] })
    stream.on('data', onData)
    stream.on('end', () => resolve(status))
    stream.on('error', reject)
  })
}

main({
  setup (sc) {
    return new Promise((resolve, reject) => {
      session = http2.connect(sc.base, {
        ca: sc.ca ? fs.readFileSync(sc.ca) : undefined,
        settings: { initialWindowSize: 8 << 20 }
      })
      session.once('error', reject)
      session.once('connect', () => {
        session.setLocalWindowSize(32 << 20)
        resolve()
      })
    })
  },

  async text (url) {
    const chunks = []
    const status = await finish(open(url).end(), (c) => chunks.push(c))
    return { status, text: Buffer.concat(chunks).toString() }
  },

  async get (url) {
    let bytes = 0
    const status = await finish(open(url).end(), (c) => { bytes += c.length })
    return { status, bytes }
  },

  async upload (url, total, chunk) {
    const stream = open(url, { ':method': 'POST' })
    const chunks = []
    const done = finish(stream, (c) => chunks.push(c))
    let sent = 0
    const pump = () => {
      while (sent < total) {
        const piece = total - sent >= chunk.length ? chunk : chunk.subarray(0, total - sent)
        sent += piece.length
        if (!stream.write(piece)) return stream.once('drain', pump)
      }
      stream.end()
    }
    pump()
    const status = await done
    return { status, text: Buffer.concat(chunks).toString() }
  },

  async slowRead (url, { pauseEvery, pauseMs, deadline, onHead }) {
    const stream = open(url).end()
    await new Promise((resolve) => stream.once('response', resolve))
    onHead()
    let bytes = 0
    let next = pauseEvery
    for await (const chunk of stream) {
      bytes += chunk.length
      if (bytes < next) continue
      next += pauseEvery
      if (Date.now() >= deadline) {
        stream.destroy()
        return { status: 200, bytes, truncated: true }
      }
      await sleep(pauseMs)
    }
    return { status: 200, bytes, truncated: false }
  },

  teardown () { session.close() }
})
