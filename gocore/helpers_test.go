package gocore

import (
	"bufio"
	"bytes"
	"crypto/x509"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-net-request/go-net-request/gocore/auth"
	"github.com/go-net-request/go-net-request/gocore/httpwire"
	"github.com/go-net-request/go-net-request/gocore/neterr"
	"github.com/go-net-request/go-net-request/internal/testkit"
	"github.com/stretchr/testify/require"
)

// The kinds of Sink events, as recorded.
const (
	evRedirect       = "Redirect"
	evLogin          = "Login"
	evResponse       = "Response"
	evData           = "Data"
	evEnd            = "End"
	evFail           = "Fail"
	evUploadProgress = "UploadProgress"
	evWriteReady     = "WriteReady"
)

// event is one recorded Sink call.
type event struct {
	kind     string
	redirect *Redirect
	login    *auth.Info
	head     *httpwire.ResponseHead
	data     []byte // a copy; nil when the recorder only counts
	err      *neterr.Error
	position int64
	total    int64
}

// recorder is a Sink that records every event in order. It is safe for
// concurrent use; its hooks run on the exchange's goroutine after the
// event is recorded, with the exchange that start bound to it.
//
// It also checks the Sink contract as events arrive: nothing after the
// terminal event and no callback running concurrently with it.
type recorder struct {
	// Set before start; read-only afterwards.
	onRedirect func(x *Exchange, r *Redirect)  // answers manual redirects, cancels, ...
	onLogin    func(x *Exchange, a *auth.Info) // answers logins
	onResponse func(x *Exchange, h *httpwire.ResponseHead)
	onData     func(x *Exchange, p []byte)
	autoGrant  bool // grant back every Data's length, as a host that reads does
	countOnly  bool // keep only the length of Data, not the bytes

	bound chan struct{} // closed by bind
	x     *Exchange     // written once, before bound is closed

	active atomic.Int32 // callbacks running now

	mu       sync.Mutex
	events   []event
	bodyLen  int64
	body     bytes.Buffer
	ended    string        // the terminal event's kind, once emitted
	problems []string      // contract violations seen
	changed  chan struct{} // closed and replaced on every event
}

func newRecorder() *recorder {
	return &recorder{bound: make(chan struct{}), changed: make(chan struct{})}
}

// bind makes x available to the hooks.
func (r *recorder) bind(x *Exchange) {
	r.x = x
	close(r.bound)
}

// exchange waits for bind: an event can race Start's return.
func (r *recorder) exchange() *Exchange {
	<-r.bound
	return r.x
}

func (r *recorder) add(e event) {
	r.mu.Lock()
	if r.ended != "" {
		r.problems = append(r.problems, fmt.Sprintf("%s after the terminal %s", e.kind, r.ended))
	}
	if e.kind == evEnd || e.kind == evFail {
		r.ended = e.kind
	}
	if e.kind == evData {
		r.bodyLen += int64(len(e.data))
		if r.countOnly {
			e.data = nil
		} else {
			r.body.Write(e.data)
		}
	}
	r.events = append(r.events, e)
	close(r.changed)
	r.changed = make(chan struct{})
	r.mu.Unlock()
}

// enter and leave bracket every callback, so a terminal event that runs
// concurrently with another callback is seen.
func (r *recorder) enter(kind string) {
	if n := r.active.Add(1); n > 1 && (kind == evEnd || kind == evFail) {
		r.mu.Lock()
		r.problems = append(r.problems, kind+" ran concurrently with another callback")
		r.mu.Unlock()
	}
}

func (r *recorder) leave() { r.active.Add(-1) }

func (r *recorder) Redirect(rd *Redirect) {
	r.enter(evRedirect)
	defer r.leave()
	r.add(event{kind: evRedirect, redirect: rd})
	if r.onRedirect != nil {
		r.onRedirect(r.exchange(), rd)
	}
}

func (r *recorder) Login(a *auth.Info) {
	r.enter(evLogin)
	defer r.leave()
	r.add(event{kind: evLogin, login: a})
	if r.onLogin != nil {
		r.onLogin(r.exchange(), a)
	}
}

func (r *recorder) Response(h *httpwire.ResponseHead) {
	r.enter(evResponse)
	defer r.leave()
	complete, body := h.Complete, bytes.Clone(h.Body)
	h.Body = nil // only valid during the call
	r.add(event{kind: evResponse, head: h})
	if r.onResponse != nil {
		r.onResponse(r.exchange(), h)
	}
	if complete && len(body) > 0 {
		// A whole body delivered with the head reads as one Data event.
		r.add(event{kind: evData, data: body})
	}
}

