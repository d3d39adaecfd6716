package gocore

import (
	"net/url"
	"slices"
	"time"

	"github.com/go-net-request/go-net-request/gocore/auth"
	"github.com/go-net-request/go-net-request/gocore/httpcache"
	"github.com/go-net-request/go-net-request/gocore/httpwire"
)

// hop is the per-hop state of the request: what redirects and logins change.
type hop struct {
	method       string
	url          *url.URL
	header       []httpwire.Header
	body         []byte // buffered body, replayable
	hasBody      bool
	streaming    bool
	login        auth.Login       // with the server: 401s and Authorization
	proxyLogin   auth.Login       // with a plain-http proxy: 407s and Proxy-Authorization
	revalidating *httpcache.Entry // the stored answer a conditional request revalidates
	sentAt       time.Time        // when this hop's request went out (cache ages)
	fetchSite    string           // Sec-Fetch-Site over the URL chain so far; "" before the first
}

// firstHop is the request as the host made it.
func (x *Exchange) firstHop() *hop {
	u := *x.req.URL
	return &hop{
		method:    x.req.Method,
		url:       &u,
		header:    x.req.Header,
		body:      x.req.Body,
		hasBody:   x.req.BodyMode == BodyBuffered,
		streaming: x.req.BodyMode == BodyStreaming,
	}
}

// loop runs the request's hops: each is answered from the cache or sent,
// then followed (redirect), retried (login) or delivered.
func (x *Exchange) loop() error {
	if err := x.req.Validate(); err != nil {
		return err
	}
	h := x.firstHop()
	redirects := 0
	logins := 0
	for {
		x.applyPreemptiveAuth(h)
		if served, err := x.consultCache(h); served || err != nil {
			return err
		}
		h.sentAt = time.Now()
		c, head, err := x.roundTrip(h)
		if err != nil {
			return err
		}
		x.storeCookies(h, head)
		f, ferr := httpwire.FrameResponse(h.method, head)
		if ferr != nil {
			x.closeConn(c)
			return ferr
		}
		head.URL = displayURL(h.url)

		if wantsClose(h.header) {
			f.KeepAlive = false // the app asked for this connection to close
		}
		if c.earlyAnswer {
			// The answer began before the whole body went out: whatever the
			// server does with the rest, this connection is not reused.
			f.KeepAlive = false
		}

		x.settleLogin(h, head.StatusCode)

		if loc := httpwire.HeaderValue(head.Headers, "Location"); isRedirect(head.StatusCode) && loc != "" {
			redirects++
			if err := x.redirect(h, c, head, f, loc, redirects); err != nil {
				return err
			}
			continue
		}
		if h.revalidating != nil && head.StatusCode == 304 {
			entry := x.client.cache.Update(h.revalidating, head, h.sentAt, time.Now())
			x.discard(c, f)
			return x.deliverCached(h, entry)
		}
		if c.HTTPProxy != nil {
			x.storeProxyAuth(h, head)
		}
		if head.StatusCode == 407 && c.HTTPProxy != nil && logins < maxLoginRounds {
			retry, err := x.proxyLogin(h, c, head, f)
			if err != nil {
				return err
			}
			if retry {
				logins++
				continue
			}
		}
		if head.StatusCode == 401 && !x.req.NoLogin && logins < maxLoginRounds {
			retry, err := x.login(h, c, head, f)
			if err != nil {
				return err
			}
			if retry {
				logins++
				continue
			}
		}
		if cache := x.client.cache; cache != nil && h.method != "GET" && h.method != "HEAD" {
			cache.InvalidateUnsafe(h.method, h.url, head)
		}
		return x.deliver(c, head, f, h)
	}
}

// wantsClose reports whether the app's headers ask to close the connection.
func wantsClose(hs []httpwire.Header) bool {
	return slices.Contains(httpwire.ConnectionTokens(hs), "close")
}
