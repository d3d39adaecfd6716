'use strict'

// Redirects (docs/behaviour.md#redirects): the redirect event and its
// arguments, method rewriting, the three redirect modes, the hop limit,
// unsafe schemes, Authorization on cross-origin hops, relative Locations, and
// a streamed body that cannot be replayed.

const { test } = require('node:test')
const assert = require('node:assert/strict')

const net = require('..')
const { startHttpServer, respondRoutes } = require('./helpers/servers')
const { collectBody, recordEvents } = require('./helpers/events')

const REQUEST_EVENTS = ['redirect', 'response', 'error', 'abort', 'close']

/** A handler that answers `status` with a Location and an empty body. */
function redirectTo (location, status = 302, extraHeaders = {}) {
  return (req, res) => {
    res.writeHead(status, { location, 'content-length': '0', ...extraHeaders })
    res.end()
  }
}

/** A handler that answers 200 with `body`. */
function ok (body) {
  return (req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' })
    res.end(body)
  }
}

/**
 * Runs a request to its 'close' and reports what happened.
 * `setup(request, events)` may add listeners before the request is ended;
 * `body` (a string or an array of chunks) is written before end().
 * @returns {Promise<{ request, events, response, body, error }>}
 */
async function run (options, { body, setup } = {}) {
  const request = net.request(options)
  const events = recordEvents(request, REQUEST_EVENTS)
  let response = null
  let received = null
  let bodyDone = null
  request.on('response', (res) => {
    response = res
    bodyDone = collectBody(res).then((b) => { received = b.toString() })
  })
  const closed = new Promise((resolve) => request.once('close', resolve))
  if (setup) setup(request, events)
  for (const chunk of [].concat(body ?? [])) request.write(chunk)
  request.end()
  await closed
  if (bodyDone) await bodyDone
  const i = events.indexOf('error')
  return { request, events, response, body: received, error: i >= 0 ? events.args[i][0] : null }
}

test('follow mode emits redirect for every hop with the next method, URL and array headers, then the final response', { timeout: 20000 }, async (t) => {
  const srv = await startHttpServer(respondRoutes({
    '/a': (req, res) => {
      res.setHeader('X-Hop', ['one', 'two'])
      redirectTo('/b', 302)(req, res)
    },
    '/b': redirectTo('/c', 301, { 'X-Second': 'yes' }),
    '/c': ok('done')
  }))
  t.after(() => srv.close())

  let followCalls = 0
  const { events, response, body, error } = await run(srv.origin + '/a', {
    setup (request) {
      request.on('redirect', () => {
        request.followRedirect() // allowed and harmless in follow mode
        request.followRedirect()
        followCalls++
      })
    }
  })

  assert.equal(error, null)
  assert.deepEqual(events, ['redirect', 'redirect', 'response', 'close'])
  assert.equal(followCalls, 2)

  const [first, second] = events.args
  assert.equal(first.length, 4)
  assert.equal(first[0], 302)
  assert.equal(first[1], 'GET')
  assert.equal(first[2], srv.origin + '/b')
  const headers1 = first[3]
  assert.deepEqual(headers1['x-hop'], ['one', 'two'])
  assert.deepEqual(headers1.location, ['/b'])
  assert.deepEqual(headers1['content-length'], ['0'])
  for (const [name, value] of Object.entries(headers1)) {
    assert.equal(name, name.toLowerCase(), `header name ${name} is lower-case`)
    assert.ok(Array.isArray(value), `header ${name} maps to an array`)
  }

  assert.equal(second[0], 301)
  assert.equal(second[1], 'GET')
  assert.equal(second[2], srv.origin + '/c')
  assert.deepEqual(second[3]['x-second'], ['yes'])
  assert.deepEqual(second[3].location, ['/c'])

  assert.equal(response.statusCode, 200)
  assert.equal(body, 'done')
  assert.deepEqual(srv.requests.map((r) => `${r.method} ${r.url}`), ['GET /a', 'GET /b', 'GET /c'])
})

