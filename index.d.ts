// Types for go-net-request, shaped like Electron's own `Electron.Net`,
// `Electron.ClientRequest` and `Electron.IncomingMessage`, so that code
// written against Electron's net type-checks unchanged. Members marked
// "Addition" are this library's own and absent from Electron.

/// <reference types="node" />

import { EventEmitter } from 'node:events'
import { Readable, Writable } from 'node:stream'

export type RedirectMode = 'follow' | 'error' | 'manual'

export interface AuthInfo {
  /** Whether the challenge came from a proxy (407) rather than the server (401). */
  isProxy: boolean
  /** The authentication scheme, lower-case: `basic`, `digest`, ... */
  scheme: string
  host: string
  port: number
  realm: string
}

export interface UploadProgress {
  /** Whether the request is currently active. */
  active: boolean
  /** Whether the upload has started. */
  started: boolean
  /** Bytes uploaded so far. */
  current: number
  /** Bytes to upload (0 for a chunked body, whose size is unknown). */
  total: number
}

export interface ClientRequestConstructorOptions {
  /** The HTTP method, default `GET`; upper-cased. */
  method?: string
  /** The absolute http(s) URL. When absent it is composed from protocol, host or hostname and port, and path. */
  url?: string
  /** Headers to send, each validated as `setHeader` does. */
  headers?: Record<string, string | string[]>
  /**
   * The session to use (cookies, cache, connections); wins over `partition`.
   * Must be one of this library's sessions (anything else throws). Typed
   * without the additions, so that options typed with Electron's
   * `ClientRequestConstructorOptions` are accepted as they are.
   */
  session?: Omit<Session, SessionAdditions>
  /** The name of the session partition (`persist:` names are kept on disk); must be a string. */
  partition?: string
  /** `include`, `omit` (no cookies, no login event) or `same-origin` (needs `origin`). */
  credentials?: 'include' | 'omit' | 'same-origin'
  /** Send and store the session's cookies. Default false. */
  useSessionCookies?: boolean
  /** `http:` (default) or `https:`. */
  protocol?: string
  /** `hostname:port`. */
  host?: string
  /** Default `localhost`. */
  hostname?: string
  port?: number
  /** Path and query, default `/`; must not contain spaces. */
  path?: string
  /** Redirect policy, default `follow`. */
  redirect?: RedirectMode
  /** The origin of the request (its initiator). */
  origin?: string
  /** How the app's Referer header is filtered; default `strict-origin-when-cross-origin`. */
  referrerPolicy?: '' | 'no-referrer' | 'no-referrer-when-downgrade' | 'origin' | 'origin-when-cross-origin' |
    'same-origin' | 'strict-origin' | 'strict-origin-when-cross-origin' | 'unsafe-url'
  cache?: 'default' | 'no-store' | 'reload' | 'no-cache' | 'force-cache' | 'only-if-cached'
  priority?: 'throttled' | 'idle' | 'lowest' | 'low' | 'medium' | 'highest'
  priorityIncremental?: boolean
  bypassCustomProtocolHandlers?: boolean
  /**
   * Addition: fail with `net::ERR_TIMED_OUT`, after a `timeout` event, when
   * nothing moves for this many milliseconds. Default 0 (no timeout).
   */
  timeout?: number
}

/** A network failure: `message` is Chromium's name, e.g. `net::ERR_CONNECTION_REFUSED`. */
export interface NetError extends Error {
  /** Addition: the name without `net::`, e.g. `ERR_CONNECTION_REFUSED`. */
  code?: string
  /** Addition: on `net::ERR_INVALID_ARGUMENT` for a restricted header, its name. */
  header?: string
}

/** Addition: how a response came, in milliseconds. */
export interface ResponseTiming {
  /** Resolving the host (0 on a reused connection or an IP literal). */
  dns: number
  /** TCP connect (0 on a reused connection). */
  connect: number
  /** TLS handshake (0 on a reused connection or plain HTTP). */
  tls: number
  /** The request went out, from the start of the request. */
  sent: number
  /** The first byte of the answer came, from the start of the request. */
  firstByte: number
  /** The body ended, from the start of the request; null until then. */
  end: number | null
  reused: boolean
  remoteAddress: string
  remotePort: number
  protocol: 'http/1.1' | 'h2'
  /** e.g. 'TLS 1.3'; '' over plain HTTP. */
  tlsVersion: string
  cipher: string
}

export interface Cookie {
  name: string
  value: string
  /** `.example.com` for a domain cookie; the host for a host-only one. */
  domain?: string
  hostOnly?: boolean
  path?: string
  secure?: boolean
  httpOnly?: boolean
  /** True for a session cookie (no expiration date). */
  session?: boolean
  /** Seconds since the UNIX epoch; absent for session cookies. */
  expirationDate?: number
  sameSite: 'unspecified' | 'no_restriction' | 'lax' | 'strict'
}

