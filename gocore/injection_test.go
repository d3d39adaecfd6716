package gocore

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-net-request/go-net-request/gocore/auth"
	"github.com/go-net-request/go-net-request/gocore/httpwire"
	"github.com/go-net-request/go-net-request/gocore/neterr"
	"github.com/go-net-request/go-net-request/internal/testkit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// Header injection: whoever fills a request head, nothing that could end a
// line reaches the wire; and no response head line holding a bare CR
// reaches the app.

func TestExchangeFailsAResponseWithBareCRInAHeader(t *testing.T) {
	srv := newRawServer(t, respondWith("HTTP/1.1 200 OK\r\nX: a\rInjected: yes\r\nContent-Length: 2\r\n\r\nok"))
	c := newClient(t, Options{})
	evs, _ := get(t, c, srv.url)
	requireFail(t, evs, neterr.InvalidHTTPResponse)
	assert.Equal(t, -1, indexOf(evs, evResponse), "no head reached the sink: %v", kinds(evs))
}

// byteCounter is a raw server that counts the bytes its peers send and
// answers nothing.
func byteCounter(t *testing.T) (*rawServer, *atomic.Int64) {
	var received atomic.Int64
	srv := newRawServer(t, func(c net.Conn, br *bufio.Reader) {
		n, _ := io.Copy(io.Discard, br)
		received.Add(n)
	})
	return srv, &received
}

func TestExchangeRefusesAnInjectedUserAgentBeforeTheWire(t *testing.T) {
	srv, received := byteCounter(t)
	c := newClient(t, Options{})
	c.SetUserAgent("x\r\nX-Injected: 1") // as an entry point that forgot to check would
	evs, _ := get(t, c, srv.url)
	ne := requireFail(t, evs, neterr.InvalidArgument)
	assert.Equal(t, "User-Agent", ne.Header)
	c.CloseIdleConnections()
	time.Sleep(50 * time.Millisecond) // let the server's reader see the close
	assert.Zero(t, received.Load(), "no byte of the refused head reached the server")
}

func TestExchangeRefusesAnInjectedInitiatorBeforeTheWire(t *testing.T) {
	srv, received := byteCounter(t)
	c := newClient(t, Options{})
	rec := newRecorder()
	rec.autoGrant = true
	evs := run(t, c, &Request{Method: "POST", URL: testkit.MustURL(t, srv.url), Initiator: "http://a.test\r\nX-Injected: 1"}, rec)
	requireFail(t, evs, neterr.InvalidArgument)
	time.Sleep(50 * time.Millisecond)
	assert.Zero(t, received.Load(), "no byte of the refused head reached the server")
}

func TestH2RefusesAnInjectedUserAgentBeforeTheWire(t *testing.T) {
	var requests atomic.Int32
	srv, pool := newH2Server(t, func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		w.Header().Set("X-Got", r.Header.Get("X-Injected"))
	})
	c := newClient(t, Options{RootCAs: pool})
	evs, _ := get(t, c, srv.URL) // an HTTP/2 connection for the origin
	require.Equal(t, 2, requireEnd(t, evs).Major)
	c.SetUserAgent("x\r\nX-Injected: 1")
	evs, _ = get(t, c, srv.URL)
	ne := requireFail(t, evs, neterr.InvalidArgument)
	assert.Equal(t, "User-Agent", ne.Header)
	assert.EqualValues(t, 1, requests.Load(), "the refused request reached the server")
}

// newRawH2Server answers every HTTP/2 stream with a HEADERS frame holding
// fields, encoded as given (no validation): a server that sends what x/net's
// own server would refuse to.
func newRawH2Server(t *testing.T, fields []hpack.HeaderField) (string, *x509.CertPool) {
	t.Helper()
	cert, parsed := testkit.SelfSignedCert(t, time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"h2"}})
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go serveRawH2(c, fields)
		}
	}()
	pool := x509.NewCertPool()
	pool.AddCert(parsed)
	return "https://" + ln.Addr().String() + "/", pool
}

