package gocore

import (
	"bufio"
	"bytes"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/go-net-request/go-net-request/gocore/httpwire"
	"github.com/go-net-request/go-net-request/internal/testkit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const okResponse = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"

func TestExchangeReusesKeepAliveConnections(t *testing.T) {
	tests := []struct {
		name string
		tls  bool
	}{
		{"http", false},
		{"https", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.WriteString(w, "hello")
			}))
			srv.Config.ErrorLog = quietLog
			conns := countConns(srv)
			opts := Options{}
			if tt.tls {
				srv.StartTLS()
				opts.RootCAs = tlsPool(srv)
			} else {
				srv.Start()
			}
			t.Cleanup(srv.Close)
			c := newClient(t, opts)

			for i := range 3 {
				evs, rec := get(t, c, srv.URL)
				head := requireEnd(t, evs)
				assert.Equal(t, i > 0, head.Reused, "request %d", i)
				body, _ := rec.received()
				assert.Equal(t, "hello", body)
				assert.Equal(t, 1, c.IdleConnections(), "the connection is back in the pool")
			}
			assert.EqualValues(t, 1, conns.Load(), "the server saw one connection")
		})
	}
}

func TestExchangeDoesNotReuseConnectionsTheServerCloses(t *testing.T) {
	tests := []struct {
		name       string
		response   string
		closeAfter bool // the server really closes; otherwise it would serve more
	}{
		{"Connection: close", "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok", false},
		{"HTTP/1.0 without keep-alive", "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", false},
		{"body delimited by close", "HTTP/1.1 200 OK\r\n\r\nok", true},
		{"101 Switching Protocols", "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: foo\r\n\r\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newRawServer(t, func(c net.Conn, br *bufio.Reader) {
				for {
					if _, err := readRawRequest(br); err != nil {
						return
					}
					io.WriteString(c, tt.response)
					if tt.closeAfter {
						return
					}
				}
			})
			c := newClient(t, Options{})
			for range 2 {
				evs, rec := get(t, c, srv.url)
				head := requireEnd(t, evs)
				assert.False(t, head.Reused)
				if head.StatusCode == 200 {
					body, _ := rec.received()
					assert.Equal(t, "ok", body)
				}
				assert.Zero(t, c.IdleConnections())
			}
			assert.EqualValues(t, 2, srv.conns.Load())
		})
	}
}

// A server may close an idle keep-alive connection just as the next
// request goes out on it; the request is retried on a new connection.
func TestExchangeRetriesWhenAReusedConnectionWasClosed(t *testing.T) {
	large := bytes.Repeat([]byte("L"), 200<<10)
	tests := []struct {
		name string
		req  func(t *testing.T, url string) *Request
	}{
		{"GET", func(t *testing.T, url string) *Request {
			return &Request{Method: "GET", URL: testkit.MustURL(t, url)}
		}},
		{"POST with a small buffered body", func(t *testing.T, url string) *Request {
			return &Request{Method: "POST", URL: testkit.MustURL(t, url), BodyMode: BodyBuffered, Body: []byte("replayed")}
		}},
		{"PUT with a large buffered body", func(t *testing.T, url string) *Request {
			return &Request{Method: "PUT", URL: testkit.MustURL(t, url), BodyMode: BodyBuffered, Body: large}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bodies := make(chan []byte, 4)
			srv := rawServerSequence(t,
				func(c net.Conn, br *bufio.Reader) {
					if _, err := readRawRequest(br); err != nil {
						return
					}
					io.WriteString(c, okResponse)
					// Read the next request whole, then close without an answer.
					readRawRequest(br)
				},
				func(c net.Conn, br *bufio.Reader) {
					for {
						req, err := readRawRequest(br)
						if err != nil {
							return
						}
						bodies <- req.body
						io.WriteString(c, okResponse)
					}
				},
			)
			c := newClient(t, Options{})
			evs, _ := get(t, c, srv.url)
			requireEnd(t, evs)
			require.Equal(t, 1, c.IdleConnections())

			req := tt.req(t, srv.url)
			evs = run(t, c, req, newRecorder())
			head := requireEnd(t, evs)
			assert.False(t, head.Reused, "answered on the new connection")
			assert.EqualValues(t, 2, srv.conns.Load())
			assert.Equal(t, req.Body, testkit.Recv(t, bodies, "the retried request"), "the body is sent again")
		})
	}
}