export interface CookiesGetFilter {
  /** Cookies that would be sent to this URL. */
  url?: string
  name?: string
  /** The cookie's domain or a subdomain of it. */
  domain?: string
  path?: string
  secure?: boolean
  session?: boolean
  httpOnly?: boolean
}

export interface CookiesSetDetails {
  /** The URL the cookie belongs to. */
  url: string
  name?: string
  value?: string
  domain?: string
  path?: string
  secure?: boolean
  httpOnly?: boolean
  /** Seconds since the UNIX epoch; omitted makes a session cookie. */
  expirationDate?: number
  sameSite?: 'unspecified' | 'no_restriction' | 'lax' | 'strict'
}

/**
 * A session's cookie jar (Electron's `Cookies`): `session.cookies`. A type
 * only: the module exports no `Cookies` value, as Electron's does not.
 */
declare class Cookies extends EventEmitter {
  get(filter: CookiesGetFilter): Promise<Cookie[]>
  /** In a persistent session, the cookie is on disk when the promise resolves. */
  set(details: CookiesSetDetails): Promise<void>
  /** In a persistent session, the removal is on disk when the promise resolves. */
  remove(url: string, name: string): Promise<void>
  /**
   * Writes unwritten cookie data to disk (persistent sessions). Cookies a
   * response sets are written 0.1 s after they arrive and at process exit
   * (`process.exit()`, or the event loop running out), but not when a
   * signal's default action, SIGKILL or a crash ends the process: await
   * this first where they must survive.
   */
  flushStore(): Promise<void>
  on(event: 'changed', listener: (event: { preventDefault(): void, defaultPrevented: boolean }, cookie: Cookie,
    cause: 'inserted' | 'inserted-no-change-overwrite' | 'inserted-no-value-change-overwrite' | 'explicit' | 'overwrite' | 'expired' | 'evicted' | 'expired-overwrite',
    removed: boolean) => void): this
  on(event: string | symbol, listener: (...args: any[]) => void): this
}

/** Electron's ProxyConfig: what session.setProxy takes. */
export interface ProxyConfig {
  /**
   * `direct`, `auto_detect` (DIRECT here: no WPAD), `pac_script`,
   * `fixed_servers` or `system` (the environment's HTTP_PROXY, HTTPS_PROXY,
   * ALL_PROXY, NO_PROXY). Default: `pac_script` when `pacScript` is given,
   * else `fixed_servers` with `proxyRules` (none: direct).
   */
  mode?: 'direct' | 'auto_detect' | 'pac_script' | 'fixed_servers' | 'system'
  /** The URL of the PAC file. */
  pacScript?: string
  /** Rules for the URLs that bypass the proxies, e.g. `<local>;*.example.com`. */
  proxyBypassRules?: string
  /** Which proxies to use, e.g. `http=127.0.0.1:3128;socks5://127.0.0.1:1080`. */
  proxyRules?: string
}

/** The members of Session that are this library's additions, absent from Electron's Session. */
export type SessionAdditions = 'setCACertificates'

/** Electron's Session: one partition's cookies, HTTP cache and connections. */
export declare class Session {
  private constructor()
  readonly cookies: Cookies
  isPersistent(): boolean
  /** The partition's directory, or null for an in-memory session. */
  getStoragePath(): string | null
  setUserAgent(userAgent: string, acceptLanguages?: string): void
  getUserAgent(): string
  closeAllConnections(): Promise<void>
  clearCache(): Promise<void>
  /** Bytes used by the session's HTTP cache. */
  getCacheSize(): Promise<number>
  /** Clears the session's cookies. */
  clearStorageData(options?: object): Promise<void>
  clearAuthCache(): Promise<void>
  flushStorageData(): void
  /**
   * Sets the session's proxies, as Chromium takes them (see ProxyConfig);
   * idle connections are closed so that the next requests follow it.
   * Loopback is never proxied unless `proxyBypassRules` has `<-loopback>`.
   */
  setProxy(config: ProxyConfig): Promise<void>
  /**
   * The proxies a request to `url` would use, in Chromium's words:
   * `'DIRECT'`, `'PROXY host:port'`, `'SOCKS5 host:port'`, `;`-separated.
   */
  resolveProxy(url: string): Promise<string>
  /**
   * proc(request, callback) decides about every server certificate of the
   * session: callback(0) trusts, callback(-2) fails, callback(-3) uses the
   * engine's verdict. The handshake waits for the callback. null restores
   * the default verification.
   */
  setCertificateVerifyProc(proc: ((request: CertificateVerifyProcRequest, callback: (verificationResult: number) => void) => void) | null): void
  /**
   * Addition: trusts these PEM CA certificates for the session's TLS, on top
   * of the system store; '' or [] goes back to the system store alone.
   */
  setCACertificates(pems: string | string[]): Promise<void>
  /** net.fetch through this session. */
  fetch(input: string | URL | Request, init?: FetchInit): Promise<Response>
  /** net.resolveHost through this session's DNS cache. */
  resolveHost(host: string, options?: ResolveHostOptions): Promise<ResolvedHost>
}

