'use strict'
// node:http / node:https with one keep-alive Agent (maxSockets unlimited,
// the default), so every concurrent request has its own reused socket.
const http = require('node:http')
const https = require('node:https')
const fs = require('node:fs')
const { main } = require('./common')

let mod
let agent

function request (url, options, onBody) {
  return new Promise((resolve, reject) => {
    const u = new URL(url)
    const req = mod.request({
      hostname: u.hostname,
      port: u.port,
      path: u.pathname + u.search,
      method: options.method || 'GET',
      agent
    }, (res) => onBody(res, resolve, reject))
    req.on('error', reject)
    if (options.send) options.send(req)
    else req.end()
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
  setup (sc) {
    const secure = sc.base.startsWith('https:')
    mod = secure ? https : http
    agent = secure
      ? new https.Agent({ keepAlive: true, ca: fs.readFileSync(sc.ca) })
      : new http.Agent({ keepAlive: true })
  },

  text (url) { return request(url, {}, textBody) },

  get (url) { return request(url, {}, countBody) },

  upload (url, total, chunk) {
    return request(url, {
      method: 'POST',
      send (req) { // no Content-Length: node:http sends it chunked
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
      }
    }, textBody)
  },

  slowRead (url, { pauseEvery, pauseMs, deadline, onHead }) {
    return request(url, {}, (res, resolve, reject) => {
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
  }
})
