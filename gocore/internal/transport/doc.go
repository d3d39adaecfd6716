// Package transport is the engine's connection mechanism, apart from the
// policy of a request (gocore): Conn (one HTTP/1.1 connection, or one
// HTTP/2 stream's body read like one), Pool (idle HTTP/1.1 connections by
// Key), H2Pool (one HTTP/2 connection per Key) with DialGate (first
// requests to an https origin wait for its ALPN answer), Dialer (TCP with
// its timing, HTTP, HTTPS and SOCKS proxies, TLS) and the verification of
// server certificates, which the host's verify procedure can take over
// through a Judge. What a request decides (which route, proxy logins in a
// CONNECT tunnel, what a certificate verdict is) reaches it as arguments:
// it knows nothing of Exchange.
//
// By file: conn.go, pool.go, h2pool.go, dial.go, verify.go, timing.go
// (dial timing, Conn.Describe), peek*.go (is an idle socket still open).
package transport