func (r *recorder) Data(p []byte) {
	r.enter(evData)
	defer r.leave()
	data := p
	if !r.countOnly {
		data = bytes.Clone(p) // p is only valid during the call
	}
	r.add(event{kind: evData, data: data})
	if r.autoGrant {
		r.exchange().Grant(int64(len(p)))
	}
	if r.onData != nil {
		r.onData(r.exchange(), p)
	}
}

func (r *recorder) End() {
	r.enter(evEnd)
	defer r.leave()
	r.add(event{kind: evEnd})
}

func (r *recorder) Fail(err *neterr.Error) {
	r.enter(evFail)
	defer r.leave()
	r.add(event{kind: evFail, err: err})
}

func (r *recorder) UploadProgress(position, total int64) {
	r.enter(evUploadProgress)
	defer r.leave()
	r.add(event{kind: evUploadProgress, position: position, total: total})
}

func (r *recorder) WriteReady() {
	r.enter(evWriteReady)
	defer r.leave()
	r.add(event{kind: evWriteReady})
}

// snapshot returns the events so far.
func (r *recorder) snapshot() []event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]event(nil), r.events...)
}

// received returns the Data bytes so far and their count.
func (r *recorder) received() (string, int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.body.String(), r.bodyLen
}

// waitFor blocks until cond holds for the events so far, failing the test
// after waitTimeout.
func (r *recorder) waitFor(t *testing.T, what string, cond func(evs []event) bool) []event {
	t.Helper()
	deadline := time.NewTimer(testkit.WaitTimeout)
	defer deadline.Stop()
	for {
		r.mu.Lock()
		evs := append([]event(nil), r.events...)
		changed := r.changed
		r.mu.Unlock()
		if cond(evs) {
			return evs
		}
		select {
		case <-changed:
		case <-deadline.C:
			t.Fatalf("timed out waiting for %s; events: %v", what, kinds(evs))
		}
	}
}

// waitKind waits for the first event of kind and returns it.
func (r *recorder) waitKind(t *testing.T, kind string) event {
	t.Helper()
	evs := r.waitFor(t, kind, func(evs []event) bool { return count(evs, kind) > 0 })
	return evs[indexOf(evs, kind)]
}

// waitBody waits until n body bytes have been delivered.
func (r *recorder) waitBody(t *testing.T, n int64) {
	t.Helper()
	r.waitFor(t, fmt.Sprintf("%d body bytes", n), func([]event) bool {
		_, got := r.received()
		return got >= n
	})
}

// checkContract reports Sink contract violations: exactly one terminal
// event, last; nothing after it; Redirect and Login before Response; Data
// only after Response; End only after Response.
func (r *recorder) checkContract(t *testing.T) {
	t.Helper()
	r.mu.Lock()
	evs := append([]event(nil), r.events...)
	problems := append([]string(nil), r.problems...)
	r.mu.Unlock()
	for _, p := range problems {
		t.Errorf("sink contract: %s", p)
	}
	terminals := count(evs, evEnd) + count(evs, evFail)
	if terminals != 1 {
		t.Errorf("sink contract: %d terminal events, want 1: %v", terminals, kinds(evs))
		return
	}
	if last := evs[len(evs)-1].kind; last != evEnd && last != evFail {
		t.Errorf("sink contract: last event is %s: %v", last, kinds(evs))
	}
	response := indexOf(evs, evResponse)
	if count(evs, evResponse) > 1 {
		t.Errorf("sink contract: more than one Response: %v", kinds(evs))
	}
	for i, e := range evs {
		switch e.kind {
		case evRedirect, evLogin:
			if response >= 0 && i > response {
				t.Errorf("sink contract: %s after Response: %v", e.kind, kinds(evs))
			}
		case evData, evEnd:
			if response < 0 || i < response {
				t.Errorf("sink contract: %s without a Response before it: %v", e.kind, kinds(evs))
			}
		}
	}
}

// failure returns the neterr.Error of the terminal Fail, or nil.
func failure(evs []event) *neterr.Error {
	if i := indexOf(evs, evFail); i >= 0 {
		return evs[i].err
	}
	return nil
}

