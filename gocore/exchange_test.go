package gocore

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/go-net-request/go-net-request/gocore/httpwire"
	"github.com/go-net-request/go-net-request/internal/testkit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestExchangeGetDeliversHeadAndBody(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Answer", "42")
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, "hello, "+r.URL.RequestURI())
	})
	c := newClient(t, Options{})
	evs, rec := get(t, c, srv.URL+"/a/b?c=d")

	head := requireEnd(t, evs)
	assert.Equal(t, []string{evResponse, evData + "*", evEnd}, kinds(evs))
	assert.Equal(t, 201, head.StatusCode)
	assert.Equal(t, "Created", head.StatusText)
	assert.Equal(t, 1, head.Major)
	assert.Equal(t, 1, head.Minor)
	assert.Equal(t, srv.URL+"/a/b?c=d", head.URL)
	assert.False(t, head.Reused, "the first request on a new connection")
	assert.Equal(t, "42", httpwire.HeaderValue(head.Headers, "X-Answer"))
	body, n := rec.received()
	assert.Equal(t, "hello, /a/b?c=d", body)
	assert.EqualValues(t, len(body), n)
	assert.Zero(t, c.Live(), "no exchange in flight once done")
}

func TestExchangeReportsTheRawResponseHead(t *testing.T) {
	srv := newRawServer(t, respondWith("HTTP/1.1 200 Fine Thanks\r\n"+
		"x-lower: a\r\nX-UPPER: B\r\nSet-Cookie: a=1\r\nset-cookie: b=2\r\nX-Dup: 1\r\nX-Dup: 2\r\nContent-Length: 2\r\n\r\nok"))
	c := newClient(t, Options{})
	evs, rec := get(t, c, srv.url)
	head := requireEnd(t, evs)
	assert.Equal(t, "Fine Thanks", head.StatusText)
	assert.Equal(t, []httpwire.Header{
		{Name: "x-lower", Value: "a"}, {Name: "X-UPPER", Value: "B"}, {Name: "Set-Cookie", Value: "a=1"}, {Name: "set-cookie", Value: "b=2"},
		{Name: "X-Dup", Value: "1"}, {Name: "X-Dup", Value: "2"}, {Name: "Content-Length", Value: "2"},
	}, head.Headers)
	body, _ := rec.received()
	assert.Equal(t, "ok", body)
}

func TestExchangeHTTP10ResponseRunningToClose(t *testing.T) {
	srv := newRawServer(t, respondWith("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the connection closes"))
	c := newClient(t, Options{})
	evs, rec := get(t, c, srv.url)
	head := requireEnd(t, evs)
	assert.Equal(t, 0, head.Minor)
	body, _ := rec.received()
	assert.Equal(t, "until the connection closes", body)
	assert.Zero(t, c.IdleConnections(), "a body delimited by close leaves nothing to reuse")
}

func TestExchangeSkipsInterimResponses(t *testing.T) {
	srv := newRawServer(t, respondWith("HTTP/1.1 100 Continue\r\n\r\n"+
		"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"+
		"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nfina"))
	c := newClient(t, Options{})
	evs, rec := get(t, c, srv.url)
	head := requireEnd(t, evs)
	assert.Equal(t, 200, head.StatusCode)
	assert.Equal(t, []httpwire.Header{{Name: "Content-Length", Value: "4"}}, head.Headers, "interim heads are not merged in")
	body, _ := rec.received()
	assert.Equal(t, "fina", body)
}

func TestExchangeNoBodyResponses(t *testing.T) {
	tests := []struct {
		name   string
		method string
		status int
	}{
		{"HEAD", "HEAD", 200},
		{"204", "GET", 204},
		{"304", "GET", 304},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/next" {
					io.WriteString(w, "next")
					return
				}
				w.Header().Set("Content-Length", "1000")
				w.WriteHeader(tt.status)
			})
			c := newClient(t, Options{})
			rec := newRecorder()
			evs := run(t, c, &Request{Method: tt.method, URL: testkit.MustURL(t, srv.URL)}, rec)
			head := requireEnd(t, evs)
			assert.Equal(t, tt.status, head.StatusCode)
			assert.Equal(t, []string{evResponse, evEnd}, kinds(evs))
			assert.Equal(t, 1, c.IdleConnections(), "the connection is kept: no body was left unread")

			evs, _ = get(t, c, srv.URL+"/next")
			assert.True(t, requireEnd(t, evs).Reused, "the next request reuses it")
		})
	}
}