export interface Certificate {
  /** PEM encoded data. */
  data: string
  issuerName: string
  subjectName: string
  /** Hex. */
  serialNumber: string
  /** Seconds since the UNIX epoch. */
  validStart: number
  validExpiry: number
  /** `sha256/` and the base64 of the certificate's SHA-256. */
  fingerprint: string
  /** The next certificate of the chain the server sent, if any. */
  issuerCert?: Certificate
}

export interface CertificateVerifyProcRequest {
  hostname: string
  certificate: Certificate
  /** `net::OK` or the engine's `net::ERR_CERT_*` verdict. */
  verificationResult: string
  /** 0, or Chromium's number for the error (e.g. -202). */
  errorCode: number
}

/** fetch's RequestInit plus Electron's additions. */
export interface FetchInit extends Omit<RequestInit, 'priority'> {
  /**
   * The request's priority (HTTP/2 priority when it applies): Chromium's
   * names, as Electron takes them, or the fetch standard's.
   */
  priority?: 'throttled' | 'idle' | 'lowest' | 'low' | 'medium' | 'highest' | 'high' | 'auto'
  /** Electron: accepted; this library has no custom protocols. */
  bypassCustomProtocolHandlers?: boolean
  /** Addition: the initiator's origin (sent as Origin on requests other than GET and HEAD). */
  origin?: string
}

export interface ResolveHostOptions {
  /** Only IPv4 (A) or IPv6 (AAAA) addresses; both when absent. */
  queryType?: 'A' | 'AAAA'
  /** `localOnly` answers from the hosts file alone; `dns` uses Go's own DNS client. */
  source?: 'any' | 'system' | 'dns' | 'mdns' | 'localOnly'
  /** Whether the session's DNS cache may answer (one minute of freshness). */
  cacheUsage?: 'allowed' | 'staleAllowed' | 'disallowed'
  /** Accepted; Go's resolver does no DNS over HTTPS. */
  secureDnsPolicy?: 'allow' | 'disable'
}

export interface ResolvedEndpoint {
  address: string
  family: 'ipv4' | 'ipv6' | 'unspec'
}

export interface ResolvedHost {
  endpoints: ResolvedEndpoint[]
}

export interface SessionModule {
  /** The session `''`: kept in memory (an Electron app's default session is on disk). */
  readonly defaultSession: Session
  /** The same Session for the same name; `persist:` names are kept on disk, others in memory. */
  fromPartition(partition: string, options?: { cache?: boolean }): Session
}

export declare const session: SessionModule

/**
 * Addition: where persistent partitions keep their data. Default: the
 * GO_NET_REQUEST_DATA environment variable, else a per-user directory.
 */
export declare function setDataPath(dir: string): void

export declare class IncomingMessage extends Readable {
  /** The HTTP status code. */
  statusCode: number
  /** The HTTP status message (reason phrase). */
  statusMessage: string
  /** Lower-case names; first value for Node's discardable duplicates, `set-cookie` an array, others joined with `, `. */
  headers: Record<string, string | string[]>
  /** The head as received: `[name, value, ...]` with case, order and duplicates. */
  rawHeaders: string[]
  /** `'1.1'`, `'1.0'`: the version the server spoke. */
  httpVersion: string
  httpVersionMajor: number
  httpVersionMinor: number
  /** Throws `HTTP trailers are not supported`. */
  readonly trailers: Record<string, string>
  /** Throws `HTTP trailers are not supported`. */
  readonly rawTrailers: string[]
  /** Addition: the URL this response answers, after redirects. */
  readonly url: string
  /** Addition: whether the response came over a reused keep-alive connection. */
  readonly reusedConnection: boolean
  /** Addition: whether the session's HTTP cache answered without the network. */
  readonly fromCache: boolean
  /** Addition: how the response came (null for a response from the cache). */
  readonly timing: ResponseTiming | null

