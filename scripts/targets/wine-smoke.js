'use strict'
// The first thing run under wine (scripts/targets/wine.js), in node.exe and
// in a copy named electron.exe: one GET, a POST with a body, a redirect and
// a refused connection, against a server of its own on 127.0.0.1. Prints
// one JSON line with what each gave; exits 1 when one is not what it should.
const http = require('node:http')
const net = require('node:net')
const path = require('node:path')

const { request } = require(path.resolve(process.argv[2] || '.', 'index.js'))

function fetchOnce (options, body) {
  return new Promise((resolve) => {
    const req = request(options)
    req.on('response', (res) => {
      const chunks = []
      res.on('data', (chunk) => chunks.push(chunk))
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString() }))
    })
    req.on('error', (err) => resolve({ error: err.message }))
    req.end(body)
  })
}

/** A loopback port nothing listens on: one just closed. */
async function closedPort () {
  const server = net.createServer().listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  const { port } = server.address()
  await new Promise((resolve) => server.close(resolve))
  return port
}

async function main () {
  const server = http.createServer((req, res) => {
    if (req.url === '/redirect') {
      res.writeHead(302, { location: '/hello' })
      res.end()
      return
    }
    let body = ''
    req.on('data', (chunk) => { body += chunk })
    req.on('end', () => res.end(`${req.method} ${req.url} ${body}`))
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const base = `http://127.0.0.1:${server.address().port}`
  const got = {
    get: await fetchOnce(`${base}/hello`),
    post: await fetchOnce({ method: 'POST', url: `${base}/echo` }, 'a body'),
    redirect: await fetchOnce(`${base}/redirect`),
    refused: await fetchOnce(`http://127.0.0.1:${await closedPort()}/`)
  }
  server.close()
  const want = {
    get: { status: 200, body: 'GET /hello ' },
    post: { status: 200, body: 'POST /echo a body' },
    redirect: { status: 200, body: 'GET /hello ' },
    refused: { error: 'net::ERR_CONNECTION_REFUSED' }
  }
  const failed = Object.keys(want).filter((k) => JSON.stringify(got[k]) !== JSON.stringify(want[k]))
  console.log(JSON.stringify({ host: path.basename(process.execPath), got, failed }))
  process.exitCode = failed.length === 0 ? 0 : 1
}

main().catch((err) => {
  console.log(JSON.stringify({ host: path.basename(process.execPath), error: String(err && err.stack) }))
  process.exitCode = 1
})
