package gocore

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-net-request/go-net-request/gocore/auth"
	"github.com/go-net-request/go-net-request/gocore/httpwire"
	"github.com/go-net-request/go-net-request/gocore/neterr"
	"github.com/go-net-request/go-net-request/gocore/proxy"
	"golang.org/x/net/http2"
)

// Sink receives an exchange's events. Calls come from the exchange's
// goroutines (Redirect, Login, Response, Data, End and Fail from one;
// UploadProgress and WriteReady possibly from the body sender), never
// concurrently with the terminal event, which is always the last call.
type Sink interface {
	// Redirect reports a hop; in manual mode the exchange then waits for FollowRedirect.
	Redirect(r *Redirect)
	// Login asks for credentials; the exchange waits for Login.
	Login(a *auth.Info)
	// Response delivers the final head; the body follows as Data. When
	// h.Complete, h.Body is the whole (small) body, valid only during the
	// call, and no Data follows: End comes next.
	Response(h *httpwire.ResponseHead)
	// Data delivers decoded body bytes; p is only valid during the call.
	Data(p []byte)
	// End is the terminal event of a complete response.
	End()
	// Fail is the terminal event of anything else, cancellation included.
	Fail(err *neterr.Error)
	// UploadProgress reports request-body bytes written to the socket.
	UploadProgress(position, total int64)
	// WriteReady says a streamed body's window has room again.
	WriteReady()
}

// ChunkSink is a Sink that lends the memory bodies are read into, which
// saves a copy: the bridge reads straight into the block it hands the host.
type ChunkSink interface {
	Sink
	// NewChunk returns memory for up to size body bytes.
	NewChunk(size int) []byte
	// SendChunk delivers chunk[:n] as Data (n > 0); the chunk belongs to the sink again.
	SendChunk(chunk []byte, n int)
	// DropChunk returns a chunk that received nothing.
	DropChunk(chunk []byte)
}

// Redirect describes one redirect hop.
type Redirect struct {
	StatusCode int
	Method     string // the method of the next hop
	URL        string
	Headers    []httpwire.Header // the redirect response's headers, as received
}

// An Exchange is one request and its response, across redirects and
// login retries.
//
//	start -> sending -> awaiting head --3xx--> (redirect, maybe ask) -> sending
//	                        |  \--401--> (login, ask) -> sending
//	                        v
//	                    response -> body (paced by credit) -> End
//	   \___ Cancel(cause) or any failure, from every state ___/-> Fail
//
// Exactly one terminal event (End or Fail) is emitted, and it is the last.
type Exchange struct {
	client *Client
	req    *Request
	sink   Sink
	ctx    context.Context
	cancel context.CancelCauseFunc // the cause is what the host is told
	credit *credit                 // response-body window, granted by the host
	upload *uploadPipe             // streamed request body; nil otherwise
	asking atomic.Int32            // the question awaiting an answer (ask*)
	answer chan answer             // capacity 1; one send per question
	done   chan struct{}           // closed after the terminal event

	startedAt time.Time   // for Timing
	sender    *bodySender // the current hop's body sender; nil when none
	wholeBody []byte      // a whole small body deliverWhole copied out of the read buffer (kept for the cache)
	watchdog  *time.Timer
}

type answer struct {
	follow  bool
	cred    *auth.Credentials
	verdict int
}

const (
	askNone int32 = iota
	askRedirect
	askLogin
	askCert
)

// maxRedirects is Chromium's limit.
const maxRedirects = 20

// maxLoginRounds caps the 401 and 407 answers one request retries with
// credentials (server and proxy logins together; a CONNECT tunnel counts its
// own), so a server that refuses every answer cannot loop forever; Chromium
// asks for as long as the app answers. 20, like redirects.
const maxLoginRounds = 20

// inlineBodyLimit is the largest buffered body written together with the
// head; larger ones are sent by a goroutine while the response is awaited.
const inlineBodyLimit = 64 << 10

// BodyChunk is the most body read per Data event (and per ChunkSink
// NewChunk). 64 KiB, not more: larger JS Buffers are mmap'd and faulted in
// afresh each time (256 KiB chunks halved download throughput), and the
// bridge recycles blocks of this size.
const BodyChunk = 64 << 10

// bodyBuffers recycles the body pump's read buffers (Data's bytes are only
// valid during the call, so a buffer is free again once the pump ends).
var bodyBuffers = sync.Pool{New: func() any { b := make([]byte, BodyChunk); return &b }}

// DefaultResponseWindow is the response-body credit granted up front when
// the request names none.
const DefaultResponseWindow = 1 << 20

// UploadWindow is how many streamed body bytes may wait in the engine.
const UploadWindow = 1 << 20

// Start begins an exchange on its own goroutine. Every outcome, invalid
// requests included, is reported through sink.
func (c *Client) Start(req *Request, sink Sink) *Exchange {
	ctx, cancel := context.WithCancelCause(context.Background())
	window := req.ResponseWindow
	if window <= 0 {
		window = DefaultResponseWindow
	}
	x := &Exchange{
		client: c,
		req:    req,
		sink:   sink,
		ctx:    ctx,
		cancel: cancel,
		credit: newCredit(window),
		answer: make(chan answer, 1),
		done:   make(chan struct{}),
	}
	x.startedAt = time.Now()
	if req.BodyMode == BodyStreaming {
		x.upload = newUploadPipe(UploadWindow, sink.WriteReady)
	}
	if req.Timeout > 0 {
		x.watchdog = time.AfterFunc(req.Timeout, func() { x.cancel(neterr.New(neterr.TimedOut, nil)) })
	}
	c.live.Add(1)
	go x.run()
	return x
}

// Cancel ends the exchange with cause (ERR_ABORTED when nil). It is safe
// to call at any time, any number of times; only the first cause counts.
func (x *Exchange) Cancel(cause *neterr.Error) {
	if cause == nil {
		cause = neterr.New(neterr.Aborted, nil)
	}
	x.cancel(cause)
}

