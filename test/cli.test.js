'use strict'

// The command line (bin/go-net-request.js), run as a child process against
// loopback servers: what reaches the server, what reaches stdout and
// stderr, and the exit codes (curl's where they map).

const test = require('node:test')
const assert = require('node:assert/strict')
const { spawn } = require('node:child_process')
const crypto = require('node:crypto')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const { startHttpServer, respondRoutes, startAuthServer, startRawServer } = require('./helpers/servers')
const { closedPort, slow } = require('./helpers/lifecycle')
const { startHttpProxy } = require('./helpers/proxies')

const BIN = path.resolve(__dirname, '..', 'bin', 'go-net-request.js')
const TIMEOUT = { timeout: slow(20000) }

/**
 * Runs the CLI and resolves when it has exited on its own.
 * @param {string[]} args
 * @param {{ env?: object, input?: Buffer | string, stdoutFd?: number }} [options]
 *   stdoutFd: a file descriptor the CLI's stdout is (nothing is collected)
 * @returns {Promise<{ code: number, signal: string | null, stdout: Buffer, stderr: string }>}
 */
function runCLI (args, { env, input, stdoutFd } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, ...env },
      stdio: ['pipe', stdoutFd === undefined ? 'pipe' : stdoutFd, 'pipe']
    })
    const stdout = []
    const stderr = []
    if (child.stdout) child.stdout.on('data', (chunk) => stdout.push(chunk))
    child.stderr.on('data', (chunk) => stderr.push(chunk))
    child.once('error', reject)
    child.once('close', (code, signal) => {
      resolve({ code, signal, stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr).toString() })
    })
    child.stdin.on('error', () => {}) // the CLI may exit without reading stdin
    child.stdin.end(input)
  })
}

function tmpDir (t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'go-net-request-cli-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  return dir
}

const sha256 = (data) => crypto.createHash('sha256').update(data).digest('hex')

test('GET writes the body to stdout and exits 0', TIMEOUT, async (t) => {
  const srv = await startHttpServer(respondRoutes({ 'GET /hello': (req, res) => res.end('hello, world\n') }))
  t.after(() => srv.close())

  const { code, stdout, stderr } = await runCLI([srv.origin + '/hello'])

  assert.equal(stderr, '')
  assert.equal(code, 0)
  assert.equal(stdout.toString(), 'hello, world\n')
  assert.equal(srv.requests.length, 1)
  assert.equal(srv.requests[0].method, 'GET')
})

test('a URL without a scheme is http', TIMEOUT, async (t) => {
  const srv = await startHttpServer((req, res) => res.end('plain'))
  t.after(() => srv.close())

  const { code, stdout } = await runCLI([`127.0.0.1:${srv.port}/`])

  assert.equal(code, 0)
  assert.equal(stdout.toString(), 'plain')
})

test('-i prints the status line and the headers as received, then the body', TIMEOUT, async (t) => {
  const srv = await startHttpServer((req, res) => {
    res.writeHead(201, 'Made It', [['X-Custom', 'a'], ['x-CUSTOM', 'b'], ['Content-Length', '4']])
    res.end('body')
  })
  t.after(() => srv.close())

  const { code, stdout } = await runCLI(['-i', srv.url])

  assert.equal(code, 0)
  const text = stdout.toString()
  assert.match(text, /^HTTP\/1\.1 201 Made It\r\n/)
  assert.ok(text.includes('\r\nX-Custom: a\r\nx-CUSTOM: b\r\nContent-Length: 4\r\n'), text)
  assert.ok(text.endsWith('\r\n\r\nbody'), text)
})

