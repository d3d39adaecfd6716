// Type test, never run: the ES module forms (default, namespace and named
// imports) of the module, handed to code typed with Electron.Net.
/// <reference types="electron" />
import net from 'go-net-request'
import * as namespace from 'go-net-request'
import { fetch, isOnline, online, request, resolveHost } from 'go-net-request'

function useNet (n: Pick<Electron.Net, 'request' | 'fetch' | 'isOnline' | 'resolveHost' | 'online'>): Electron.ClientRequest {
  void [n.isOnline(), n.online, n.fetch('http://127.0.0.1/'), n.resolveHost('localhost')]
  return n.request({ url: 'http://127.0.0.1/', method: 'GET' })
}

const requests: Electron.ClientRequest[] = [
  useNet(net),
  useNet(namespace),
  useNet({ request, fetch, isOnline, resolveHost, online })
]
void requests