// Grant gives the exchange n more bytes of response-body credit.
func (x *Exchange) Grant(n int64) { x.credit.grant(n) }

// WriteBody queues p (kept, not copied) for a streamed body and reports
// whether the host may write more before WriteReady.
func (x *Exchange) WriteBody(p []byte) (more bool) {
	return x.WriteBodyOwned(p, nil)
}

// WriteBodyOwned is WriteBody for memory the caller must get back: release
// (if not nil) is called exactly once, when p has gone to the socket or the
// exchange no longer needs it. The bridge writes from C memory this way,
// without a copy.
func (x *Exchange) WriteBodyOwned(p []byte, release func()) (more bool) {
	if x.upload == nil {
		if release != nil {
			release()
		}
		return true
	}
	return x.upload.write(uploadChunk{p: p, release: release})
}

// EndBody marks the end of a streamed body.
func (x *Exchange) EndBody() {
	if x.upload != nil {
		x.upload.end()
	}
}

// FollowRedirect answers a manual-mode Redirect. Late or repeated answers
// are ignored.
func (x *Exchange) FollowRedirect(follow bool) {
	if x.asking.CompareAndSwap(askRedirect, askNone) {
		x.answer <- answer{follow: follow}
	}
}

// Login answers a Login event: nil cancels the login and delivers the 401.
// Late or repeated answers are ignored.
//
// Credentials holding CR, LF or NUL fail the request with
// ERR_INVALID_ARGUMENT: they would go into a request header (Digest
// quotes them as they are), and the host's answer may come long after
// the login event, where nothing could catch a thrown error.
func (x *Exchange) Login(cred *auth.Credentials) {
	if cred != nil && (!httpwire.ValidHeaderValue(cred.Username) || !httpwire.ValidHeaderValue(cred.Password)) {
		if x.asking.CompareAndSwap(askLogin, askNone) {
			x.Cancel(neterr.New(neterr.InvalidArgument, errors.New("login credentials hold CR, LF or NUL")))
		}
		return
	}
	if x.asking.CompareAndSwap(askLogin, askNone) {
		x.answer <- answer{cred: cred}
	}
}

// Done is closed once the terminal event has been emitted.
func (x *Exchange) Done() <-chan struct{} { return x.done }

// hop is the per-hop state of the request: what redirects and logins change.
type hop struct {
	method       string
	url          *url.URL
	header       []httpwire.Header
	body         []byte // buffered body, replayable
	hasBody      bool
	streaming    bool
	login        auth.Login      // with the server: 401s and Authorization
	proxyLogin   auth.Login      // with a plain-http proxy: 407s and Proxy-Authorization
	revalidating *CachedResponse // the stored answer a conditional request revalidates
	sentAt       time.Time       // when this hop's request went out (cache ages)
	fetchSite    string          // Sec-Fetch-Site over the URL chain so far; "" before the first
}

func (x *Exchange) run() {
	terminated := false
	defer func() {
		if r := recover(); r != nil && !terminated {
			x.finish(neterr.New(neterr.Failed, fmt.Errorf("engine panic: %v", r)))
		}
		x.client.live.Add(-1)
		close(x.done)
	}()
	var failure *neterr.Error
	if err := x.loop(); err != nil {
		failure = x.explain(err)
	}
	terminated = true
	x.finish(failure)
}

// explain names err, preferring the cancellation cause when the context
// ended (an abort closes the socket, whose own error would mislead).
func (x *Exchange) explain(err error) *neterr.Error {
	if x.ctx.Err() != nil {
		return neterr.Cause(x.ctx)
	}
	return neterr.Classify(err)
}

// finish emits the terminal event after stopping the body sender.
func (x *Exchange) finish(failure *neterr.Error) {
	if x.watchdog != nil {
		x.watchdog.Stop()
	}
	x.cancel(errExchangeOver)
	x.stopSender()
	if x.upload != nil {
		x.upload.close() // gives back the chunks no one will send
	}
	if failure != nil {
		x.sink.Fail(failure)
		return
	}
	x.sink.End()
}

var errExchangeOver = errors.New("exchange over")

func (x *Exchange) progress() {
	if x.watchdog != nil {
		x.watchdog.Reset(x.req.Timeout)
	}
}

func (x *Exchange) loop() error {
	if err := x.req.Validate(); err != nil {
		return err
	}
	u := *x.req.URL
	h := &hop{
		method:    x.req.Method,
		url:       &u,
		header:    x.req.Header,
		body:      x.req.Body,
		hasBody:   x.req.BodyMode == BodyBuffered,
		streaming: x.req.BodyMode == BodyStreaming,
	}
	redirects := 0
	logins := 0
	for {
		x.applyPreemptiveAuth(h)
		if served, err := x.consultCache(h); served || err != nil {
			return err
		}
		h.sentAt = time.Now()
		c, head, err := x.roundTrip(h)
		if err != nil {
			return err
		}
		x.storeCookies(h, head)
		f, ferr := httpwire.FrameResponse(h.method, head)
		if ferr != nil {
			x.closeConn(c)
			return ferr
		}
		head.URL = displayURL(h.url)

		if wantsClose(h.header) {
			f.KeepAlive = false // the app asked for this connection to close
		}
		if c.earlyAnswer {
			// The answer began before the whole body went out: whatever the
			// server does with the rest, this connection is not reused.
			f.KeepAlive = false
		}

		if h.login.Sent != nil {
			if head.StatusCode == 401 {
				if !h.login.Pending {
					x.client.auth.Forget(h.login.Key) // cached credentials stopped working
				}
			} else if h.login.Pending {
				x.client.auth.Store(h.login.Key, h.login.Sent)
				h.login.Pending = false
			}
		}

		if loc := httpwire.HeaderValue(head.Headers, "Location"); isRedirect(head.StatusCode) && loc != "" {
			redirects++
			if err := x.redirect(h, c, head, f, loc, redirects); err != nil {
				return err
			}
			continue
		}
		if h.revalidating != nil && head.StatusCode == 304 {
			entry := x.client.cache.Update(h.revalidating, head, h.sentAt, time.Now())
			x.discard(c, f)
			return x.deliverCached(h, entry)
		}
		if c.httpProxy != nil {
			x.storeProxyAuth(h, head)
		}
		if head.StatusCode == 407 && c.httpProxy != nil && logins < maxLoginRounds {
			retry, err := x.proxyLogin(h, c, head, f)
			if err != nil {
				return err
			}
			if retry {
				logins++
				continue
			}
		}
		if head.StatusCode == 401 && !x.req.NoLogin && logins < maxLoginRounds {
			retry, err := x.login(h, c, head, f)
			if err != nil {
				return err
			}
			if retry {
				logins++
				continue
			}
		}
		if cache := x.client.cache; cache != nil && h.method != "GET" && h.method != "HEAD" {
			cache.InvalidateUnsafe(h.method, h.url, head)
		}
		return x.deliver(c, head, f, h)
	}
}

