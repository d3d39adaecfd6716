package gocore

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-net-request/go-net-request/gocore/httpwire"
	"github.com/go-net-request/go-net-request/gocore/neterr"
	"github.com/go-net-request/go-net-request/internal/testkit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestExchangeConnectionRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())

	c := newClient(t, Options{})
	evs, _ := get(t, c, "http://"+addr+"/")
	err2 := requireFail(t, evs, neterr.ConnectionRefused)
	assert.Equal(t, "net::ERR_CONNECTION_REFUSED", err2.Error())
	assert.Equal(t, []string{evFail}, kinds(evs))
}

func TestExchangeWireFailures(t *testing.T) {
	tests := []struct {
		name      string
		response  string
		wantErr   string
		wantKinds []string
		wantBody  string
	}{
		{
			name:      "server closes without answering",
			response:  "",
			wantErr:   neterr.EmptyResponse,
			wantKinds: []string{evFail},
		},
		{
			name:      "server closes inside the head",
			response:  "HTTP/1.1 200 OK\r\nContent-Le",
			wantErr:   neterr.ConnectionClosed,
			wantKinds: []string{evFail},
		},
		{
			name:      "Content-Length longer than the body",
			response:  "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc",
			wantErr:   neterr.ContentLengthMismatch,
			wantKinds: []string{evResponse, evData + "*", evFail},
			wantBody:  "abc",
		},
		{
			name:      "not HTTP",
			response:  "SSH-2.0-OpenSSH_9.6\r\n",
			wantErr:   neterr.InvalidHTTPResponse,
			wantKinds: []string{evFail},
		},
		{
			name:      "conflicting Content-Length",
			response:  "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
			wantErr:   neterr.MultipleContentLength,
			wantKinds: []string{evFail},
		},
		{
			name:      "headers too big",
			response:  testkit.BigHead(httpwire.MaxResponseHead+4096) + "ok",
			wantErr:   neterr.ResponseHeadersTooBig,
			wantKinds: []string{evFail},
		},
		{
			name:      "bad chunk size",
			response:  "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\nxyz\r\n",
			wantErr:   neterr.InvalidChunkedEncoding,
			wantKinds: []string{evResponse, evData + "*", evFail},
			wantBody:  "abc",
		},
		{
			name:      "chunked body cut short",
			response:  "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n5\r\nde",
			wantErr:   neterr.IncompleteChunkedEncoding,
			wantKinds: []string{evResponse, evData + "*", evFail},
			wantBody:  "abcde",
		},
		{
			name:      "corrupt gzip",
			response:  "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 12\r\n\r\nnot gzip!!!!",
			wantErr:   neterr.ContentDecodingFailed,
			wantKinds: []string{evResponse, evFail},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newRawServer(t, respondWith(tt.response))
			c := newClient(t, Options{})
			evs, rec := get(t, c, srv.url)
			requireFail(t, evs, tt.wantErr)
			assert.Equal(t, tt.wantKinds, kinds(evs))
			body, _ := rec.received()
			assert.Equal(t, tt.wantBody, body)
			assert.Zero(t, c.IdleConnections(), "a failed connection is never pooled")
		})
	}
}

func TestExchangeTLSFailures(t *testing.T) {
	ok := func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "secret") }
	tests := []struct {
		name    string
		setup   func(t *testing.T) (url string, opts Options)
		wantErr string
	}{
		{
			name: "unknown authority",
			setup: func(t *testing.T) (string, Options) {
				srv, _ := newTLSServer(t, ok)
				return srv.URL, Options{} // the system roots do not know httptest's CA
			},
			wantErr: neterr.CertAuthorityInvalid,
		},
		{
			name: "name not in the certificate",
			setup: func(t *testing.T) (string, Options) {
				srv, pool := newTLSServer(t, ok)
				port := srv.Listener.Addr().(*net.TCPAddr).Port
				return fmt.Sprintf("https://localhost:%d/", port), Options{RootCAs: pool}
			},
			wantErr: neterr.CertCommonNameInvalid,
		},
		{
			name: "expired certificate",
			setup: func(t *testing.T) (string, Options) {
				cert, parsed := testkit.SelfSignedCert(t, time.Now().Add(-48*time.Hour), time.Now().Add(-24*time.Hour))
				srv := httptest.NewUnstartedServer(http.HandlerFunc(ok))
				srv.Config.ErrorLog = quietLog
				srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
				srv.StartTLS()
				t.Cleanup(srv.Close)
				pool := x509.NewCertPool()
				pool.AddCert(parsed)
				return srv.URL, Options{RootCAs: pool}
			},
			wantErr: neterr.CertDateInvalid,
		},
		{
			name: "plain HTTP server",
			setup: func(t *testing.T) (string, Options) {
				srv := newServer(t, ok)
				return strings.Replace(srv.URL, "http://", "https://", 1), Options{}
			},
			wantErr: neterr.SSLProtocol,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url, opts := tt.setup(t)
			c := newClient(t, opts)
			evs, rec := get(t, c, url)
			requireFail(t, evs, tt.wantErr)
			assert.Equal(t, []string{evFail}, kinds(evs))
			body, _ := rec.received()
			assert.Empty(t, body)
		})
	}
}

