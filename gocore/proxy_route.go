package gocore

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/go-net-request/go-net-request/gocore/auth"
	"github.com/go-net-request/go-net-request/gocore/httpwire"
	"github.com/go-net-request/go-net-request/gocore/neterr"
	"github.com/go-net-request/go-net-request/gocore/proxy"
)

// Routing requests through the session's proxies: the resolver picks the
// proxies for a URL (with fallbacks), the dialer reaches the target through
// one, and 407s become proxy logins (isProxy) whose credentials the session
// keeps per proxy.

// SetProxy replaces the session's proxy configuration (Electron's
// setProxy); idle connections are closed so the next requests follow it.
func (c *Client) SetProxy(cfg proxy.Config, opts ...proxy.Option) error {
	r, err := proxy.NewResolver(cfg, os.Getenv, opts...)
	if err != nil {
		return err
	}
	c.proxy.Store(r)
	c.CloseIdleConnections()
	return nil
}

// ResolveProxy returns Chromium's proxy string for target ("DIRECT",
// "PROXY host:port", ...), as session.resolveProxy does.
func (c *Client) ResolveProxy(ctx context.Context, target *url.URL) string {
	list, _ := c.proxiesFor(ctx, target)
	return proxy.FormatList(list)
}

// proxiesFor is the ordered list of ways to reach target. A PAC script
// that cannot answer yields DIRECT, as Chromium falls back.
func (c *Client) proxiesFor(ctx context.Context, target *url.URL) ([]proxy.Server, error) {
	r := c.proxy.Load()
	if r == nil {
		return []proxy.Server{proxy.Direct}, nil
	}
	list, err := r.Resolve(ctx, target)
	var pacErr *proxy.PACError
	if errors.As(err, &pacErr) || len(list) == 0 {
		return []proxy.Server{proxy.Direct}, nil
	}
	return list, err
}

// connKey names the connections of an origin reached one way.
func connKey(scheme, host, port string, via proxy.Server) string {
	key := scheme + "://" + net.JoinHostPort(host, port)
	if !via.IsDirect() {
		key += " via " + via.String()
	}
	return key
}

// proxyAuthKey is the auth-cache key of a proxy's credentials.
func proxyAuthKey(p proxy.Server, realm string) auth.Key {
	return auth.Key{Origin: p.Scheme + "://" + p.Addr(), Realm: realm, Proxy: true}
}

// proxyAuthorization is the Proxy-Authorization the session sends to p
// unasked: Basic credentials that worked with it before.
func (c *Client) proxyAuthorization(p proxy.Server, method, target string) string {
	if e := c.auth.Preemptive(p.Scheme+"://"+p.Addr(), "/", true); e != nil {
		return auth.Authorization(&e.Challenge, e.Cred, method, target)
	}
	return ""
}

// dialVia opens a connection to host:port through via (or directly),
// asking the host for proxy credentials when a CONNECT tunnel is refused
// with a 407, then speaks TLS for https.
func (x *Exchange) dialVia(via proxy.Server, scheme, host, port string) (*conn, error) {
	if via.IsDirect() {
		return x.client.dial(x.ctx, scheme, host, port, x.hostVerification)
	}
	d := &proxy.Dialer{Dial: x.client.dialer.DialContext, TLSConfig: x.client.tlsConfig.Load().Clone(), UserAgent: x.client.UserAgent(),
		VerifyTLS: func(cfg *tls.Config, host string) { verifyServerCertificates(cfg, hostForCertificate(host)) }}
	var nc net.Conn
	var err error
	switch {
	case via.Scheme == proxy.SchemeSOCKS5:
		nc, err = d.DialSOCKS5(x.ctx, via, host, port, nil)
	case via.Scheme == proxy.SchemeSOCKS4:
		nc, err = d.DialSOCKS4(x.ctx, via, host, port)
	case scheme == "http":
		// Plain http goes to the proxy itself, in absolute form.
		nc, err = d.DialProxy(x.ctx, via)
		if err != nil {
			return nil, err
		}
		c := newConn(nc, connKey(scheme, host, port, via), nil)
		c.httpProxy = &via
		return c, nil
	default:
		nc, err = x.tunnel(d, via, host, port)
	}
	if err != nil {
		return nil, err
	}
	if scheme != "https" {
		return newConn(nc, connKey(scheme, host, port, via), nil), nil
	}
	c, err := x.client.handshake(x.ctx, nc, host, port, x.hostVerification)
	if err != nil {
		return nil, err
	}
	c.key = connKey(scheme, host, port, via)
	return c, nil
}

