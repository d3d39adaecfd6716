package gocore

import (
	"bytes"
	"io"

	"github.com/go-net-request/go-net-request/gocore/httpwire"
	"github.com/go-net-request/go-net-request/gocore/internal/transport"
	"golang.org/x/net/http2"
)

// sendH2 sends the hop's request as one stream of cc and reads the final
// head; the returned Conn reads that stream's body.
func (x *Exchange) sendH2(cc *http2.ClientConn, key string, h *hop) (*hopConn, *httpwire.ResponseHead, error) {
	x.stopSender()
	target := *h.url
	target.User, target.Fragment, target.RawFragment = nil, "", ""
	headers := x.requestHeaders(h)
	if err := httpwire.CheckRequestHead(h.method, requestTarget(h.url), headers); err != nil {
		return nil, nil, err // the same guard as the HTTP/1.1 head writer's
	}
	r := &transport.H2Request{Method: h.method, URL: &target, Headers: headers, Priority: x.req.Priority}
	switch {
	case h.hasBody:
		r.Body, r.Length = io.NopCloser(bytes.NewReader(h.body)), int64(len(h.body))
	case h.streaming:
		r.Body, r.Length = io.NopCloser(&uploadReader{x: x}), -1
	}
	c, head, err := transport.RoundTripH2(x.ctx, cc, key, r)
	if err != nil {
		return nil, nil, err
	}
	if n := int64(len(h.body)); h.hasBody && n > 0 {
		x.sink.UploadProgress(n, n)
	}
	return wrapConn(c), head, nil
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
