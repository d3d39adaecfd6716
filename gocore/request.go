package gocore

import (
	"net/url"
	"strings"
	"time"

	"github.com/go-net-request/go-net-request/gocore/httpwire"
	"github.com/go-net-request/go-net-request/gocore/neterr"
)

// RedirectMode is the request's redirect policy.
type RedirectMode int

// The redirect policies of Electron's net.request.
const (
	RedirectFollow RedirectMode = iota // follow, reporting each hop
	RedirectError                      // fail on the first redirect
	RedirectManual                     // report each hop and wait for the host's decision
)

// BodyMode says how the request body reaches the engine.
type BodyMode int

// The body modes.
const (
	BodyNone      BodyMode = iota // no body
	BodyBuffered                  // Request.Body, sent with Content-Length and replayable
	BodyStreaming                 // written through Exchange.WriteBody, sent chunked, not replayable
)

// Request is what the host asks for. The engine never changes it; the
// per-hop state (URL, method, body) lives in the exchange.
type Request struct {
	Method   string
	URL      *url.URL
	Header   []httpwire.Header // in the order the app set them, names as given
	BodyMode BodyMode
	Body     []byte // BodyBuffered only
	Redirect RedirectMode
	// NoLogin suppresses login events (credentials: 'omit').
	NoLogin bool
	// ResponseWindow is the body credit granted up front, in bytes.
	ResponseWindow int64
	// Cookies sends the session's cookies and stores Set-Cookie answers.
	Cookies bool
	// CacheMode says how the session's HTTP cache is used (GET only).
	CacheMode CacheMode
	// ReferrerPolicy filters the app's Referer header on every hop ("" is
	// strict-origin-when-cross-origin).
	ReferrerPolicy string
	// Priority is the RFC 9218 priority field value sent on HTTP/2 ("" for none).
	Priority string
	// Initiator is the origin of whoever makes the request ("" for none):
	// the origin option, else an Origin header.
	Initiator string
	// Timeout, when positive, fails the exchange with ERR_TIMED_OUT when no
	// progress is made for that long (an addition; Electron has none).
	Timeout time.Duration
}

// restrictedHeaders are the request headers Chromium refuses from callers.
var restrictedHeaders = map[string]bool{
	"content-length":    true,
	"host":              true,
	"trailer":           true,
	"te":                true,
	"upgrade":           true,
	"cookie2":           true,
	"keep-alive":        true,
	"transfer-encoding": true,
}

// Validate checks what the host cannot check cheaply: restricted headers,
// header syntax (the last defence against injection) and the URL.
func (r *Request) Validate() *neterr.Error {
	if r.URL == nil || (r.URL.Scheme != "http" && r.URL.Scheme != "https") || r.URL.Host == "" {
		return neterr.New(neterr.InvalidURL, nil)
	}
	if !httpwire.ValidToken(r.Method) {
		return neterr.New(neterr.InvalidArgument, nil)
	}
	for _, h := range r.Header {
		lower := strings.ToLower(h.Name)
		if restrictedHeaders[lower] ||
			(lower == "connection" && strings.EqualFold(strings.TrimSpace(h.Value), "upgrade")) {
			return &neterr.Error{Name: neterr.InvalidArgument, Header: h.Name}
		}
		if !httpwire.ValidToken(h.Name) || !httpwire.ValidHeaderValue(h.Value) {
			return &neterr.Error{Name: neterr.InvalidArgument, Header: h.Name}
		}
	}
	return nil
}
