package transport

import (
	"bufio"
	"errors"
	"io"
	"net"
	"time"

	"github.com/go-net-request/go-net-request/gocore/proxy"
)

// Conn is one connection the engine speaks HTTP/1.1 on, or one HTTP/2
// stream's response body read as if it were one (Stream), so redirects,
// logins, decoding, credit and the cache work alike over both.
type Conn struct {
	Net       net.Conn      // the socket, the TLS connection over it, or an HTTP/2 stream
	Reader    *bufio.Reader // reads Net
	Writer    *bufio.Writer // writes Net; nil for an HTTP/2 stream
	Key       string        // the pool's key (see Key)
	HTTPProxy *proxy.Server // requests go to this http proxy in absolute form
	Stream    bool          // an HTTP/2 stream's body, not a connection
	Carrier   net.Conn      // for an HTTP/2 stream: the connection it rides on
	Dialed    DialTiming    // what opening the connection took (zero once reused)

	// The current request's timing.
	SentAt      time.Time // the request went out
	FirstByteAt time.Time // the first byte of its answer came

	idleSince time.Time
	tlsRaw    *bufferedConn // under TLS: the buffered socket the records come from
	// Facts for Timing, read once per connection.
	remoteHost, tlsVersion, cipher string
	remotePort                     int
}

// StreamConn is the Conn that reads an HTTP/2 response body through a
// reader of size bytes.
func StreamConn(body io.ReadCloser, key string, size int) *Conn {
	stream := &h2Stream{body: body}
	return &Conn{Net: stream, Reader: bufio.NewReaderSize(stream, size), Key: key, Stream: true}
}

// bufferedConn reads the socket through a large buffer, so TLS takes many
// records per system call and the body pump can tell which records have
// already arrived (TLS hands over one 16 KiB record per Read).
type bufferedConn struct {
	net.Conn
	r *bufio.Reader
}

func (b *bufferedConn) Read(p []byte) (int, error) { return b.r.Read(p) }

// tlsReadBuffer is how much ciphertext one socket read may take.
const tlsReadBuffer = 256 << 10

// healthy reports whether an idle connection is neither closed by the peer
// nor holding unsolicited bytes, with one non-blocking peek at the socket.
func (c *Conn) healthy() bool {
	if c.Reader.Buffered() > 0 {
		return false
	}
	raw, isTLS := c.Net, c.tlsRaw != nil
	if isTLS {
		if c.tlsRaw.r.Buffered() > 0 {
			return true // records (a session ticket, say) wait: only EOF is conclusive
		}
		raw = c.tlsRaw.Conn
	}
	state, err := peekSocket(raw)
	if err != nil {
		return true // cannot tell; a stale connection is retried anyway
	}
	// Over TLS, pending bytes may be a session ticket: only EOF is conclusive.
	return state == socketIdle || (isTLS && state == socketReadable)
}

// h2Stream is an HTTP/2 response body seen as a connection: reads come
// from the stream; closing it resets the stream, not the connection.
type h2Stream struct {
	body io.ReadCloser
}

func (s *h2Stream) Read(p []byte) (int, error) { return s.body.Read(p) }
func (s *h2Stream) Write(p []byte) (int, error) {
	return 0, errors.New("an HTTP/2 stream is read-only here")
}
func (s *h2Stream) Close() error                       { return s.body.Close() }
func (s *h2Stream) LocalAddr() net.Addr                { return nil }
func (s *h2Stream) RemoteAddr() net.Addr               { return nil }
func (s *h2Stream) SetDeadline(time.Time) error        { return nil } // the request's context cancels it
func (s *h2Stream) SetReadDeadline(time.Time) error    { return nil }
func (s *h2Stream) SetWriteDeadline(t time.Time) error { return nil }

// OverTLS reports whether c is a TLS connection the engine dialed, whose
// records are read through a buffer the body pump can look into.
func (c *Conn) OverTLS() bool { return c.tlsRaw != nil }
