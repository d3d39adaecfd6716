// Package httpwire is HTTP as it crosses the wire, with nothing of the
// engine's policy: the header list (case and order kept), the request head
// writer and response head parser (wire.go), body framing and the chunked
// coding, content decoding (decode.go), origins and loopback names
// (origin.go), and the Timing a response head carries.
//
// It is not internal: the host names Header and ResponseHead (bridge/
// builds request headers and reads response heads), as net/http's users
// name http.Header.
package httpwire

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/go-net-request/go-net-request/gocore/neterr"
)

// The HTTP/1.1 wire format: our own head writer (net/http sorts and
// canonicalises header names, Electron apps expect case and order kept),
// a head parser that keeps the raw header list, and body Framing that
// reports Chromium's error names.

// MaxResponseHead is Chromium's cap on a response head.
const MaxResponseHead = 256 << 10

// BufferSize is the size of a connection's read and write buffers; the
// head parser reads lines longer than it.
const BufferSize = 32 << 10

// ResponseHead is a response's status line and headers as received.
type ResponseHead struct {
	StatusCode int
	StatusText string
	Major      int
	Minor      int
	Headers    []Header // as received: case, order and duplicates kept
	URL        string   // the URL this response answers (after redirects)
	Reused     bool     // whether the connection had served a request before
	// Timing says how the answer came (nil from the cache).
	Timing *Timing
	// FromCache says the response came from the HTTP cache, not the network.
	FromCache bool
	// Complete says the whole body is in Body and no Data event follows.
	Complete bool
	Body     []byte // only when Complete; valid only during Sink.Response
}

// WriteRequestHead writes the request line and headers. It is the last
// gate before the wire: whatever entry point filled them, a method, target,
// header name or value that could end a line or the head (CR, LF, NUL; a
// space or control in the method or target) is refused with
// ERR_INVALID_ARGUMENT and nothing is written.
func WriteRequestHead(w *bufio.Writer, method, target string, hs []Header) error {
	if err := CheckRequestHead(method, target, hs); err != nil {
		return err
	}
	w.WriteString(method)
	w.WriteByte(' ')
	w.WriteString(target)
	w.WriteString(" HTTP/1.1\r\n")
	for _, h := range hs {
		w.WriteString(h.Name)
		w.WriteString(": ")
		w.WriteString(h.Value)
		w.WriteString("\r\n")
	}
	w.WriteString("\r\n")
	return nil
}

// CheckRequestHead is the structural guard of every request head the engine
// sends (HTTP/1.1, HTTP/2 and proxy CONNECT): a head that could carry an
// extra line is refused, so no entry point can inject one. The failure
// names the offending header, as a refused restricted header does.
func CheckRequestHead(method, target string, hs []Header) *neterr.Error {
	if !ValidToken(method) {
		return neterr.New(neterr.InvalidArgument, fmt.Errorf("request method %q", method))
	}
	if !validRequestTarget(target) {
		return neterr.New(neterr.InvalidArgument, fmt.Errorf("request target %q", target))
	}
	for _, h := range hs {
		if !ValidToken(h.Name) || !ValidHeaderValue(h.Value) {
			return &neterr.Error{Name: neterr.InvalidArgument, Header: h.Name, Err: fmt.Errorf("request header %q: %q", h.Name, h.Value)}
		}
	}
	return nil
}

// validRequestTarget reports whether t can sit between the method and the
// version of a request line: not empty, no space or control byte.
func validRequestTarget(t string) bool {
	if t == "" {
		return false
	}
	for i := 0; i < len(t); i++ {
		if t[i] <= ' ' || t[i] == 0x7f {
			return false
		}
	}
	return true
}

