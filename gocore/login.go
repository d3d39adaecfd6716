package gocore

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/go-net-request/go-net-request/gocore/auth"
	"github.com/go-net-request/go-net-request/gocore/httpwire"
	"github.com/go-net-request/go-net-request/gocore/neterr"
	"github.com/go-net-request/go-net-request/gocore/proxy"
)

// maxLoginRounds caps the 401 and 407 answers one request retries with
// credentials (server and proxy logins together; a CONNECT tunnel counts its
// own), so a server that refuses every answer cannot loop forever; Chromium
// asks for as long as the app answers. 20, like redirects.
const maxLoginRounds = 20

// login answers a 401: from the URL's credentials, the session's cache, or
// the host. It reports whether to retry; false delivers the 401.
func (x *Exchange) login(h *hop, c *hopConn, head *httpwire.ResponseHead, f httpwire.Framing) (bool, error) {
	ch := auth.Pick(auth.ParseChallenges(head.Headers, "WWW-Authenticate"))
	if ch == nil {
		return false, nil
	}
	key := auth.Key{Origin: httpwire.Origin(h.url), Realm: ch.Params["realm"]}
	var cred *auth.Credentials
	switch {
	case !h.login.TriedURL && h.url.User != nil:
		h.login.TriedURL = true
		pass, _ := h.url.User.Password()
		cred = &auth.Credentials{Username: h.url.User.Username(), Password: pass}
	case !h.login.TriedCache && x.client.auth.Lookup(key) != nil:
		h.login.TriedCache = true
		cred = &x.client.auth.Lookup(key).Cred
	default:
		port := 0
		fmt.Sscanf(httpwire.Port(h.url), "%d", &port)
		info := &auth.Info{Scheme: ch.Scheme, Host: h.url.Hostname(), Port: port, Realm: ch.Params["realm"]}
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
	h.login.Answer(*ch, *cred, auth.PathBase(h.url.Path), key)
	return true, nil
}

// askLoginFor emits a login for info and waits for the host's answer; nil
// credentials cancel the login.
func (x *Exchange) askLoginFor(c *hopConn, info *auth.Info) (*auth.Credentials, error) {
	a, err := x.ask(askLogin, func() { x.sink.Login(info) })
	if err != nil {
		x.closeConn(c)
		return nil, err
	}
	return a.cred, nil
}

// readyToRetry drops a refused answer so the request can go again with
// credentials; a streamed body cannot be sent again.
func (x *Exchange) readyToRetry(h *hop, c *hopConn, f httpwire.Framing) error {
	if h.streaming {
		x.closeConn(c)
		return neterr.New(neterr.Failed, errors.New("a streamed body cannot be sent again for authentication"))
	}
	x.discard(c, f)
	return nil
}

// applyPreemptiveAuth sends cached Basic credentials for a URL below a path
// where they worked, saving the 401 round trip, as Chromium does.
func (x *Exchange) applyPreemptiveAuth(h *hop) {
	if h.login.Sent != nil || httpwire.HeaderIndex(h.header, "Authorization") >= 0 || x.req.NoLogin {
		return
	}
	if e := x.client.auth.Preemptive(httpwire.Origin(h.url), h.url.Path, false); e != nil {
		h.login.Sent = e
		h.login.Key = auth.Key{Origin: httpwire.Origin(h.url), Realm: e.Challenge.Params["realm"]}
		h.login.TriedCache = true
	}
}

// proxyLogin answers a plain-http proxy's 407 like login answers a 401: it
// reports whether to retry; false delivers the 407 as a response.
func (x *Exchange) proxyLogin(h *hop, c *hopConn, head *httpwire.ResponseHead, f httpwire.Framing) (bool, error) {
	ch := auth.Pick(auth.ParseChallenges(head.Headers, "Proxy-Authenticate"))
	if ch == nil || c.HTTPProxy == nil {
		return false, nil
	}
	via := *c.HTTPProxy
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

// settleLogin keeps or forgets the server credentials the hop sent, by
// the answer's status: a 401 to cached credentials forgets them, any other
// answer to new ones keeps them.
func (x *Exchange) settleLogin(h *hop, status int) {
	if h.login.Sent == nil {
		return
	}
	if status == 401 {
		if !h.login.Pending {
			x.client.auth.Forget(h.login.Key) // cached credentials stopped working
		}
	} else if h.login.Pending {
		x.client.auth.Store(h.login.Key, h.login.Sent)
		h.login.Pending = false
	}
}

// withProxyAuthorization adds to the headers of a request to the http
// proxy via the Proxy-Authorization the hop answers a 407 with, or else
// the one the session keeps for the proxy, unless the app set one.
func (x *Exchange) withProxyAuthorization(h *hop, via proxy.Server, target string, headers []httpwire.Header) []httpwire.Header {
	value := x.client.proxyAuthorization(via, h.method, target)
	sent := h.proxyLogin.Sent
	h.proxyLogin.FromCache = value != "" && sent == nil
	if sent != nil {
		value = auth.Authorization(&sent.Challenge, sent.Cred, h.method, target)
	}
	if value != "" && httpwire.ValidHeaderValue(value) && httpwire.HeaderIndex(headers, "Proxy-Authorization") < 0 {
		headers = append(headers, httpwire.Header{Name: "Proxy-Authorization", Value: value})
	}
	return headers
}
