package httpwire

import "time"

// Timing is how a response came to be (this library's addition, which no
// peer gives with Electron's API). Phase durations are zero on a reused
// connection; Sent and FirstByte count from the start of the exchange.
type Timing struct {
	DNS        time.Duration // resolving the host (0 for IP literals)
	Connect    time.Duration // TCP connect, after DNS
	TLS        time.Duration // TLS handshake
	Sent       time.Duration // the request head (and a small body) written
	FirstByte  time.Duration // the first byte of the answer
	Reused     bool
	RemoteAddr string
	RemotePort int
	Protocol   string // "http/1.1" or "h2"
	TLSVersion string // e.g. "TLS 1.3"; "" over plain HTTP
	Cipher     string
}