// ReadResponseHead reads one response head. It fails with
// ERR_EMPTY_RESPONSE when the connection closes before any byte,
// ERR_RESPONSE_HEADERS_TOO_BIG past 256 KiB, and ERR_INVALID_HTTP_RESPONSE
// when the status line is not HTTP/1.x or a line holds a CR that does not
// end it. It is one function because its state spans the whole head: the
// size cap and the line buffer cover the status line and every header
// line, and obs-fold joins a line to the header before it.
func ReadResponseHead(br *bufio.Reader) (*ResponseHead, error) {
	size := 0
	var line []byte
	readLine := func() ([]byte, error) {
		line = line[:0]
		for {
			chunk, err := br.ReadSlice('\n')
			size += len(chunk)
			if size > MaxResponseHead {
				return nil, neterr.New(neterr.ResponseHeadersTooBig, nil)
			}
			line = append(line, chunk...)
			if err == bufio.ErrBufferFull {
				continue
			}
			if err != nil {
				return nil, err
			}
			l := bytes.TrimSuffix(bytes.TrimSuffix(line, []byte("\n")), []byte("\r"))
			if bytes.IndexByte(l, '\r') >= 0 {
				// A CR that does not end the line. Chromium splits the
				// line there (AssembleRawHeaders delimits on [\r\n]+),
				// which makes "X: a\rInjected: yes" two headers; other
				// parsers read a space. We refuse the response, as the
				// web-platform-tests for HTTP/1 parsing expect, so no
				// reading of it reaches the app.
				return nil, neterr.New(neterr.InvalidHTTPResponse, errors.New("bare CR in the response head"))
			}
			return l, nil
		}
	}

	// A response that does not start as HTTP/1.x is refused as soon as its
	// first bytes show it (Chromium refuses HTTP/0.9 on these ports), not
	// after waiting for a line end that may never come.
	first, err := br.Peek(len("HTTP/"))
	if len(first) > 0 && !bytes.EqualFold(first, []byte("HTTP/")[:len(first)]) {
		return nil, neterr.New(neterr.InvalidHTTPResponse, nil)
	}
	if len(first) == 0 && err != nil {
		// Peek has taken the error from the reader: report it here.
		if errors.Is(err, io.EOF) {
			return nil, neterr.New(neterr.EmptyResponse, err)
		}
		return nil, err
	}
	status, err := readLine()
	if err != nil {
		if size == 0 && errors.Is(err, io.EOF) {
			return nil, neterr.New(neterr.EmptyResponse, err)
		}
		if errors.Is(err, io.EOF) {
			return nil, neterr.New(neterr.ConnectionClosed, err)
		}
		return nil, err
	}
	head, perr := parseStatusLine(string(status))
	if perr != nil {
		return nil, perr
	}
	for {
		l, err := readLine()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil, neterr.New(neterr.ConnectionClosed, err)
			}
			return nil, err
		}
		if len(l) == 0 {
			return head, nil
		}
		if l[0] == ' ' || l[0] == '\t' {
			// obs-fold: a continuation of the previous value.
			if n := len(head.Headers); n > 0 {
				head.Headers[n-1].Value += " " + strings.TrimSpace(string(l))
			}
			continue
		}
		colon := bytes.IndexByte(l, ':')
		if colon <= 0 {
			continue // Chromium skips lines that are not headers
		}
		// NULs are dropped, as Chromium does: the host's view of the head
		// separates fields with NUL.
		name := stripNUL(string(bytes.TrimRight(l[:colon], " \t")))
		value := stripNUL(string(bytes.Trim(l[colon+1:], " \t")))
		head.Headers = append(head.Headers, Header{Name: name, Value: value})
	}
}

func stripNUL(s string) string {
	if strings.IndexByte(s, 0) < 0 {
		return s
	}
	return strings.ReplaceAll(s, "\x00", "")
}