func isRedirect(code int) bool {
	switch code {
	case 301, 302, 303, 307, 308:
		return true
	}
	return false
}

// displayURL is u without credentials, as reported to the host.
func displayURL(u *url.URL) string {
	if u.User == nil {
		return u.String()
	}
	v := *u
	v.User = nil
	return v.String()
}

// redirect handles one 3xx hop: checks, policy, the host's decision, and
// the request changes Chromium makes.
func (x *Exchange) redirect(h *hop, c *conn, head *httpwire.ResponseHead, f httpwire.Framing, loc string, count int) error {
	next, err := h.url.Parse(loc)
	if err != nil {
		x.closeConn(c)
		return neterr.New(neterr.InvalidRedirect, err)
	}
	if next.Scheme != "http" && next.Scheme != "https" {
		x.closeConn(c)
		return neterr.New(neterr.UnsafeRedirect, nil)
	}
	if next.Host == "" {
		x.closeConn(c)
		return neterr.New(neterr.InvalidRedirect, nil)
	}
	if count > maxRedirects {
		x.closeConn(c)
		return neterr.New(neterr.TooManyRedirects, nil)
	}
	if x.req.Redirect == RedirectError {
		x.closeConn(c)
		return &neterr.Error{Name: neterr.RedirectPolicy, Detail: "Attempted to redirect, but redirect policy was 'error'"}
	}
	if next.Fragment == "" && h.url.Fragment != "" {
		next.Fragment = h.url.Fragment
	}
	method := h.method
	switch {
	case head.StatusCode == 303 && method != "HEAD":
		method = "GET"
	case (head.StatusCode == 301 || head.StatusCode == 302) && method == "POST":
		method = "GET"
	}
	x.discard(c, f)
	if x.ctx.Err() != nil {
		return neterr.Cause(x.ctx)
	}

	r := &Redirect{StatusCode: head.StatusCode, Method: method, URL: displayURL(next), Headers: head.Headers}
	if x.req.Redirect == RedirectManual {
		a, err := x.ask(askRedirect, func() { x.sink.Redirect(r) })
		if err != nil {
			return err
		}
		if !a.follow {
			return &neterr.Error{Name: neterr.RedirectCancelled, Detail: "Redirect was cancelled"}
		}
	} else {
		x.sink.Redirect(r)
	}

	if method != h.method && method == "GET" {
		h.hasBody, h.streaming, h.body = false, false, nil
		h.header = httpwire.WithoutHeaders(h.header, "Content-Type", "Content-Encoding", "Content-Language", "Content-Location")
	} else if h.streaming {
		return neterr.New(neterr.Failed, errors.New("a streamed body cannot be sent again after a redirect"))
	}
	if i := httpwire.HeaderIndex(h.header, "Referer"); i >= 0 {
		// Chromium reduces the referrer hop by hop: what one hop cut stays cut.
		ref := referrerFor(referrerFor(h.header[i].Value, x.req.ReferrerPolicy, h.url), x.req.ReferrerPolicy, next)
		if ref == "" {
			h.header = httpwire.WithoutHeaders(h.header, "Referer")
		} else {
			h.header = append([]httpwire.Header(nil), h.header...) // the app's list is shared: copy before changing
			h.header[i].Value = ref
		}
	}
	if httpwire.Origin(next) != httpwire.Origin(h.url) {
		h.header = httpwire.WithoutHeaders(h.header, "Authorization", "Proxy-Authorization")
		h.login.Reset()
	}
	h.method = method
	h.url = next
	return nil
}

// login answers a 401: from the URL's credentials, the session's cache, or
// the host. It reports whether to retry; false delivers the 401.
func (x *Exchange) login(h *hop, c *conn, head *httpwire.ResponseHead, f httpwire.Framing) (bool, error) {
	ch := auth.Pick(auth.ParseChallenges(head.Headers, "WWW-Authenticate"))
	if ch == nil {
		return false, nil
	}
	key := auth.Key{Origin: httpwire.Origin(h.url), Realm: ch.Params["realm"]}
	var cred *auth.Credentials
	switch {
	case !h.login.TriedURL && h.url.User != nil:
		h.login.TriedURL = true
		pass, _ := h.url.User.Password()
		cred = &auth.Credentials{Username: h.url.User.Username(), Password: pass}
	case !h.login.TriedCache && x.client.auth.Lookup(key) != nil:
		h.login.TriedCache = true
		cred = &x.client.auth.Lookup(key).Cred
	default:
		port := 0
		fmt.Sscanf(httpwire.Port(h.url), "%d", &port)
		info := &auth.Info{Scheme: ch.Scheme, Host: h.url.Hostname(), Port: port, Realm: ch.Params["realm"]}
		var err error
		if cred, err = x.askLoginFor(c, info); err != nil {
			return false, err
		}
	}
	if cred == nil {
		return false, nil
	}
	if err := x.readyToRetry(h, c, f); err != nil {
		return false, err
	}
	h.login.Answer(*ch, *cred, auth.PathBase(h.url.Path), key)
	return true, nil
}

