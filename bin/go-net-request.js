#!/usr/bin/env node
'use strict'
// go-net-request: a curl-like command line on this library's net.request.
// It uses only the public API (required by the package's own name) and
// node: built-ins. The process is never ended with process.exit(): the exit
// code is set once every output stream has finished, and nothing is left
// holding the event loop.

const fs = require('node:fs')
const path = require('node:path')
const { STATUS_CODES } = require('node:http')
const { Transform } = require('node:stream')
const { performance } = require('node:perf_hooks')

const PROGRAM = 'go-net-request'

const USAGE = `Usage: ${PROGRAM} [options] <url>

A curl-like client on go-net-request (Electron's net module for Node.js).
Redirects are followed by default; a URL without a scheme gets http://.

Options:
  -X, --request METHOD     the method (default GET, POST when data is given)
  -H, --header 'N: v'      send a header (repeatable); 'N;' sends it empty,
                           'N:' drops one set earlier on the command line
  -d, --data STRING        send STRING as the body (repeatable, joined with &);
                           @FILE streams FILE with CR and LF removed, @- stdin
      --data-binary DATA   as --data, but @FILE / @- are sent byte for byte
      --data-raw STRING    as --data, without the @ meaning
  -o, --output FILE        write the body to FILE (a progress bar on stderr
                           when stderr is a terminal)
  -i, --include            print the status line and response headers first
  -I, --head               send HEAD and print the response head only
  -L, --location           follow redirects (the default)
      --no-location        do not follow: print the 3xx status and Location
      --max-redirs N       fail when more than N redirects are followed
  -u, --user USER:PASS     answer the server's login (Basic, Digest) once
      --partition NAME     use this session partition; its cookies are sent
                           and stored ('persist:NAME' keeps them on disk under
                           GO_NET_REQUEST_DATA or the per-user data directory)
  -x, --proxy URL          use this proxy (http://, https://, socks5://;
                           user:pass@ in the URL answers its login); loopback
                           destinations go through it too
      --cacert FILE        trust the CA certificates in FILE (PEM) instead of
                           the system's (sets SSL_CERT_FILE for the engine)
      --http1.1            accepted and changes nothing: HTTP/2 is negotiated
                           with https servers that offer it, else HTTP/1.1
  -m, --max-time SECONDS   fail with net::ERR_TIMED_OUT after SECONDS
  -f, --fail               exit 22, printing no body, on an HTTP status >= 400
  -s, --silent             no progress bar, no error messages
  -S, --show-error         with -s, still print error messages
  -v, --verbose            print the request head (with the headers the
                           engine adds), the response head, redirects,
                           logins and timings on stderr
      --version            print the version
  -h, --help               print this help

Exit codes follow curl where they map: 0 success, 1 other failure, 2 usage,
3 malformed URL, 6 host not resolved, 7 connection failed, 8 bad response,
18 body cut short, 22 --fail, 23 write error, 26 read error, 28 timed out,
35 TLS failure, 47 too many redirects, 52 empty reply, 56 connection reset or
closed, 60 certificate problem, 61 bad content encoding, 77 --cacert FILE
cannot be read or holds no certificate.
`