func TestExchangeTLSWithTrustedCertificate(t *testing.T) {
	srv, pool := newH2Server(t, func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s %s", r.Header.Get("Sec-Fetch-Mode"), r.TLS.NegotiatedProtocol)
	})
	c := newClient(t, Options{RootCAs: pool})
	evs, rec := get(t, c, srv.URL)
	head := requireEnd(t, evs)
	assert.Equal(t, 2, head.Major)
	body, _ := rec.received()
	assert.Equal(t, "no-cors h2", body, "Fetch Metadata over https; HTTP/2 negotiated when the server offers h2")

	c1 := newClient(t, Options{RootCAs: pool, DisableHTTP2: true})
	evs, rec = get(t, c1, srv.URL)
	head = requireEnd(t, evs)
	assert.Equal(t, 1, head.Major)
	body, _ = rec.received()
	assert.Equal(t, "no-cors http/1.1", body, "DisableHTTP2 keeps HTTP/1.1")
}

// stallingServer sends prefix after reading the request, then holds the
// connection open until the test ends.
func stallingServer(t *testing.T, prefix string) *rawServer {
	t.Helper()
	return newRawServer(t, func(c net.Conn, br *bufio.Reader) {
		if _, err := readRawRequest(br); err != nil {
			return
		}
		io.WriteString(c, prefix)
		<-t.Context().Done()
	})
}

func TestExchangeTimeout(t *testing.T) {
	tests := []struct {
		name      string
		prefix    string
		wantKinds []string
	}{
		{"no response head", "", []string{evFail}},
		{"head without the rest", "HTTP/1.1 200 OK\r\n", []string{evFail}},
		{"stalled body", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", []string{evResponse, evData + "*", evFail}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := stallingServer(t, tt.prefix)
			c := newClient(t, Options{})
			rec := newRecorder()
			evs := run(t, c, &Request{Method: "GET", URL: testkit.MustURL(t, srv.url), Timeout: 100 * time.Millisecond}, rec)
			err := requireFail(t, evs, neterr.TimedOut)
			assert.Equal(t, "net::ERR_TIMED_OUT", err.Error())
			assert.Equal(t, tt.wantKinds, kinds(evs))
		})
	}
}

func TestExchangeTimeoutIsResetByProgress(t *testing.T) {
	const parts = 6
	srv := newRawServer(t, func(c net.Conn, br *bufio.Reader) {
		if _, err := readRawRequest(br); err != nil {
			return
		}
		fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n", parts)
		for range parts { // 300ms in all, never 250ms without a byte
			time.Sleep(50 * time.Millisecond)
			if _, err := io.WriteString(c, "x"); err != nil {
				return
			}
		}
	})
	c := newClient(t, Options{})
	rec := newRecorder()
	evs := run(t, c, &Request{Method: "GET", URL: testkit.MustURL(t, srv.url), Timeout: 250 * time.Millisecond}, rec)
	requireEnd(t, evs)
	body, _ := rec.received()
	assert.Equal(t, strings.Repeat("x", parts), body)
}

