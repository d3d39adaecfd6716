'use strict'
// Node's global fetch (the undici bundled with Node, its default global
// dispatcher: keep-alive, unlimited connections). HTTPS trusts the bench CA
// through NODE_EXTRA_CA_CERTS, which run.js sets in this process's environment.
const { main, sleep } = require('./common')

main({
  async text (url) {
    const res = await fetch(url)
    return { status: res.status, text: await res.text() }
  },

  async get (url) {
    const res = await fetch(url)
    let bytes = 0
    if (Number(res.headers.get('content-length')) <= 64 * 1024) {
      bytes = (await res.arrayBuffer()).byteLength // the usual way to read a small body
    } else {
      for await (const chunk of res.body) bytes += chunk.byteLength
    }
    return { status: res.status, bytes }
  },

  async upload (url, total, chunk) {
    let sent = 0
    const body = new ReadableStream({
      pull (controller) {
        if (sent >= total) return controller.close()
        const piece = total - sent >= chunk.length ? chunk : chunk.subarray(0, total - sent)
        sent += piece.length
        controller.enqueue(piece)
      }
    }, { highWaterMark: 1 })
    const res = await fetch(url, { method: 'POST', body, duplex: 'half' })
    return { status: res.status, text: await res.text() }
  },

  async slowRead (url, { pauseEvery, pauseMs, deadline, onHead }) {
    const res = await fetch(url)
    onHead()
    let bytes = 0
    let next = pauseEvery
    const reader = res.body.getReader()
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      bytes += value.byteLength
      if (bytes < next) continue
      next += pauseEvery
      if (Date.now() >= deadline) {
        await reader.cancel()
        return { status: res.status, bytes, truncated: true }
      }
      await sleep(pauseMs)
    }
    return { status: res.status, bytes, truncated: false }
  }
})