func serveRawH2(c net.Conn, fields []hpack.HeaderField) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(testkit.WaitTimeout))
	preface := make([]byte, len(http2.ClientPreface))
	if _, err := io.ReadFull(c, preface); err != nil {
		return
	}
	fr := http2.NewFramer(c, c)
	if fr.WriteSettings() != nil {
		return
	}
	var block bytes.Buffer
	enc := hpack.NewEncoder(&block)
	for i := 0; i < 100; i++ { // bounded: the client's preface frames, then one HEADERS
		f, err := fr.ReadFrame()
		if err != nil {
			return
		}
		switch f := f.(type) {
		case *http2.SettingsFrame:
			if !f.IsAck() {
				fr.WriteSettingsAck()
			}
		case *http2.HeadersFrame:
			block.Reset()
			for _, hf := range fields {
				enc.WriteField(hf)
			}
			fr.WriteHeaders(http2.HeadersFrameParam{StreamID: f.StreamID, BlockFragment: block.Bytes(), EndStream: true, EndHeaders: true})
		}
	}
}

func TestH2FailsAResponseWithBareCRInAHeader(t *testing.T) {
	for _, value := range []string{"a\rInjected: yes", "a\nInjected: yes", "a\x00b"} {
		t.Run(strings.NewReplacer("\r", `\r`, "\n", `\n`, "\x00", `\0`).Replace(value), func(t *testing.T) {
			u, pool := newRawH2Server(t, []hpack.HeaderField{{Name: ":status", Value: "200"}, {Name: "x", Value: value}})
			c := newClient(t, Options{RootCAs: pool})
			evs, _ := get(t, c, u)
			// x/net refuses the field as Chromium's HTTP/2 stack does: a
			// protocol error on the stream, no head for the app.
			requireFail(t, evs, "ERR_HTTP2_PROTOCOL_ERROR")
			assert.Equal(t, -1, indexOf(evs, evResponse), "no head reached the sink: %v", kinds(evs))
		})
	}
}

func TestAcceptLanguageIsSentUnlessTheRequestSetsIt(t *testing.T) {
	heads := make(chan *rawRequest, 4)
	srv := newRawServer(t, func(c net.Conn, br *bufio.Reader) {
		for i := 0; i < 4; i++ {
			req, err := readRawRequest(br)
			if err != nil {
				return
			}
			heads <- req
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
		}
	})
	c := newClient(t, Options{})
	get(t, c, srv.url)
	assert.Empty(t, testkit.Recv(t, heads, "a head").header("Accept-Language"), "none by default")
	c.SetAcceptLanguage("en-US,fr;q=0.9")
	get(t, c, srv.url)
	assert.Equal(t, "en-US,fr;q=0.9", testkit.Recv(t, heads, "a head").header("Accept-Language"))
	rec := newRecorder()
	rec.autoGrant = true
	run(t, c, &Request{Method: "GET", URL: testkit.MustURL(t, srv.url), Header: []httpwire.Header{{Name: "accept-language", Value: "ja"}}}, rec)
	req := testkit.Recv(t, heads, "a head")
	assert.Equal(t, []httpwire.Header{{Name: "accept-language", Value: "ja"}}, headersNamed(req.headers, "Accept-Language"), "the request's own, once")
}

func headersNamed(hs []httpwire.Header, name string) []httpwire.Header {
	var out []httpwire.Header
	for _, h := range hs {
		if strings.EqualFold(h.Name, name) {
			out = append(out, h)
		}
	}
	return out
}

func TestLoginWithLineBreaksFailsTheRequest(t *testing.T) {
	var answers atomic.Int32
	srv := newRawServer(t, func(c net.Conn, br *bufio.Reader) {
		for i := 0; i < 4; i++ {
			req, err := readRawRequest(br)
			if err != nil {
				return
			}
			if req.header("Authorization") != "" {
				answers.Add(1)
			}
			io.WriteString(c, "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"r\"\r\nContent-Length: 0\r\n\r\n")
		}
	})
	for _, cred := range []auth.Credentials{{Username: "u\r\nX-Injected: 1", Password: "p"}, {Username: "u", Password: "p\x00"}} {
		c := newClient(t, Options{})
		rec := newRecorder()
		rec.autoGrant = true
		rec.onLogin = func(x *Exchange, _ *auth.Info) { x.Login(&cred) }
		evs := run(t, c, &Request{Method: "GET", URL: testkit.MustURL(t, srv.url)}, rec)
		requireFail(t, evs, neterr.InvalidArgument)
	}
	assert.Zero(t, answers.Load(), "no request carried the credentials")
}
