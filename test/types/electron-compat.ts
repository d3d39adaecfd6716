// Type test, never run: code written against Electron's own types
// (Electron.Net, Electron.ClientRequest, Electron.IncomingMessage,
// Electron.Session, Electron.Cookies) must accept this library's objects
// unchanged. test/types.test.js type-checks this file with
// `tsc --noEmit --strict` against Electron 45's electron.d.ts
// (scripts/electron-types.js). Each accepted difference is pinned by a `@ts-expect-error`
// below, so that a change either way shows up here.

/// <reference types="electron" />

// The three ways a CommonJS consumer gets the module: require (the
// module object), the default import, and named imports. The package
// resolves itself by name through package.json "exports".
import net = require('go-net-request')
import netDefault from 'go-net-request'
import {
  ClientRequest,
  Cookies,
  IncomingMessage,
  Session,
  fetch,
  isOnline,
  request,
  resolveHost,
  session
} from 'go-net-request'

// ---------------------------------------------------------------------------
// Code written for Electron: every parameter below has an Electron type.

/** The part of Electron.Net this library provides (everything but WebSocket). */
type ElectronNetCore = Pick<Electron.Net, 'request' | 'fetch' | 'isOnline' | 'resolveHost' | 'online'>

/** The part of Electron.Session this library provides. */
type ElectronSessionCore = Pick<Electron.Session,
  'cookies' | 'fetch' | 'resolveHost' | 'isPersistent' | 'getStoragePath' | 'setUserAgent' |
  'getUserAgent' | 'closeAllConnections' | 'clearCache' | 'getCacheSize' | 'clearStorageData' |
  'clearAuthCache' | 'flushStorageData' | 'setProxy' | 'resolveProxy'>

function useResponse (response: Electron.IncomingMessage): Promise<Buffer> {
  const status: number = response.statusCode
  const message: string = response.statusMessage
  const type: string | string[] | undefined = response.headers['content-type']
  const raw: string[] = response.rawHeaders
  const version: string = `${response.httpVersion} ${response.httpVersionMajor}.${response.httpVersionMinor}`
  void [status, message, type, raw, version]
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    response.on('data', (chunk: Buffer) => { chunks.push(chunk) })
    response.once('end', () => resolve(Buffer.concat(chunks)))
    response.on('aborted', () => reject(new Error('aborted')))
    response.on('error', (error: Error) => reject(error))
    response.addListener('end', () => {})
    response.removeListener('data', () => {})
    response.off('error', () => {})
  })
}

function useRequest (req: Electron.ClientRequest): Promise<Buffer> {
  req.chunkedEncoding = true
  const chunked: boolean = req.chunkedEncoding
  req.setHeader('X-Id', '7')
  const id: string = req.getHeader('X-Id')
  req.removeHeader('X-Id')
  const progress: Electron.UploadProgress = req.getUploadProgress()
  void [chunked, id, progress.active, progress.started, progress.current, progress.total]
  req.on('login', (authInfo: Electron.AuthInfo, callback: (username?: string, password?: string) => void) => {
    if (authInfo.isProxy || authInfo.scheme !== 'basic' || authInfo.port === 0) callback()
    else callback(`${authInfo.host} ${authInfo.realm}`, 'secret')
  })
  req.on('redirect', (statusCode: number, method: string, redirectUrl: string, headers: Record<string, string[]>) => {
    void [statusCode, method, redirectUrl, headers.location[0]]
    req.followRedirect()
  })
  req.on('finish', () => {})
  req.on('abort', () => {})
  req.on('close', () => {})
  req.once('error', (error: Error) => { void error.message })
  req.write('a')
  req.write(Buffer.from('b'))
  req.write('c', 'utf8', () => {})
  const result = new Promise<Buffer>((resolve, reject) => {
    req.on('response', (response: Electron.IncomingMessage) => { useResponse(response).then(resolve, reject) })
  })
  const self: Electron.ClientRequest = req.end('d', 'utf8', () => {})
  void self
  req.end()
  req.end(Buffer.from('e'))
  req.abort()
  return result
}

