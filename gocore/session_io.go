package gocore

import (
	"bytes"
	"io"
	"strings"
	"time"

	"github.com/go-net-request/go-net-request/gocore/httpcache"
	"github.com/go-net-request/go-net-request/gocore/httpwire"
	"github.com/go-net-request/go-net-request/gocore/neterr"
)

// CacheMode is a request's cache mode, as fetch and Chromium name them.
type CacheMode int

// The cache modes.
const (
	CacheDefault      CacheMode = iota // fresh entries served, stale ones revalidated
	CacheNoStore                       // the cache is neither read nor written
	CacheReload                        // always the network; the answer is stored
	CacheNoCache                       // every stored answer is revalidated first
	CacheForceCache                    // any stored answer, however stale
	CacheOnlyIfCached                  // only a stored answer; a miss is ERR_CACHE_MISS
)

// maxCachedBody is the largest body the exchange keeps for the cache.
const maxCachedBody = 8 << 20

// cacheFor returns the cache this hop may use, or nil.
func (x *Exchange) cacheFor(h *hop) *httpcache.Cache {
	c := x.client.cache
	if c == nil || x.client.cacheOff.Load() || h.method != "GET" || x.req.CacheMode == CacheNoStore {
		return nil
	}
	return c
}

// consultCache decides, before the network, what the cache does for this
// hop: serve a stored answer (served), revalidate one (h.revalidating is
// set and the conditional headers go out), or nothing.
func (x *Exchange) consultCache(h *hop) (served bool, err error) {
	h.revalidating = nil
	cache := x.cacheFor(h)
	if cache == nil || x.req.CacheMode == CacheReload {
		return false, nil
	}
	entry := cache.Lookup("GET", h.url, h.header)
	mode := x.req.CacheMode
	switch {
	case entry == nil && mode == CacheOnlyIfCached:
		return false, neterr.New(neterr.CacheMiss, nil)
	case entry == nil:
		return false, nil
	case mode == CacheForceCache || mode == CacheOnlyIfCached:
		return true, x.deliverCached(h, entry)
	case mode == CacheDefault && entry.Fresh(time.Now(), h.header):
		return true, x.deliverCached(h, entry)
	}
	etag, lastModified := entry.Validators()
	if etag == "" && lastModified == "" {
		return false, nil
	}
	h.revalidating = entry
	return false, nil
}

// conditionalHeaders are what a revalidation adds to the hop's head.
func conditionalHeaders(h *hop) []httpwire.Header {
	if h.revalidating == nil {
		return nil
	}
	var hs []httpwire.Header
	etag, lastModified := h.revalidating.Validators()
	if etag != "" && httpwire.HeaderIndex(h.header, "If-None-Match") < 0 {
		hs = append(hs, httpwire.Header{Name: "If-None-Match", Value: etag})
	}
	if lastModified != "" && httpwire.HeaderIndex(h.header, "If-Modified-Since") < 0 {
		hs = append(hs, httpwire.Header{Name: "If-Modified-Since", Value: lastModified})
	}
	return hs
}

// deliverCached answers from a stored response, decoded and paced like a
// network one, marked FromCache.
func (x *Exchange) deliverCached(h *hop, entry *httpcache.Entry) error {
	head := *entry.Head
	head.Headers = append([]httpwire.Header(nil), entry.Head.Headers...)
	head.URL = displayURL(h.url)
	head.FromCache = true
	head.Reused = false
	if httpwire.HeaderIndex(head.Headers, "Content-Encoding") < 0 && len(entry.Body) <= httpwire.BufferSize && x.credit.take(int64(len(entry.Body))) {
		head.Body, head.Complete = entry.Body, true
		x.sink.Response(&head)
		return nil
	}
	body := httpwire.NewDecodedBody(bytes.NewReader(entry.Body), head.Headers)
	defer body.Close()
	x.sink.Response(&head)
	return x.pumpBody(nil, httpwire.Framing{Length: int64(len(entry.Body))}, body, nil)
}

// storeCookies hands a response's Set-Cookie headers to the session's jar.
func (x *Exchange) storeCookies(h *hop, head *httpwire.ResponseHead) {
	jar := x.client.jar
	if jar == nil || !x.req.Cookies {
		return
	}
	var values []string
	for _, hd := range head.Headers {
		if strings.EqualFold(hd.Name, "Set-Cookie") {
			values = append(values, hd.Value)
		}
	}
	if len(values) > 0 {
		jar.SetFromResponse(h.url, values, x.crossSiteForCookies(h))
	}
}

// crossSiteForCookies is the hop's SameSite cookie context: cross-site
// unless its URL is one site with the request's first URL and initiator.
func (x *Exchange) crossSiteForCookies(h *hop) bool {
	return crossSiteForCookies(x.req.URL, x.req.Initiator, h.url)
}

// cookieHeader is the Cookie header the hop carries from the jar, or "".
func (x *Exchange) cookieHeader(h *hop) string {
	jar := x.client.jar
	if jar == nil || !x.req.Cookies || httpwire.HeaderIndex(h.header, "Cookie") >= 0 {
		return ""
	}
	return jar.CookieHeader(h.url, x.crossSiteForCookies(h))
}

// cacheTee keeps a copy of the raw body for the cache, giving up past
// maxCachedBody; done stores it once the body is complete.
type cacheTee struct {
	r        io.Reader
	buf      bytes.Buffer
	overflow bool
}

func (t *cacheTee) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if n > 0 && !t.overflow {
		if t.buf.Len()+n > maxCachedBody {
			t.overflow = true
			t.buf = bytes.Buffer{}
		} else {
			t.buf.Write(p[:n])
		}
	}
	return n, err
}