  on(event: 'data', listener: (chunk: Buffer) => void): this
  on(event: 'end', listener: () => void): this
  on(event: 'aborted', listener: () => void): this
  on(event: 'error', listener: (error: NetError) => void): this
  on(event: 'close', listener: () => void): this
  on(event: 'download-progress', listener: (current: number) => void): this
  on(event: string | symbol, listener: (...args: any[]) => void): this
  once(event: 'data', listener: (chunk: Buffer) => void): this
  once(event: 'end', listener: () => void): this
  once(event: 'aborted', listener: () => void): this
  once(event: 'error', listener: (error: NetError) => void): this
  once(event: 'close', listener: () => void): this
  once(event: string | symbol, listener: (...args: any[]) => void): this
}

export declare class ClientRequest extends Writable {
  /**
   * @param options a URL, or the request's options
   * @param callback a `response` listener
   */
  constructor(options: ClientRequestConstructorOptions | string | URL, callback?: (response: IncomingMessage) => void)

  /**
   * Stream the body with `Transfer-Encoding: chunked` instead of buffering it
   * until `end()`. Default false; settable once, before the request starts.
   */
  chunkedEncoding: boolean

  /** Adds or replaces a header; throws once the first chunk is written. */
  setHeader(name: string, value: string | number | string[]): void
  /** The value as given to `setHeader`, looked up case-insensitively. */
  getHeader(name: string): any
  /** Removes a header; throws once the first chunk is written. */
  removeHeader(name: string): void
  /** Cancels the request: `abort`, then `close`; an ongoing response emits `aborted`. */
  abort(): void
  /** Continues a redirect; only valid synchronously inside a `redirect` handler. */
  followRedirect(): void
  getUploadProgress(): UploadProgress
  /** Addition: as the `timeout` option; takes effect before the request starts. */
  setTimeout(ms: number, callback?: () => void): this

  on(event: 'response', listener: (response: IncomingMessage) => void): this
  on(event: 'login', listener: (authInfo: AuthInfo, callback: (username?: string, password?: string) => void) => void): this
  on(event: 'redirect', listener: (statusCode: number, method: string, redirectUrl: string, responseHeaders: Record<string, string[]>) => void): this
  on(event: 'upload-progress', listener: (position: number, total: number) => void): this
  on(event: 'finish', listener: () => void): this
  on(event: 'abort', listener: () => void): this
  on(event: 'error', listener: (error: NetError) => void): this
  on(event: 'close', listener: () => void): this
  on(event: 'timeout', listener: () => void): this
  on(event: string | symbol, listener: (...args: any[]) => void): this
  once(event: 'response', listener: (response: IncomingMessage) => void): this
  once(event: 'login', listener: (authInfo: AuthInfo, callback: (username?: string, password?: string) => void) => void): this
  once(event: 'redirect', listener: (statusCode: number, method: string, redirectUrl: string, responseHeaders: Record<string, string[]>) => void): this
  once(event: 'error', listener: (error: NetError) => void): this
  once(event: 'close', listener: () => void): this
  once(event: string | symbol, listener: (...args: any[]) => void): this
}

/**
 * WHATWG fetch driven by this engine, answered with Node's own Response.
 * Network failures reject with the `net::ERR_*` Error. Unlike Electron,
 * `redirect: 'manual'` resolves with the 3xx response.
 */
export declare function fetch(input: string | URL | Request, init?: FetchInit): Promise<Response>

/** Resolves host; failures reject with `net::ERR_NAME_NOT_RESOLVED`. */
export declare function resolveHost(host: string, options?: ResolveHostOptions): Promise<ResolvedHost>

/** Whether the machine has a non-loopback interface that is up with an address. */
export declare function isOnline(): boolean

/**
 * Whether the machine is online (see isOnline): a getter on the module
 * object. Under ESM, `import { online }` is the value when the module was
 * imported; read `net.online` on the default import for the current one.
 */
export declare const online: boolean

/** Creates a request, as Electron's `net.request` does. */
export declare function request(
  options: ClientRequestConstructorOptions | string | URL,
  callback?: (response: IncomingMessage) => void
): ClientRequest

/**
 * Addition, diagnostic: the engine's counters (live requests, goroutines,
 * sessions, idle connections) and this environment's pending handlers and
 * open file descriptors (null where /proc is absent). Not a stable API: for
 * tests and soaks.
 */
export declare function __engineStats(): Record<string, number | null>

export type { Cookies }

declare const net: {
  request: typeof request
  fetch: typeof fetch
  resolveHost: typeof resolveHost
  isOnline: typeof isOnline
  /** Whether the machine is online (see isOnline). */
  readonly online: boolean
  ClientRequest: typeof ClientRequest
  IncomingMessage: typeof IncomingMessage
  session: SessionModule
  Session: typeof Session
  setDataPath: typeof setDataPath
  __engineStats: typeof __engineStats
}
export default net