async function useCookies (cookies: Electron.Cookies): Promise<Electron.Cookie[]> {
  cookies.on('changed', (event: Electron.Event, cookie: Electron.Cookie, cause, removed: boolean) => {
    if (cause === 'explicit' && !removed && !event.defaultPrevented) event.preventDefault()
    void [cookie.name, cookie.value, cookie.domain, cookie.hostOnly, cookie.path, cookie.secure,
      cookie.httpOnly, cookie.session, cookie.expirationDate, cookie.sameSite]
  })
  const details: Electron.CookiesSetDetails = {
    url: 'http://127.0.0.1/',
    name: 'a',
    value: '1',
    domain: '127.0.0.1',
    path: '/',
    secure: false,
    httpOnly: true,
    expirationDate: 2e9,
    sameSite: 'lax'
  }
  await cookies.set(details)
  await cookies.remove('http://127.0.0.1/', 'a')
  await cookies.flushStore()
  const filter: Electron.CookiesGetFilter = { url: 'http://127.0.0.1/', name: 'a', domain: '127.0.0.1', path: '/', secure: false, session: true, httpOnly: true }
  return cookies.get(filter)
}

async function useSession (s: ElectronSessionCore): Promise<number> {
  await useCookies(s.cookies)
  const persistent: boolean = s.isPersistent()
  const storagePath: string | null = s.getStoragePath()
  s.setUserAgent('app/1.0', 'en-US')
  s.setUserAgent(s.getUserAgent())
  await s.closeAllConnections()
  await s.clearCache()
  await s.clearStorageData()
  await s.clearStorageData({ storages: ['cookies'] })
  await s.clearAuthCache()
  s.flushStorageData()
  const proxyConfig: Electron.ProxyConfig = { mode: 'fixed_servers', proxyRules: 'http=127.0.0.1:3128', proxyBypassRules: '<local>' }
  await s.setProxy(proxyConfig)
  await s.setProxy({ pacScript: 'http://127.0.0.1/proxy.pac' })
  await s.setProxy({ mode: 'system' })
  const proxies: string = await s.resolveProxy('http://127.0.0.1/')
  void proxies
  const response: Response = await s.fetch('http://127.0.0.1/', { method: 'POST', body: 'x', bypassCustomProtocolHandlers: true })
  const host: Electron.ResolvedHost = await s.resolveHost('localhost', { queryType: 'A', source: 'localOnly', cacheUsage: 'disallowed', secureDnsPolicy: 'disable' })
  void [persistent, storagePath, response.status, host.endpoints[0].address]
  return s.getCacheSize()
}

async function useNet (n: ElectronNetCore): Promise<void> {
  const online: boolean = n.isOnline() && n.online
  const options: Electron.ClientRequestConstructorOptions = {
    method: 'POST',
    url: 'http://127.0.0.1/upload',
    headers: { 'X-Id': '7', 'X-Many': ['a', 'b'] },
    partition: 'persist:work',
    credentials: 'include',
    useSessionCookies: true,
    protocol: 'http:',
    hostname: '127.0.0.1',
    port: 8080,
    path: '/upload',
    redirect: 'manual',
    origin: 'http://127.0.0.1',
    referrerPolicy: '',
    cache: 'no-store',
    priority: 'highest',
    priorityIncremental: true,
    bypassCustomProtocolHandlers: true
  }
  const body: Buffer = await useRequest(n.request(options))
  await useRequest(n.request('http://127.0.0.1/'))
  const response: Response = await n.fetch('http://127.0.0.1/', { headers: { accept: 'text/plain' }, redirect: 'manual' })
  await n.fetch(new Request('http://127.0.0.1/'))
  const text: string = await response.text()
  const host: Electron.ResolvedHost = await n.resolveHost('localhost')
  const family: 'ipv4' | 'ipv6' | 'unspec' = host.endpoints[0].family
  void [online, body, text, family]
}

// ---------------------------------------------------------------------------
// This library's objects, handed to the Electron-typed code above.