// tunnel opens a CONNECT tunnel, answering 407s from the session's
// credentials or a login the host answers; a tunnel that stays refused is
// ERR_TUNNEL_CONNECTION_FAILED.
func (x *Exchange) tunnel(d *proxy.Dialer, via proxy.Server, host, port string) (net.Conn, error) {
	authority := net.JoinHostPort(host, port)
	proxyAuth := x.client.proxyAuthorization(via, "CONNECT", authority)
	login := auth.Login{FromCache: proxyAuth != "", TriedCache: proxyAuth != ""}
	for attempt := 0; attempt < maxLoginRounds; attempt++ {
		nc, refusal, err := d.DialConnect(x.ctx, via, host, port, proxyAuth)
		if err != nil {
			return nil, err
		}
		if refusal == nil {
			if login.Pending {
				x.client.auth.Store(login.Key, login.Sent)
			}
			return nc, nil
		}
		info, ok := refusal.AuthInfo(via)
		if !ok {
			return nil, neterr.New(neterr.TunnelConnectionFailed, errors.New("proxy asked for credentials it gave no way to send"))
		}
		ch := auth.Pick(refusal.Challenges)
		key := proxyAuthKey(via, info.Realm)
		var cred *auth.Credentials
		if e := x.client.auth.Lookup(key); e != nil && !login.TriedCache {
			login.TriedCache = true
			cred = &e.Cred
		} else {
			if login.FromCache && login.Sent == nil {
				x.client.auth.Forget(key) // cached credentials stopped working
			}
			if x.req.NoLogin {
				return nil, neterr.New(neterr.TunnelConnectionFailed, errors.New("proxy login not allowed (credentials: omit)"))
			}
			a, err := x.ask(askLogin, func() { x.sink.Login(&info) })
			if err != nil {
				return nil, err
			}
			cred = a.cred
		}
		if cred == nil {
			return nil, neterr.New(neterr.TunnelConnectionFailed, errors.New("proxy login declined"))
		}
		login.Answer(*ch, *cred, "/", key)
		proxyAuth = auth.Authorization(ch, *cred, "CONNECT", authority)
	}
	return nil, neterr.New(neterr.TunnelConnectionFailed, errors.New("proxy kept refusing the tunnel"))
}

// proxyLogin answers a plain-http proxy's 407 like login answers a 401: it
// reports whether to retry; false delivers the 407 as a response.
func (x *Exchange) proxyLogin(h *hop, c *conn, head *httpwire.ResponseHead, f httpwire.Framing) (bool, error) {
	ch := auth.Pick(auth.ParseChallenges(head.Headers, "Proxy-Authenticate"))
	if ch == nil || c.httpProxy == nil {
		return false, nil
	}
	via := *c.httpProxy
	key := proxyAuthKey(via, ch.Params["realm"])
	if h.proxyLogin.Sent != nil || h.proxyLogin.FromCache {
		x.client.auth.Forget(key) // what was just sent was refused: it is not kept
	}
	var cred *auth.Credentials
	if e := x.client.auth.Lookup(key); e != nil && !h.proxyLogin.TriedCache {
		h.proxyLogin.TriedCache = true
		cred = &e.Cred
	} else {
		if x.req.NoLogin {
			return false, nil
		}
		h.proxyLogin.TriedCache = true
		port, _ := strconv.Atoi(via.Port)
		info := &auth.Info{IsProxy: true, Scheme: ch.Scheme, Host: via.Host, Port: port, Realm: ch.Params["realm"]}
		var err error
		if cred, err = x.askLoginFor(c, info); err != nil {
			return false, err
		}
	}
	if cred == nil {
		return false, nil
	}
	if err := x.readyToRetry(h, c, f); err != nil {
		return false, err
	}
	// Kept by the session once the proxy accepts them (storeProxyAuth).
	h.proxyLogin.Answer(*ch, *cred, "/", key)
	return true, nil
}

// storeProxyAuth keeps the proxy credentials of the hop once an answer
// other than 407 shows the proxy took them. Unlike the server's, they stay
// pending: every accepted answer stores them again, so credentials another
// request forgot meanwhile come back.
func (x *Exchange) storeProxyAuth(h *hop, head *httpwire.ResponseHead) {
	if h.proxyLogin.Pending && head.StatusCode != 407 {
		x.client.auth.Store(h.proxyLogin.Key, h.proxyLogin.Sent)
	}
}

// absoluteTarget is the request target sent to an http proxy.
func absoluteTarget(u *url.URL) string {
	v := *u
	v.User, v.Fragment, v.RawFragment = nil, "", ""
	return strings.TrimSuffix(v.Scheme+"://"+v.Host, "/") + requestTarget(u)
}

// newConn wraps an open connection (no TLS, or TLS already done by the caller).
func newConn(nc net.Conn, key string, raw *bufferedConn) *conn {
	return &conn{
		nc:     nc,
		br:     bufio.NewReaderSize(nc, httpwire.BufferSize),
		bw:     bufio.NewWriterSize(nc, httpwire.BufferSize),
		key:    key,
		tlsRaw: raw,
	}
}

// handshake speaks TLS to host over nc.
func (c *Client) handshake(ctx context.Context, nc net.Conn, host, port string, configure func(*tls.Config, string)) (*conn, error) {
	cfg := c.tlsConfig.Load().Clone()
	cfg.ServerName = host
	verifyServerCertificates(cfg, hostForCertificate(host))
	if configure != nil {
		configure(cfg, hostForCertificate(host))
	}
	raw := &bufferedConn{Conn: nc, r: bufio.NewReaderSize(nc, tlsReadBuffer)}
	tc := tls.Client(raw, cfg)
	hctx, cancel := context.WithTimeout(ctx, c.opts.DialTimeout)
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
