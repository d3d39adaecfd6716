package gocore

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-net-request/go-net-request/gocore/httpwire"
	"github.com/go-net-request/go-net-request/gocore/neterr"
	"github.com/go-net-request/go-net-request/internal/testkit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// seenRequest is what the echo endpoint of redirectServer saw.
type seenRequest struct {
	method string
	path   string
	host   string
	body   []byte
	header http.Header
}

// redirectServer serves:
//
//	/redirect?status=N&to=URL  N with Location: URL (the request body is read first)
//	/loop/N                     302 to /loop/N+1
//	/echo                       200 "final", recording the request
func redirectServer(t *testing.T) (*httptest.Server, <-chan seenRequest) {
	t.Helper()
	return gatedRedirectServer(t, nil)
}

// gatedRedirectServer is redirectServer whose /redirect answers wait for
// gate to close (nil: no wait), so a test can act before the engine can
// possibly have the redirect.
func gatedRedirectServer(t *testing.T, gate <-chan struct{}) (*httptest.Server, <-chan seenRequest) {
	t.Helper()
	seen := make(chan seenRequest, 64)
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		switch {
		case r.URL.Path == "/redirect":
			if gate != nil {
				select {
				case <-gate:
				case <-time.After(testkit.WaitTimeout):
				}
			}
			status, _ := strconv.Atoi(r.URL.Query().Get("status"))
			w.Header().Set("Location", r.URL.Query().Get("to"))
			w.Header().Set("X-Hop", "1")
			w.WriteHeader(status)
			io.WriteString(w, "moving on")
		case strings.HasPrefix(r.URL.Path, "/loop/"):
			n, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/loop/"))
			if limit, _ := strconv.Atoi(r.URL.Query().Get("stop")); limit > 0 && n >= limit {
				io.WriteString(w, "stopped")
				return
			}
			w.Header().Set("Location", fmt.Sprintf("/loop/%d?%s", n+1, r.URL.RawQuery))
			w.WriteHeader(http.StatusFound)
		default:
			seen <- seenRequest{method: r.Method, path: r.URL.Path, host: r.Host, body: body, header: r.Header.Clone()}
			io.WriteString(w, "final")
		}
	})
	return srv, seen
}

func redirectURL(base string, status int, to string) string {
	return fmt.Sprintf("%s/redirect?status=%d&to=%s", base, status, url.QueryEscape(to))
}

func TestExchangeFollowsRedirects(t *testing.T) {
	srv := httptest.NewUnstartedServer(nil)
	srv.Config.ErrorLog = quietLog
	conns := countConns(srv)
	seen := make(chan seenRequest, 4)
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/dir/one":
			w.Header().Set("Location", "two?x=1") // relative
			w.WriteHeader(http.StatusMovedPermanently)
			io.WriteString(w, "a short body, discarded")
		case "/dir/two":
			w.Header().Set("Location", "http://"+r.Host+"/final")
			w.WriteHeader(http.StatusTemporaryRedirect)
		default:
			seen <- seenRequest{method: r.Method, path: r.URL.Path}
			io.WriteString(w, "final")
		}
	})
	srv.Start()
	t.Cleanup(srv.Close)

	c := newClient(t, Options{})
	evs, rec := get(t, c, srv.URL+"/dir/one")
	head := requireEnd(t, evs)
	assert.Equal(t, []string{evRedirect, evRedirect, evResponse, evData + "*", evEnd}, kinds(evs))

	redirects := ofKind(evs, evRedirect)
	require.Len(t, redirects, 2)
	assert.Equal(t, 301, redirects[0].redirect.StatusCode)
	assert.Equal(t, "GET", redirects[0].redirect.Method)
	assert.Equal(t, srv.URL+"/dir/two?x=1", redirects[0].redirect.URL, "resolved against the current URL")
	assert.Equal(t, "two?x=1", httpwire.HeaderValue(redirects[0].redirect.Headers, "Location"), "the redirect response's headers as received")
	assert.Equal(t, 307, redirects[1].redirect.StatusCode)
	assert.Equal(t, srv.URL+"/final", redirects[1].redirect.URL)

	assert.Equal(t, srv.URL+"/final", head.URL, "the response names the URL it answers")
	assert.True(t, head.Reused, "short redirect bodies are drained and the connection reused")
	body, _ := rec.received()
	assert.Equal(t, "final", body)
	assert.Equal(t, "/final", testkit.Recv(t, seen, "the final request").path)
	assert.EqualValues(t, 1, conns.Load())
}