func TestExchangeBufferedBodyIsSentWithContentLength(t *testing.T) {
	srv, reqs := captureServer(t)
	c := newClient(t, Options{})
	rec := newRecorder()
	req := &Request{Method: "POST", URL: testkit.MustURL(t, srv.url+"/submit"), Header: []httpwire.Header{{Name: "Content-Type", Value: "text/plain"}},
		BodyMode: BodyBuffered, Body: []byte("hello body")}
	evs := run(t, c, req, rec)
	requireEnd(t, evs)

	got := testkit.Recv(t, reqs, "the request")
	assert.Equal(t, "POST", got.method)
	assert.Equal(t, "/submit", got.target)
	assert.Equal(t, "10", got.header("Content-Length"))
	assert.Empty(t, got.header("Transfer-Encoding"))
	assert.Equal(t, "hello body", string(got.body))
	progress := ofKind(evs, evUploadProgress)
	require.NotEmpty(t, progress)
	assert.EqualValues(t, 10, progress[len(progress)-1].position)
	assert.EqualValues(t, 10, progress[len(progress)-1].total)
	assert.Less(t, indexOf(evs, evUploadProgress), indexOf(evs, evResponse), "the upload is reported before the response")
}

func TestExchangeLargeBufferedBodyReportsProgress(t *testing.T) {
	body := bytes.Repeat([]byte("0123456789abcdef"), 300<<10/16) // 300 KiB: sent by the body sender
	got := make(chan []byte, 1)
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- b
		fmt.Fprint(w, len(b))
	})
	c := newClient(t, Options{})
	rec := newRecorder()
	evs := run(t, c, &Request{Method: "PUT", URL: testkit.MustURL(t, srv.URL), BodyMode: BodyBuffered, Body: body}, rec)
	requireEnd(t, evs)
	assert.True(t, bytes.Equal(body, testkit.Recv(t, got, "the body")), "the server got the body intact")

	progress := ofKind(evs, evUploadProgress)
	require.Greater(t, len(progress), 1, "a large body is reported as it goes")
	var last int64
	for _, p := range progress {
		assert.Greater(t, p.position, last, "positions grow")
		assert.EqualValues(t, len(body), p.total)
		last = p.position
	}
	assert.EqualValues(t, len(body), last)
}

func TestExchangeStreamedBodyIsChunked(t *testing.T) {
	srv, reqs := captureServer(t)
	c := newClient(t, Options{})
	rec := newRecorder()
	x := start(t, c, &Request{Method: "POST", URL: testkit.MustURL(t, srv.url), BodyMode: BodyStreaming}, rec)
	parts := []string{"first,", "", "second,", strings.Repeat("x", 100<<10), "last"}
	for _, p := range parts {
		assert.True(t, x.WriteBody([]byte(p)), "far below the window")
	}
	x.EndBody()
	evs := waitDone(t, x, rec)
	requireEnd(t, evs)

	got := testkit.Recv(t, reqs, "the request")
	assert.True(t, got.chunked)
	assert.Equal(t, "chunked", got.header("Transfer-Encoding"))
	assert.Empty(t, got.header("Content-Length"))
	assert.Equal(t, strings.Join(parts, ""), string(got.body))
	progress := ofKind(evs, evUploadProgress)
	require.NotEmpty(t, progress)
	assert.EqualValues(t, len(strings.Join(parts, "")), progress[len(progress)-1].position)
}

func TestExchangeStreamedBodyEndedBeforeStart(t *testing.T) {
	srv, reqs := captureServer(t)
	c := newClient(t, Options{})
	rec := newRecorder()
	x := start(t, c, &Request{Method: "POST", URL: testkit.MustURL(t, srv.url), BodyMode: BodyStreaming}, rec)
	x.EndBody()
	assert.True(t, x.WriteBody([]byte("after the end")), "ignored, never blocks")
	requireEnd(t, waitDone(t, x, rec))
	got := testkit.Recv(t, reqs, "the request")
	assert.True(t, got.chunked)
	assert.Empty(t, got.body)
}

func TestExchangeWriteBodyWithoutStreamingIsIgnored(t *testing.T) {
	srv, reqs := captureServer(t)
	c := newClient(t, Options{})
	rec := newRecorder()
	x := start(t, c, &Request{Method: "GET", URL: testkit.MustURL(t, srv.url)}, rec)
	assert.True(t, x.WriteBody([]byte("nowhere")))
	x.EndBody()
	requireEnd(t, waitDone(t, x, rec))
	got := testkit.Recv(t, reqs, "the request")
	assert.Empty(t, got.body)
	assert.Empty(t, got.header("Transfer-Encoding"))
}