test('redirects rewrite the method as Chromium does and drop or keep the body', { timeout: 20000 }, async (t) => {
  const cases = [
    { status: 301, method: 'POST', next: 'GET', keepsBody: false },
    { status: 302, method: 'POST', next: 'GET', keepsBody: false },
    { status: 303, method: 'POST', next: 'GET', keepsBody: false },
    { status: 303, method: 'PUT', next: 'GET', keepsBody: false },
    { status: 303, method: 'HEAD', next: 'HEAD', keepsBody: false },
    { status: 307, method: 'POST', next: 'POST', keepsBody: true },
    { status: 307, method: 'PUT', next: 'PUT', keepsBody: true },
    { status: 308, method: 'POST', next: 'POST', keepsBody: true },
    { status: 308, method: 'PUT', next: 'PUT', keepsBody: true }
  ]
  for (const c of cases) {
    await t.test(`${c.status} ${c.method} -> ${c.next}`, async (t) => {
      const srv = await startHttpServer(respondRoutes({
        '/from': redirectTo('/to', c.status),
        '/to': (req, res) => {
          res.writeHead(200, { 'content-type': 'text/plain' })
          res.end(req.method === 'HEAD' ? undefined : `${req.method} ${req.body.toString()}`)
        }
      }))
      t.after(() => srv.close())

      const hasBody = c.method !== 'HEAD'
      const { events, response, body, error } = await run(
        { url: srv.origin + '/from', method: c.method, headers: hasBody ? { 'Content-Type': 'text/plain' } : {} },
        { body: hasBody ? ['hello ', 'body'] : undefined })

      assert.equal(error, null)
      assert.deepEqual(events, ['redirect', 'response', 'close'])
      const [status, method, url] = events.args[0]
      assert.equal(status, c.status)
      assert.equal(method, c.next, 'the redirect event names the method of the next hop')
      assert.equal(url, srv.origin + '/to')

      assert.equal(srv.requests.length, 2)
      const [first, second] = srv.requests
      assert.equal(first.method, c.method)
      if (hasBody) assert.equal(first.body.toString(), 'hello body')
      assert.equal(second.method, c.next)
      assert.equal(second.body.toString(), c.keepsBody ? 'hello body' : '')
      if (!c.keepsBody && hasBody) {
        assert.equal(second.headers['content-length'], undefined, 'no body is announced after the switch to GET')
      }
      assert.equal(response.statusCode, 200)
      if (c.next !== 'HEAD') assert.equal(body, `${c.next} ${c.keepsBody ? 'hello body' : ''}`)
    })
  }
})

test("redirect: 'error' fails without a redirect event", { timeout: 20000 }, async (t) => {
  const srv = await startHttpServer(respondRoutes({ '/a': redirectTo('/b'), '/b': ok('never') }))
  t.after(() => srv.close())

  const { events, error } = await run({ url: srv.origin + '/a', redirect: 'error' })
  assert.deepEqual(events, ['error', 'close'])
  assert.ok(error instanceof Error)
  assert.equal(error.message, "Attempted to redirect, but redirect policy was 'error'")
  assert.deepEqual(srv.requests.map((r) => r.url), ['/a'])
})

test("redirect: 'manual' follows when followRedirect() is called synchronously in the handler", { timeout: 20000 }, async (t) => {
  const srv = await startHttpServer(respondRoutes({
    '/a': redirectTo('/b', 301),
    '/b': redirectTo('/c', 307),
    '/c': ok('manual done')
  }))
  t.after(() => srv.close())

  const { events, response, body, error } = await run({ url: srv.origin + '/a', redirect: 'manual' }, {
    setup (request) {
      request.on('redirect', () => request.followRedirect())
    }
  })
  assert.equal(error, null)
  assert.deepEqual(events, ['redirect', 'redirect', 'response', 'close'])
  assert.deepEqual(events.args.slice(0, 2).map((a) => [a[0], a[1], a[2]]), [
    [301, 'GET', srv.origin + '/b'],
    [307, 'GET', srv.origin + '/c']
  ])
  assert.equal(response.statusCode, 200)
  assert.equal(body, 'manual done')
  assert.deepEqual(srv.requests.map((r) => r.url), ['/a', '/b', '/c'])
})

test("redirect: 'manual' without followRedirect() fails with 'Redirect was cancelled'", { timeout: 20000 }, async (t) => {
  const srv = await startHttpServer(respondRoutes({ '/a': redirectTo('/b'), '/b': ok('never') }))
  t.after(() => srv.close())

  const { events, error } = await run({ url: srv.origin + '/a', redirect: 'manual' })
  assert.deepEqual(events, ['redirect', 'error', 'close'])
  assert.equal(error.message, 'Redirect was cancelled')
  assert.deepEqual(srv.requests.map((r) => r.url), ['/a'])
})

