package gocore

import (
	"context"
	"errors"
	"net"
	"net/url"
	"os"

	"github.com/go-net-request/go-net-request/gocore/auth"
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

// dialVia opens a connection for this exchange through via (or
// directly): a CONNECT tunnel's logins and, when the session asks for it,
// the certificate verdicts are the exchange's to answer.
func (x *Exchange) dialVia(via proxy.Server, scheme, host, port string) (*hopConn, error) {
	tunnel := func(d *proxy.Dialer) (net.Conn, error) { return x.tunnel(d, via, host, port) }
	c, err := x.client.dialer.DialVia(x.ctx, via, scheme, host, port, hostJudge{x}, tunnel)
	return wrapConn(c), err
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