func TestExchangeRedirectMethodAndBody(t *testing.T) {
	large := bytes.Repeat([]byte("B"), 100<<10)
	tests := []struct {
		name       string
		status     int
		method     string
		body       []byte
		wantMethod string
		wantBody   bool
	}{
		{"301 turns POST into GET", 301, "POST", []byte("form=1"), "GET", false},
		{"302 turns POST into GET", 302, "POST", []byte("form=1"), "GET", false},
		{"303 turns POST into GET", 303, "POST", []byte("form=1"), "GET", false},
		{"303 turns PUT into GET", 303, "PUT", []byte("doc"), "GET", false},
		{"303 keeps HEAD", 303, "HEAD", nil, "HEAD", false},
		{"301 keeps PUT and its body", 301, "PUT", []byte("doc"), "PUT", true},
		{"302 keeps GET", 302, "GET", nil, "GET", false},
		{"307 keeps POST and its body", 307, "POST", []byte("form=1"), "POST", true},
		{"308 keeps PUT and its body", 308, "PUT", []byte("doc"), "PUT", true},
		{"307 keeps a large body", 307, "POST", large, "POST", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, seen := redirectServer(t)
			c := newClient(t, Options{})
			req := &Request{
				Method: tt.method,
				URL:    testkit.MustURL(t, redirectURL(srv.URL, tt.status, "/echo")),
				Header: []httpwire.Header{{Name: "Content-Type", Value: "text/plain"}, {Name: "X-Keep", Value: "kept"}},
			}
			if tt.body != nil {
				req.BodyMode, req.Body = BodyBuffered, tt.body
			}
			rec := newRecorder()
			rec.autoGrant = true
			evs := run(t, c, req, rec)
			requireEnd(t, evs)
			rd := ofKind(evs, evRedirect)
			require.Len(t, rd, 1)
			assert.Equal(t, tt.wantMethod, rd[0].redirect.Method, "the Redirect event names the next hop's method")

			got := testkit.Recv(t, seen, "the redirected request")
			assert.Equal(t, tt.wantMethod, got.method)
			assert.Equal(t, "kept", got.header.Get("X-Keep"))
			if tt.wantBody {
				assert.True(t, bytes.Equal(tt.body, got.body), "the body is sent again (%d bytes, want %d)", len(got.body), len(tt.body))
			} else {
				assert.Empty(t, got.body)
				assert.Empty(t, got.header.Get("Content-Length"), "no Content-Length without a body")
			}
			if tt.wantMethod != tt.method {
				assert.Empty(t, got.header.Get("Content-Type"), "body headers go with the body when the method changes")
			} else {
				assert.Equal(t, "text/plain", got.header.Get("Content-Type"))
			}
		})
	}
}

func TestExchangeRedirectOfAStreamedBody(t *testing.T) {
	tests := []struct {
		name    string
		status  int
		wantErr string // "" when the redirect is followed without the body
	}{
		{"307 cannot replay it", 307, neterr.Failed},
		{"308 cannot replay it", 308, neterr.Failed},
		{"303 drops it", 303, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, seen := redirectServer(t)
			c := newClient(t, Options{})
			rec := newRecorder()
			x := start(t, c, &Request{Method: "POST", URL: testkit.MustURL(t, redirectURL(srv.URL, tt.status, "/echo")), BodyMode: BodyStreaming}, rec)
			x.WriteBody([]byte("streamed"))
			x.EndBody()
			evs := waitDone(t, x, rec)
			if tt.wantErr != "" {
				requireFail(t, evs, tt.wantErr)
				assert.Equal(t, []string{evRedirect, evFail}, mainKinds(evs))
				return
			}
			requireEnd(t, evs)
			got := testkit.Recv(t, seen, "the redirected request")
			assert.Equal(t, "GET", got.method)
			assert.Empty(t, got.body)
		})
	}
}