func parseStatusLine(line string) (*ResponseHead, *neterr.Error) {
	line = stripNUL(line)
	invalid := neterr.New(neterr.InvalidHTTPResponse, nil)
	if !strings.HasPrefix(line, "HTTP/") {
		return nil, invalid
	}
	version, rest, _ := strings.Cut(line[len("HTTP/"):], " ")
	majorText, minorText, ok := strings.Cut(version, ".")
	major, err1 := strconv.Atoi(majorText)
	minor, err2 := strconv.Atoi(minorText)
	if !ok || err1 != nil || err2 != nil || major != 1 || minor < 0 {
		return nil, invalid
	}
	codeText, reason, _ := strings.Cut(rest, " ")
	code, err := strconv.Atoi(codeText)
	if err != nil || len(codeText) != 3 || code < 100 {
		return nil, invalid
	}
	return &ResponseHead{StatusCode: code, StatusText: strings.TrimSpace(reason), Major: major, Minor: minor}, nil
}

// Framing describes how a response body is delimited.
type Framing struct {
	None      bool  // no body at all (HEAD, 1xx, 204, 304)
	Chunked   bool  // Transfer-Encoding: chunked
	Length    int64 // Content-Length, or -1 when the body runs to EOF
	KeepAlive bool  // whether the connection may serve another request
}

// FrameResponse decides the body Framing from the method and the head.
func FrameResponse(method string, head *ResponseHead) (Framing, *neterr.Error) {
	f := Framing{Length: -1, KeepAlive: keepAlive(head)}
	if method == "HEAD" || head.StatusCode < 200 || head.StatusCode == 204 || head.StatusCode == 304 {
		f.None = true
		f.Length = 0
		if head.StatusCode == 101 {
			f.KeepAlive = false // the connection now speaks another protocol
		}
		return f, nil
	}
	if te := lastToken(head.Headers, "Transfer-Encoding"); te != "" {
		if !strings.EqualFold(te, "chunked") {
			// A body coded in a way we cannot unframe runs to EOF.
			f.KeepAlive = false
			return f, nil
		}
		f.Chunked = true
		return f, nil
	}
	var length int64 = -1
	for _, h := range head.Headers {
		if !strings.EqualFold(h.Name, "Content-Length") {
			continue
		}
		for _, part := range strings.Split(h.Value, ",") {
			n, err := strconv.ParseInt(strings.TrimSpace(part), 10, 64)
			if err != nil || n < 0 {
				return f, neterr.New(neterr.InvalidHTTPResponse, nil)
			}
			if length >= 0 && n != length {
				return f, neterr.New(neterr.MultipleContentLength, nil)
			}
			length = n
		}
	}
	f.Length = length
	if length < 0 {
		f.KeepAlive = false
	}
	return f, nil
}

func keepAlive(head *ResponseHead) bool {
	for _, tok := range ConnectionTokens(head.Headers) {
		switch tok {
		case "close":
			return false
		case "keep-alive":
			return true
		}
	}
	return head.Minor >= 1
}

// ConnectionTokens lists the tokens of every Connection header, lower-cased,
// in order.
func ConnectionTokens(hs []Header) []string {
	var tokens []string
	for _, h := range hs {
		if strings.EqualFold(h.Name, "Connection") {
			for _, tok := range strings.Split(h.Value, ",") {
				tokens = append(tokens, strings.ToLower(strings.TrimSpace(tok)))
			}
		}
	}
	return tokens
}

// lastToken returns the last comma-separated token of all the values of name.
func lastToken(hs []Header, name string) string {
	last := ""
	for _, h := range hs {
		if strings.EqualFold(h.Name, name) {
			parts := strings.Split(h.Value, ",")
			if t := strings.TrimSpace(parts[len(parts)-1]); t != "" {
				last = t
			}
		}
	}
	return last
}

// BodyReader returns a reader of the framed body; its errors are
// NetErrors for Framing faults and the socket's own errors otherwise.
func BodyReader(br *bufio.Reader, f Framing) io.Reader {
	switch {
	case f.None:
		return eofReader{}
	case f.Chunked:
		return &chunkedReader{br: br}
	case f.Length >= 0:
		return &lengthReader{r: br, left: f.Length}
	default:
		return br
	}
}

type eofReader struct{}

func (eofReader) Read([]byte) (int, error) { return 0, io.EOF }

// lengthReader reads exactly left bytes; an early EOF is
// ERR_CONTENT_LENGTH_MISMATCH.
type lengthReader struct {
	r    io.Reader
	left int64
}

