package gocore

import (
	"context"
	"sync"

	"github.com/go-net-request/go-net-request/gocore/neterr"
)

// credit is the response-body window: bytes the host has said it will
// accept. The pump reads the socket only while credit is left, so a host
// that stops reading stops the socket (TCP backpressure to the server).
type credit struct {
	mu   sync.Mutex
	left int64
	wake chan struct{} // capacity 1: a grant happened
}

func newCredit(initial int64) *credit {
	return &credit{left: initial, wake: make(chan struct{}, 1)}
}

func (c *credit) grant(n int64) {
	if n <= 0 {
		return
	}
	c.mu.Lock()
	c.left += n
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// await blocks until some credit is left, and returns how much (at most max).
func (c *credit) await(ctx context.Context, max int64) (int64, error) {
	for {
		c.mu.Lock()
		left := c.left
		c.mu.Unlock()
		if left > 0 {
			return min(left, max), nil
		}
		select {
		case <-c.wake:
		case <-ctx.Done():
			return 0, neterr.Cause(ctx)
		}
	}
}

// take spends n if that much credit is left, without waiting.
func (c *credit) take(n int64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.left < n {
		return false
	}
	c.left -= n
	return true
}

func (c *credit) spend(n int64) {
	c.mu.Lock()
	c.left -= n
	c.mu.Unlock()
}

// uploadPipe carries a streamed request body from the host to the sender.
// It keeps the slices it is given, and calls each chunk's release once the
// chunk has gone to the socket or the exchange is over. Writes never block;
// once window bytes are queued write answers "not ready" and the pipe calls
// ready() when the sender has drained it to half, which is when the host
// may write again.
type uploadPipe struct {
	mu        sync.Mutex
	chunks    []uploadChunk
	queued    int
	window    int
	ended     bool   // the host ended the body
	closed    bool   // the exchange is over: chunks are released at once
	tellReady bool   // a writer was told to wait
	ready     func() // called without the lock held
	avail     chan struct{}
}

type uploadChunk struct {
	p       []byte
	release func() // may be nil
}

func (c uploadChunk) done() {
	if c.release != nil {
		c.release()
	}
}

func newUploadPipe(window int, ready func()) *uploadPipe {
	return &uploadPipe{window: window, ready: ready, avail: make(chan struct{}, 1)}
}

// write queues c (kept, not copied) and reports whether the host may write more now.
func (u *uploadPipe) write(c uploadChunk) (more bool) {
	u.mu.Lock()
	if u.closed || u.ended || len(c.p) == 0 {
		// A write after the end is ignored whether or not the exchange has
		// finished meanwhile: it must not depend on that race.
		more = !u.closed || u.ended
		u.mu.Unlock()
		c.done()
		return more
	}
	u.chunks = append(u.chunks, c)
	u.queued += len(c.p)
	more = u.queued < u.window
	if !more {
		u.tellReady = true
	}
	u.mu.Unlock()
	u.signal()
	return more
}

func (u *uploadPipe) end() {
	u.mu.Lock()
	u.ended = true
	u.mu.Unlock()
	u.signal()
}

// close releases every queued chunk and every later one: the exchange is over.
func (u *uploadPipe) close() {
	u.mu.Lock()
	chunks := u.chunks
	u.chunks, u.closed = nil, true
	u.mu.Unlock()
	for _, c := range chunks {
		c.done()
	}
}

func (u *uploadPipe) signal() {
	select {
	case u.avail <- struct{}{}:
	default:
	}
}

// next returns the queued chunks (nil and true once the body has ended).
func (u *uploadPipe) next(ctx context.Context) (chunks []uploadChunk, ended bool, err error) {
	for {
		u.mu.Lock()
		chunks, ended = u.chunks, u.ended
		u.chunks = nil
		u.mu.Unlock()
		if len(chunks) > 0 || ended {
			return chunks, ended && len(chunks) == 0, nil
		}
		select {
		case <-u.avail:
		case <-ctx.Done():
			return nil, false, neterr.Cause(ctx)
		}
	}
}

// sent records that chunks left the pipe for the socket, and releases them.
func (u *uploadPipe) sent(chunks []uploadChunk) {
	n := 0
	for _, c := range chunks {
		n += len(c.p)
		c.done()
	}
	u.mu.Lock()
	u.queued -= n
	notify := u.tellReady && u.queued <= u.window/2
	if notify {
		u.tellReady = false
	}
	u.mu.Unlock()
	if notify && u.ready != nil {
		u.ready()
	}
}