test('-I sends HEAD and prints the head only', TIMEOUT, async (t) => {
  const srv = await startHttpServer((req, res) => {
    res.setHeader('X-Seen', req.method)
    res.end(req.method === 'HEAD' ? undefined : 'not for HEAD')
  })
  t.after(() => srv.close())

  const { code, stdout } = await runCLI(['-I', srv.url])

  assert.equal(code, 0)
  assert.equal(srv.requests[0].method, 'HEAD')
  const text = stdout.toString()
  assert.match(text, /^HTTP\/1\.1 200 OK\r\n/)
  assert.ok(text.includes('X-Seen: HEAD\r\n'))
  assert.ok(text.endsWith('\r\n\r\n'))
})

test('-X, -H and -d arrive at the server', TIMEOUT, async (t) => {
  const srv = await startHttpServer((req, res) => res.end('ok'))
  t.after(() => srv.close())

  const { code } = await runCLI(['-X', 'PUT', '-H', 'X-Token: abc', '-H', 'X-Multi: 1', '-H', 'X-Multi: 2',
    '-d', 'a=1', '-d', 'b=2', srv.url])

  assert.equal(code, 0)
  const [request] = srv.requests
  assert.equal(request.method, 'PUT')
  assert.equal(request.headers['x-token'], 'abc')
  assert.equal(request.headers['x-multi'], '1, 2')
  assert.equal(request.headers['content-type'], 'application/x-www-form-urlencoded')
  assert.equal(request.headers['content-length'], '7')
  assert.equal(request.body.toString(), 'a=1&b=2')
})

test('-d without -X sends POST, and a Content-Type given with -H wins', TIMEOUT, async (t) => {
  const srv = await startHttpServer((req, res) => res.end('ok'))
  t.after(() => srv.close())

  const { code } = await runCLI(['-H', 'Content-Type: application/json', '-d', '{"a":1}', srv.url])

  assert.equal(code, 0)
  assert.equal(srv.requests[0].method, 'POST')
  assert.equal(srv.requests[0].headers['content-type'], 'application/json')
  assert.equal(srv.requests[0].body.toString(), '{"a":1}')
})

test('--data-binary @file streams the file chunked, byte for byte', TIMEOUT, async (t) => {
  const dir = tmpDir(t)
  const file = path.join(dir, 'upload.bin')
  const data = crypto.randomBytes(3 * 1024 * 1024 + 17) // more than the engine's 1 MiB upload window
  fs.writeFileSync(file, data)
  const srv = await startHttpServer((req, res) => res.end(sha256(req.body)))
  t.after(() => srv.close())

  const { code, stdout, stderr } = await runCLI(['--data-binary', `@${file}`, srv.url])

  assert.equal(stderr, '')
  assert.equal(code, 0)
  const [request] = srv.requests
  assert.equal(request.method, 'POST')
  assert.equal(request.headers['transfer-encoding'], 'chunked')
  assert.equal(request.headers['content-length'], undefined)
  assert.equal(request.body.length, data.length)
  assert.equal(stdout.toString(), sha256(data))
})

test('-d @- streams stdin; -d @file drops CR and LF as curl does', TIMEOUT, async (t) => {
  const dir = tmpDir(t)
  const file = path.join(dir, 'form.txt')
  fs.writeFileSync(file, 'a=1\r\n&b=2\n')
  const srv = await startHttpServer((req, res) => res.end(req.body))
  t.after(() => srv.close())

  const fromStdin = await runCLI(['--data-binary', '@-', srv.url], { input: 'line one\nline two\n' })
  assert.equal(fromStdin.code, 0)
  assert.equal(fromStdin.stdout.toString(), 'line one\nline two\n')
  assert.equal(srv.requests[0].headers['transfer-encoding'], 'chunked')

  const fromFile = await runCLI(['-d', `@${file}`, srv.url])
  assert.equal(fromFile.code, 0)
  assert.equal(fromFile.stdout.toString(), 'a=1&b=2')
})