test("redirect: 'manual' with abort() in the handler ends without an error", { timeout: 20000 }, async (t) => {
  const srv = await startHttpServer(respondRoutes({ '/a': redirectTo('/b'), '/b': ok('never') }))
  t.after(() => srv.close())

  const { events, response } = await run({ url: srv.origin + '/a', redirect: 'manual' }, {
    setup (request) {
      request.on('redirect', () => request.abort())
    }
  })
  assert.deepEqual(events, ['redirect', 'abort', 'close'])
  assert.equal(response, null)
  assert.deepEqual(srv.requests.map((r) => r.url), ['/a'])
})

test("redirect: 'manual' with a late followRedirect() throws, and the request is cancelled", { timeout: 20000 }, async (t) => {
  const srv = await startHttpServer(respondRoutes({ '/a': redirectTo('/b'), '/b': ok('never') }))
  t.after(() => srv.close())

  let lateCall = null
  const { events, error } = await run({ url: srv.origin + '/a', redirect: 'manual' }, {
    setup (request) {
      request.on('redirect', () => {
        lateCall = new Promise((resolve) => {
          setImmediate(() => {
            try {
              request.followRedirect()
              resolve(null)
            } catch (err) {
              resolve(err)
            }
          })
        })
      })
    }
  })
  const thrown = await lateCall
  assert.ok(thrown instanceof Error, 'a late followRedirect() throws')
  assert.equal(thrown.message, 'followRedirect() called, but was not waiting for a redirect')
  assert.deepEqual(events, ['redirect', 'error', 'close'])
  assert.equal(error.message, 'Redirect was cancelled')
  assert.deepEqual(srv.requests.map((r) => r.url), ['/a'])
})

test('followRedirect() outside a redirect handler throws', { timeout: 20000 }, async (t) => {
  const message = 'followRedirect() called, but was not waiting for a redirect'
  for (const redirect of ['follow', 'manual', 'error']) {
    const idle = net.request({ url: 'http://127.0.0.1:1/', redirect })
    assert.throws(() => idle.followRedirect(), { message })
  }

  const srv = await startHttpServer(respondRoutes({ '/a': redirectTo('/b'), '/b': ok('fine') }))
  t.after(() => srv.close())
  let inResponse = null
  const { events, body } = await run({ url: srv.origin + '/a', redirect: 'manual' }, {
    setup (request) {
      request.on('redirect', () => request.followRedirect())
      request.on('response', () => {
        try { request.followRedirect() } catch (err) { inResponse = err }
      })
    }
  })
  assert.deepEqual(events, ['redirect', 'response', 'close'])
  assert.equal(body, 'fine')
  assert.ok(inResponse instanceof Error, 'followRedirect() in the response handler throws')
  assert.equal(inResponse.message, message)
})

test('20 redirects are followed; the 21st fails with net::ERR_TOO_MANY_REDIRECTS', { timeout: 20000 }, async (t) => {
  // /hop/N redirects to /hop/N-1; /hop/0 answers.
  const srv = await startHttpServer((req, res) => {
    const n = Number(/^\/hop\/(\d+)$/.exec(req.url)?.[1])
    if (!Number.isInteger(n)) return res.writeHead(404).end()
    if (n === 0) return ok('landed')(req, res)
    redirectTo(`/hop/${n - 1}`, 302)(req, res)
  })
  t.after(() => srv.close())

  const twenty = await run(srv.origin + '/hop/20')
  assert.equal(twenty.error, null)
  assert.equal(twenty.events.filter((e) => e === 'redirect').length, 20)
  assert.deepEqual(twenty.events.slice(-2), ['response', 'close'])
  assert.equal(twenty.body, 'landed')

  const before = srv.requests.length
  const tooMany = await run(srv.origin + '/hop/21')
  assert.ok(tooMany.error instanceof Error)
  assert.equal(tooMany.error.message, 'net::ERR_TOO_MANY_REDIRECTS')
  assert.equal(tooMany.error.code, 'ERR_TOO_MANY_REDIRECTS')
  assert.equal(tooMany.response, null)
  assert.deepEqual(tooMany.events.slice(-2), ['error', 'close'])
  assert.ok(tooMany.events.filter((e) => e === 'redirect').length <= 21)
  assert.equal(srv.requests.length - before, 21, 'the 22nd URL is never requested')
})

