'use strict'
// go-net-request through its public API: net.request() -> ClientRequest,
// 'response' -> IncomingMessage. HTTPS trusts the bench CA through
// SSL_CERT_FILE, which run.js sets in this process's environment (Go reads it
// when the addon loads, so it must be there before require).
const { main } = require('./common')

let net

function collect (req, onBody) {
  return new Promise((resolve, reject) => {
    req.on('response', (res) => onBody(res, resolve, reject))
    req.on('error', reject)
  })
}

function countBody (res, resolve, reject) {
  let bytes = 0
  res.on('data', (chunk) => { bytes += chunk.length })
  res.on('end', () => resolve({ status: res.statusCode, bytes }))
  res.on('error', reject)
}

function textBody (res, resolve, reject) {
  const chunks = []
  res.on('data', (chunk) => chunks.push(chunk))
  res.on('end', () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString() }))
  res.on('error', reject)
}

main({
  setup () {
    net = require('../..')
  },

  text (url) {
    const req = net.request(url)
    const p = collect(req, textBody)
    req.end()
    return p
  },

  get (url) {
    const req = net.request(url)
    const p = collect(req, countBody)
    req.end()
    return p
  },

  upload (url, total, chunk) {
    const req = net.request({ method: 'POST', url })
    req.chunkedEncoding = true
    const p = collect(req, textBody)
    let sent = 0
    const pump = () => {
      while (sent < total) {
        const piece = total - sent >= chunk.length ? chunk : chunk.subarray(0, total - sent)
        sent += piece.length
        if (!req.write(piece)) return req.once('drain', pump)
      }
      req.end()
    }
    pump()
    return p
  },

  slowRead (url, { pauseEvery, pauseMs, deadline, onHead }) {
    const req = net.request(url)
    const p = new Promise((resolve, reject) => {
      req.on('error', reject)
      req.on('response', (res) => {
        onHead()
        let bytes = 0
        let next = pauseEvery
        res.on('data', (chunk) => {
          bytes += chunk.length
          if (bytes < next) return
          next += pauseEvery
          if (Date.now() >= deadline) {
            res.destroy()
            return resolve({ status: res.statusCode, bytes, truncated: true })
          }
          res.pause()
          setTimeout(() => res.resume(), pauseMs)
        })
        res.on('end', () => resolve({ status: res.statusCode, bytes, truncated: false }))
        res.on('error', reject)
      })
    })
    req.end()
    return p
  }
})
