package gocore

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/go-net-request/go-net-request/gocore/httpwire"
	"github.com/go-net-request/go-net-request/gocore/internal/transport"
	"github.com/go-net-request/go-net-request/gocore/neterr"
	"golang.org/x/net/http2"
)

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

// sendH2 sends the hop's request as one stream of cc and reads the final
// head; the returned Conn reads that stream's body.
func (x *Exchange) sendH2(cc *http2.ClientConn, key string, h *hop) (*transport.Conn, *httpwire.ResponseHead, error) {
	x.stopSender()
	target := *h.url
	target.User, target.Fragment, target.RawFragment = nil, "", ""
	headers := x.requestHeaders(h)
	if err := httpwire.CheckRequestHead(h.method, requestTarget(h.url), headers); err != nil {
		return nil, nil, err // the same guard as the HTTP/1.1 head writer's
	}
	// Built by hand: http.NewRequest would print and parse the URL again.
	req := (&http.Request{Method: h.method, URL: &target, Host: target.Host,
		Header: make(http.Header, len(headers)+1)}).WithContext(x.ctx)
	switch {
	case h.hasBody:
		req.Body, req.ContentLength = io.NopCloser(bytes.NewReader(h.body)), int64(len(h.body))
	case h.streaming:
		req.Body, req.ContentLength = io.NopCloser(&uploadReader{x: x}), -1
	}
	for _, hd := range headers {
		switch {
		case strings.EqualFold(hd.Name, "host"):
			req.Host = hd.Value
		case !h2Skipped(hd.Name):
			req.Header.Add(hd.Name, hd.Value)
		}
	}
	if x.req.Priority != "" && req.Header.Get("Priority") == "" && httpwire.ValidHeaderValue(x.req.Priority) {
		req.Header.Set("Priority", x.req.Priority) // RFC 9218, as Chromium sends it on HTTP/2
	}
	sentAt := time.Now()
	resp, err := cc.RoundTrip(req)
	if err != nil {
		return nil, nil, h2Failure(err)
	}
	headAt := time.Now()
	if n := int64(len(h.body)); h.hasBody && n > 0 {
		x.sink.UploadProgress(n, n)
	}
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
		size = int(resp.ContentLength) // room for the whole body: see awaitH2Body
	}
	c := transport.StreamConn(resp.Body, key, size)
	c.SentAt, c.FirstByteAt = sentAt, headAt
	return c, head, nil
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

// uploadReader feeds a streamed body to an HTTP/2 stream.
type uploadReader struct {
	x       *Exchange
	pending []uploadChunk // taken from the pipe, not all copied yet
	off     int           // into pending[0]
	ended   bool
	sent    int64
}

func (u *uploadReader) Read(p []byte) (int, error) {
	for len(u.pending) == 0 {
		if u.ended {
			return 0, io.EOF
		}
		chunks, ended, err := u.x.upload.next(u.x.ctx)
		if err != nil {
			return 0, err
		}
		u.pending, u.ended = chunks, ended
	}
	n := copy(p, u.pending[0].p[u.off:])
	u.off += n
	if u.off == len(u.pending[0].p) {
		u.x.upload.sent(u.pending[:1])
		u.pending, u.off = u.pending[1:], 0
	}
	u.sent += int64(n)
	u.x.progress()
	u.x.sink.UploadProgress(u.sent, 0)
	return n, nil
}