func (l *lengthReader) Read(p []byte) (int, error) {
	if l.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	if errors.Is(err, io.EOF) {
		if l.left > 0 {
			return n, neterr.New(neterr.ContentLengthMismatch, err)
		}
		err = nil
	}
	if l.left == 0 && err == nil {
		return n, io.EOF
	}
	return n, err
}

// chunkedReader decodes Transfer-Encoding: chunked. A malformed size line is
// ERR_INVALID_CHUNKED_ENCODING; EOF before the last chunk is
// ERR_INCOMPLETE_CHUNKED_ENCODING.
type chunkedReader struct {
	br       *bufio.Reader
	left     int64 // bytes left in the current chunk
	needCRLF bool  // the CRLF after a chunk's data is still unread
	done     bool
}

const maxChunkLine = 4096

func (c *chunkedReader) Read(p []byte) (int, error) {
	if c.done {
		return 0, io.EOF
	}
	if c.left == 0 {
		if c.needCRLF {
			if err := c.readCRLF(); err != nil {
				return 0, err
			}
			c.needCRLF = false
		}
		size, err := c.readSize()
		if err != nil {
			return 0, err
		}
		if size == 0 {
			if err := c.skipTrailer(); err != nil {
				return 0, err
			}
			c.done = true
			return 0, io.EOF
		}
		c.left = size
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.br.Read(p)
	c.left -= int64(n)
	if c.left == 0 {
		c.needCRLF = true
	}
	if errors.Is(err, io.EOF) {
		return n, neterr.New(neterr.IncompleteChunkedEncoding, err)
	}
	return n, err
}

func (c *chunkedReader) line() ([]byte, error) {
	l, err := c.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull || len(l) > maxChunkLine {
		return nil, neterr.New(neterr.InvalidChunkedEncoding, nil)
	}
	if errors.Is(err, io.EOF) {
		return nil, neterr.New(neterr.IncompleteChunkedEncoding, err)
	}
	if err != nil {
		return nil, err
	}
	return bytes.TrimRight(l, "\r\n"), nil
}

func (c *chunkedReader) readCRLF() error {
	l, err := c.line()
	if err != nil {
		return err
	}
	if len(l) != 0 {
		return neterr.New(neterr.InvalidChunkedEncoding, nil)
	}
	return nil
}

func (c *chunkedReader) readSize() (int64, error) {
	l, err := c.line()
	if err != nil {
		return 0, err
	}
	if i := bytes.IndexByte(l, ';'); i >= 0 {
		l = l[:i]
	}
	l = bytes.TrimRight(l, " \t")
	if len(l) == 0 || len(l) > 16 {
		return 0, neterr.New(neterr.InvalidChunkedEncoding, nil)
	}
	size, perr := strconv.ParseInt(string(l), 16, 64)
	if perr != nil || size < 0 {
		return 0, neterr.New(neterr.InvalidChunkedEncoding, perr)
	}
	return size, nil
}

func (c *chunkedReader) skipTrailer() error {
	for i := 0; ; i++ {
		l, err := c.line()
		if err != nil {
			return err
		}
		if len(l) == 0 {
			return nil
		}
		if i > 1000 {
			return neterr.New(neterr.InvalidChunkedEncoding, nil)
		}
	}
}

// ChunkWriter frames an upload as chunks on W; Close writes the last chunk.
type ChunkWriter struct{ W *bufio.Writer }

// WriteChunk writes p as one chunk (nothing when p is empty).
func (c ChunkWriter) WriteChunk(p []byte) {
	if len(p) == 0 {
		return // a zero-size chunk would end the body
	}
	c.W.WriteString(strconv.FormatInt(int64(len(p)), 16))
	c.W.WriteString("\r\n")
	c.W.Write(p)
	c.W.WriteString("\r\n")
}

// Close ends the body with the last (zero-size) chunk.
func (c ChunkWriter) Close() { c.W.WriteString("0\r\n\r\n") }