// askLoginFor emits a login for info and waits for the host's answer; nil
// credentials cancel the login.
func (x *Exchange) askLoginFor(c *conn, info *auth.Info) (*auth.Credentials, error) {
	a, err := x.ask(askLogin, func() { x.sink.Login(info) })
	if err != nil {
		x.closeConn(c)
		return nil, err
	}
	return a.cred, nil
}

// readyToRetry drops a refused answer so the request can go again with
// credentials; a streamed body cannot be sent again.
func (x *Exchange) readyToRetry(h *hop, c *conn, f httpwire.Framing) error {
	if h.streaming {
		x.closeConn(c)
		return neterr.New(neterr.Failed, errors.New("a streamed body cannot be sent again for authentication"))
	}
	x.discard(c, f)
	return nil
}

// applyPreemptiveAuth sends cached Basic credentials for a URL below a path
// where they worked, saving the 401 round trip, as Chromium does.
func (x *Exchange) applyPreemptiveAuth(h *hop) {
	if h.login.Sent != nil || httpwire.HeaderIndex(h.header, "Authorization") >= 0 || x.req.NoLogin {
		return
	}
	if e := x.client.auth.Preemptive(httpwire.Origin(h.url), h.url.Path, false); e != nil {
		h.login.Sent = e
		h.login.Key = auth.Key{Origin: httpwire.Origin(h.url), Realm: e.Challenge.Params["realm"]}
		h.login.TriedCache = true
	}
}

// ask emits a question and waits for the host's answer or cancellation.
func (x *Exchange) ask(kind int32, emit func()) (answer, error) {
	select {
	case <-x.answer: // a stale answer from an earlier question
	default:
	}
	if x.watchdog != nil {
		// Time the app takes to answer is not the network stalling.
		x.watchdog.Stop()
		defer x.watchdog.Reset(x.req.Timeout)
	}
	x.asking.Store(kind)
	emit()
	select {
	case a := <-x.answer:
		return a, nil
	case <-x.ctx.Done():
		x.asking.Store(askNone)
		return answer{}, neterr.Cause(x.ctx)
	}
}

// requestTarget is u's origin-form target. Bytes a request line cannot
// carry (controls, spaces, non-ASCII) are percent-encoded, so no URL can
// split the request line.
func requestTarget(u *url.URL) string {
	t := u.RequestURI()
	if t == "" {
		return "/"
	}
	for i := 0; i < len(t); i++ {
		if t[i] <= ' ' || t[i] >= 0x7f {
			return escapeTarget(t)
		}
	}
	return t
}

func escapeTarget(t string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(t); i++ {
		if c := t[i]; c <= ' ' || c >= 0x7f {
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
			continue
		}
		b.WriteByte(t[i])
	}
	return b.String()
}

// hostHeader is host[:port], the port omitted when it is the scheme's default.
func hostHeader(u *url.URL) string {
	host := u.Hostname()
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if p := u.Port(); p != "" && p != map[string]string{"http": "80", "https": "443"}[u.Scheme] {
		return host + ":" + p
	}
	return host
}

// requestHeaders is the head we send: Host and framing first, then the
// app's headers in its order and case, then the defaults it did not set.
func (x *Exchange) requestHeaders(h *hop) []httpwire.Header {
	hs := make([]httpwire.Header, 0, len(h.header)+10)
	hs = append(hs, httpwire.Header{Name: "Host", Value: hostHeader(h.url)})
	if httpwire.HeaderIndex(h.header, "Connection") < 0 {
		hs = append(hs, httpwire.Header{Name: "Connection", Value: "keep-alive"})
	}
	switch {
	case h.hasBody:
		hs = append(hs, httpwire.Header{Name: "Content-Length", Value: strconv.Itoa(len(h.body))})
	case h.streaming:
		hs = append(hs, httpwire.Header{Name: "Transfer-Encoding", Value: "chunked"})
	case h.method == "POST" || h.method == "PUT":
		hs = append(hs, httpwire.Header{Name: "Content-Length", Value: "0"})
	}
	for _, hd := range h.header {
		if strings.EqualFold(hd.Name, "Referer") {
			// The app's Referer, filtered by the policy for this hop's URL.
			if ref := referrerFor(hd.Value, x.req.ReferrerPolicy, h.url); ref != "" {
				hs = append(hs, httpwire.Header{Name: hd.Name, Value: ref})
			}
			continue
		}
		hs = append(hs, hd)
	}
	if x.req.Initiator != "" && httpwire.HeaderIndex(h.header, "Origin") < 0 && h.method != "GET" && h.method != "HEAD" {
		// Chromium sends the initiator as Origin on requests that are not GET or HEAD.
		hs = append(hs, httpwire.Header{Name: "Origin", Value: x.req.Initiator})
	}
	if cookie := x.cookieHeader(h); cookie != "" {
		hs = append(hs, httpwire.Header{Name: "Cookie", Value: cookie})
	}
	hs = append(hs, conditionalHeaders(h)...)
	if sent := h.login.Sent; sent != nil && httpwire.HeaderIndex(h.header, "Authorization") < 0 {
		// Computed per hop: a Digest answer covers one method and URI.
		if value := auth.Authorization(&sent.Challenge, sent.Cred, h.method, requestTarget(h.url)); httpwire.ValidHeaderValue(value) {
			hs = append(hs, httpwire.Header{Name: "Authorization", Value: value})
		}
	}
	if httpwire.HeaderIndex(h.header, "User-Agent") < 0 {
		hs = append(hs, httpwire.Header{Name: "User-Agent", Value: x.client.UserAgent()})
	}
	if httpwire.HeaderIndex(h.header, "Accept-Encoding") < 0 {
		hs = append(hs, httpwire.Header{Name: "Accept-Encoding", Value: httpwire.DefaultAcceptEncoding})
	}
	if lang := x.client.AcceptLanguage(); lang != "" && httpwire.HeaderIndex(h.header, "Accept-Language") < 0 {
		hs = append(hs, httpwire.Header{Name: "Accept-Language", Value: lang})
	}
	initiator := x.req.Initiator
	if initiator == "" {
		initiator = httpwire.HeaderValue(h.header, "Origin")
	}
	// Every URL of the redirect chain counts, sent Fetch Metadata or not.
	h.fetchSite = leastSameFetchSite(h.fetchSite, fetchSite(initiator, h.url))
	if h.url.Scheme == "https" || httpwire.IsLoopbackHost(h.url.Hostname()) {
		// Chromium sends Fetch Metadata to potentially trustworthy origins only.
		if httpwire.HeaderIndex(h.header, "Sec-Fetch-Site") < 0 {
			hs = append(hs, httpwire.Header{Name: "Sec-Fetch-Site", Value: h.fetchSite})
		}
		if httpwire.HeaderIndex(h.header, "Sec-Fetch-Mode") < 0 {
			hs = append(hs, httpwire.Header{Name: "Sec-Fetch-Mode", Value: "no-cors"})
		}
		if httpwire.HeaderIndex(h.header, "Sec-Fetch-Dest") < 0 {
			hs = append(hs, httpwire.Header{Name: "Sec-Fetch-Dest", Value: "empty"})
		}
	}
	return hs
}