test('a data file that cannot be read exits 26 before any request', TIMEOUT, async (t) => {
  const dir = tmpDir(t)
  const srv = await startHttpServer((req, res) => res.end('ok'))
  t.after(() => srv.close())

  const { code, stderr } = await runCLI(['--data-binary', `@${path.join(dir, 'missing')}`, srv.url])

  assert.equal(code, 26)
  assert.match(stderr, /^go-net-request: cannot read .*ENOENT/)
  assert.equal(srv.requests.length, 0)
})

test('-o writes the body to the file, with no progress bar when stderr is not a terminal', TIMEOUT, async (t) => {
  const dir = tmpDir(t)
  const out = path.join(dir, 'download.bin')
  const data = crypto.randomBytes(2 * 1024 * 1024 + 5)
  const srv = await startHttpServer((req, res) => {
    res.setHeader('Content-Length', data.length)
    res.end(data)
  })
  t.after(() => srv.close())

  const { code, stdout, stderr } = await runCLI(['-o', out, srv.url])

  assert.equal(code, 0)
  assert.equal(stdout.length, 0)
  assert.equal(stderr, '')
  assert.equal(sha256(fs.readFileSync(out)), sha256(data))
})

test('output that cannot be written exits 23 with a message, for a small body as for a large one', TIMEOUT, async (t) => {
  // A small body used to be all handed to the file stream before its open
  // (or write) failed: the transfer had ended and the exit was 0.
  const small = 'small body'
  const large = Buffer.alloc(4 * 1024 * 1024, 'L')
  const srv = await startHttpServer(respondRoutes({ 'GET /small': (req, res) => res.end(small), 'GET /large': (req, res) => res.end(large) }))
  t.after(() => srv.close())
  const dir = tmpDir(t)
  const targets = [path.join(dir, 'no', 'such', 'dir', 'out')]
  if (fs.existsSync('/dev/full')) targets.push('/dev/full')
  for (const target of targets) {
    for (const route of ['/small', '/large']) {
      const { code, stderr } = await runCLI(['-o', target, srv.origin + route])
      assert.equal(code, 23, `-o ${target} ${route}: ${stderr}`)
      assert.equal(stderr.split('\n').filter((line) => line.startsWith('go-net-request: cannot write')).length, 1, stderr)
      assert.match(stderr, new RegExp(`^go-net-request: cannot write ${target.replace(/[\\/.]/g, '\\$&')}: E[A-Z]+`, 'm'))
    }
  }
  if (fs.existsSync('/dev/full')) {
    for (const route of ['/small', '/large']) {
      const full = fs.openSync('/dev/full', 'w')
      const { code, stderr } = await runCLI([srv.origin + route], { stdoutFd: full })
      fs.closeSync(full)
      assert.equal(code, 23, `stdout /dev/full ${route}: ${stderr}`)
      assert.match(stderr, /^go-net-request: cannot write to stdout: ENOSPC/m)
    }
  }
})

test('--cacert with a missing file or one without a certificate exits 77 naming the file; nothing is requested', TIMEOUT, async (t) => {
  const srv = await startHttpServer((req, res) => res.end('ok'))
  t.after(() => srv.close())
  const dir = tmpDir(t)
  const missing = path.join(dir, 'missing.pem')
  const notPEM = path.join(dir, 'not.pem')
  fs.writeFileSync(notPEM, 'not a certificate\n')
  for (const [file, why] of [[missing, /cannot read the CA file: ENOENT/], [notPEM, /no PEM certificate/]]) {
    const { code, stdout, stderr } = await runCLI(['--cacert', file, srv.url])
    assert.equal(code, 77, stderr)
    assert.equal(stdout.length, 0)
    assert.ok(stderr.startsWith(`go-net-request: --cacert ${file}: `), stderr)
    assert.match(stderr, why)
  }
  assert.equal(srv.requests.length, 0)
})