func kinds(evs []event) []string {
	out := make([]string, 0, len(evs))
	for _, e := range evs {
		if e.kind == evData && len(out) > 0 && out[len(out)-1] == evData+"*" {
			continue
		}
		if e.kind == evData {
			out = append(out, evData+"*")
			continue
		}
		out = append(out, e.kind)
	}
	return out
}

// mainKinds is kinds without the body sender's events, whose place among
// the others is not fixed.
func mainKinds(evs []event) []string {
	var out []string
	for _, k := range kinds(evs) {
		if k != evUploadProgress && k != evWriteReady {
			out = append(out, k)
		}
	}
	return out
}

func count(evs []event, kind string) int {
	n := 0
	for _, e := range evs {
		if e.kind == kind {
			n++
		}
	}
	return n
}

func indexOf(evs []event, kind string) int {
	for i, e := range evs {
		if e.kind == kind {
			return i
		}
	}
	return -1
}

func ofKind(evs []event, kind string) []event {
	var out []event
	for _, e := range evs {
		if e.kind == kind {
			out = append(out, e)
		}
	}
	return out
}

// newClient makes a Client whose idle connections are closed at cleanup.
func newClient(t *testing.T, opts Options) *Client {
	t.Helper()
	c := NewClient(opts)
	t.Cleanup(c.CloseIdleConnections)
	return c
}

// start starts req on c, binds rec, and at cleanup cancels the exchange,
// waits for it and checks the Sink contract.
func start(t *testing.T, c *Client, req *Request, rec *recorder) *Exchange {
	t.Helper()
	x := c.Start(req, rec)
	rec.bind(x)
	t.Cleanup(func() {
		x.Cancel(nil)
		select {
		case <-x.Done():
		case <-time.After(testkit.WaitTimeout):
			t.Errorf("exchange still running %v after Cancel", testkit.WaitTimeout)
			return
		}
		rec.checkContract(t)
	})
	return x
}

// waitDone waits for the exchange's terminal event and returns the events.
func waitDone(t *testing.T, x *Exchange, rec *recorder) []event {
	t.Helper()
	select {
	case <-x.Done():
	case <-time.After(testkit.WaitTimeout):
		t.Fatalf("exchange not done after %v; events: %v", testkit.WaitTimeout, kinds(rec.snapshot()))
	}
	return rec.snapshot()
}

// run starts req, waits for the end and returns the events.
func run(t *testing.T, c *Client, req *Request, rec *recorder) []event {
	t.Helper()
	return waitDone(t, start(t, c, req, rec), rec)
}

// get runs a GET of rawURL with an auto-granting recorder.
func get(t *testing.T, c *Client, rawURL string) ([]event, *recorder) {
	t.Helper()
	rec := newRecorder()
	rec.autoGrant = true
	return run(t, c, &Request{Method: "GET", URL: testkit.MustURL(t, rawURL)}, rec), rec
}

// requireEnd asserts a complete response and returns its head.
func requireEnd(t *testing.T, evs []event) *httpwire.ResponseHead {
	t.Helper()
	require.Equal(t, evEnd, evs[len(evs)-1].kind, "events %v, failure %v", kinds(evs), failure(evs))
	i := indexOf(evs, evResponse)
	require.GreaterOrEqual(t, i, 0, "no Response: %v", kinds(evs))
	return evs[i].head
}

// requireFail asserts that the exchange failed with name and returns the error.
func requireFail(t *testing.T, evs []event, name string) *neterr.Error {
	t.Helper()
	require.NotEmpty(t, evs)
	last := evs[len(evs)-1]
	require.Equal(t, evFail, last.kind, "events %v", kinds(evs))
	require.NotNil(t, last.err)
	require.Equal(t, name, last.err.Name, "error %v (%v)", last.err, last.err.Err)
	return last.err
}

// quietLog drops a test server's log lines (TLS handshake errors we cause).
var quietLog = log.New(io.Discard, "", 0)

// newServer starts a loopback HTTP server closed at cleanup.
func newServer(t *testing.T, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = quietLog
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

// newTLSServer starts a loopback HTTPS server and returns a pool that trusts it.
func newTLSServer(t *testing.T, h http.HandlerFunc) (*httptest.Server, *x509.CertPool) {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = quietLog
	srv.StartTLS()
	t.Cleanup(srv.Close)
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	return srv, pool
}

// countConns makes srv count the connections it accepts. Call before Start.
func countConns(srv *httptest.Server) *atomic.Int32 {
	var n atomic.Int32
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			n.Add(1)
		}
	}
	return &n
}