func TestExchangeAfterTheServerClosedAnIdleConnection(t *testing.T) {
	closed := make(chan struct{})
	srv := rawServerSequence(t,
		func(c net.Conn, br *bufio.Reader) {
			if _, err := readRawRequest(br); err == nil {
				io.WriteString(c, okResponse)
			}
			c.Close()
			close(closed)
		},
		func(c net.Conn, br *bufio.Reader) {
			if _, err := readRawRequest(br); err == nil {
				io.WriteString(c, okResponse)
			}
		},
	)
	c := newClient(t, Options{})
	evs, _ := get(t, c, srv.url)
	requireEnd(t, evs)
	testkit.Recv(t, closed, "the server to close the idle connection")

	evs, rec := get(t, c, srv.url)
	assert.False(t, requireEnd(t, evs).Reused)
	body, _ := rec.received()
	assert.Equal(t, "ok", body)
	assert.EqualValues(t, 2, srv.conns.Load())
}

func TestExchangeIdleTimeoutDropsOldConnections(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	srv.Config.ErrorLog = quietLog
	conns := countConns(srv)
	srv.Start()
	t.Cleanup(srv.Close)
	c := newClient(t, Options{IdleTimeout: time.Millisecond})
	for range 2 {
		evs, _ := get(t, c, srv.URL)
		assert.False(t, requireEnd(t, evs).Reused)
		// Idle past the timeout by more than a Windows clock tick (15.6 ms):
		// the transport compares wall-clock times, which advance by ticks there.
		time.Sleep(50 * time.Millisecond)
	}
	assert.EqualValues(t, 2, conns.Load())
}

func TestExchangeMaxIdlePerHost(t *testing.T) {
	const parallel = 3
	var arrived sync.WaitGroup
	arrived.Add(parallel)
	release := make(chan struct{})
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		arrived.Done()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	c := newClient(t, Options{MaxIdlePerHost: 2})
	var xs []*Exchange
	var recs []*recorder
	for range parallel {
		rec := newRecorder()
		xs = append(xs, start(t, c, &Request{Method: "GET", URL: testkit.MustURL(t, srv.URL)}, rec))
		recs = append(recs, rec)
	}
	allArrived := make(chan struct{})
	go func() { arrived.Wait(); close(allArrived) }()
	testkit.Recv(t, allArrived, "all requests at the server")
	assert.EqualValues(t, parallel, c.Live())
	close(release)
	for i, x := range xs {
		requireEnd(t, waitDone(t, x, recs[i]))
	}
	assert.Equal(t, 2, c.IdleConnections(), "no more idle connections than MaxIdlePerHost")
	assert.Zero(t, c.Live())
}

func TestClientCloseIdleConnections(t *testing.T) {
	closedByClient := make(chan struct{}, 1)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	srv.Config.ErrorLog = quietLog
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateClosed {
			closedByClient <- struct{}{}
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	c := newClient(t, Options{})
	evs, _ := get(t, c, srv.URL)
	requireEnd(t, evs)
	require.Equal(t, 1, c.IdleConnections())

	c.CloseIdleConnections()
	assert.Zero(t, c.IdleConnections())
	testkit.Recv(t, closedByClient, "the server to see the connection closed")
	evs, _ = get(t, c, srv.URL)
	assert.False(t, requireEnd(t, evs).Reused)
}

// tlsPool returns a pool trusting srv's certificate.
func tlsPool(srv *httptest.Server) *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(srv.Certificate())
	return p
}

// RFC 9112 9.6: a client that sends "Connection: close" must not send
// further requests on that connection, whatever the server answers.
func TestExchangeDoesNotReuseAConnectionItAskedToClose(t *testing.T) {
	srv := newRawServer(t, func(c net.Conn, br *bufio.Reader) {
		for {
			if _, err := readRawRequest(br); err != nil {
				return
			}
			io.WriteString(c, okResponse) // keep-alive by default in HTTP/1.1
		}
	})
	c := newClient(t, Options{})
	rec := newRecorder()
	requireEnd(t, run(t, c, &Request{Method: "GET", URL: testkit.MustURL(t, srv.url), Header: []httpwire.Header{{Name: "Connection", Value: "close"}}}, rec))
	assert.Zero(t, c.IdleConnections(), "the connection the request asked to close is not pooled")
	evs, _ := get(t, c, srv.url)
	assert.False(t, requireEnd(t, evs).Reused)
	assert.EqualValues(t, 2, srv.conns.Load())
}
