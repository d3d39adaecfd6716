package gocore

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"sync"
	"time"

	"github.com/go-net-request/go-net-request/gocore/httpcache"
	"github.com/go-net-request/go-net-request/gocore/httpwire"
	"github.com/go-net-request/go-net-request/gocore/neterr"
)

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

// discard drops a response body we do not deliver (redirects, retried
// 401s). It never waits for the network: a body that has fully arrived is
// skipped and the connection kept; otherwise the connection is closed.
func (x *Exchange) discard(c *hopConn, f httpwire.Framing) {
	if f.None {
		x.release(c, f)
		return
	}
	if f.Length < 0 && !f.Chunked {
		x.closeConn(c)
		return
	}
	buffered, _ := c.Reader.Peek(c.Reader.Buffered())
	src := bytes.NewReader(buffered)
	view := bufio.NewReaderSize(src, 4096)
	if _, err := io.Copy(io.Discard, httpwire.BodyReader(view, f)); err != nil {
		x.closeConn(c) // the body has not all arrived (or is malformed)
		return
	}
	consumed := len(buffered) - src.Len() - view.Buffered()
	c.Reader.Discard(consumed)
	x.release(c, f)
}

// readArrived tops buf[:m] up with TLS records that have already arrived,
// without waiting for the network: one event per 16 KiB record would cost
// the host a thread wake-up each. Only for bodies whose readers keep no
// state across a failed read (no chunk parser, no decoder).
func (x *Exchange) readArrived(c *hopConn, body io.Reader, buf []byte, m int) (int, error) {
	c.Net.SetReadDeadline(time.Unix(1, 0)) // reads now fail rather than wait
	var err error
	for m < len(buf) {
		var k int
		k, err = body.Read(buf[m:])
		m += k
		if err != nil || k == 0 {
			break
		}
	}
	c.Net.SetReadDeadline(time.Time{})
	if x.ctx.Err() != nil {
		c.Net.SetDeadline(time.Unix(1, 0)) // a cancel raced the reset above
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
func (x *Exchange) deliverWhole(c *hopConn, head *httpwire.ResponseHead, f httpwire.Framing) bool {
	if !f.None {
		if f.Chunked || f.Length < 0 || f.Length > int64(c.Reader.Buffered()) ||
			httpwire.HeaderIndex(head.Headers, "Content-Encoding") >= 0 || !x.credit.take(f.Length) {
			return false
		}
		buffered, _ := c.Reader.Peek(int(f.Length))        // cannot block
		x.wholeBody = append(x.wholeBody[:0], buffered...) // the read buffer goes with the connection
		head.Body = x.wholeBody
		c.Reader.Discard(int(f.Length))
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
func (x *Exchange) awaitH2Body(c *hopConn, head *httpwire.ResponseHead, f httpwire.Framing) (headSent bool) {
	if !c.Stream || f.None || f.Chunked || f.Length <= 0 || f.Length > int64(c.Reader.Size()) ||
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
	c.Reader.Peek(int(f.Length)) // an error comes again from the pump's read
	stop()
	mu.Lock()
	defer mu.Unlock()
	waiting = false
	return headSent
}

// deliver emits the response and pumps its decoded body, paced by credit,
// keeping a copy for the HTTP cache when the response may be stored.
func (x *Exchange) deliver(c *hopConn, head *httpwire.ResponseHead, f httpwire.Framing, h *hop) error {
	cache := x.cacheFor(h)
	if cache != nil && !httpcache.Storable(h.method, h.header, head) {
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
	raw := httpwire.BodyReader(c.Reader, f)
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
func (x *Exchange) pumpBody(c *hopConn, f httpwire.Framing, body *httpwire.DecodedBody, completeFn func()) error {
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
		if c != nil && m > 0 && int64(m) < n && rerr == nil && c.OverTLS() && !f.Chunked && !body.Coded() {
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