// A 303 to a streamed upload ends the upload: the next hop is a GET and
// must not wait for the host to finish a body nobody will send.
func TestExchangeRedirect303DoesNotWaitForTheStreamedBodyToEnd(t *testing.T) {
	srv := newRawServer(t, func(c net.Conn, br *bufio.Reader) {
		req, err := readRawHead(br)
		if err != nil {
			return
		}
		if req.target == "/upload" {
			// Answer at once, then take the rest of the body as a server
			// would, and close: the client may have finished sending (and
			// pooled the connection) or not (and closed it).
			io.WriteString(c, "HTTP/1.1 303 See Other\r\nLocation: /echo\r\nContent-Length: 0\r\n\r\n")
			req.readBody(br)
			return
		}
		if err := req.readBody(br); err == nil {
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfinal")
		}
	})
	c := newClient(t, Options{})
	rec := newRecorder()
	x := start(t, c, &Request{Method: "POST", URL: testkit.MustURL(t, srv.url+"/upload"), BodyMode: BodyStreaming}, rec)
	x.WriteBody([]byte("the first part of a body the host is still producing"))

	rec.waitKind(t, evRedirect)
	select {
	case <-x.Done():
	case <-time.After(3 * time.Second):
		t.Fatalf("the GET after the 303 waits for the abandoned upload to end; events: %v", kinds(rec.snapshot()))
	}
	requireEnd(t, rec.snapshot())
	body, _ := rec.received()
	assert.Equal(t, "final", body)
}

// A server may answer 303 before it has read the body; the body sender of
// that hop is still running while the redirect rewrites the request (run
// with -race: the hop's state must not be shared with the sender).
func TestExchangeRedirect303WhileALargeBodyIsStillBeingSent(t *testing.T) {
	seen := make(chan *rawRequest, 1)
	srv := newRawServer(t, func(c net.Conn, br *bufio.Reader) {
		req, err := readRawHead(br)
		if err != nil {
			return
		}
		if req.target == "/upload" {
			// Answer at once, then take the rest of the body as a server
			// would, and close: the client may have finished sending (and
			// pooled the connection) or not (and closed it).
			io.WriteString(c, "HTTP/1.1 303 See Other\r\nLocation: /echo\r\nContent-Length: 0\r\n\r\n")
			req.readBody(br)
			return
		}
		if err := req.readBody(br); err == nil {
			seen <- req
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfinal")
		}
	})
	c := newClient(t, Options{})
	rec := newRecorder()
	body := bytes.Repeat([]byte("s"), 8<<20)
	evs := run(t, c, &Request{Method: "POST", URL: testkit.MustURL(t, srv.url+"/upload"), BodyMode: BodyBuffered, Body: body}, rec)
	requireEnd(t, evs)
	got := testkit.Recv(t, seen, "the GET after the 303")
	assert.Equal(t, "GET", got.method)
	assert.Empty(t, got.body)
}

// Chromium drains a redirect's body in the background (with a time limit)
// and follows at once; a server that stalls inside that body must not
// stall the exchange.
func TestExchangeFollowsARedirectWhoseBodyStalls(t *testing.T) {
	srv := newRawServer(t, func(c net.Conn, br *bufio.Reader) {
		req, err := readRawRequest(br)
		if err != nil {
			return
		}
		if req.target == "/next" {
			io.WriteString(c, okResponse)
			return
		}
		io.WriteString(c, "HTTP/1.1 302 Found\r\nLocation: /next\r\nContent-Length: 100\r\n\r\nten bytes.")
		<-t.Context().Done()
	})
	c := newClient(t, Options{})
	rec := newRecorder()
	x := start(t, c, &Request{Method: "GET", URL: testkit.MustURL(t, srv.url+"/start")}, rec)
	select {
	case <-x.Done():
	case <-time.After(3 * time.Second):
		t.Fatalf("the redirect waits for its body; events: %v", kinds(rec.snapshot()))
	}
	requireEnd(t, rec.snapshot())
	body, _ := rec.received()
	assert.Equal(t, "ok", body)
}