func TestExchangeStreamsTheResponseBodyAsItArrives(t *testing.T) {
	next := make(chan struct{})
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "part one;")
		w.(http.Flusher).Flush()
		select {
		case <-next:
		case <-r.Context().Done():
			return
		}
		io.WriteString(w, "part two")
	})
	c := newClient(t, Options{})
	rec := newRecorder()
	x := start(t, c, &Request{Method: "GET", URL: testkit.MustURL(t, srv.URL)}, rec)
	rec.waitBody(t, int64(len("part one;")))
	body, _ := rec.received()
	assert.Equal(t, "part one;", body, "the first part is delivered before the server sends the second")
	close(next)
	requireEnd(t, waitDone(t, x, rec))
	body, _ = rec.received()
	assert.Equal(t, "part one;part two", body)
}

func TestExchangeDecodesTheBodyAndReportsTheHeadAsReceived(t *testing.T) {
	tests := []struct {
		coding  string
		encoded []byte
	}{
		{"gzip", testkit.EncodeAll(t, testkit.Sample, "gzip")},
		{"deflate", testkit.EncodeAll(t, testkit.Sample, "zlib")},
		{"br", testkit.EncodeAll(t, testkit.Sample, "br")},
		{"zstd", testkit.EncodeAll(t, testkit.Sample, "zstd")},
		{"gzip, br", testkit.EncodeAll(t, testkit.Sample, "gzip", "br")},
	}
	for _, tt := range tests {
		t.Run(tt.coding, func(t *testing.T) {
			srv := newRawServer(t, respondWith(fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Encoding: %s\r\nContent-Length: %d\r\n\r\n%s",
				tt.coding, len(tt.encoded), tt.encoded)))
			c := newClient(t, Options{})
			evs, rec := get(t, c, srv.url)
			head := requireEnd(t, evs)
			assert.Equal(t, tt.coding, httpwire.HeaderValue(head.Headers, "Content-Encoding"))
			assert.Equal(t, fmt.Sprint(len(tt.encoded)), httpwire.HeaderValue(head.Headers, "Content-Length"), "the length as received, not decoded")
			body, _ := rec.received()
			assert.True(t, body == string(testkit.Sample), "decoded %d bytes, want %d", len(body), len(testkit.Sample))
		})
	}
}

func TestExchangeSmallResponseWindowPacesData(t *testing.T) {
	srv := newRawServer(t, respondWith("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789"))
	c := newClient(t, Options{})
	rec := newRecorder()
	x := start(t, c, &Request{Method: "GET", URL: testkit.MustURL(t, srv.url), ResponseWindow: 3}, rec)
	rec.waitBody(t, 3)
	body, _ := rec.received()
	assert.Equal(t, "012", body, "no more than the window")
	x.Grant(4)
	rec.waitBody(t, 7)
	body, _ = rec.received()
	assert.Equal(t, "0123456", body, "no more than the window and the grant")
	x.Grant(100)
	requireEnd(t, waitDone(t, x, rec))
	body, _ = rec.received()
	assert.Equal(t, "0123456789", body)
}

func TestExchangeRequestTarget(t *testing.T) {
	tests := []struct {
		url  string
		want string
	}{
		{"/", "/"},
		{"", "/"},
		{"?q=1", "/?q=1"},
		{"/a/b?c=d&e=%20f", "/a/b?c=d&e=%20f"},
		{"/a%2Fb", "/a%2Fb"},
		{"/with%20space", "/with%20space"},
		{"/caf\u00e9", "/caf%C3%A9"},
		{"/page#fragment", "/page"},
	}
	srv, reqs := captureServer(t)
	c := newClient(t, Options{})
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			requireEnd(t, run(t, c, &Request{Method: "GET", URL: testkit.MustURL(t, srv.url+tt.url)}, newRecorder()))
			assert.Equal(t, tt.want, testkit.Recv(t, reqs, "the request").target)
		})
	}
}

// A server may answer before the streamed body ends; the response is
// delivered and the exchange ends without waiting for EndBody.
func TestExchangeEarlyResponseToAStreamedUpload(t *testing.T) {
	srv := newRawServer(t, func(c net.Conn, br *bufio.Reader) {
		if _, err := readRawHead(br); err != nil {
			return
		}
		io.WriteString(c, "HTTP/1.1 413 Payload Too Large\r\nContent-Length: 5\r\n\r\nearly")
		io.Copy(io.Discard, br)
	})
	c := newClient(t, Options{})
	rec := newRecorder()
	x := start(t, c, &Request{Method: "POST", URL: testkit.MustURL(t, srv.url), BodyMode: BodyStreaming}, rec)
	x.WriteBody([]byte("the start of a long upload"))
	evs := waitDone(t, x, rec)
	assert.Equal(t, 413, requireEnd(t, evs).StatusCode)
	body, _ := rec.received()
	assert.Equal(t, "early", body)
	assert.Zero(t, c.IdleConnections(), "a connection with an unfinished upload is not reused")
	x.WriteBody([]byte("late")) // after the end: must not block or panic
	x.EndBody()
}
