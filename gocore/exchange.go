package gocore

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/go-net-request/go-net-request/gocore/auth"
	"github.com/go-net-request/go-net-request/gocore/httpwire"
	"github.com/go-net-request/go-net-request/gocore/neterr"
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