func TestExchangeRedirectErrorMode(t *testing.T) {
	srv, seen := redirectServer(t)
	c := newClient(t, Options{})
	evs := run(t, c, &Request{Method: "GET", URL: testkit.MustURL(t, redirectURL(srv.URL, 302, "/echo")), Redirect: RedirectError}, newRecorder())
	err := requireFail(t, evs, neterr.RedirectPolicy)
	assert.Equal(t, "Attempted to redirect, but redirect policy was 'error'", err.Error())
	assert.Equal(t, []string{evFail}, kinds(evs), "no Redirect event in error mode")
	assert.Empty(t, seen, "the redirect is not followed")
}

func TestExchangeManualRedirect(t *testing.T) {
	tests := []struct {
		name   string
		answer func(t *testing.T, x *Exchange, rec *recorder) // called once the Redirect event is seen
		sync   *bool                                          // answer inside the Redirect callback instead
		follow bool
	}{
		{name: "followed inside the event", sync: ptr(true), follow: true},
		{name: "cancelled inside the event", sync: ptr(false), follow: false},
		{name: "followed later", follow: true, answer: func(t *testing.T, x *Exchange, rec *recorder) { x.FollowRedirect(true) }},
		{name: "cancelled later", follow: false, answer: func(t *testing.T, x *Exchange, rec *recorder) { x.FollowRedirect(false) }},
		{name: "only the first answer counts", follow: true, answer: func(t *testing.T, x *Exchange, rec *recorder) {
			x.FollowRedirect(true)
			x.FollowRedirect(false)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The redirect waits for the early answer below: without the
			// gate that answer could reach an engine already asking.
			gate := make(chan struct{})
			srv, seen := gatedRedirectServer(t, gate)
			c := newClient(t, Options{})
			rec := newRecorder()
			if tt.sync != nil {
				follow := *tt.sync
				rec.onRedirect = func(x *Exchange, r *Redirect) { x.FollowRedirect(follow) }
			}
			x := start(t, c, &Request{Method: "GET", URL: testkit.MustURL(t, redirectURL(srv.URL, 302, "/echo")), Redirect: RedirectManual}, rec)
			x.FollowRedirect(false) // before any redirect: ignored
			close(gate)
			rd := rec.waitKind(t, evRedirect)
			assert.Equal(t, 302, rd.redirect.StatusCode)
			assert.Equal(t, srv.URL+"/echo", rd.redirect.URL)
			if tt.answer != nil {
				tt.answer(t, x, rec)
			}
			evs := waitDone(t, x, rec)
			if tt.follow {
				requireEnd(t, evs)
				assert.Equal(t, []string{evRedirect, evResponse, evData + "*", evEnd}, kinds(evs))
				assert.Equal(t, "/echo", testkit.Recv(t, seen, "the followed request").path)
				return
			}
			err := requireFail(t, evs, neterr.RedirectCancelled)
			assert.Equal(t, "Redirect was cancelled", err.Error())
			assert.Equal(t, []string{evRedirect, evFail}, kinds(evs))
			assert.Empty(t, seen)
		})
	}
}

func ptr[T any](v T) *T { return &v }

func TestExchangeManualRedirectWaitsForTheHost(t *testing.T) {
	srv, seen := redirectServer(t)
	c := newClient(t, Options{})
	rec := newRecorder()
	x := start(t, c, &Request{Method: "GET", URL: testkit.MustURL(t, srv.URL+"/loop/0?stop=3"), Redirect: RedirectManual}, rec)
	for hop := 1; hop <= 3; hop++ {
		rec.waitFor(t, fmt.Sprintf("redirect %d", hop), func(evs []event) bool { return count(evs, evRedirect) == hop })
		assert.Equal(t, hop, count(rec.snapshot(), evRedirect), "no further hop before the answer")
		x.FollowRedirect(true)
	}
	requireEnd(t, waitDone(t, x, rec))
	body, _ := rec.received()
	assert.Equal(t, "stopped", body)
	assert.Empty(t, seen)
}

