'use strict'
// undici.request (the npm package, a devDependency) on one Pool per origin.
// HTTP/1.1: unlimited connections, no pipelining (as node:http's Agent).
// HTTP/2 rows: allowH2 on one connection, up to 128 streams in flight
// (pipelining is undici's per-connection in-flight limit, also for h2).
const fs = require('node:fs')
const { Readable } = require('node:stream')
const { Pool } = require('undici')
const { main } = require('./common')

let pool

function pathOf (url) {
  const u = new URL(url)
  return u.pathname + u.search
}

main({
  setup (sc) {
    const connect = sc.ca ? { ca: fs.readFileSync(sc.ca) } : undefined
    pool = sc.expectProto === '2.0'
      ? new Pool(sc.base, { connect, allowH2: true, connections: 1, pipelining: 128 })
      : new Pool(sc.base, { connect })
  },

  async text (url) {
    const { statusCode, body } = await pool.request({ path: pathOf(url), method: 'GET' })
    return { status: statusCode, text: await body.text() }
  },

  async get (url) {
    const { statusCode, body } = await pool.request({ path: pathOf(url), method: 'GET' })
    return new Promise((resolve, reject) => {
      let bytes = 0
      body.on('data', (chunk) => { bytes += chunk.length })
      body.on('end', () => resolve({ status: statusCode, bytes }))
      body.on('error', reject)
    })
  },

  async upload (url, total, chunk) {
    let sent = 0
    const source = new Readable({
      highWaterMark: chunk.length,
      read () {
        while (sent < total) {
          const piece = total - sent >= chunk.length ? chunk : chunk.subarray(0, total - sent)
          sent += piece.length
          if (!this.push(piece)) return
        }
        this.push(null)
      }
    })
    const { statusCode, body } = await pool.request({ path: pathOf(url), method: 'POST', body: source })
    return { status: statusCode, text: await body.text() }
  },

  async slowRead (url, { pauseEvery, pauseMs, deadline, onHead }) {
    const { statusCode, body } = await pool.request({ path: pathOf(url), method: 'GET' })
    onHead()
    let bytes = 0
    let next = pauseEvery
    for await (const chunk of body) {
      bytes += chunk.length
      if (bytes < next) continue
      next += pauseEvery
      if (Date.now() >= deadline) {
        body.destroy()
        return { status: statusCode, bytes, truncated: true }
      }
      await new Promise((resolve) => setTimeout(resolve, pauseMs))
    }
    return { status: statusCode, bytes, truncated: false }
  },

  teardown () { return pool.close() }
})