test('a redirect to a scheme other than http(s) fails with net::ERR_UNSAFE_REDIRECT', { timeout: 20000 }, async (t) => {
  const targets = ['ftp://127.0.0.1/file', 'file:///etc/passwd', 'javascript:alert(1)', 'data:text/plain,hi']
  const srv = await startHttpServer((req, res) => {
    const i = Number(req.url.slice(1))
    redirectTo(targets[i], 302)(req, res)
  })
  t.after(() => srv.close())

  // Every one is a valid URL (so not ERR_INVALID_REDIRECT), just not a safe target.
  const outcomes = {}
  for (const [i, target] of targets.entries()) {
    const { events, error } = await run(`${srv.origin}/${i}`)
    outcomes[target] = `${events.join(',')} ${error?.message} ${error?.code}`
  }
  const expected = Object.fromEntries(targets.map((target) => [target, 'error,close net::ERR_UNSAFE_REDIRECT ERR_UNSAFE_REDIRECT']))
  assert.deepEqual(outcomes, expected)
})

test('Authorization is dropped on a cross-origin hop and kept on a same-origin one', { timeout: 20000 }, async (t) => {
  const other = await startHttpServer(ok('other'))
  t.after(() => other.close())
  const srv = await startHttpServer(respondRoutes({
    '/same': redirectTo('/landing', 302),
    '/landing': ok('same'),
    '/cross': redirectTo(`http://localhost:${other.port}/elsewhere`, 307)
  }))
  t.after(() => srv.close())

  const headers = {
    Authorization: 'Bearer secret-token',
    'Proxy-Authorization': 'Basic cHJveHk6c2VjcmV0',
    'X-Custom': 'kept'
  }

  const same = await run({ url: srv.origin + '/same', headers })
  assert.equal(same.error, null)
  assert.equal(same.body, 'same')
  const landing = srv.requests.find((r) => r.url === '/landing')
  assert.equal(landing.headers.authorization, 'Bearer secret-token')
  assert.equal(landing.headers['x-custom'], 'kept')

  const cross = await run({ url: srv.origin + '/cross', headers, method: 'POST' }, { body: 'payload' })
  assert.equal(cross.error, null)
  assert.equal(cross.body, 'other')
  assert.equal(cross.events.args[0][2], `http://localhost:${other.port}/elsewhere`)
  assert.equal(srv.requests.find((r) => r.url === '/cross').headers.authorization, 'Bearer secret-token')
  assert.equal(other.requests.length, 1)
  const elsewhere = other.requests[0]
  assert.equal(elsewhere.url, '/elsewhere')
  assert.equal(elsewhere.method, 'POST')
  assert.equal(elsewhere.body.toString(), 'payload')
  assert.equal(elsewhere.headers.authorization, undefined, 'Authorization must not cross origins')
  assert.equal(elsewhere.headers['proxy-authorization'], undefined, 'Proxy-Authorization must not cross origins')
  assert.equal(elsewhere.headers['x-custom'], 'kept')
  assert.equal(elsewhere.headers.host, `localhost:${other.port}`)
})

test('credentials given to login stay with their origin across a redirect', { timeout: 20000 }, async (t) => {
  const other = await startHttpServer(ok('other'))
  t.after(() => other.close())
  const expected = 'Basic ' + Buffer.from('user:pass').toString('base64')
  const srv = await startHttpServer((req, res) => {
    if (req.headers.authorization !== expected) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="r"', 'content-type': 'text/plain' })
      return res.end('denied')
    }
    redirectTo(`http://localhost:${other.port}/landing`, 302)(req, res)
  })
  t.after(() => srv.close())

  const { events, body, error } = await run(srv.url, {
    setup (request, recorded) {
      request.on('login', (authInfo, callback) => {
        recorded.push('login')
        callback('user', 'pass')
      })
    }
  })
  assert.equal(error, null)
  assert.deepEqual(events, ['login', 'redirect', 'response', 'close'])
  assert.equal(body, 'other')
  assert.equal(srv.requests.at(-1).headers.authorization, expected)
  assert.equal(other.requests.length, 1)
  assert.equal(other.requests[0].headers.authorization, undefined)
})

