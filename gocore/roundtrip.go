package gocore

import (
	"context"
	"crypto/tls"
	"net"
	"time"

	"github.com/go-net-request/go-net-request/gocore/httpwire"
	"github.com/go-net-request/go-net-request/gocore/internal/transport"
	"github.com/go-net-request/go-net-request/gocore/neterr"
	"github.com/go-net-request/go-net-request/gocore/proxy"
	"golang.org/x/net/http2"
)

// roundTrip sends the hop's request and reads the final response head. A
// reused keep-alive connection that the server had already closed is
// retried on another, when the body can be sent again.
func (x *Exchange) roundTrip(h *hop) (*hopConn, *httpwire.ResponseHead, error) {
	host, port := h.url.Hostname(), httpwire.Port(h.url)
	routes, err := x.client.proxiesFor(x.ctx, h.url)
	if err != nil {
		return nil, nil, err
	}
	var lastErr error
	for _, via := range routes {
		c, head, err := x.roundTripVia(h, via, host, port)
		if err == nil {
			return c, head, nil
		}
		lastErr = err
		// Chromium falls back to the next proxy when one cannot be reached.
		if x.ctx.Err() != nil || via.IsDirect() || !proxyUnreachable(err) {
			break
		}
	}
	return nil, nil, lastErr
}

func proxyUnreachable(err error) bool {
	switch neterr.Classify(err).Name {
	case neterr.ProxyConnectionFailed, neterr.SOCKSConnectionFailed:
		return true
	}
	return false
}

// roundTripVia sends the hop's request over a connection reached through
// via and reads the final head. A reused keep-alive connection that the
// server had already closed is retried on another, when the body can be
// sent again.
func (x *Exchange) roundTripVia(h *hop, via proxy.Server, host, port string) (*hopConn, *httpwire.ResponseHead, error) {
	key := transport.Key(h.url.Scheme, host, port, via)
	var fresh *hopConn // the HTTP/2 connection this request opened, if it did
	secure := h.url.Scheme == "https"
	for attempt := 0; ; attempt++ {
		if cc, nc := x.h2For(secure, key); cc != nil {
			return x.sendOnPooledH2(h, cc, nc, key, fresh)
		}
		var c *hopConn
		if attempt < 3 {
			c = wrapConn(x.client.pool.Get(key))
		}
		reused := c != nil
		if c == nil && secure {
			wait, owner := x.client.gate.Enter(key)
			if wait != nil {
				select { // another request is finding out whether the origin speaks h2
				case <-wait:
				case <-x.ctx.Done():
					return nil, nil, neterr.Cause(x.ctx)
				}
				attempt--
				continue
			}
			if owner {
				var err error
				if c, err = x.dialVia(via, h.url.Scheme, host, port); err != nil {
					x.client.gate.Leave(key, "")
					return nil, nil, err
				}
				protocol := "http/1.1"
				if tc, ok := c.Net.(*tls.Conn); ok && tc.ConnectionState().NegotiatedProtocol == "h2" {
					protocol = "h2"
					if _, err := x.client.h2.UpgradeAndPool(c.Conn); err != nil {
						x.client.gate.Leave(key, "")
						return nil, nil, err
					}
					fresh = c
					x.client.gate.Leave(key, protocol)
					attempt--
					continue // the pooled HTTP/2 connection serves this request too
				}
				x.client.gate.Leave(key, protocol)
			}
		}
		if c == nil {
			var err error
			if c, err = x.dialVia(via, h.url.Scheme, host, port); err != nil {
				return nil, nil, err
			}
		}
		if tc, ok := c.Net.(*tls.Conn); ok && !reused && tc.ConnectionState().NegotiatedProtocol == "h2" {
			// An origin that was known to speak HTTP/1.1 now offers h2.
			return x.sendOnNewH2(h, c, key)
		}
		x.watch(c)
		head, err := x.send(c, h)
		if err == nil {
			head.Reused = reused
			x.progress()
			x.stamp(head, c, reused)
			return c, head, nil
		}
		x.closeConn(c)
		if reused && x.ctx.Err() == nil && !h.streaming && staleConnError(err) {
			continue
		}
		return nil, nil, err
	}
}

