// Type test, never run: plain Node code (no Electron, no DOM lib) against
// index.d.ts. test/types.test.js checks it with `--lib es2023`, so that the
// declarations need nothing beyond @types/node.
import net = require('go-net-request')
import netDefault from 'go-net-request'
import { ClientRequest, Cookies, IncomingMessage, NetError, ProxyConfig, Session, request, session, setDataPath } from 'go-net-request'

setDataPath('/tmp/go-net-request-types')
const ses: Session = session.fromPartition('persist:types', { cache: false })
const req: ClientRequest = request({ url: 'http://127.0.0.1/', session: ses, useSessionCookies: true, timeout: 1000 })
req.setTimeout(500, () => req.abort())
req.on('error', (error: NetError) => { void [error.message, error.code, error.header] })
req.on('upload-progress', (position: number, total: number) => { void [position, total] })
req.on('response', (response: IncomingMessage) => {
  void [response.url, response.reusedConnection, response.fromCache, response.headers['set-cookie']]
  response.pipe(process.stdout)
})
req.end()
void ses.setCACertificates(['-----BEGIN CERTIFICATE-----'])
const proxyConfig: ProxyConfig = { mode: 'pac_script', pacScript: 'http://127.0.0.1/proxy.pac' }
void ses.setProxy(proxyConfig).then(() => ses.resolveProxy('http://127.0.0.1/')).then((proxies: string) => proxies.split(';'))
// @ts-expect-error: not one of Chromium's modes
void ses.setProxy({ mode: 'manual' })
void net.fetch('http://127.0.0.1/', { priority: 'high', origin: 'http://127.0.0.1' }).then((r: Response) => r.text())
const online: boolean = net.online && net.isOnline() && netDefault.online && net.__engineStats().fds !== 0
void online

// Cookies is a type only: the module exports no such value.
const jar: Cookies = ses.cookies
// @ts-expect-error
const CookiesValue = Cookies
void [jar, CookiesValue]
