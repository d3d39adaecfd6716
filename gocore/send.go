package gocore

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/go-net-request/go-net-request/gocore/httpwire"
	"github.com/go-net-request/go-net-request/gocore/neterr"
)

// inlineBodyLimit is the largest buffered body written together with the
// head; larger ones are sent by a goroutine while the response is awaited.
const inlineBodyLimit = 64 << 10

// bodySender writes one hop's request body on its own goroutine, so the
// response can be read while a large or streamed body is still going out.
type bodySender struct {
	cancel   context.CancelCauseFunc // stops a sender waiting for streamed data
	done     chan error              // the sender's result, sent once
	finished atomic.Bool             // set just before done is sent
}

func (x *Exchange) startSender(c *hopConn, body []byte, streaming bool) {
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
func (x *Exchange) send(c *hopConn, h *hop) (*httpwire.ResponseHead, error) {
	x.stopSender() // a previous hop's: its connection is closed or idle by now
	target, headers := requestTarget(h.url), x.requestHeaders(h)
	if c.HTTPProxy != nil {
		target = absoluteTarget(h.url)
		headers = x.withProxyAuthorization(h, *c.HTTPProxy, target, headers)
	}
	inline := h.hasBody && len(h.body) <= inlineBodyLimit
	var body []byte
	if inline {
		body = h.body
	}
	if err := c.WriteRequest(h.method, target, headers, body); err != nil {
		return nil, err
	}
	switch {
	case inline:
		if len(h.body) > 0 {
			x.sink.UploadProgress(int64(len(h.body)), int64(len(h.body)))
		}
	case h.hasBody || h.streaming:
		// The sender gets its own copy of the hop's body state: a redirect
		// may change the hop while the sender still runs.
		x.startSender(c, h.body, h.streaming)
	}
	c.SentAt = time.Now()
	if x.req.Timeout <= 0 && x.sender == nil {
		// Chromium-like default: an answer that never begins is a timeout
		// (not while a body still goes out: a long upload is not a stall).
		// A timer, not a socket deadline: cheaper per request.
		stall := time.AfterFunc(x.client.opts.HeadTimeout, func() { x.cancel(neterr.New(neterr.TimedOut, nil)) })
		defer stall.Stop()
	}
	if err := c.AwaitAnswer(); err != nil {
		return nil, x.uploadFailure(c, err)
	}
	c.earlyAnswer = x.sender != nil && !x.sender.finished.Load()
	head, err := c.ReadFinalHead()
	if err != nil {
		return nil, x.uploadFailure(c, err)
	}
	return head, nil
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
func (x *Exchange) uploadFailure(c *hopConn, readErr error) error {
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
		c.Net.SetWriteDeadline(time.Now().Add(x.client.opts.HeadTimeout))
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
func (x *Exchange) sendBody(ctx context.Context, c *hopConn, body []byte, streaming bool, s *bodySender) {
	var err error
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("body sender panic: %v", r)
			c.Net.Close()
		}
		s.finished.Store(true)
		s.done <- err
	}()
	if !streaming {
		total := int64(len(body))
		for off := 0; off < len(body); {
			end := min(off+BodyChunk, len(body))
			if _, err = c.Writer.Write(body[off:end]); err == nil {
				err = c.Writer.Flush()
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
	cw := httpwire.ChunkWriter{W: c.Writer}
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
		err = c.Writer.Flush()
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