func TestExchangeTooManyRedirects(t *testing.T) {
	tests := []struct {
		name      string
		stop      int // the hop that answers 200; 0 for never
		wantErr   string
		redirects int
	}{
		{"20 redirects are followed", 20, "", 20},
		{"the 21st fails", 0, neterr.TooManyRedirects, 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, _ := redirectServer(t)
			c := newClient(t, Options{})
			evs, _ := get(t, c, fmt.Sprintf("%s/loop/0?stop=%d", srv.URL, tt.stop))
			assert.Equal(t, tt.redirects, count(evs, evRedirect))
			if tt.wantErr != "" {
				requireFail(t, evs, tt.wantErr)
				return
			}
			requireEnd(t, evs)
		})
	}
}

func TestExchangeRedirectLocationFailures(t *testing.T) {
	tests := []struct {
		name     string
		location string
		wantErr  string
	}{
		{"ftp", "ftp://127.0.0.1/file", neterr.UnsafeRedirect},
		{"file", "file:///etc/passwd", neterr.UnsafeRedirect},
		{"data", "data:text/plain,hello", neterr.UnsafeRedirect},
		{"not a URL", "http://[::1", neterr.InvalidRedirect},
		{"no host", "http://", neterr.InvalidRedirect},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newRawServer(t, respondWith("HTTP/1.1 302 Found\r\nLocation: "+tt.location+"\r\nContent-Length: 0\r\n\r\n"))
			c := newClient(t, Options{})
			evs, _ := get(t, c, srv.url)
			requireFail(t, evs, tt.wantErr)
			assert.Equal(t, []string{evFail}, kinds(evs), "no Redirect event for a refused Location")
		})
	}
}

func TestExchangeRedirectWithoutLocationIsTheResponse(t *testing.T) {
	srv := newRawServer(t, respondWith("HTTP/1.1 302 Found\r\nContent-Length: 4\r\n\r\nhere"))
	c := newClient(t, Options{})
	evs, rec := get(t, c, srv.url)
	head := requireEnd(t, evs)
	assert.Equal(t, 302, head.StatusCode)
	body, _ := rec.received()
	assert.Equal(t, "here", body)
}

func TestExchangeRedirectDropsAuthorizationAcrossOrigins(t *testing.T) {
	a, seenA := redirectServer(t)
	b, seenB := redirectServer(t)
	portA := a.Listener.Addr().(*net.TCPAddr).Port
	portB := b.Listener.Addr().(*net.TCPAddr).Port
	tests := []struct {
		name     string
		to       string
		seen     <-chan seenRequest
		wantAuth bool
	}{
		{"same origin keeps it", fmt.Sprintf("http://127.0.0.1:%d/echo", portA), seenA, true},
		{"another port drops it", fmt.Sprintf("http://127.0.0.1:%d/echo", portB), seenB, false},
		{"another host name drops it", fmt.Sprintf("http://localhost:%d/echo", portA), seenA, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClient(t, Options{})
			req := &Request{Method: "GET", URL: testkit.MustURL(t, redirectURL(a.URL, 302, tt.to)), Header: []httpwire.Header{
				{Name: "Authorization", Value: "Bearer secret"}, {Name: "Proxy-Authorization", Value: "Basic cHJveHk6cHc="}, {Name: "X-Custom", Value: "kept"},
			}}
			rec := newRecorder()
			requireEnd(t, run(t, c, req, rec))
			got := testkit.Recv(t, tt.seen, "the redirected request")
			assert.Equal(t, "kept", got.header.Get("X-Custom"))
			if tt.wantAuth {
				assert.Equal(t, "Bearer secret", got.header.Get("Authorization"))
				assert.Equal(t, "Basic cHJveHk6cHc=", got.header.Get("Proxy-Authorization"))
				return
			}
			assert.Empty(t, got.header.Get("Authorization"))
			assert.Empty(t, got.header.Get("Proxy-Authorization"))
		})
	}
}