test('-u answers the login of a Basic server', TIMEOUT, async (t) => {
  const srv = await startAuthServer({ scheme: 'basic', username: 'alice', password: 's3cret' })
  t.after(() => srv.close())

  const { code, stdout } = await runCLI(['-u', 'alice:s3cret', srv.url])

  assert.equal(code, 0)
  assert.equal(stdout.toString(), 'ok alice')
  assert.equal(srv.challenges, 1)
  assert.equal(srv.logins, 1)
})

test('-u answers the login of a Digest server', TIMEOUT, async (t) => {
  const srv = await startAuthServer({ scheme: 'digest', username: 'bob', password: 'pw', algorithm: 'SHA-256' })
  t.after(() => srv.close())

  const { code, stdout } = await runCLI(['--user', 'bob:pw', srv.url])

  assert.equal(code, 0)
  assert.equal(stdout.toString(), 'ok bob')
  assert.equal(srv.logins, 1)
})

test('-u with wrong credentials answers once, then delivers the 401', TIMEOUT, async (t) => {
  const srv = await startAuthServer({ scheme: 'basic', username: 'alice', password: 's3cret' })
  t.after(() => srv.close())

  const wrong = await runCLI(['-u', 'alice:nope', srv.url])
  assert.equal(wrong.code, 0)
  assert.equal(wrong.stdout.toString(), 'denied')
  assert.equal(srv.challenges, 2) // the first try, and the one retry with the credentials
  assert.equal(srv.logins, 0)

  const failing = await runCLI(['--fail', '-u', 'alice:nope', srv.url])
  assert.equal(failing.code, 22)
})

test('--no-location prints the 3xx status and Location, and does not follow', TIMEOUT, async (t) => {
  const srv = await startHttpServer(respondRoutes({
    '/from': (req, res) => { res.writeHead(302, { Location: '/to' }); res.end() },
    '/to': (req, res) => res.end('followed')
  }))
  t.after(() => srv.close())

  const { code, stdout, stderr } = await runCLI(['--no-location', srv.origin + '/from'])

  assert.equal(stderr, '')
  assert.equal(code, 0)
  assert.equal(stdout.toString(), `HTTP/1.1 302 Found\r\nLocation: ${srv.origin}/to\r\n\r\n`)
  assert.deepEqual(srv.requests.map((r) => r.url), ['/from'])
})

test('redirects are followed by default', TIMEOUT, async (t) => {
  const srv = await startHttpServer(respondRoutes({
    '/from': (req, res) => { res.writeHead(302, { Location: '/to' }); res.end() },
    '/to': (req, res) => res.end('followed')
  }))
  t.after(() => srv.close())

  const { code, stdout } = await runCLI([srv.origin + '/from'])

  assert.equal(code, 0)
  assert.equal(stdout.toString(), 'followed')
})

test('--max-redirs 1 fails a 2-hop chain with exit 47; 2 lets it through', TIMEOUT, async (t) => {
  const srv = await startHttpServer(respondRoutes({
    '/a': (req, res) => { res.writeHead(302, { Location: '/b' }); res.end() },
    '/b': (req, res) => { res.writeHead(302, { Location: '/c' }); res.end() },
    '/c': (req, res) => res.end('end of chain')
  }))
  t.after(() => srv.close())

  const limited = await runCLI(['--max-redirs', '1', srv.origin + '/a'])
  assert.equal(limited.code, 47)
  assert.match(limited.stderr, /^go-net-request: net::ERR_TOO_MANY_REDIRECTS/)
  assert.equal(limited.stdout.length, 0)
  assert.deepEqual(srv.requests.map((r) => r.url), ['/a', '/b'])

  const enough = await runCLI(['--max-redirs', '2', srv.origin + '/a'])
  assert.equal(enough.code, 0)
  assert.equal(enough.stdout.toString(), 'end of chain')
})