// fetchSite computes Sec-Fetch-Site from the initiator's origin: "none"
// without one (a browser-initiated request, as the main process's are).
func fetchSite(initiator string, target *url.URL) string {
	if initiator == "" {
		return "none"
	}
	o, err := url.Parse(initiator)
	if err != nil || o.Host == "" {
		return "cross-site"
	}
	if httpwire.Origin(o) == httpwire.Origin(target) {
		return "same-origin"
	}
	if sameSite(o, target) {
		return "same-site"
	}
	return "cross-site"
}

// roundTrip sends the hop's request and reads the final response head. A
// reused keep-alive connection that the server had already closed is
// retried on another, when the body can be sent again.
func (x *Exchange) roundTrip(h *hop) (*conn, *httpwire.ResponseHead, error) {
	host, port := h.url.Hostname(), httpwire.Port(h.url)
	routes, err := x.client.proxiesFor(x.ctx, h.url)
	if err != nil {
		return nil, nil, err
	}
	var lastErr error
	for _, via := range routes {
		c, head, err := x.roundTripVia(h, via, host, port)
		if err == nil {
			return c, head, nil
		}
		lastErr = err
		// Chromium falls back to the next proxy when one cannot be reached.
		if x.ctx.Err() != nil || via.IsDirect() || !proxyUnreachable(err) {
			break
		}
	}
	return nil, nil, lastErr
}

func proxyUnreachable(err error) bool {
	switch neterr.Classify(err).Name {
	case neterr.ProxyConnectionFailed, neterr.SOCKSConnectionFailed:
		return true
	}
	return false
}

// roundTripVia sends the hop's request over a connection reached through
// via and reads the final head. A reused keep-alive connection that the
// server had already closed is retried on another, when the body can be
// sent again.
func (x *Exchange) roundTripVia(h *hop, via proxy.Server, host, port string) (*conn, *httpwire.ResponseHead, error) {
	key := connKey(h.url.Scheme, host, port, via)
	var fresh *conn // the HTTP/2 connection this request opened, if it did
	secure := h.url.Scheme == "https"
	for attempt := 0; ; attempt++ {
		if cc, nc := x.h2For(secure, key); cc != nil {
			c, head, err := x.sendH2(cc, key, h)
			if err == nil {
				head.Reused = fresh == nil
				x.progress()
				c.h2Conn = nc
				if fresh != nil {
					c.dialed = fresh.dialed
				}
				x.stamp(head, c, fresh == nil)
			}
			return c, head, err
		}
		var c *conn
		if attempt < 3 {
			c = x.client.pool.get(key)
		}
		reused := c != nil
		if c == nil && secure {
			wait, owner := x.client.gate.enter(key)
			if wait != nil {
				select { // another request is finding out whether the origin speaks h2
				case <-wait:
				case <-x.ctx.Done():
					return nil, nil, neterr.Cause(x.ctx)
				}
				attempt--
				continue
			}
			if owner {
				var err error
				if c, err = x.dialVia(via, h.url.Scheme, host, port); err != nil {
					x.client.gate.leave(key, "")
					return nil, nil, err
				}
				protocol := "http/1.1"
				if tc, ok := c.nc.(*tls.Conn); ok && tc.ConnectionState().NegotiatedProtocol == "h2" {
					protocol = "h2"
					if _, err := x.client.upgradeAndPool(c); err != nil {
						x.client.gate.leave(key, "")
						return nil, nil, err
					}
					fresh = c
					x.client.gate.leave(key, protocol)
					attempt--
					continue // the pooled HTTP/2 connection serves this request too
				}
				x.client.gate.leave(key, protocol)
			}
		}
		if c == nil {
			var err error
			if c, err = x.dialVia(via, h.url.Scheme, host, port); err != nil {
				return nil, nil, err
			}
		}
		if tc, ok := c.nc.(*tls.Conn); ok && !reused && tc.ConnectionState().NegotiatedProtocol == "h2" {
			// An origin that was known to speak HTTP/1.1 now offers h2.
			cc, pooled, err := x.client.upgradeH2(c)
			if err != nil {
				return nil, nil, err
			}
			if !pooled {
				defer func() { go cc.Shutdown(context.Background()) }() // after its one request
			}
			stream, head, err := x.sendH2(cc, key, h)
			if err == nil {
				x.progress()
				stream.dialed, stream.h2Conn = c.dialed, c.nc
				x.stamp(head, stream, false)
			}
			return stream, head, err
		}
		x.watch(c)
		head, err := x.send(c, h)
		if err == nil {
			head.Reused = reused
			x.progress()
			x.stamp(head, c, reused)
			return c, head, nil
		}
		x.closeConn(c)
		if reused && x.ctx.Err() == nil && !h.streaming && staleConnError(err) {
			continue
		}
		return nil, nil, err
	}
}

