package transport

import (
	"net"
	"sync"

	"golang.org/x/net/http2"
)

// HTTP/2, negotiated by ALPN on https connections: one multiplexed
// connection per origin (and route) carries every request of the session.
// An HTTP/2 stream is handed to the exchange as a Conn whose reader is the
// response body, so redirects, logins, decoding, credit and the cache work
// exactly as they do over HTTP/1.1.

var h2Transport = &http2.Transport{DisableCompression: true, AllowHTTP: false}

// An H2Pool keeps the session's HTTP/2 connections, one per key. It is
// safe for concurrent use.
type H2Pool struct {
	mu    sync.Mutex
	conns map[string]*http2.ClientConn
	nets  map[*http2.ClientConn]net.Conn // the TLS connection under each, for Timing
}

// NewH2Pool is an empty pool.
func NewH2Pool() *H2Pool {
	return &H2Pool{conns: map[string]*http2.ClientConn{}, nets: map[*http2.ClientConn]net.Conn{}}
}

// Get returns the pooled connection for key and the TLS connection under it.
func (p *H2Pool) Get(key string) (*http2.ClientConn, net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	cc := p.conns[key]
	if cc != nil && !cc.CanTakeNewRequest() {
		delete(p.conns, key)
		delete(p.nets, cc)
		cc.Close()
		return nil, nil
	}
	return cc, p.nets[cc]
}

// put pools cc for key unless a usable connection is already there; it
// reports whether cc was pooled (if not, the caller shuts it down once its
// request is under way).
func (p *H2Pool) put(key string, cc *http2.ClientConn, nc net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if old := p.conns[key]; old != nil && old.CanTakeNewRequest() {
		return false
	}
	if old := p.conns[key]; old != nil {
		delete(p.nets, old)
	}
	p.conns[key] = cc
	p.nets[cc] = nc
	return true
}

// CloseAll closes every pooled connection.
func (p *H2Pool) CloseAll() {
	p.mu.Lock()
	conns := p.conns
	p.conns = map[string]*http2.ClientConn{}
	p.nets = map[*http2.ClientConn]net.Conn{}
	p.mu.Unlock()
	for _, cc := range conns {
		cc.Close()
	}
}

// UpgradeAndPool makes c, a TLS connection that negotiated "h2", the
// pooled HTTP/2 connection of its key (or closes it when one is already
// there).
func (p *H2Pool) UpgradeAndPool(c *Conn) (*http2.ClientConn, error) {
	cc, pooled, err := p.Upgrade(c)
	if err == nil && !pooled {
		cc.Close()
	}
	return cc, err
}

// Upgrade turns c, a TLS connection that negotiated "h2", into an HTTP/2
// client connection, pooled unless a usable one is there already (then
// the caller shuts it down once its request is under way).
func (p *H2Pool) Upgrade(c *Conn) (cc *http2.ClientConn, pooled bool, err error) {
	cc, err = h2Transport.NewClientConn(c.Net)
	if err != nil {
		c.Net.Close()
		return nil, false, err
	}
	return cc, p.put(c.Key, cc, c.Net), nil
}

// A DialGate makes concurrent first requests to an https origin wait for the
// first connection's ALPN answer, so that an HTTP/2 origin gets one shared
// connection rather than one per request (Chromium does the same). Once an
// origin is known to speak HTTP/1.1, nobody waits.
type DialGate struct {
	mu      sync.Mutex
	pending map[string]chan struct{}
	known   map[string]string // key -> negotiated protocol
}

// NewDialGate knows no origin yet.
func NewDialGate() *DialGate {
	return &DialGate{pending: map[string]chan struct{}{}, known: map[string]string{}}
}

// Enter returns (nil, true) when the caller should dial and then call
// leave; (ch, false) when it should wait for ch and look again; (nil,
// false) when it may dial without waiting.
func (g *DialGate) Enter(key string) (<-chan struct{}, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.known[key] == "http/1.1" {
		return nil, false
	}
	if ch, ok := g.pending[key]; ok {
		return ch, false
	}
	g.pending[key] = make(chan struct{})
	return nil, true
}

// Leave records the protocol the caller's connection negotiated (""
// when it failed) and wakes the waiters.
func (g *DialGate) Leave(key, protocol string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if protocol != "" {
		g.known[key] = protocol
	}
	if ch, ok := g.pending[key]; ok {
		close(ch)
		delete(g.pending, key)
	}
}