test('--fail exits 22 on a 404 and prints no body', TIMEOUT, async (t) => {
  const srv = await startHttpServer((req, res) => { res.writeHead(404); res.end('missing page') })
  t.after(() => srv.close())

  const failing = await runCLI(['--fail', srv.url])
  assert.equal(failing.code, 22)
  assert.equal(failing.stdout.length, 0)
  assert.equal(failing.stderr, 'go-net-request: The requested URL returned error: 404\n')

  const plain = await runCLI([srv.url])
  assert.equal(plain.code, 0)
  assert.equal(plain.stdout.toString(), 'missing page')
})

test('a refused connection exits 7 with net::ERR_CONNECTION_REFUSED', TIMEOUT, async () => {
  const port = await closedPort()

  const { code, stdout, stderr } = await runCLI([`http://127.0.0.1:${port}/`])

  assert.equal(code, 7)
  assert.equal(stdout.length, 0)
  assert.equal(stderr, 'go-net-request: net::ERR_CONNECTION_REFUSED\n')
})

test('-s hides the error message; -sS shows it', TIMEOUT, async () => {
  const port = await closedPort()

  const silent = await runCLI(['-s', `http://127.0.0.1:${port}/`])
  assert.equal(silent.code, 7)
  assert.equal(silent.stderr, '')

  const shown = await runCLI(['-sS', `http://127.0.0.1:${port}/`])
  assert.equal(shown.code, 7)
  assert.equal(shown.stderr, 'go-net-request: net::ERR_CONNECTION_REFUSED\n')
})

test('-m against a server that never answers exits 28 with net::ERR_TIMED_OUT', TIMEOUT, async (t) => {
  const srv = await startRawServer(async (socket, connection) => {
    await connection.waitFor() // read the request, answer nothing
  })
  t.after(() => srv.close())

  const started = Date.now()
  const { code, stderr } = await runCLI(['-m', '0.5', srv.url])
  const elapsed = Date.now() - started

  assert.equal(code, 28)
  assert.equal(stderr, 'go-net-request: net::ERR_TIMED_OUT\n')
  assert.ok(elapsed >= 500, `exited after ${elapsed} ms`)
  assert.ok(elapsed < 10000, `exited after ${elapsed} ms`)
})

test('--partition persist:x keeps a cookie between two runs', TIMEOUT, async (t) => {
  const dataDir = tmpDir(t)
  const srv = await startHttpServer(respondRoutes({
    '/set': (req, res) => {
      res.setHeader('Set-Cookie', 'token=42; Max-Age=3600; Path=/')
      res.end('set')
    },
    '/echo': (req, res) => res.end(req.headers.cookie || '(none)')
  }))
  t.after(() => srv.close())
  const env = { GO_NET_REQUEST_DATA: dataDir }

  const first = await runCLI(['--partition', 'persist:x', srv.origin + '/set'], { env })
  assert.equal(first.code, 0)
  assert.equal(first.stdout.toString(), 'set')
  assert.ok(fs.existsSync(path.join(dataDir, 'Partitions', 'x')), 'the partition is kept under GO_NET_REQUEST_DATA')

  const second = await runCLI(['--partition', 'persist:x', srv.origin + '/echo'], { env })
  assert.equal(second.code, 0)
  assert.equal(second.stdout.toString(), 'token=42')

  const without = await runCLI([srv.origin + '/echo'], { env })
  assert.equal(without.stdout.toString(), '(none)')
})

test('-v prints the request, the response head and timings on stderr', TIMEOUT, async (t) => {
  const srv = await startHttpServer((req, res) => res.end('body'))
  t.after(() => srv.close())

  const { code, stdout, stderr } = await runCLI(['-v', '-H', 'X-Trace: 1', srv.origin + '/path?q=1'])

  assert.equal(code, 0)
  assert.equal(stdout.toString(), 'body')
  const lines = stderr.split('\n')
  assert.ok(lines.includes('> GET /path?q=1 HTTP/1.1'), stderr)
  assert.ok(lines.includes('> X-Trace: 1'), stderr)
  assert.ok(lines.includes('< HTTP/1.1 200 OK'), stderr)
  assert.match(stderr, /^\* time to head: [\d.]+ ms, total: [\d.]+ ms, 4 bytes$/m)
})