// h2For is the pooled HTTP/2 connection for key; only https has any.
func (x *Exchange) h2For(secure bool, key string) (*http2.ClientConn, net.Conn) {
	if !secure {
		return nil, nil
	}
	return x.client.h2.get(key)
}

// stamp records on head how the answer came (Timing).
func (x *Exchange) stamp(head *httpwire.ResponseHead, c *conn, reused bool) {
	t := &httpwire.Timing{Reused: reused, Sent: c.sentAt.Sub(x.startedAt), FirstByte: c.firstByteAt.Sub(x.startedAt)}
	if !reused {
		t.DNS, t.Connect, t.TLS = c.dialed.dns, c.dialed.connect, c.dialed.tls
	}
	describeConn(t, c)
	head.Timing = t
}

// staleConnError reports whether err is what a reused connection that the
// server closed while idle looks like, before any response byte.
func staleConnError(err error) bool {
	switch neterr.Classify(err).Name {
	case neterr.EmptyResponse, neterr.ConnectionReset, neterr.ConnectionClosed:
		return true
	}
	return false
}

// watch makes cancellation of the exchange unblock any I/O on c.
func (x *Exchange) watch(c *conn) {
	c.unwatch = context.AfterFunc(x.ctx, func() { c.nc.SetDeadline(time.Unix(1, 0)) })
}

func (x *Exchange) closeConn(c *conn) {
	if c.unwatch != nil {
		c.unwatch()
	}
	c.nc.Close()
	x.stopSender() // closing the socket unblocks a sender stuck writing
}

// release returns c to the pool when it can serve another request: the
// response said keep-alive and the whole request body went out.
func (x *Exchange) release(c *conn, f httpwire.Framing) {
	if !f.KeepAlive || !x.senderSucceeded() || !c.unwatch() {
		x.closeConn(c)
		return
	}
	c.unwatch = nil
	x.client.pool.put(c)
}

// bodySender writes one hop's request body on its own goroutine, so the
// response can be read while a large or streamed body is still going out.
type bodySender struct {
	cancel   context.CancelCauseFunc // stops a sender waiting for streamed data
	done     chan error              // the sender's result, sent once
	finished atomic.Bool             // set just before done is sent
}

func (x *Exchange) startSender(c *conn, body []byte, streaming bool) {
	ctx, cancel := context.WithCancelCause(x.ctx)
	s := &bodySender{cancel: cancel, done: make(chan error, 1)}
	x.sender = s
	go x.sendBody(ctx, c, body, streaming, s)
}

// senderSucceeded reports, without waiting, whether the current hop's
// sender has written the whole body; a finished sender is forgotten.
func (x *Exchange) senderSucceeded() bool {
	s := x.sender
	if s == nil {
		return true
	}
	select {
	case err := <-s.done:
		s.cancel(nil)
		x.sender = nil
		return err == nil
	default:
		return false
	}
}

// stopSender cancels the current hop's sender and waits for it. Its
// connection must already be closed or fully written, so it cannot block.
func (x *Exchange) stopSender() {
	s := x.sender
	if s == nil {
		return
	}
	x.sender = nil
	s.cancel(nil)
	<-s.done
}

// send writes the request and reads the final head (skipping 1xx).
func (x *Exchange) send(c *conn, h *hop) (*httpwire.ResponseHead, error) {
	x.stopSender() // a previous hop's: its connection is closed or idle by now
	target, headers := requestTarget(h.url), x.requestHeaders(h)
	if c.httpProxy != nil {
		target = absoluteTarget(h.url)
		value := x.client.proxyAuthorization(*c.httpProxy, h.method, target)
		sent := h.proxyLogin.Sent
		h.proxyLogin.FromCache = value != "" && sent == nil
		if sent != nil {
			value = auth.Authorization(&sent.Challenge, sent.Cred, h.method, target)
		}
		if value != "" && httpwire.ValidHeaderValue(value) && httpwire.HeaderIndex(headers, "Proxy-Authorization") < 0 {
			headers = append(headers, httpwire.Header{Name: "Proxy-Authorization", Value: value})
		}
	}
	if err := httpwire.WriteRequestHead(c.bw, h.method, target, headers); err != nil {
		return nil, err
	}
	switch {
	case h.hasBody && len(h.body) <= inlineBodyLimit:
		c.bw.Write(h.body)
		if err := c.bw.Flush(); err != nil {
			return nil, err
		}
		if len(h.body) > 0 {
			x.sink.UploadProgress(int64(len(h.body)), int64(len(h.body)))
		}
	case h.hasBody || h.streaming:
		if err := c.bw.Flush(); err != nil {
			return nil, err
		}
		// The sender gets its own copy of the hop's body state: a redirect
		// may change the hop while the sender still runs.
		x.startSender(c, h.body, h.streaming)
	default:
		if err := c.bw.Flush(); err != nil {
			return nil, err
		}
	}
	c.sentAt = time.Now()
	if x.req.Timeout <= 0 && x.sender == nil {
		// Chromium-like default: an answer that never begins is a timeout
		// (not while a body still goes out: a long upload is not a stall).
		// A timer, not a socket deadline: cheaper per request.
		stall := time.AfterFunc(x.client.opts.HeadTimeout, func() { x.cancel(neterr.New(neterr.TimedOut, nil)) })
		defer stall.Stop()
	}
	if _, err := c.br.Peek(1); err != nil { // the first byte of the answer
		if errors.Is(err, io.EOF) {
			return nil, x.uploadFailure(c, neterr.New(neterr.EmptyResponse, err))
		}
		return nil, x.uploadFailure(c, err) // Peek took the error from the reader: report it here
	}
	c.firstByteAt = time.Now()
	c.earlyAnswer = x.sender != nil && !x.sender.finished.Load()
	for {
		head, err := httpwire.ReadResponseHead(c.br)
		if err != nil {
			return nil, x.uploadFailure(c, err)
		}
		if head.StatusCode >= 200 || head.StatusCode == 101 {
			return head, nil
		}
	}
}