// sendOnPooledH2 sends the hop as a stream of the pooled HTTP/2
// connection cc (over nc); fresh is that connection when this request
// opened it, for its dial timing.
func (x *Exchange) sendOnPooledH2(h *hop, cc *http2.ClientConn, nc net.Conn, key string, fresh *hopConn) (*hopConn, *httpwire.ResponseHead, error) {
	c, head, err := x.sendH2(cc, key, h)
	if err == nil {
		head.Reused = fresh == nil
		x.progress()
		c.Carrier = nc
		if fresh != nil {
			c.Dialed = fresh.Dialed
		}
		x.stamp(head, c, fresh == nil)
	}
	return c, head, err
}

// sendOnNewH2 sends the hop over c, just dialed, whose origin was known to
// speak HTTP/1.1 and now offers h2. A connection the pool does not take
// serves this one request and is then shut down.
func (x *Exchange) sendOnNewH2(h *hop, c *hopConn, key string) (*hopConn, *httpwire.ResponseHead, error) {
	cc, pooled, err := x.client.h2.Upgrade(c.Conn)
	if err != nil {
		return nil, nil, err
	}
	if !pooled {
		defer func() { go cc.Shutdown(context.Background()) }() // after its one request
	}
	stream, head, err := x.sendH2(cc, key, h)
	if err == nil {
		x.progress()
		stream.Dialed, stream.Carrier = c.Dialed, c.Net
		x.stamp(head, stream, false)
	}
	return stream, head, err
}

// h2For is the pooled HTTP/2 connection for key; only https has any.
func (x *Exchange) h2For(secure bool, key string) (*http2.ClientConn, net.Conn) {
	if !secure {
		return nil, nil
	}
	return x.client.h2.Get(key)
}

// stamp records on head how the answer came (Timing).
func (x *Exchange) stamp(head *httpwire.ResponseHead, c *hopConn, reused bool) {
	t := &httpwire.Timing{Reused: reused, Sent: c.SentAt.Sub(x.startedAt), FirstByte: c.FirstByteAt.Sub(x.startedAt)}
	if !reused {
		t.DNS, t.Connect, t.TLS = c.Dialed.DNS, c.Dialed.Connect, c.Dialed.TLS
	}
	c.Describe(t)
	head.Timing = t
}

// staleConnError reports whether err is what a reused connection that the
// server closed while idle looks like, before any response byte.
func staleConnError(err error) bool {
	switch neterr.Classify(err).Name {
	case neterr.EmptyResponse, neterr.ConnectionReset, neterr.ConnectionClosed:
		return true
	}
	return false
}

// hopConn is a connection as one hop uses it: the exchange's watch over
// it and what its answer showed.
type hopConn struct {
	*transport.Conn
	unwatch     func() bool // stops the exchange's cancellation watch; nil when none
	earlyAnswer bool        // the answer began before the request body was all sent
}

// wrapConn is c for a hop (nil for nil).
func wrapConn(c *transport.Conn) *hopConn {
	if c == nil {
		return nil
	}
	return &hopConn{Conn: c}
}

// watch makes cancellation of the exchange unblock any I/O on c.
func (x *Exchange) watch(c *hopConn) {
	c.unwatch = context.AfterFunc(x.ctx, func() { c.Net.SetDeadline(time.Unix(1, 0)) })
}

func (x *Exchange) closeConn(c *hopConn) {
	if c.unwatch != nil {
		c.unwatch()
	}
	c.Net.Close()
	x.stopSender() // closing the socket unblocks a sender stuck writing
}

// release returns c to the pool when it can serve another request: the
// response said keep-alive and the whole request body went out.
func (x *Exchange) release(c *hopConn, f httpwire.Framing) {
	if !f.KeepAlive || !x.senderSucceeded() || !c.unwatch() {
		x.closeConn(c)
		return
	}
	c.unwatch = nil
	x.client.pool.Put(c.Conn)
}