test('-v shows the request head as the server receives it, the headers the engine adds included', TIMEOUT, async (t) => {
  const srv = await startHttpServer((req, res) => res.end('body'))
  t.after(() => srv.close())
  const cases = [
    ['-v', srv.origin + '/plain'],
    ['-v', '-d', 'a=1', '-H', 'X-Trace: 1', '-H', 'User-Agent: cli-test', srv.origin + '/post?q=1'],
    ['-v', '-X', 'PUT', '-H', 'Connection: close', '-H', 'Accept-Encoding: identity', `http://localhost:${srv.port}/put`]
  ]
  for (const [i, args] of cases.entries()) {
    const { code, stderr } = await runCLI(args)
    assert.equal(code, 0, stderr)
    const sent = stderr.split('\n').filter((line) => line.startsWith('> ')).map((line) => line.slice(2))
    const received = srv.requests[i]
    assert.equal(sent[0], `${received.method} ${received.url} HTTP/1.1`)
    const pairs = []
    for (let k = 0; k < received.rawHeaders.length; k += 2) pairs.push(`${received.rawHeaders[k]}: ${received.rawHeaders[k + 1]}`)
    assert.deepEqual(sent.slice(1), pairs, `${JSON.stringify(args)}\n${stderr}`)
  }
  assert.ok(srv.requests[0].rawHeaders.includes('User-Agent'), 'the defaults are among them')
})

test('--proxy sends the request through that proxy (loopback included)', TIMEOUT, async (t) => {
  const proxy = await startHttpProxy()
  t.after(() => proxy.close())
  const srv = await startHttpServer((req, res) => res.end('via proxy'))
  t.after(() => srv.close())
  const { code, stdout } = await runCLI(['--proxy', `http://127.0.0.1:${proxy.port}`, srv.origin + '/p'])
  assert.equal(code, 0)
  assert.equal(stdout.toString(), 'via proxy')
  assert.deepEqual(proxy.stats.targets, [srv.origin + '/p'])
})

test('bad usage exits 2', TIMEOUT, async () => {
  const cases = [
    [],
    ['--no-such-option', 'http://127.0.0.1:9/'],
    ['-X'],
    ['--max-redirs', 'many', 'http://127.0.0.1:9/'],
    ['-m', '-1', 'http://127.0.0.1:9/'],
    ['-H', 'no colon here', 'http://127.0.0.1:9/'],
    ['http://127.0.0.1:9/a', 'http://127.0.0.1:9/b']
  ]
  for (const args of cases) {
    const { code, stdout, stderr } = await runCLI(args)
    assert.equal(code, 2, `${JSON.stringify(args)}: ${stderr}`)
    assert.equal(stdout.length, 0)
    assert.match(stderr, /^go-net-request: .*\ngo-net-request: try 'go-net-request --help'\n$/)
  }
})

test('--help and --version print to stdout and exit 0', TIMEOUT, async () => {
  const help = await runCLI(['--help'])
  assert.equal(help.code, 0)
  const text = help.stdout.toString()
  assert.match(text, /^Usage: go-net-request \[options\] <url>/)
  // It describes this version: HTTP/2 is negotiated, --proxy works.
  assert.doesNotMatch(text, /HTTP\/1\.1 only|later version|needs a version/)
  assert.match(text, /--http1\.1 +accepted and changes nothing: HTTP\/2 is negotiated/)
  assert.match(text, /-x, --proxy URL +use this proxy/)
  assert.match(text, /77 --cacert FILE/)

  const version = await runCLI(['--version'])
  assert.equal(version.code, 0)
  const { version: expected } = require('../package.json')
  assert.match(version.stdout.toString(), new RegExp(`^go-net-request ${expected.replace(/\./g, '\\.')} `))
})