// Chromium's error names mapped to curl's exit codes; anything else is 1.
const EXIT_CODES = new Map([
  ['ERR_INVALID_URL', 3],
  ['ERR_NAME_NOT_RESOLVED', 6],
  ['ERR_CONNECTION_REFUSED', 7],
  ['ERR_CONNECTION_FAILED', 7],
  ['ERR_ADDRESS_UNREACHABLE', 7],
  ['ERR_PROXY_CONNECTION_FAILED', 7],
  ['ERR_INVALID_HTTP_RESPONSE', 8],
  ['ERR_RESPONSE_HEADERS_TOO_BIG', 8],
  ['ERR_RESPONSE_HEADERS_MULTIPLE_CONTENT_LENGTH', 8],
  ['ERR_CONTENT_LENGTH_MISMATCH', 18],
  ['ERR_INCOMPLETE_CHUNKED_ENCODING', 18],
  ['ERR_TIMED_OUT', 28],
  ['ERR_CONNECTION_TIMED_OUT', 28],
  ['ERR_SSL_PROTOCOL_ERROR', 35],
  ['ERR_TOO_MANY_REDIRECTS', 47],
  ['ERR_EMPTY_RESPONSE', 52],
  ['ERR_CONNECTION_RESET', 56],
  ['ERR_CONNECTION_CLOSED', 56],
  ['ERR_CONNECTION_ABORTED', 56],
  ['ERR_INVALID_CHUNKED_ENCODING', 56],
  ['ERR_TUNNEL_CONNECTION_FAILED', 56],
  ['ERR_CERT_AUTHORITY_INVALID', 60],
  ['ERR_CERT_COMMON_NAME_INVALID', 60],
  ['ERR_CERT_DATE_INVALID', 60],
  ['ERR_CERT_INVALID', 60],
  ['ERR_CONTENT_DECODING_FAILED', 61],
  // A header the engine refuses to let the app set (Host, Content-Length...):
  // the command line asked for it, so it is a usage error.
  ['ERR_INVALID_ARGUMENT', 2]
])

const EXIT = Object.freeze({ OK: 0, FAILED: 1, USAGE: 2, URL: 3, HTTP_ERROR: 22, WRITE: 23, READ: 26, TIMED_OUT: 28, TOO_MANY_REDIRECTS: 47, CA_FILE: 77 })

/** A mistake on the command line: reported with a hint, exit 2. */
class UsageError extends Error {}

// Every option: its names, the key it sets, and whether it takes a value.
const OPTIONS = [
  { names: ['-X', '--request'], key: 'request', value: true },
  { names: ['-H', '--header'], key: 'headers', value: true, repeat: true },
  { names: ['-d', '--data', '--data-ascii'], key: 'data', value: true, repeat: true, kind: 'ascii' },
  { names: ['--data-binary'], key: 'data', value: true, repeat: true, kind: 'binary' },
  { names: ['--data-raw'], key: 'data', value: true, repeat: true, kind: 'raw' },
  { names: ['-o', '--output'], key: 'output', value: true },
  { names: ['-i', '--include'], key: 'include' },
  { names: ['-I', '--head'], key: 'head' },
  { names: ['-L', '--location'], key: 'location' },
  { names: ['--no-location'], key: 'location', set: false },
  { names: ['--max-redirs'], key: 'maxRedirs', value: true },
  { names: ['-u', '--user'], key: 'user', value: true },
  { names: ['--partition'], key: 'partition', value: true },
  { names: ['--proxy', '-x'], key: 'proxy', value: true },
  { names: ['--cacert'], key: 'cacert', value: true },
  { names: ['--http1.1'], key: 'http11' },
  { names: ['-m', '--max-time'], key: 'maxTime', value: true },
  { names: ['-f', '--fail'], key: 'fail' },
  { names: ['-s', '--silent'], key: 'silent' },
  { names: ['-S', '--show-error'], key: 'showError' },
  { names: ['-v', '--verbose'], key: 'verbose' },
  { names: ['--version', '-V'], key: 'version' },
  { names: ['-h', '--help'], key: 'help' }
]
const OPTION_BY_NAME = new Map(OPTIONS.flatMap((option) => option.names.map((name) => [name, option])))

/**
 * Parses the command line (curl's forms: `-XPOST`, `-sLo FILE`,
 * `--request=POST`, `--` ends the options).
 * @param {string[]} argv
 * @returns {object} the options, with `url`
 */