func TestExchangeHeadTimeoutByDefault(t *testing.T) {
	srv := stallingServer(t, "")
	c := newClient(t, Options{HeadTimeout: 200 * time.Millisecond})
	start := time.Now()
	evs, _ := get(t, c, srv.url)
	requireFail(t, evs, neterr.TimedOut)
	assert.Less(t, time.Since(start), 5*time.Second)
}

// TestExchangeServerDropsUpload: a server that reads the head and then
// closes while a 1 MiB body goes out. As Chromium reports it, the failure
// is the upload's (ERR_CONNECTION_RESET), whichever the engine sees first:
// the write that fails or the read that meets the close. A head the server
// sent before closing is delivered; a body the server read whole before
// closing leaves the read's ERR_EMPTY_RESPONSE.
func TestExchangeServerDropsUpload(t *testing.T) {
	body := bytes.Repeat([]byte("u"), 1<<20)
	closeAfterHead := func(c net.Conn, br *bufio.Reader) {
		if _, err := readRawHead(br); err != nil {
			return
		}
		c.Close()
	}
	tests := []struct {
		name      string
		serve     func(c net.Conn, br *bufio.Reader)
		streaming bool
		wantErr   string // "" when a response is delivered
		wantCode  int
	}{
		{name: "buffered body, server closes after the head", serve: closeAfterHead, wantErr: neterr.ConnectionReset},
		{name: "streamed body, server closes after the head", serve: closeAfterHead, streaming: true, wantErr: neterr.ConnectionReset},
		{
			name: "server answers 413 and closes",
			serve: func(c net.Conn, br *bufio.Reader) {
				if _, err := readRawHead(br); err != nil {
					return
				}
				io.WriteString(c, "HTTP/1.1 413 Payload Too Large\r\nContent-Length: 8\r\nConnection: close\r\n\r\ntoo big!")
				c.Close()
			},
			wantCode: 413,
		},
		{
			name: "server reads the whole body and closes without answering",
			serve: func(c net.Conn, br *bufio.Reader) {
				if _, err := readRawRequest(br); err != nil {
					return
				}
				c.Close()
			},
			wantErr: neterr.EmptyResponse,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newRawServer(t, tt.serve)
			c := newClient(t, Options{})
			// The outcome used to depend on which goroutine saw the close
			// first: run it enough times to meet both orders.
			for i := 0; i < 30; i++ {
				rec := newRecorder()
				rec.autoGrant = true
				req := &Request{Method: "POST", URL: testkit.MustURL(t, srv.url), BodyMode: BodyBuffered, Body: body}
				if tt.streaming {
					req.BodyMode, req.Body = BodyStreaming, nil
				}
				x := start(t, c, req, rec)
				if tt.streaming {
					for off := 0; off < len(body); off += 64 << 10 {
						x.WriteBody(body[off : off+64<<10])
					}
					x.EndBody()
				}
				evs := waitDone(t, x, rec)
				if tt.wantErr != "" {
					requireFail(t, evs, tt.wantErr)
					assert.Equal(t, -1, indexOf(evs, evResponse), "run %d: no response", i)
					continue
				}
				head := requireEnd(t, evs)
				assert.Equal(t, tt.wantCode, head.StatusCode, "run %d", i)
				got, _ := rec.received()
				assert.Equal(t, "too big!", got, "run %d", i)
			}
		})
	}
}

// TestExchangeServerDropsStreamedUploadWhileHostIsSilent: the server closes
// while a streamed body waits for the host's next chunk (the app waits for
// the answer before it writes more): the exchange fails at once with the
// upload's error rather than waiting for a chunk that can never be sent.
func TestExchangeServerDropsStreamedUploadWhileHostIsSilent(t *testing.T) {
	srv := newRawServer(t, func(c net.Conn, br *bufio.Reader) {
		if _, err := readRawHead(br); err != nil {
			return
		}
		c.Close()
	})
	c := newClient(t, Options{})
	for i := 0; i < 10; i++ {
		rec := newRecorder()
		x := start(t, c, &Request{Method: "POST", URL: testkit.MustURL(t, srv.url), BodyMode: BodyStreaming}, rec)
		x.WriteBody([]byte("first chunk"))
		evs := waitDone(t, x, rec)
		requireFail(t, evs, neterr.ConnectionReset)
	}
}