test('relative Locations resolve against the current URL', { timeout: 20000 }, async (t) => {
  let port = 0
  const srv = await startHttpServer(respondRoutes({
    '/dir/start': redirectTo('next', 302),
    '/dir/next': redirectTo('../top?x=1', 302),
    '/top?x=1': redirectTo('?x=2', 302),
    '/top?x=2': (req, res) => redirectTo(`//127.0.0.1:${port}/final`, 302)(req, res), // scheme-relative
    '/final': ok('relative ok')
  }))
  t.after(() => srv.close())
  port = srv.port

  const { events, body, error } = await run(srv.origin + '/dir/start')
  assert.equal(error, null)
  assert.deepEqual(events, ['redirect', 'redirect', 'redirect', 'redirect', 'response', 'close'])
  assert.deepEqual(events.args.slice(0, 4).map((a) => a[2]), [
    srv.origin + '/dir/next',
    srv.origin + '/top?x=1',
    srv.origin + '/top?x=2',
    srv.origin + '/final'
  ])
  assert.equal(body, 'relative ok')
  assert.deepEqual(srv.requests.map((r) => r.url), ['/dir/start', '/dir/next', '/top?x=1', '/top?x=2', '/final'])
})

test('a chunked body cannot be replayed on a 307: net::ERR_FAILED', { timeout: 20000 }, async (t) => {
  for (const status of [307, 308]) {
    const srv = await startHttpServer(respondRoutes({ '/upload': redirectTo('/again', status), '/again': ok('never') }))
    t.after(() => srv.close())

    const { events, error, response } = await run({ url: srv.origin + '/upload', method: 'POST' }, {
      body: ['part one, ', 'part two'],
      setup (request) { request.chunkedEncoding = true }
    })
    assert.ok(error instanceof Error, `${status}: fails`)
    assert.equal(error.message, 'net::ERR_FAILED')
    assert.equal(response, null)
    assert.deepEqual(events.slice(-2), ['error', 'close'])
    assert.deepEqual(srv.requests.map((r) => r.url), ['/upload'])
    assert.equal(srv.requests[0].headers['transfer-encoding'], 'chunked')
    assert.equal(srv.requests[0].body.toString(), 'part one, part two')
  }
})

test('a chunked POST redirected by 302 continues as a GET without a body', { timeout: 20000 }, async (t) => {
  const srv = await startHttpServer(respondRoutes({ '/upload': redirectTo('/result', 302), '/result': ok('got it') }))
  t.after(() => srv.close())

  const { events, body, error } = await run({ url: srv.origin + '/upload', method: 'POST' }, {
    body: ['streamed'],
    setup (request) { request.chunkedEncoding = true }
  })
  assert.equal(error, null)
  assert.deepEqual(events, ['redirect', 'response', 'close'])
  assert.equal(body, 'got it')
  assert.deepEqual(srv.requests.map((r) => `${r.method} ${r.url} ${r.body}`), ['POST /upload streamed', 'GET /result '])
})

test('follow mode: abort() in a redirect handler stops the next hop, as in Electron', { timeout: 20000 }, async (t) => {
  const seen = []
  const srv = await startHttpServer((req, res) => {
    seen.push(req.url)
    if (req.url === '/a') { res.writeHead(302, { Location: '/b' }); return res.end() }
    res.end('landed')
  })
  t.after(() => srv.close())
  const req = net.request(srv.origin + '/a')
  const events = []
  req.on('redirect', () => { events.push('redirect'); req.abort() })
  req.on('abort', () => events.push('abort'))
  req.on('response', () => events.push('response'))
  req.on('error', () => events.push('error'))
  const closed = new Promise((resolve) => req.on('close', resolve))
  req.end()
  await closed
  assert.deepEqual(events, ['redirect', 'abort'])
  // A follow-up request proves the server is idle; /b was never asked for.
  await new Promise((resolve) => net.request(srv.origin + '/done').on('response', (r) => r.resume().on('end', resolve)).end())
  assert.deepEqual(seen, ['/a', '/done'])
})