// rawServer is a loopback TCP server whose handler speaks the wire itself,
// for capturing exact request bytes and misbehaving.
type rawServer struct {
	ln    net.Listener
	url   string // http://127.0.0.1:port
	port  int
	conns atomic.Int32 // connections accepted

	wg   sync.WaitGroup
	mu   sync.Mutex
	open []net.Conn
}

// newRawServer serves each connection with serve on its own goroutine;
// connections and the listener are closed at cleanup, and serve must
// return once its connection is closed.
func newRawServer(t *testing.T, serve func(c net.Conn, br *bufio.Reader)) *rawServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	s := &rawServer{ln: ln, port: ln.Addr().(*net.TCPAddr).Port}
	s.url = "http://" + ln.Addr().String()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.conns.Add(1)
			s.mu.Lock()
			s.open = append(s.open, c)
			s.mu.Unlock()
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				defer c.Close()
				serve(c, bufio.NewReader(c))
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		s.mu.Lock()
		for _, c := range s.open {
			c.Close()
		}
		s.mu.Unlock()
		done := make(chan struct{})
		go func() { s.wg.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(testkit.WaitTimeout):
			t.Errorf("raw server handlers still running at cleanup")
		}
	})
	return s
}

// rawServerSequence serves its connections with the handlers in order,
// the last one for any further connection.
func rawServerSequence(t *testing.T, handlers ...func(net.Conn, *bufio.Reader)) *rawServer {
	t.Helper()
	next := make(chan func(net.Conn, *bufio.Reader), len(handlers))
	for _, h := range handlers {
		next <- h
	}
	last := handlers[len(handlers)-1]
	return newRawServer(t, func(c net.Conn, br *bufio.Reader) {
		select {
		case h := <-next:
			h(c, br)
		default:
			last(c, br)
		}
	})
}

// respondWith returns a raw handler that reads one request and writes
// response verbatim, then closes the connection.
func respondWith(response string) func(net.Conn, *bufio.Reader) {
	return func(c net.Conn, br *bufio.Reader) {
		if _, err := readRawRequest(br); err != nil {
			return
		}
		io.WriteString(c, response)
	}
}

// rawRequest is a request as read off the wire.
type rawRequest struct {
	head    string // request line and headers, CRLFs and final blank line included
	method  string
	target  string
	headers []httpwire.Header // as sent: case, order and duplicates kept
	body    []byte            // de-chunked
	chunked bool
}

func (r *rawRequest) header(name string) string { return httpwire.HeaderValue(r.headers, name) }

// readRawRequest reads one request head and its body (Content-Length or chunked).
func readRawRequest(br *bufio.Reader) (*rawRequest, error) {
	req, err := readRawHead(br)
	if err != nil {
		return nil, err
	}
	return req, req.readBody(br)
}

// readRawHead reads the request line and headers only.
func readRawHead(br *bufio.Reader) (*rawRequest, error) {
	var head strings.Builder
	req := &rawRequest{}
	for first := true; ; first = false {
		line, err := br.ReadString('\n')
		head.WriteString(line)
		if err != nil {
			return nil, err
		}
		line = strings.TrimRight(line, "\r\n")
		if first {
			parts := strings.SplitN(line, " ", 3)
			if len(parts) != 3 {
				return nil, fmt.Errorf("bad request line %q", line)
			}
			req.method, req.target = parts[0], parts[1]
			continue
		}
		if line == "" {
			break
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			return nil, fmt.Errorf("bad header line %q", line)
		}
		req.headers = append(req.headers, httpwire.Header{Name: name, Value: strings.TrimSpace(value)})
	}
	req.head = head.String()
	return req, nil
}

// readBody reads the body the head announced, de-chunking it.
func (req *rawRequest) readBody(br *bufio.Reader) error {
	switch {
	case strings.EqualFold(req.header("Transfer-Encoding"), "chunked"):
		req.chunked = true
		body, err := io.ReadAll(httputil.NewChunkedReader(br))
		if err != nil {
			return err
		}
		req.body = body
		for { // the trailer section ends with a blank line
			line, err := br.ReadString('\n')
			if err != nil {
				return err
			}
			if strings.TrimRight(line, "\r\n") == "" {
				return nil
			}
		}
	case req.header("Content-Length") != "":
		n, err := strconv.Atoi(req.header("Content-Length"))
		if err != nil {
			return err
		}
		req.body = make([]byte, n)
		_, err = io.ReadFull(br, req.body)
		return err
	}
	return nil
}