function parseArgs (argv) {
  const opts = { headers: [], data: [], location: true, maxRedirs: -1, urls: [] }
  const apply = (option, name, value) => {
    if (!option.value) {
      opts[option.key] = option.set === undefined ? true : option.set
    } else if (option.repeat) {
      opts[option.key].push(option.kind ? { kind: option.kind, value } : value)
    } else {
      opts[option.key] = value
    }
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === '--') {
      opts.urls.push(...argv.slice(i + 1))
      break
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=')
      const name = eq < 0 ? arg : arg.slice(0, eq)
      const option = OPTION_BY_NAME.get(name)
      if (!option) throw new UsageError(`unknown option ${name}`)
      if (!option.value) {
        if (eq >= 0) throw new UsageError(`${name} takes no value`)
        apply(option, name)
      } else if (eq >= 0) {
        apply(option, name, arg.slice(eq + 1))
      } else {
        if (i + 1 >= argv.length) throw new UsageError(`${name} needs a value`)
        apply(option, name, argv[++i])
      }
    } else if (arg.startsWith('-') && arg.length > 1) {
      // A cluster of short options; one that takes a value takes the rest.
      for (let j = 1; j < arg.length; j++) {
        const name = '-' + arg[j]
        const option = OPTION_BY_NAME.get(name)
        if (!option) throw new UsageError(`unknown option ${name}`)
        if (!option.value) {
          apply(option, name)
          continue
        }
        if (j + 1 < arg.length) {
          apply(option, name, arg.slice(j + 1))
        } else {
          if (i + 1 >= argv.length) throw new UsageError(`${name} needs a value`)
          apply(option, name, argv[++i])
        }
        break
      }
    } else {
      opts.urls.push(arg)
    }
  }
  if (opts.help || opts.version) return opts

  if (opts.urls.length === 0) throw new UsageError('no URL given')
  if (opts.urls.length > 1) throw new UsageError(`one URL at a time (got ${opts.urls.length})`)
  opts.url = opts.urls[0]
  if (opts.maxRedirs !== -1) {
    if (!/^-?\d+$/.test(String(opts.maxRedirs)) || Number(opts.maxRedirs) < -1) {
      throw new UsageError(`--max-redirs wants a whole number (-1 for no limit), not ${JSON.stringify(opts.maxRedirs)}`)
    }
    opts.maxRedirs = Number(opts.maxRedirs)
  }
  if (opts.maxTime !== undefined) {
    const seconds = Number(opts.maxTime)
    if (opts.maxTime === '' || !Number.isFinite(seconds) || seconds <= 0) {
      throw new UsageError(`--max-time wants a positive number of seconds, not ${JSON.stringify(opts.maxTime)}`)
    }
    opts.maxTimeMs = Math.max(1, Math.round(seconds * 1000))
  }
  opts.headerList = opts.headers.map(parseHeader)
  opts.body = parseData(opts.data)
  if (opts.head && opts.body) throw new UsageError('-I/--head sends no body; drop -d/--data')
  if (opts.user !== undefined) {
    const colon = opts.user.indexOf(':')
    opts.username = colon < 0 ? opts.user : opts.user.slice(0, colon)
    opts.password = colon < 0 ? '' : opts.user.slice(colon + 1)
  }
  return opts
}

/** 'Name: value' -> {name, value}; 'Name;' -> empty value; 'Name:' -> drop. */
function parseHeader (text) {
  const m = /^([^:;]+)([:;])(.*)$/s.exec(text)
  if (!m) throw new UsageError(`-H wants 'Name: value', not ${JSON.stringify(text)}`)
  const name = m[1].trim()
  const value = m[3].trim()
  if (m[2] === ';') {
    if (value !== '') throw new UsageError(`-H wants 'Name: value', not ${JSON.stringify(text)}`)
    return { name, value: '' }
  }
  return { name, value: value === '' ? null : value }
}

/**
 * The body the data options describe: null, {buffer}, or {file, strip}
 * (`file` '-' is stdin). A streamed one must be the only data option.
 */
