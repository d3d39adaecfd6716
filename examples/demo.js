'use strict'
// npm run demo: go-net-request against a local server this script starts.
// Walks through a GET, a redirect, a chunked upload with progress, a login,
// cookies in a session, a fetch and a network error, printing what happens.
const http = require('node:http')
const net = require('..')

function startServer () {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://localhost')
    if (url.pathname === '/hello') {
      res.setHeader('Content-Type', 'text/plain')
      return res.end(`hello from ${req.method} ${req.url}\n`)
    }
    if (url.pathname === '/old') {
      res.writeHead(302, { Location: '/hello?from=old' })
      return res.end()
    }
    if (url.pathname === '/upload') {
      let bytes = 0
      req.on('data', (chunk) => { bytes += chunk.length })
      req.on('end', () => res.end(`received ${bytes} bytes (${req.headers['transfer-encoding']})\n`))
      return
    }
    if (url.pathname === '/visit') {
      res.setHeader('Set-Cookie', 'visits=' + (Number(/visits=(\d+)/.exec(req.headers.cookie || '')?.[1] || 0) + 1) + '; Path=/')
      return res.end(`cookie header received: ${req.headers.cookie || '(none)'}\n`)
    }
    if (url.pathname === '/api') {
      res.setHeader('Content-Type', 'application/json')
      return res.end(JSON.stringify({ ok: true, method: req.method }))
    }
    if (url.pathname === '/private') {
      const expected = 'Basic ' + Buffer.from('demo:secret').toString('base64')
      if (req.headers.authorization !== expected) {
        res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="demo"' })
        return res.end('who are you?\n')
      }
      return res.end('welcome, demo\n')
    }
    res.writeHead(404)
    res.end()
  })
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)))
}

function send (title, options, prepare = () => {}) {
  console.log(`\n== ${title}`)
  return new Promise((resolve) => {
    const req = net.request(options)
    req.on('redirect', (status, method, url) => console.log(`  redirect ${status} -> ${method} ${url}`))
    req.on('login', (authInfo, callback) => {
      console.log(`  login requested: ${authInfo.scheme} realm="${authInfo.realm}" at ${authInfo.host}:${authInfo.port}`)
      callback('demo', 'secret')
    })
    req.on('upload-progress', (position, total) => console.log(`  uploaded ${position} bytes${total ? ` of ${total}` : ''}`))
    req.on('response', (res) => {
      console.log(`  ${res.statusCode} ${res.statusMessage} (HTTP/${res.httpVersion}, content-type ${res.headers['content-type']})`)
      const chunks = []
      res.on('data', (chunk) => chunks.push(chunk))
      res.on('end', () => process.stdout.write('  body: ' + Buffer.concat(chunks).toString()))
    })
    req.on('error', (err) => console.log(`  error: ${err.message} (code ${err.code})`))
    req.on('close', resolve)
    prepare(req)
    if (!req.writableEnded) req.end()
  })
}

async function main () {
  const server = await startServer()
  const base = `http://127.0.0.1:${server.address().port}`
  console.log(`local server at ${base}`)

  await send('GET', `${base}/hello`)
  await send('a redirect, followed', `${base}/old`)
  await send('a chunked upload of 3 MiB with progress', { method: 'POST', url: `${base}/upload` }, (req) => {
    req.chunkedEncoding = true
    for (let i = 0; i < 3; i++) req.write(Buffer.alloc(1 << 20, 0x61))
  })
  await send('a login (Basic), answered by the login event', `${base}/private`)
  await send('the same again: the session remembers the credentials', `${base}/private`)

  const ses = net.session.fromPartition('demo')
  ses.cookies.on('changed', (event, cookie, cause, removed) =>
    console.log(`  cookie ${cookie.name}=${cookie.value} ${removed ? 'removed' : 'stored'} (${cause})`))
  await send('cookies in a session: the server sets one', { url: `${base}/visit`, session: ses, useSessionCookies: true })
  await send('... and the session sends it back', { url: `${base}/visit`, session: ses, useSessionCookies: true })
  console.log('  cookies.get:', (await ses.cookies.get({})).map((c) => `${c.name}=${c.value}`).join(', '))

  console.log('\n== net.fetch')
  const res = await net.fetch(`${base}/api`, { method: 'POST', body: 'hi' })
  console.log(`  ${res.status} ${res.headers.get('content-type')} ${JSON.stringify(await res.json())} (a ${res.constructor.name})`)
  const closed = http.createServer().listen(0, '127.0.0.1')
  await new Promise((resolve) => closed.once('listening', resolve))
  const deadPort = closed.address().port
  await new Promise((resolve) => closed.close(resolve))
  await send('a network error', `http://127.0.0.1:${deadPort}/`)

  server.close()
  console.log('\ndone')
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