// uploadFailure is what a hop reports when its response head could not be
// read (readErr) while its body was going out. Chromium's HttpStreamParser
// sends the whole body before it reads and, when that fails, reports the
// upload's error (ERR_CONNECTION_RESET, or ERR_CONNECTION_ABORTED) rather
// than what the read then meets (ERR_EMPTY_RESPONSE). So when the server
// ended the connection the sender is waited for while it writes what the
// host has handed it (a streamed body waits no more for the rest), and its
// error wins; the read's error stands when the whole body went out. A head
// that did arrive (a 413 before the server closed) is delivered: this is
// only for failures.
func (x *Exchange) uploadFailure(c *conn, readErr error) error {
	s := x.sender
	if s == nil || x.ctx.Err() != nil {
		return readErr
	}
	var sendErr error
	if connectionEnded(readErr) {
		// A streamed body whose next chunk the host has not written yet
		// stops waiting for it: it cannot be sent any more. A write the
		// server no longer reads is bounded like an answer that never comes.
		s.cancel(errUploadCut)
		c.nc.SetWriteDeadline(time.Now().Add(x.client.opts.HeadTimeout))
		sendErr = <-s.done
	} else {
		select {
		case sendErr = <-s.done:
		default:
			return readErr // the body may still be going out: the read's error is the news
		}
	}
	s.cancel(nil)
	x.sender = nil
	if sendErr == nil || x.ctx.Err() != nil {
		return readErr
	}
	return fmt.Errorf("sending the request body: %w", sendErr)
}

// errUploadCut is why a streamed body stops waiting for the host's next
// chunk once the server has ended the connection.
var errUploadCut = neterr.New(neterr.ConnectionReset, errors.New("the server closed the connection before the request body was sent"))

// connectionEnded reports whether err says the server closed or reset the
// connection before a whole response head.
func connectionEnded(err error) bool {
	switch neterr.Classify(err).Name {
	case neterr.EmptyResponse, neterr.ConnectionClosed, neterr.ConnectionReset, neterr.ConnectionAborted:
		return true
	}
	return false
}

// sendBody writes a large buffered body, or a streamed one as the host
// writes it, until done or ctx ends.
func (x *Exchange) sendBody(ctx context.Context, c *conn, body []byte, streaming bool, s *bodySender) {
	var err error
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("body sender panic: %v", r)
			c.nc.Close()
		}
		s.finished.Store(true)
		s.done <- err
	}()
	if !streaming {
		total := int64(len(body))
		for off := 0; off < len(body); {
			end := min(off+BodyChunk, len(body))
			if _, err = c.bw.Write(body[off:end]); err == nil {
				err = c.bw.Flush()
			}
			if err != nil {
				return
			}
			off = end
			x.progress()
			x.sink.UploadProgress(int64(off), total)
		}
		return
	}
	cw := httpwire.ChunkWriter{W: c.bw}
	var position int64
	for {
		chunks, ended, nerr := x.upload.next(ctx)
		if nerr != nil {
			err = nerr
			return
		}
		n := 0
		for _, ch := range chunks {
			cw.WriteChunk(ch.p)
			n += len(ch.p)
		}
		if ended {
			cw.Close()
		}
		err = c.bw.Flush()
		x.upload.sent(chunks) // written or failed, the chunks are done with
		if err != nil {
			return
		}
		if n > 0 {
			position += int64(n)
			x.progress()
			x.sink.UploadProgress(position, 0)
		}
		if ended {
			return
		}
	}
}

// discard drops a response body we do not deliver (redirects, retried
// 401s). It never waits for the network: a body that has fully arrived is
// skipped and the connection kept; otherwise the connection is closed.
func (x *Exchange) discard(c *conn, f httpwire.Framing) {
	if f.None {
		x.release(c, f)
		return
	}
	if f.Length < 0 && !f.Chunked {
		x.closeConn(c)
		return
	}
	buffered, _ := c.br.Peek(c.br.Buffered())
	src := bytes.NewReader(buffered)
	view := bufio.NewReaderSize(src, 4096)
	if _, err := io.Copy(io.Discard, httpwire.BodyReader(view, f)); err != nil {
		x.closeConn(c) // the body has not all arrived (or is malformed)
		return
	}
	consumed := len(buffered) - src.Len() - view.Buffered()
	c.br.Discard(consumed)
	x.release(c, f)
}

// readArrived tops buf[:m] up with TLS records that have already arrived,
// without waiting for the network: one event per 16 KiB record would cost
// the host a thread wake-up each. Only for bodies whose readers keep no
// state across a failed read (no chunk parser, no decoder).
func (x *Exchange) readArrived(c *conn, body io.Reader, buf []byte, m int) (int, error) {
	c.nc.SetReadDeadline(time.Unix(1, 0)) // reads now fail rather than wait
	var err error
	for m < len(buf) {
		var k int
		k, err = body.Read(buf[m:])
		m += k
		if err != nil || k == 0 {
			break
		}
	}
	c.nc.SetReadDeadline(time.Time{})
	if x.ctx.Err() != nil {
		c.nc.SetDeadline(time.Unix(1, 0)) // a cancel raced the reset above
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		err = nil // nothing more has arrived yet
	}
	return m, err
}

