// Package gocore is the request engine of go-net-request: Electron's net
// semantics (redirect modes, login challenges, Chromium's net::ERR_* names)
// over real sockets, in pure Go with no knowledge of Node.
//
// A Client is one session's state (connection pool, auth cache, user
// agent). Client.Start runs an Exchange on its own goroutine and reports
// everything through a Sink:
//
//	Start ──> [Redirect]* ──> [Login]* ──> Response ──> Data* ──> End
//	   \________________ any failure or Cancel ________________/──> Fail
//
// The host paces the response body with Grant (credit in bytes), feeds a
// streamed request body with WriteBody/EndBody (a bounded window; WriteReady
// says when there is room again), answers manual redirects with
// FollowRedirect and logins with Login. Exactly one of End or Fail is the
// last event of every exchange.
//
// HTTP/1.1 is spoken by the engine's own head writer and parser
// (httpwire), because Electron apps expect header case and order to be kept
// on the wire and the raw response head to be visible. HTTP/2 (h2.go) is
// negotiated by ALPN and its streams are read through the same exchange
// path.
//
// One request, by file: exchange.go (Exchange, Sink, Start, the host's
// answers, the terminal event), hop.go (the hop loop: cache, round trip,
// then follow, retry or deliver), redirect.go, login.go (401s and 407s,
// the credentials the session keeps), request_head.go (the request line
// and headers the engine adds), roundtrip.go (a hop over a route:
// pooled, dialed or HTTP/2 connections, stale-connection retries),
// send.go (writing the request, the body sender), delivery.go (the
// response body to the sink, discarding, keep-alive), session_io.go (how
// a hop uses the HTTP cache and the cookie jar).
//
// Around the exchange: client.go (the Client and its options), h2.go
// (sending a hop as an HTTP/2 stream), proxy_route.go (the session's
// proxies per request, CONNECT tunnels and their logins), tls_verify.go
// (the host's certificate verdicts, extra CAs), site.go (sites and the
// SameSite context), referrer.go, resolve.go (resolveHost). The
// connections themselves (pool, HTTP/2 pool, dialing, proxies, TLS and
// its verification) are internal/transport's.
//
// Packages beside it: neterr (the one error table: Chromium's error names
// and Classify), httpwire (headers, the HTTP/1.1 head writer and parser,
// body framing, chunked coding, content decoding, origins), cookies (the
// session's cookie jar and its file), auth (login challenges, Basic and
// Digest, the credentials cache, a hop's login state), httpcache (the
// session's RFC 9111 cache, in memory or on disk), internal/transport
// (connections, pools, dialing, TLS verification), proxy (Chromium's
// proxy configuration, PAC on goja, dialing through HTTP, HTTPS and SOCKS
// proxies).
package gocore
