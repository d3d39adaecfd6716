package transport

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/go-net-request/go-net-request/gocore/httpwire"
	"github.com/go-net-request/go-net-request/gocore/neterr"
	"golang.org/x/net/http2"
)

// An H2Request is one request to send as an HTTP/2 stream.
type H2Request struct {
	Method   string
	URL      *url.URL          // without credentials or fragment
	Headers  []httpwire.Header // as an HTTP/1.1 head would carry them; Host becomes :authority
	Priority string            // RFC 9218 Priority, sent unless Headers has one
	Body     io.ReadCloser     // nil when there is none
	Length   int64             // Body's length, -1 when unknown
}

// RoundTripH2 sends r as one stream of cc and reads the final head; the
// returned Conn (keyed key) reads that stream's body.
func RoundTripH2(ctx context.Context, cc *http2.ClientConn, key string, r *H2Request) (*Conn, *httpwire.ResponseHead, error) {
	// Built by hand: http.NewRequest would print and parse the URL again.
	req := (&http.Request{Method: r.Method, URL: r.URL, Host: r.URL.Host,
		Header: make(http.Header, len(r.Headers)+1)}).WithContext(ctx)
	if r.Body != nil {
		req.Body, req.ContentLength = r.Body, r.Length
	}
	for _, hd := range r.Headers {
		switch {
		case strings.EqualFold(hd.Name, "host"):
			req.Host = hd.Value
		case !h2Skipped(hd.Name):
			req.Header.Add(hd.Name, hd.Value)
		}
	}
	if r.Priority != "" && req.Header.Get("Priority") == "" && httpwire.ValidHeaderValue(r.Priority) {
		req.Header.Set("Priority", r.Priority) // RFC 9218, as Chromium sends it on HTTP/2
	}
	sentAt := time.Now()
	resp, err := cc.RoundTrip(req)
	if err != nil {
		return nil, nil, h2Failure(err)
	}
	headAt := time.Now()
	_, statusText, _ := strings.Cut(resp.Status, " ") // "200 OK": x/net writes the code, a space, the text
	head := &httpwire.ResponseHead{StatusCode: resp.StatusCode, Major: 2, Minor: 0, StatusText: statusText}
	names := make([]string, 0, len(resp.Header))
	for name := range resp.Header {
		names = append(names, name)
	}
	sort.Strings(names) // HTTP/2 gives no order we could keep
	for _, name := range names {
		for _, v := range resp.Header[name] {
			head.Headers = append(head.Headers, httpwire.Header{Name: lowerName(name), Value: v})
		}
	}
	size := h2StreamBuffer
	if resp.ContentLength > int64(size) && resp.ContentLength <= h2WholeMax {
		size = int(resp.ContentLength) // room for the whole body, delivered with the head
	}
	c := StreamConn(resp.Body, key, size)
	c.SentAt, c.FirstByteAt = sentAt, headAt
	return c, head, nil
}

// commonLowerNames are the lower-case forms of the response header names
// most servers send, so a response costs no allocation per name.
var commonLowerNames = func() map[string]string {
	m := map[string]string{}
	for _, name := range []string{"Accept-Ranges", "Access-Control-Allow-Origin", "Age", "Alt-Svc",
		"Cache-Control", "Content-Encoding", "Content-Language", "Content-Length", "Content-Security-Policy",
		"Content-Type", "Date", "Etag", "Expires", "Last-Modified", "Location", "Server", "Set-Cookie",
		"Strict-Transport-Security", "Vary", "Via", "X-Content-Type-Options", "X-Frame-Options"} {
		m[name] = strings.ToLower(name)
	}
	return m
}()

// lowerName lower-cases a canonical header name.
func lowerName(name string) string {
	if lower, ok := commonLowerNames[name]; ok {
		return lower
	}
	return strings.ToLower(name)
}

// h2Skipped reports the headers HTTP/2 forbids or carries elsewhere (Host
// becomes :authority).
func h2Skipped(name string) bool {
	for _, skip := range [...]string{"connection", "keep-alive", "transfer-encoding", "upgrade",
		"proxy-connection", "content-length"} {
		if strings.EqualFold(name, skip) {
			return true
		}
	}
	return false
}

// h2StreamBuffer sizes a stream's reader: the pump's large reads bypass it,
// so it only serves decoders' small reads. A connection-sized one per
// request made garbage enough to keep the GC busy at HTTP/2 request rates.
const h2StreamBuffer = 4 << 10

// h2WholeMax is the largest HTTP/2 body delivered with its head as one
// event (one DATA frame at the default frame size).
const h2WholeMax = 16 << 10

// h2Failure names an HTTP/2 round-trip failure.
func h2Failure(err error) error {
	var se http2.StreamError
	if errors.As(err, &se) {
		return neterr.New(neterr.HTTP2ProtocolError, err)
	}
	var ge http2.GoAwayError
	if errors.As(err, &ge) {
		return neterr.New(neterr.ConnectionClosed, err)
	}
	return err
}
