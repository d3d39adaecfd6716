package gocore

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-net-request/go-net-request/internal/testkit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The response body is read from the socket only while the host has
// granted credit, so a host that stops reading stops the server.
func TestExchangeResponseCreditBackpressure(t *testing.T) {
	const (
		window = 64 << 10
		total  = 48 << 20
		// What may sit between the server and the host besides the
		// window: the connection's read buffer and both kernels' socket
		// buffers. Anything near total means the engine kept reading.
		slack = 16 << 20
	)
	var pushed atomic.Int64
	stalled := make(chan struct{}, 1)
	srv := newRawServer(t, func(c net.Conn, br *bufio.Reader) {
		if _, err := readRawRequest(br); err != nil {
			return
		}
		c.(*net.TCPConn).SetWriteBuffer(64 << 10)
		fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n", total)
		chunk := bytes.Repeat([]byte("b"), 16<<10)
		for pushed.Load() < total {
			// A write that cannot finish within the deadline means the
			// client stopped reading; say so and keep trying.
			c.SetWriteDeadline(time.Now().Add(100 * time.Millisecond))
			n, err := c.Write(chunk[:min(int64(len(chunk)), total-pushed.Load())])
			pushed.Add(int64(n))
			if errors.Is(err, os.ErrDeadlineExceeded) {
				select {
				case stalled <- struct{}{}:
				default:
				}
				continue
			}
			if err != nil {
				return
			}
		}
	})
	c := newClient(t, Options{})
	rec := newRecorder()
	rec.countOnly = true
	x := start(t, c, &Request{Method: "GET", URL: testkit.MustURL(t, srv.url), ResponseWindow: window}, rec)

	rec.waitBody(t, window)
	select { // a stall seen before the window was delivered does not count
	case <-stalled:
	default:
	}
	testkit.Recv(t, stalled, "the server to stall")
	atStall := pushed.Load()
	_, delivered := rec.received()
	t.Logf("server pushed %d KiB with %d KiB granted", atStall>>10, window>>10)
	assert.EqualValues(t, window, delivered, "nothing delivered beyond the credit")
	assert.Less(t, atStall, int64(window+slack), "the server pushed far more than the window and socket buffers")

	x.Grant(total)
	evs := waitDone(t, x, rec)
	requireEnd(t, evs)
	_, delivered = rec.received()
	assert.EqualValues(t, total, delivered)
}

// A streamed upload is held to UploadWindow bytes queued in the engine:
// WriteBody says to wait once it is full and WriteReady comes when the
// sender has drained it.
func TestExchangeStreamedBodyBackpressure(t *testing.T) {
	startReading := make(chan struct{})
	type upload struct {
		n      int
		intact bool
	}
	received := make(chan upload, 1)
	chunk := bytes.Repeat([]byte("0123456789abcdefghijklmnopqrstuvwxyz"), (64<<10)/36)
	srv := newRawServer(t, func(c net.Conn, br *bufio.Reader) {
		c.(*net.TCPConn).SetReadBuffer(32 << 10)
		req, err := readRawHead(br)
		if err != nil {
			return
		}
		select {
		case <-startReading:
		case <-t.Context().Done():
			return
		}
		if err := req.readBody(br); err != nil {
			return
		}
		intact := len(req.body)%len(chunk) == 0
		for off := 0; intact && off < len(req.body); off += len(chunk) {
			intact = bytes.Equal(req.body[off:off+len(chunk)], chunk)
		}
		received <- upload{len(req.body), intact}
		fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%d", len(fmt.Sprint(len(req.body))), len(req.body))
	})
	c := newClient(t, Options{})
	rec := newRecorder()
	x := start(t, c, &Request{Method: "POST", URL: testkit.MustURL(t, srv.url), BodyMode: BodyStreaming}, rec)

	const limit = 256 << 20
	written := 0
	for {
		more := x.WriteBody(chunk)
		written += len(chunk)
		if !more {
			break
		}
		require.Less(t, written, limit, "WriteBody never asked the host to wait while the server did not read")
	}
	t.Logf("WriteBody said wait after %d KiB", written>>10)
	assert.GreaterOrEqual(t, written, UploadWindow, "not before a whole window is queued")

	close(startReading)
	rec.waitKind(t, evWriteReady)
	for range 4 {
		x.WriteBody(chunk)
		written += len(chunk)
	}
	x.EndBody()

	got := testkit.Recv(t, received, "the upload")
	assert.Equal(t, written, got.n, "every byte arrived once")
	assert.True(t, got.intact, "the bytes arrived in order")
	evs := waitDone(t, x, rec)
	requireEnd(t, evs)
	body, _ := rec.received()
	assert.Equal(t, fmt.Sprint(written), body)
	progress := ofKind(evs, evUploadProgress)
	require.NotEmpty(t, progress)
	assert.EqualValues(t, written, progress[len(progress)-1].position)
	var last int64
	for _, p := range progress {
		assert.Greater(t, p.position, last, "upload positions grow")
		last = p.position
	}
}
