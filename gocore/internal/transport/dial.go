package transport

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"time"

	"github.com/go-net-request/go-net-request/gocore/httpwire"
	"github.com/go-net-request/go-net-request/gocore/neterr"
	"github.com/go-net-request/go-net-request/gocore/proxy"
)

// A Dialer opens a session's connections: TCP with its timing, through
// proxies, and TLS that the engine verifies (or a Judge decides about).
type Dialer struct {
	Net              net.Dialer
	HandshakeTimeout time.Duration      // bounds each TLS handshake
	TLSConfig        func() *tls.Config // the session's current configuration; cloned per handshake
	UserAgent        func() string      // sent to proxies in CONNECT
}

// Key names the connections of an origin reached one way: the pools'
// key.
func Key(scheme, host, port string, via proxy.Server) string {
	key := scheme + "://" + net.JoinHostPort(host, port)
	if !via.IsDirect() {
		key += " via " + via.String()
	}
	return key
}

// DialVia opens a connection to host:port through via (or directly), then
// speaks TLS for https. A CONNECT tunnel is opened by tunnel, which answers
// the proxy's logins (the request's business, not the connection's); judge,
// when not nil, decides about the origin's certificate.
func (d *Dialer) DialVia(ctx context.Context, via proxy.Server, scheme, host, port string, judge Judge, tunnel func(*proxy.Dialer) (net.Conn, error)) (*Conn, error) {
	if via.IsDirect() {
		return d.dial(ctx, scheme, host, port, judge)
	}
	pd := &proxy.Dialer{Dial: d.Net.DialContext, TLSConfig: d.TLSConfig().Clone(), UserAgent: d.UserAgent(),
		VerifyTLS: func(cfg *tls.Config, host string) { verifyServerCertificates(cfg, certificateHost(host), nil) }}
	var nc net.Conn
	var err error
	switch {
	case via.Scheme == proxy.SchemeSOCKS5:
		nc, err = pd.DialSOCKS5(ctx, via, host, port, nil)
	case via.Scheme == proxy.SchemeSOCKS4:
		nc, err = pd.DialSOCKS4(ctx, via, host, port)
	case scheme == "http":
		// Plain http goes to the proxy itself, in absolute form.
		nc, err = pd.DialProxy(ctx, via)
		if err != nil {
			return nil, err
		}
		c := newConn(nc, Key(scheme, host, port, via), nil)
		c.HTTPProxy = &via
		return c, nil
	default:
		nc, err = tunnel(pd)
	}
	if err != nil {
		return nil, err
	}
	if scheme != "https" {
		return newConn(nc, Key(scheme, host, port, via), nil), nil
	}
	c, err := d.handshake(ctx, nc, host, port, judge)
	if err != nil {
		return nil, err
	}
	c.Key = Key(scheme, host, port, via)
	return c, nil
}

// dial opens a direct connection to host:port.
func (d *Dialer) dial(ctx context.Context, scheme, host, port string, judge Judge) (*Conn, error) {
	addr := net.JoinHostPort(host, port)
	dialAddr, err := httpwire.LocalAnswer(host, port)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", addr, err)
	}
	nc, timing, err := timedDial(ctx, d.Net, "tcp", dialAddr)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", addr, err)
	}
	if tcp, ok := nc.(*net.TCPConn); ok {
		tcp.SetNoDelay(true)
	}
	key := Key(scheme, host, port, proxy.Direct)
	if scheme != "https" {
		c1 := newConn(nc, key, nil)
		c1.Dialed = timing
		return c1, nil
	}
	tlsStart := time.Now()
	c2, err := d.handshake(ctx, nc, host, port, judge)
	if err != nil {
		return nil, err
	}
	timing.TLS = time.Since(tlsStart)
	c2.Key = key
	c2.Dialed = timing
	return c2, nil
}

// newConn wraps an open connection (no TLS, or TLS already done by the caller).
func newConn(nc net.Conn, key string, raw *bufferedConn) *Conn {
	return &Conn{
		Net:    nc,
		Reader: bufio.NewReaderSize(nc, httpwire.BufferSize),
		Writer: bufio.NewWriterSize(nc, httpwire.BufferSize),
		Key:    key,
		tlsRaw: raw,
	}
}

// handshake speaks TLS to host over nc.
func (d *Dialer) handshake(ctx context.Context, nc net.Conn, host, port string, judge Judge) (*Conn, error) {
	cfg := d.TLSConfig().Clone()
	cfg.ServerName = host
	verifyServerCertificates(cfg, certificateHost(host), judge)
	raw := &bufferedConn{Conn: nc, r: bufio.NewReaderSize(nc, tlsReadBuffer)}
	tc := tls.Client(raw, cfg)
	hctx, cancel := context.WithTimeout(ctx, d.HandshakeTimeout)
	err := tc.HandshakeContext(hctx)
	cancel()
	if err != nil {
		nc.Close()
		if ctx.Err() != nil {
			return nil, neterr.Cause(ctx)
		}
		return nil, fmt.Errorf("tls handshake with %s: %w", net.JoinHostPort(host, port), err)
	}
	return newConn(tc, "", raw), nil
}
