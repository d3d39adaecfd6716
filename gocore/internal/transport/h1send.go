package transport

import (
	"errors"
	"io"
	"time"

	"github.com/go-net-request/go-net-request/gocore/httpwire"
	"github.com/go-net-request/go-net-request/gocore/neterr"
)

// WriteRequest writes an HTTP/1.1 request head and body (nil when the
// body goes out later, or there is none) and flushes them.
func (c *Conn) WriteRequest(method, target string, headers []httpwire.Header, body []byte) error {
	if err := httpwire.WriteRequestHead(c.Writer, method, target, headers); err != nil {
		return err
	}
	c.Writer.Write(body) // an error stays in the writer: Flush reports it
	return c.Writer.Flush()
}

// AwaitAnswer waits for the first byte of the answer and notes when it
// came (FirstByteAt). A connection closed before it is ERR_EMPTY_RESPONSE.
func (c *Conn) AwaitAnswer() error {
	if _, err := c.Reader.Peek(1); err != nil {
		if errors.Is(err, io.EOF) {
			return neterr.New(neterr.EmptyResponse, err)
		}
		return err // Peek took the error from the reader: report it here
	}
	c.FirstByteAt = time.Now()
	return nil
}

// ReadFinalHead reads the answer's head, skipping interim (1xx) ones; a
// 101 is final.
func (c *Conn) ReadFinalHead() (*httpwire.ResponseHead, error) {
	for {
		head, err := httpwire.ReadResponseHead(c.Reader)
		if err != nil {
			return nil, err
		}
		if head.StatusCode >= 200 || head.StatusCode == 101 {
			return head, nil
		}
	}
}