// deliverWhole delivers a response whose small, uncoded body arrived with
// its head as one Response event (no Data): the common API response then
// costs the host one event instead of three. The connection goes back to
// the pool before the event: an app that answers with its next request at
// once must find it there, not open another (at concurrency 64 a third of
// the connections were extra).
func (x *Exchange) deliverWhole(c *conn, head *httpwire.ResponseHead, f httpwire.Framing) bool {
	if !f.None {
		if f.Chunked || f.Length < 0 || f.Length > int64(c.br.Buffered()) ||
			httpwire.HeaderIndex(head.Headers, "Content-Encoding") >= 0 || !x.credit.take(f.Length) {
			return false
		}
		buffered, _ := c.br.Peek(int(f.Length))            // cannot block
		x.wholeBody = append(x.wholeBody[:0], buffered...) // the read buffer goes with the connection
		head.Body = x.wholeBody
		c.br.Discard(int(f.Length))
	}
	x.release(c, f)
	head.Complete = true
	x.sink.Response(head)
	head.Body = nil
	return true
}

// h2WholeWait is how long a small HTTP/2 body may hold back its head so the
// two travel as one event: the body is nearly always in the same read as
// the head, and a stream's reader has no way to say so without waiting.
const h2WholeWait = 500 * time.Microsecond

// h2HeadAlone starts the wait after which a small HTTP/2 body's head goes
// alone; stop ends the wait. A variable so that a test can make "nearly
// always" always, without a timer.
var h2HeadAlone = func(deliverHead func()) (stop func() bool) {
	return time.AfterFunc(h2WholeWait, deliverHead).Stop
}

// awaitH2Body reads a small HTTP/2 body of known length into c's buffer,
// where deliverWhole finds it. A body that takes longer than h2WholeWait
// gets the head delivered first, from a timer, so a slow body never delays
// the response; headSent reports that.
func (x *Exchange) awaitH2Body(c *conn, head *httpwire.ResponseHead, f httpwire.Framing) (headSent bool) {
	if !c.h2 || f.None || f.Chunked || f.Length <= 0 || f.Length > int64(c.br.Size()) ||
		httpwire.HeaderIndex(head.Headers, "Content-Encoding") >= 0 {
		return false
	}
	var mu sync.Mutex
	waiting, headSent := true, false
	stop := h2HeadAlone(func() {
		mu.Lock()
		defer mu.Unlock()
		if waiting {
			headSent = true
			x.sink.Response(head)
		}
	})
	c.br.Peek(int(f.Length)) // an error comes again from the pump's read
	stop()
	mu.Lock()
	defer mu.Unlock()
	waiting = false
	return headSent
}

// wantsClose reports whether the app's headers ask to close the connection.
func wantsClose(hs []httpwire.Header) bool {
	return slices.Contains(httpwire.ConnectionTokens(hs), "close")
}

// deliver emits the response and pumps its decoded body, paced by credit,
// keeping a copy for the HTTP cache when the response may be stored.
func (x *Exchange) deliver(c *conn, head *httpwire.ResponseHead, f httpwire.Framing, h *hop) error {
	cache := x.cacheFor(h)
	if cache != nil && !Storable(h.method, h.header, head) {
		cache = nil
	}
	headSent := x.awaitH2Body(c, head, f)
	if !headSent && x.deliverWhole(c, head, f) {
		if cache != nil {
			cache.Store(h.method, h.url, h.header, head, x.wholeBody, h.sentAt, time.Now())
		}
		x.wholeBody = nil
		return nil
	}
	raw := httpwire.BodyReader(c.br, f)
	var tee *cacheTee
	if cache != nil && f.Length <= maxCachedBody {
		tee = &cacheTee{r: raw}
		raw = tee
	}
	body := httpwire.NewDecodedBody(raw, head.Headers)
	defer body.Close()
	if !headSent {
		x.sink.Response(head)
	}
	return x.pumpBody(c, f, body, func() {
		if tee != nil && !tee.overflow {
			cache.Store(h.method, h.url, h.header, head, tee.buf.Bytes(), h.sentAt, time.Now())
		}
	})
}

// pumpBody delivers body as Data, paced by credit; at its end it calls
// completeFn (if any) and releases c (nil for a body from the cache).
func (x *Exchange) pumpBody(c *conn, f httpwire.Framing, body *httpwire.DecodedBody, completeFn func()) error {
	lender, lends := x.sink.(ChunkSink)
	var buf []byte
	if !lends {
		bufp := bodyBuffers.Get().(*[]byte)
		defer bodyBuffers.Put(bufp)
		buf = *bufp
	}
	fail := func(err error) error {
		if c != nil {
			x.closeConn(c)
		}
		return err
	}
	for {
		n, err := x.credit.await(x.ctx, BodyChunk)
		if err != nil {
			return fail(err)
		}
		if lends {
			buf = lender.NewChunk(int(n))
		}
		m, rerr := body.Read(buf[:n])
		if c != nil && m > 0 && int64(m) < n && rerr == nil && c.tlsRaw != nil && !f.Chunked && !body.Coded() {
			m, rerr = x.readArrived(c, body, buf[:n], m)
		}
		switch {
		case m > 0 && lends:
			x.credit.spend(int64(m))
			x.progress()
			lender.SendChunk(buf, m)
		case m > 0:
			x.credit.spend(int64(m))
			x.progress()
			x.sink.Data(buf[:m])
		case lends:
			lender.DropChunk(buf)
		}
		if rerr == io.EOF && x.ctx.Err() != nil {
			return fail(neterr.Cause(x.ctx)) // cancelled while the last bytes were delivered
		}
		if rerr == io.EOF {
			framingDone := body.FinishFraming()
			switch {
			case c == nil:
			case framingDone:
				x.release(c, f)
			default:
				x.closeConn(c)
			}
			if framingDone && completeFn != nil {
				completeFn()
			}
			return nil
		}
		if rerr != nil {
			return fail(rerr)
		}
	}
}