function parseData (data) {
  if (data.length === 0) return null
  const isFile = ({ kind, value }) => kind !== 'raw' && value.startsWith('@')
  if (data.some(isFile)) {
    if (data.length > 1) throw new UsageError('a body from @file or @- must be the only data option')
    const { kind, value } = data[0]
    const file = value.slice(1)
    if (file === '') throw new UsageError('@ wants a file name (or - for stdin)')
    return { file, strip: kind === 'ascii' }
  }
  return { buffer: Buffer.from(data.map((d) => d.value).join('&')) }
}

/** The URL to request: a missing scheme means http://, as curl has it. */
function normalizeURL (text) {
  return /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(text) ? text : `http://${text}`
}

/** Removes CR and LF, as curl does for `-d @file`. */
function stripNewlines () {
  return new Transform({
    transform (chunk, encoding, callback) {
      let start = 0
      const parts = []
      for (let i = 0; i < chunk.length; i++) {
        if (chunk[i] === 0x0a || chunk[i] === 0x0d) {
          if (i > start) parts.push(chunk.subarray(start, i))
          start = i + 1
        }
      }
      if (start === 0) return callback(null, chunk)
      if (start < chunk.length) parts.push(chunk.subarray(start))
      callback(null, Buffer.concat(parts))
    }
  })
}

/** 1536 -> '1.5 KiB'. */
function formatBytes (n) {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let i = 0
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++ }
  return i === 0 ? `${n} B` : `${n.toFixed(1)} ${units[i]}`
}

/**
 * A download progress bar on a terminal stream, redrawn at most every
 * 100 ms from the response's download-progress events (no timer).
 */
class ProgressBar {
  #stream
  #total
  #start = performance.now()
  #lastDraw = 0
  #current = 0
  #drawn = false

  /** @param {import('node:tty').WriteStream} stream @param {number} total 0 when unknown */
  constructor (stream, total) {
    this.#stream = stream
    this.#total = total
  }