async function main (): Promise<void> {
  // net itself, as require() gives it, as the default import, and rebuilt
  // from named imports.
  await useNet(net)
  await useNet(netDefault)
  await useNet({ request, fetch, isOnline, resolveHost, online: isOnline() })
  const electronNet: ElectronNetCore = net

  // ClientRequest and IncomingMessage: assigned where Electron's types are
  // expected, directly and through callbacks typed with Electron's types.
  const req: Electron.ClientRequest = net.request('http://127.0.0.1/')
  const constructed: Electron.ClientRequest = new ClientRequest({ url: 'http://127.0.0.1/', session: session.defaultSession })
  const fromElectronOptions: Electron.ClientRequest = electronNet.request({ url: 'http://127.0.0.1/' })
  const onResponse = (response: Electron.IncomingMessage): void => { void useResponse(response) }
  request('http://127.0.0.1/', onResponse)
  net.request({ url: 'http://127.0.0.1/' }).on('response', onResponse)
  netDefault.request('http://127.0.0.1/').once('response', (response) => {
    const asElectron: Electron.IncomingMessage = response
    const ours: IncomingMessage = response
    void [asElectron, ours]
  })
  await Promise.all([useRequest(req), useRequest(constructed), useRequest(fromElectronOptions)])

  // Options, filters and details built with Electron's types, given to this
  // library's functions.
  const electronOptions: Electron.ClientRequestConstructorOptions = { url: 'http://127.0.0.1/', redirect: 'error' }
  const ours: ClientRequest = request(electronOptions)
  void ours
  const resolveOptions: Electron.ResolveHostOptions = { queryType: 'AAAA' }
  const resolved: Electron.ResolvedHost = await resolveHost('localhost', resolveOptions)
  void resolved

  // Session and Cookies.
  const defaultSession: ElectronSessionCore = session.defaultSession
  const partitionOptions: Electron.FromPartitionOptions = { cache: false }
  const persistent: Session = session.fromPartition('persist:work', partitionOptions)
  await useSession(defaultSession)
  await useSession(persistent)
  const jar: Electron.Cookies = persistent.cookies
  const ourJar: Cookies = persistent.cookies
  await useCookies(jar)
  await useCookies(ourJar)
  const setDetails: Electron.CookiesSetDetails = { url: 'http://127.0.0.1/', name: 'a', value: '1' }
  await ourJar.set(setDetails)
  const got: Electron.Cookie[] = await ourJar.get({ url: 'http://127.0.0.1/' })
  void got

  // The session module, as code typed with Electron's `session` uses it.
  await useSessionModule(session)
}

async function useSessionModule (sessions: {
  readonly defaultSession: ElectronSessionCore
  fromPartition(partition: string, options?: Electron.FromPartitionOptions): ElectronSessionCore
}): Promise<void> {
  await useSession(sessions.fromPartition('persist:work', { cache: true }))
  await useSession(sessions.defaultSession)
}

// ---------------------------------------------------------------------------
// Accepted differences: each line below must NOT type-check.

function acceptedDifferences (electronRequest: Electron.ClientRequest, electronResponse: Electron.IncomingMessage): void {
  // Electron.Net's WebSocket is not provided: only Pick<Electron.Net, ...> holds.
  // @ts-expect-error
  const wholeNet: Electron.Net = net
  // Session has the network part of Electron's Session (cookies, cache,
  // fetch, resolveHost, user agent, connections, certificates), not the
  // browser part (extensions, permissions, spell checker, downloads...).
  // @ts-expect-error
  const wholeSession: Electron.Session = session.defaultSession
  // This library's ClientRequest is a real stream.Writable, and its
  // IncomingMessage a real stream.Readable; Electron types them as plain
  // EventEmitters, so Electron's objects do not fit this library's types
  // (the other way round holds, above).
  // @ts-expect-error
  const ourRequest: ClientRequest = electronRequest
  // @ts-expect-error
  const ourResponse: IncomingMessage = electronResponse
  void [wholeNet, wholeSession, ourRequest, ourResponse]
}

void main
void acceptedDifferences
