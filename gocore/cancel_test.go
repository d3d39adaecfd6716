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

	"github.com/go-net-request/go-net-request/gocore/auth"
	"github.com/go-net-request/go-net-request/gocore/httpwire"
	"github.com/go-net-request/go-net-request/gocore/neterr"
	"github.com/go-net-request/go-net-request/internal/testkit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// requestSeen returns a raw handler that reads one request head, says so
// on the returned channel, writes reply and holds the connection until
// the test ends.
func requestSeen(t *testing.T, reply string) (func(net.Conn, *bufio.Reader), <-chan struct{}) {
	t.Helper()
	seen := make(chan struct{}, 1)
	return func(c net.Conn, br *bufio.Reader) {
		if _, err := readRawHead(br); err != nil {
			return
		}
		seen <- struct{}{}
		io.WriteString(c, reply)
		go io.Copy(io.Discard, br) // keep reading whatever the client sends
		<-t.Context().Done()
	}, seen
}

func TestExchangeCancelAtEveryStage(t *testing.T) {
	tests := []struct {
		name string
		// reach starts an exchange and returns once it is in the stage.
		reach func(t *testing.T) (*Exchange, *recorder)
	}{
		{"right after Start", func(t *testing.T) (*Exchange, *recorder) {
			serve, _ := requestSeen(t, "")
			srv := newRawServer(t, serve)
			rec := newRecorder()
			return start(t, newClient(t, Options{}), &Request{Method: "GET", URL: testkit.MustURL(t, srv.url)}, rec), rec
		}},
		{"during the TLS handshake", func(t *testing.T) (*Exchange, *recorder) {
			accepted := make(chan struct{}, 1)
			srv := newRawServer(t, func(c net.Conn, br *bufio.Reader) {
				accepted <- struct{}{}
				io.Copy(io.Discard, br) // the ClientHello, never answered
			})
			rec := newRecorder()
			x := start(t, newClient(t, Options{}), &Request{Method: "GET", URL: testkit.MustURL(t, strings.Replace(srv.url, "http:", "https:", 1))}, rec)
			testkit.Recv(t, accepted, "the connection")
			return x, rec
		}},
		{"awaiting the response head", func(t *testing.T) (*Exchange, *recorder) {
			serve, seen := requestSeen(t, "")
			srv := newRawServer(t, serve)
			rec := newRecorder()
			x := start(t, newClient(t, Options{}), &Request{Method: "GET", URL: testkit.MustURL(t, srv.url)}, rec)
			testkit.Recv(t, seen, "the request")
			return x, rec
		}},
		{"during the response body", func(t *testing.T) (*Exchange, *recorder) {
			serve, _ := requestSeen(t, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial")
			srv := newRawServer(t, serve)
			rec := newRecorder()
			x := start(t, newClient(t, Options{}), &Request{Method: "GET", URL: testkit.MustURL(t, srv.url)}, rec)
			rec.waitBody(t, int64(len("partial")))
			return x, rec
		}},
		{"waiting for credit", func(t *testing.T) (*Exchange, *recorder) {
			serve, _ := requestSeen(t, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"+strings.Repeat("c", 100))
			srv := newRawServer(t, serve)
			rec := newRecorder()
			x := start(t, newClient(t, Options{}), &Request{Method: "GET", URL: testkit.MustURL(t, srv.url), ResponseWindow: 10}, rec)
			rec.waitBody(t, 10)
			return x, rec
		}},
		{"during a streamed upload", func(t *testing.T) (*Exchange, *recorder) {
			serve, seen := requestSeen(t, "")
			srv := newRawServer(t, serve)
			rec := newRecorder()
			x := start(t, newClient(t, Options{}), &Request{Method: "POST", URL: testkit.MustURL(t, srv.url), BodyMode: BodyStreaming}, rec)
			x.WriteBody([]byte("some of the body"))
			testkit.Recv(t, seen, "the request")
			rec.waitKind(t, evUploadProgress)
			return x, rec
		}},
		{"while a large buffered body is sent", func(t *testing.T) (*Exchange, *recorder) {
			seen := make(chan struct{}, 1)
			srv := newRawServer(t, func(c net.Conn, br *bufio.Reader) {
				c.(*net.TCPConn).SetReadBuffer(16 << 10)
				if _, err := readRawHead(br); err != nil {
					return
				}
				seen <- struct{}{}
				<-t.Context().Done() // never reads the body
			})
			rec := newRecorder()
			body := bytes.Repeat([]byte("u"), 16<<20)
			x := start(t, newClient(t, Options{}), &Request{Method: "PUT", URL: testkit.MustURL(t, srv.url), BodyMode: BodyBuffered, Body: body}, rec)
			testkit.Recv(t, seen, "the request")
			return x, rec
		}},
		{"waiting for a manual redirect decision", func(t *testing.T) (*Exchange, *recorder) {
			srv, _ := redirectServer(t)
			rec := newRecorder()
			x := start(t, newClient(t, Options{}), &Request{Method: "GET", URL: testkit.MustURL(t, redirectURL(srv.URL, 302, "/echo")), Redirect: RedirectManual}, rec)
			rec.waitKind(t, evRedirect)
			return x, rec
		}},
		{"waiting for a login answer", func(t *testing.T) (*Exchange, *recorder) {
			srv := newAuthServer(t, "basic", "")
			rec := newRecorder()
			x := start(t, newClient(t, Options{}), &Request{Method: "GET", URL: testkit.MustURL(t, srv.URL)}, rec)
			rec.waitKind(t, evLogin)
			return x, rec
		}},
		{"inside the Response callback", func(t *testing.T) (*Exchange, *recorder) {
			serve, _ := requestSeen(t, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial")
			srv := newRawServer(t, serve)
			rec := newRecorder()
			rec.onResponse = func(x *Exchange, h *httpwire.ResponseHead) { x.Cancel(nil) }
			x := start(t, newClient(t, Options{}), &Request{Method: "GET", URL: testkit.MustURL(t, srv.url)}, rec)
			rec.waitKind(t, evResponse)
			return x, rec
		}},
		{"inside a Data callback", func(t *testing.T) (*Exchange, *recorder) {
			srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				for i := 0; i < 1000 && r.Context().Err() == nil; i++ {
					fmt.Fprintf(w, "line %d\n", i)
					w.(http.Flusher).Flush()
				}
			})
			rec := newRecorder()
			rec.onData = func(x *Exchange, p []byte) { x.Cancel(nil) }
			x := start(t, newClient(t, Options{}), &Request{Method: "GET", URL: testkit.MustURL(t, srv.URL)}, rec)
			rec.waitKind(t, evData)
			return x, rec
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x, rec := tt.reach(t)
			x.Cancel(nil)
			x.Cancel(neterr.New(neterr.TimedOut, nil)) // only the first cause counts
			evs := waitDone(t, x, rec)
			err := requireFail(t, evs, neterr.Aborted)
			assert.Equal(t, "net::ERR_ABORTED", err.Error())
			assert.Equal(t, 1, count(evs, evFail)+count(evs, evEnd), "exactly one terminal event: %v", kinds(evs))

			x.Cancel(nil)
			x.WriteBody([]byte("late"))
			x.EndBody()
			x.Grant(1 << 20)
			x.FollowRedirect(true)
			x.Login(&auth.Credentials{Username: "late", Password: "late"})
			assert.Len(t, rec.snapshot(), len(evs), "nothing after the terminal event")
		})
	}
}

func TestExchangeCancelReportsItsCause(t *testing.T) {
	serve, seen := requestSeen(t, "")
	srv := newRawServer(t, serve)
	rec := newRecorder()
	x := start(t, newClient(t, Options{}), &Request{Method: "GET", URL: testkit.MustURL(t, srv.url)}, rec)
	testkit.Recv(t, seen, "the request")
	x.Cancel(neterr.New(neterr.ConnectionAborted, nil))
	requireFail(t, waitDone(t, x, rec), neterr.ConnectionAborted)
}

func TestExchangeCancelAfterEndChangesNothing(t *testing.T) {
	srv, _ := captureServer(t)
	c := newClient(t, Options{})
	rec := newRecorder()
	x := start(t, c, &Request{Method: "GET", URL: testkit.MustURL(t, srv.url)}, rec)
	evs := waitDone(t, x, rec)
	requireEnd(t, evs)
	x.Cancel(nil)
	assert.Equal(t, kinds(evs), kinds(rec.snapshot()))
	assert.Equal(t, 1, c.IdleConnections(), "the finished exchange's connection stays usable")
	evs, _ = get(t, c, srv.url)
	assert.True(t, requireEnd(t, evs).Reused)
}

func TestExchangeCancelClosesTheConnection(t *testing.T) {
	seen := make(chan struct{}, 1)
	closed := make(chan struct{}, 1)
	srv := newRawServer(t, func(c net.Conn, br *bufio.Reader) {
		if _, err := readRawRequest(br); err != nil {
			return
		}
		seen <- struct{}{}
		io.Copy(io.Discard, br) // returns when the client closes
		closed <- struct{}{}
	})
	c := newClient(t, Options{})
	rec := newRecorder()
	x := start(t, c, &Request{Method: "GET", URL: testkit.MustURL(t, srv.url)}, rec)
	testkit.Recv(t, seen, "the request")
	x.Cancel(nil)
	requireFail(t, waitDone(t, x, rec), neterr.Aborted)
	testkit.Recv(t, closed, "the server to see the connection closed")
	assert.Zero(t, c.IdleConnections())
	require.Zero(t, c.Live())
}