  update (current) {
    this.#current = current
    const now = performance.now()
    if (now - this.#lastDraw < 100) return
    this.#lastDraw = now
    this.#draw(now)
  }

  /** Draws the last state and ends the line. */
  done () {
    if (!this.#drawn && this.#current === 0) return
    this.#draw(performance.now())
    this.#stream.write('\n')
  }

  #draw (now) {
    this.#drawn = true
    const seconds = Math.max((now - this.#start) / 1000, 0.001)
    const rate = `${formatBytes(Math.round(this.#current / seconds))}/s`
    const width = this.#stream.columns || 80
    let line
    if (this.#total > 0) {
      const ratio = Math.min(this.#current / this.#total, 1)
      const tail = ` ${String(Math.floor(ratio * 100)).padStart(3)}% ${formatBytes(this.#current)} / ${formatBytes(this.#total)} ${rate}`
      const barWidth = Math.max(width - tail.length - 3, 10)
      const filled = Math.round(ratio * barWidth)
      line = `[${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}]${tail}`
    } else {
      line = `${formatBytes(this.#current)} ${rate}`
    }
    this.#stream.write(`\r${line.slice(0, width - 1)}\x1b[K`)
  }
}

/** The HTTP status line and headers, CRLF-terminated as on the wire. */
function formatHead (versionText, statusCode, statusMessage, pairs) {
  let text = `HTTP/${versionText} ${statusCode}${statusMessage ? ' ' + statusMessage : ''}\r\n`
  for (const [name, value] of pairs) text += `${name}: ${value}\r\n`
  return text + '\r\n'
}

/** [name, value, name, value...] -> [[name, value]...]. */
function rawPairs (raw) {
  const pairs = []
  for (let i = 0; i < raw.length; i += 2) pairs.push([raw[i], raw[i + 1]])
  return pairs
}

/** Electron's redirect headers ({name: [values]}) -> [[name, value]...]. */
function listPairs (headers) {
  return Object.entries(headers).flatMap(([name, values]) => values.map((value) => [name, value]))
}

/** The exit code for an error from the library. */
function exitCodeFor (err) {
  if (err && err.code && EXIT_CODES.has(err.code)) return EXIT_CODES.get(err.code)
  return EXIT.FAILED
}

/**
 * Runs one transfer. Sets process.exitCode once the output has been
 * written; resolves before that (the engine's events drive the rest).
 */
async function run (net, opts) {
  const stderr = process.stderr
  const say = (message) => {
    if (!opts.silent || opts.showError) stderr.write(`${PROGRAM}: ${message}\n`)
  }
  const verbose = opts.verbose ? (line) => stderr.write(line + '\n') : () => {}

  const url = normalizeURL(opts.url)
  const method = opts.request || (opts.head ? 'HEAD' : opts.body ? 'POST' : 'GET')
  const session = opts.partition !== undefined
    ? net.session.fromPartition(opts.partition)
    : net.session.defaultSession

  if (opts.proxy !== undefined) {
    const proxyURL = proxyWithCredentials(opts.proxy)
    const proxyRules = proxyURL ? `${proxyURL.protocol}//${proxyURL.host}` : opts.proxy
    try {
      // curl proxies loopback destinations too; Chromium's rules need <-loopback> for that.
      await session.setProxy({ mode: 'fixed_servers', proxyRules, proxyBypassRules: '<-loopback>' })
    } catch (err) {
      say(`--proxy ${opts.proxy}: ${err.message}`)
      process.exitCode = EXIT.USAGE
      return
    }
  }

  // Headers: the command line's, plus curl's default Content-Type for data.
  const headers = new Map() // lower-case name -> {name, values}
  for (const { name, value } of opts.headerList) {
    const key = name.toLowerCase()
    if (value === null) {
      headers.set(key, null) // 'Name:' drops it, default included
    } else if (headers.get(key)) {
      headers.get(key).values.push(value)
    } else {
      headers.set(key, { name, values: [value] })
    }
  }
  if (opts.body && !headers.has('content-type')) {
    headers.set('content-type', { name: 'Content-Type', values: ['application/x-www-form-urlencoded'] })
  }

  let req
  try {
    req = net.request({
      method,
      url,
      session,
      // Only a named partition has a cookie jar worth using.
      useSessionCookies: opts.partition !== undefined,
      // Manual whenever the CLI decides: the engine then waits for
      // followRedirect() before the next hop, so a limit stops it exactly.
      redirect: opts.location && opts.maxRedirs < 0 ? 'follow' : 'manual',
      timeout: opts.maxTimeMs
    })
  } catch (err) {
    const code = err.code === 'ERR_INVALID_URL' ? EXIT.URL : /Method must be/.test(err.message) ? EXIT.USAGE : EXIT.FAILED
    say(`${err.message}${err.code === 'ERR_INVALID_URL' ? `: ${url}` : ''}`)
    process.exitCode = code
    return
  }
  for (const header of headers.values()) {
    if (header === null) continue
    try {
      // One field, the values joined as RFC 9110 allows (setHeader would
      // join an array with ',' as Electron does).
      req.setHeader(header.name, header.values.join(', '))
    } catch (err) {
      say(err.message)
      process.exitCode = EXIT.USAGE
      return
    }
  }

  // The body's source, opened now so that a missing file fails before the network.
  let source = null
  if (opts.body && opts.body.file !== undefined) {
    if (opts.body.file === '-') {
      source = process.stdin
    } else {
      try {
        source = fs.createReadStream(null, { fd: fs.openSync(opts.body.file, 'r') })
      } catch (err) {
        say(`cannot read ${opts.body.file}: ${err.message}`)
        process.exitCode = EXIT.READ
        return
      }
    }
  }

  const start = performance.now()
  let headAt = 0
  let bytes = 0
  let redirects = 0
  let manualRedirect = false // --no-location stopped at a 3xx
  let tooManyRedirects = false // --max-redirs stopped at a 3xx
  let logins = 0
  let out = null // the file stream of -o, once opened
  let progress = null
  let deadline = null
  let finished = false

  /** Ends the transfer once: reports, waits for the output, sets the exit code. */
  const finish = (code, message) => {
    if (finished) return
    finished = true
    clearTimeout(deadline)
    if (progress) progress.done()
    if (message) say(message)
    if (source !== null && !source.readableEnded) source.destroy()
    const ms = (t) => `${t.toFixed(1)} ms`
    verbose(`* time to head: ${headAt ? ms(headAt - start) : '-'}, total: ${ms(performance.now() - start)}, ${bytes} bytes`)
    const waits = []
    if (out !== null) {
      // A small body is all 'written' before the file has even opened: its
      // open or write error comes here, after the transfer ended.
      waits.push(new Promise((resolve) => {
        if (out.closed || out.destroyed) return resolve()
        out.once('close', resolve)
        out.end()
      }).then(() => { if (out.errored) writeFailed(opts.output, out.errored) }))
    }
    if (opts.partition !== undefined && session.isPersistent()) {
      waits.push(session.cookies.flushStore().catch((err) => {
        say(`could not save cookies: ${err.message}`)
      }))
    }
    Promise.all(waits).then(() => {
      if (process.exitCode === undefined || process.exitCode === 0) process.exitCode = code
    })
  }

  // Output that could not be written is exit 23 (curl's), reported once,
  // whether it fails during the transfer or after it ended.
  let writeFailure = null
  const writeFailed = (where, err) => {
    if (writeFailure !== null) return
    writeFailure = err
    req.abort()
    const message = `cannot write ${where}: ${err.message}`
    if (!finished) return finish(EXIT.WRITE, message)
    say(message)
    process.exitCode = EXIT.WRITE
  }
  // Kept for the life of the process: an EPIPE may come after the transfer.
  process.stdout.on('error', (err) => writeFailed('to stdout', err))

  if (opts.maxTimeMs !== undefined) {
    // The timeout option catches stalls; this bounds the whole transfer, as curl's -m does.
    deadline = setTimeout(() => {
      req.abort()
      finish(EXIT.TIMED_OUT, 'net::ERR_TIMED_OUT')
    }, opts.maxTimeMs)
  }

  req.on('redirect', (statusCode, nextMethod, redirectUrl, responseHeaders) => {
    const reason = STATUS_CODES[statusCode] || ''
    verbose(`< HTTP/1.1 ${statusCode} ${reason}`)
    for (const [name, value] of listPairs(responseHeaders)) verbose(`< ${name}: ${value}`)
    verbose('<')
    if (!opts.location) {
      // Not calling followRedirect(): the library then fails the request
      // with 'Redirect was cancelled', which ends the transfer with 0.
      manualRedirect = true
      verbose(`* not following the redirect to ${redirectUrl} (--no-location)`)
      const pairs = opts.include ? listPairs(responseHeaders) : [['Location', redirectUrl]]
      process.stdout.write(formatHead('1.1', statusCode, reason, pairs))
      return
    }
    redirects++
    if (opts.maxRedirs >= 0 && redirects > opts.maxRedirs) {
      tooManyRedirects = true // not following: the request fails with 'Redirect was cancelled'
      return
    }
    verbose(`* redirect ${redirects} to ${nextMethod} ${redirectUrl}`)
    if (opts.maxRedirs >= 0) req.followRedirect() // manual mode: synchronously, in the handler
  })

  req.on('login', (authInfo, callback) => {
    const where = `${authInfo.scheme} realm="${authInfo.realm}" at ${authInfo.host}:${authInfo.port}`
    if (authInfo.isProxy) {
      const proxyURL = proxyWithCredentials(opts.proxy)
      if (proxyURL && proxyURL.username && logins === 0) {
        logins++
        verbose(`* proxy login (${where}): answering as ${decodeURIComponent(proxyURL.username)}`)
        return callback(decodeURIComponent(proxyURL.username), decodeURIComponent(proxyURL.password))
      }
      verbose(`* proxy login (${where}): no credentials`)
      return callback()
    }
    if (opts.username === undefined) {
      verbose(`* login (${where}): no credentials (-u)`)
      return callback()
    }
    if (logins > 0) {
      // The credentials were answered once and asked for again: they are wrong.
      verbose(`* login (${where}): the credentials were refused`)
      return callback()
    }
    logins++
    verbose(`* login (${where}): answering as ${opts.username}`)
    callback(opts.username, opts.password)
  })

  req.on('response', (res) => {
    headAt = performance.now()
    res.on('error', () => {}) // the request's 'error' follows and is reported
    const head = formatHead(res.httpVersion, res.statusCode, res.statusMessage, rawPairs(res.rawHeaders))
    if (opts.verbose) {
      stderr.write(head.split('\r\n').slice(0, -1).map((line) => `< ${line}`.trimEnd()).join('\n') + '\n')
    }
    if (opts.fail && res.statusCode >= 400) {
      req.abort()
      finish(EXIT.HTTP_ERROR, `The requested URL returned error: ${res.statusCode}`)
      return
    }
    let sink = process.stdout
    if (opts.output !== undefined) {
      out = fs.createWriteStream(opts.output)
      out.on('error', (err) => writeFailed(opts.output, err))
      sink = out
    }
    if (opts.include || opts.head) sink.write(head)
    if (opts.head) {
      res.on('end', () => finish(EXIT.OK))
      res.resume()
      return
    }
    if (out !== null && stderr.isTTY && !opts.silent) {
      const total = res.headers['content-encoding'] ? 0 : Number(res.headers['content-length']) || 0
      progress = new ProgressBar(stderr, total)
      res.on('download-progress', (current) => progress.update(current))
    }
    res.on('data', (chunk) => {
      bytes += chunk.length
      if (!sink.write(chunk)) {
        res.pause()
        sink.once('drain', () => res.resume())
      }
    })
    res.on('end', () => finish(EXIT.OK))
  })

  req.on('error', (err) => {
    if (err.message === 'Redirect was cancelled') {
      if (manualRedirect) return finish(EXIT.OK)
      if (tooManyRedirects) {
        return finish(EXIT.TOO_MANY_REDIRECTS, `net::ERR_TOO_MANY_REDIRECTS: maximum (${opts.maxRedirs}) redirects followed`)
      }
    }
    const detail = err.header ? ` (the engine sets ${err.header} itself)` : ''
    finish(exitCodeFor(err), err.message + detail)
  })

  if (opts.verbose) {
    const target = new URL(url)
    verbose(`* ${method} ${target.href}`)
    for (const line of requestHead(method, target, headers, source !== null, opts.body, session)) verbose(`> ${line}`)
    verbose('>')
    if (opts.partition !== undefined) verbose(`* the engine adds the cookies of partition ${opts.partition} that apply`)
  }

  if (source !== null) {
    // Streamed with backpressure: pipe() waits for 'drain' when write() is full.
    req.chunkedEncoding = true
    verbose(`* body streamed from ${opts.body.file === '-' ? 'stdin' : opts.body.file} (chunked)`)
    source.on('error', (err) => {
      req.abort()
      finish(EXIT.READ, `cannot read ${opts.body.file === '-' ? 'stdin' : opts.body.file}: ${err.message}`)
    })
    if (opts.body.strip) source.pipe(stripNewlines()).pipe(req)
    else source.pipe(req)
  } else if (opts.body) {
    req.end(opts.body.buffer)
  } else {
    req.end()
  }
}

// What the engine sends by default (gocore: requestHeaders, DefaultAcceptEncoding).
const ENGINE_ACCEPT_ENCODING = 'gzip, deflate, br, zstd'

/** Whether host is loopback as the engine counts it (localhost, *.localhost, 127/8, ::1). */
function isLoopbackHost (host) {
  const name = host.toLowerCase().replace(/\.$/, '').replace(/^\[|\]$/g, '')
  return name === 'localhost' || name.endsWith('.localhost') || /^127\./.test(name) || name === '::1'
}

/**
 * The request line and headers as the engine writes them on HTTP/1.1: Host
 * and framing, the command line's headers in order, then the defaults it
 * did not set (User-Agent, Accept-Encoding, and Fetch Metadata to https and
 * loopback). Cookies and login answers, which the engine adds as it goes,
 * are not among them. test/cli.test.js holds this to what a server receives.
 */
function requestHead (method, target, headers, streamed, body, session) {
  const set = (name) => headers.has(name)
  const lines = [`${method} ${target.pathname}${target.search} HTTP/1.1`, `Host: ${target.host}`]
  if (!set('connection')) lines.push('Connection: keep-alive')
  if (streamed) lines.push('Transfer-Encoding: chunked')
  else if (body) lines.push(`Content-Length: ${body.buffer.length}`)
  else if (method === 'POST' || method === 'PUT') lines.push('Content-Length: 0')
  for (const header of headers.values()) {
    if (header !== null) lines.push(`${header.name}: ${header.values.join(', ')}`)
  }
  if (!set('user-agent')) lines.push(`User-Agent: ${session.getUserAgent()}`)
  if (!set('accept-encoding')) lines.push(`Accept-Encoding: ${ENGINE_ACCEPT_ENCODING}`)
  if (target.protocol === 'https:' || isLoopbackHost(target.hostname)) {
    if (!set('sec-fetch-site')) lines.push('Sec-Fetch-Site: none')
    if (!set('sec-fetch-mode')) lines.push('Sec-Fetch-Mode: no-cors')
    if (!set('sec-fetch-dest')) lines.push('Sec-Fetch-Dest: empty')
  }
  return lines
}

/** The proxy as a URL when it is written as one (scheme://...), else null. */
function proxyWithCredentials (text) {
  if (!/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(text)) return null
  try {
    return new URL(text)
  } catch {
    return null
  }
}

/** Why FILE cannot serve as --cacert (unreadable, or no PEM certificate), or null. */
function caFileProblem (file) {
  let text
  try {
    text = fs.readFileSync(file, 'latin1')
  } catch (err) {
    return `cannot read the CA file: ${err.message}`
  }
  return text.includes('-----BEGIN CERTIFICATE-----') ? null : 'no PEM certificate (-----BEGIN CERTIFICATE-----) in the CA file'
}

function versionText () {
  const { version } = require('go-net-request/package.json')
  return `${PROGRAM} ${version} (Node.js ${process.version}, ${process.platform}-${process.arch})`
}

function main () {
  let opts
  try {
    opts = parseArgs(process.argv.slice(2))
  } catch (err) {
    if (!(err instanceof UsageError)) throw err
    process.stderr.write(`${PROGRAM}: ${err.message}\n${PROGRAM}: try '${PROGRAM} --help'\n`)
    process.exitCode = EXIT.USAGE
    return
  }
  if (opts.help) return process.stdout.write(USAGE)
  if (opts.version) return process.stdout.write(versionText() + '\n')
  // The engine reads SSL_CERT_FILE once, when the library loads: set it
  // first. It would quietly fall back to the system's store when the file
  // is unusable: say so and stop, as curl does (exit 77).
  if (opts.cacert !== undefined) {
    const problem = caFileProblem(opts.cacert)
    if (problem !== null) {
      process.stderr.write(`${PROGRAM}: --cacert ${opts.cacert}: ${problem}\n`)
      process.exitCode = EXIT.CA_FILE
      return
    }
    process.env.SSL_CERT_FILE = path.resolve(opts.cacert)
  }
  let net
  try {
    net = require('go-net-request')
  } catch (err) {
    process.stderr.write(`${PROGRAM}: ${err.message}\n`)
    process.exitCode = EXIT.FAILED
    return
  }
  run(net, opts).catch((err) => {
    process.stderr.write(`${PROGRAM}: ${err && err.stack ? err.stack : err}\n`)
    process.exitCode = EXIT.FAILED
  })
}

main()
