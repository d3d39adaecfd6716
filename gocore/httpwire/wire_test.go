package httpwire

import (
	"bufio"
	"bytes"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/go-net-request/go-net-request/gocore/neterr"
	"github.com/go-net-request/go-net-request/internal/testkit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReadResponseHead(t *testing.T) {
	tests := []struct {
		name    string
		input   string
		want    ResponseHead
		wantErr string
	}{
		{
			name:  "status line with reason",
			input: "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
			want:  ResponseHead{StatusCode: 200, StatusText: "OK", Major: 1, Minor: 1, Headers: []Header{{"Content-Length", "0"}}},
		},
		{
			name:  "status line without reason",
			input: "HTTP/1.1 204\r\n\r\n",
			want:  ResponseHead{StatusCode: 204, StatusText: "", Major: 1, Minor: 1},
		},
		{
			name:  "reason with inner spaces and a trailing space",
			input: "HTTP/1.1 599 Very  Custom Reason \r\n\r\n",
			want:  ResponseHead{StatusCode: 599, StatusText: "Very  Custom Reason", Major: 1, Minor: 1},
		},
		{
			name:  "HTTP/1.0",
			input: "HTTP/1.0 404 Not Found\r\n\r\n",
			want:  ResponseHead{StatusCode: 404, StatusText: "Not Found", Major: 1, Minor: 0},
		},
		{
			name:  "bare LF line endings",
			input: "HTTP/1.1 200 OK\nX-A: 1\n\n",
			want:  ResponseHead{StatusCode: 200, StatusText: "OK", Major: 1, Minor: 1, Headers: []Header{{"X-A", "1"}}},
		},
		{
			name: "header case, order and duplicates kept",
			input: "HTTP/1.1 200 OK\r\nx-lower: a\r\nX-UPPER: B\r\nSet-Cookie: a=1\r\nset-cookie: b=2\r\n" +
				"X-Dup: 1\r\nContent-Type: text/plain\r\nX-Dup: 2\r\n\r\n",
			want: ResponseHead{StatusCode: 200, StatusText: "OK", Major: 1, Minor: 1, Headers: []Header{
				{"x-lower", "a"}, {"X-UPPER", "B"}, {"Set-Cookie", "a=1"}, {"set-cookie", "b=2"},
				{"X-Dup", "1"}, {"Content-Type", "text/plain"}, {"X-Dup", "2"},
			}},
		},
		{
			name:  "whitespace around names and values trimmed, empty value kept",
			input: "HTTP/1.1 200 OK\r\nTight:value\r\nSpaced \t:  v w \t\r\nX-Empty:\r\n\r\n",
			want: ResponseHead{StatusCode: 200, StatusText: "OK", Major: 1, Minor: 1, Headers: []Header{
				{"Tight", "value"}, {"Spaced", "v w"}, {"X-Empty", ""},
			}},
		},
		{
			name:  "obs-fold continues the previous value",
			input: "HTTP/1.1 200 OK\r\nX-Fold: a\r\n   b\r\n\tc \r\nX-Next: n\r\n\r\n",
			want: ResponseHead{StatusCode: 200, StatusText: "OK", Major: 1, Minor: 1, Headers: []Header{
				{"X-Fold", "a b c"}, {"X-Next", "n"},
			}},
		},
		{
			name:  "lines that are not headers are skipped",
			input: "HTTP/1.1 200 OK\r\nnot a header\r\n: no name\r\nX-A: 1\r\n\r\n",
			want:  ResponseHead{StatusCode: 200, StatusText: "OK", Major: 1, Minor: 1, Headers: []Header{{"X-A", "1"}}},
		},
		{
			name:  "a long header line spanning buffer fills",
			input: "HTTP/1.1 200 OK\r\nX-Long: " + strings.Repeat("v", 100<<10) + "\r\n\r\n",
			want: ResponseHead{StatusCode: 200, StatusText: "OK", Major: 1, Minor: 1, Headers: []Header{
				{"X-Long", strings.Repeat("v", 100<<10)},
			}},
		},
		{
			name:  "head just under the 256 KiB cap",
			input: testkit.BigHead(MaxResponseHead - 1024),
			want:  ResponseHead{StatusCode: 200, StatusText: "OK", Major: 1, Minor: 1, Headers: bigHeadHeaders(MaxResponseHead - 1024)},
		},
		{name: "EOF before any byte", input: "", wantErr: neterr.EmptyResponse},
		{name: "EOF inside the status line", input: "HTTP/1.1 20", wantErr: neterr.ConnectionClosed},
		{name: "EOF inside the headers", input: "HTTP/1.1 200 OK\r\nX-A: 1\r\n", wantErr: neterr.ConnectionClosed},
		{name: "HTML instead of a status line", input: "<html><body>hi</body></html>\r\n\r\n", wantErr: neterr.InvalidHTTPResponse},
		{name: "ICY status line", input: "ICY 200 OK\r\n\r\n", wantErr: neterr.InvalidHTTPResponse},
		{name: "HTTP/2 status line", input: "HTTP/2 200\r\n\r\n", wantErr: neterr.InvalidHTTPResponse},
		{name: "HTTP/2.0 status line", input: "HTTP/2.0 200 OK\r\n\r\n", wantErr: neterr.InvalidHTTPResponse},
		{name: "version without minor", input: "HTTP/1 200 OK\r\n\r\n", wantErr: neterr.InvalidHTTPResponse},
		{name: "non-numeric status", input: "HTTP/1.1 abc OK\r\n\r\n", wantErr: neterr.InvalidHTTPResponse},
		{name: "two-digit status", input: "HTTP/1.1 20 OK\r\n\r\n", wantErr: neterr.InvalidHTTPResponse},
		{name: "four-digit status", input: "HTTP/1.1 2000 OK\r\n\r\n", wantErr: neterr.InvalidHTTPResponse},
		{name: "status below 100", input: "HTTP/1.1 099 Low\r\n\r\n", wantErr: neterr.InvalidHTTPResponse},
		{name: "headers over 256 KiB", input: testkit.BigHead(MaxResponseHead + 1024), wantErr: neterr.ResponseHeadersTooBig},
		{name: "one header line over 256 KiB", input: "HTTP/1.1 200 OK\r\nX-Huge: " + strings.Repeat("h", MaxResponseHead) + "\r\n\r\n", wantErr: neterr.ResponseHeadersTooBig},
		{name: "status line over 256 KiB without a newline", input: "HTTP/1.1 200 " + strings.Repeat("r", MaxResponseHead+1), wantErr: neterr.ResponseHeadersTooBig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			input := tt.input
			if tt.wantErr == "" {
				input += "BODY" // must be left unread
			}
			br := bufio.NewReaderSize(strings.NewReader(input), BufferSize)
			head, err := ReadResponseHead(br)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Equal(t, tt.wantErr, neterr.NameOf(err), "error %v", err)
				assert.Nil(t, head)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want.StatusCode, head.StatusCode)
			assert.Equal(t, tt.want.StatusText, head.StatusText)
			assert.Equal(t, tt.want.Major, head.Major)
			assert.Equal(t, tt.want.Minor, head.Minor)
			assert.Equal(t, tt.want.Headers, head.Headers)
			rest, _ := io.ReadAll(br)
			assert.Equal(t, "BODY", string(rest), "the head is read exactly, no further")
		})
	}
}

// bigHeadHeaders are the headers of testkit.BigHead(size).
func bigHeadHeaders(size int) []Header {
	var hs []Header
	for range testkit.FillerCount(size) {
		hs = append(hs, Header{Name: "X-Filler", Value: testkit.FillerValue})
	}
	return hs
}

func TestReadResponseHeadLeavesPipelinedResponsesIntact(t *testing.T) {
	wire := "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" +
		"3\r\nabc\r\n0\r\nX-Trailer: t\r\n\r\n" +
		"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello" +
		"HTTP/1.1 204 No Content\r\n\r\n"
	br := bufio.NewReader(strings.NewReader(wire))
	want := []string{"abc", "hello", ""}
	for i, body := range want {
		head, err := ReadResponseHead(br)
		require.NoError(t, err, "response %d", i)
		f, ferr := FrameResponse("GET", head)
		require.Nil(t, ferr)
		got, err := io.ReadAll(BodyReader(br, f))
		require.NoError(t, err)
		assert.Equal(t, body, string(got), "response %d", i)
	}
	_, err := ReadResponseHead(br)
	assert.Equal(t, neterr.EmptyResponse, neterr.NameOf(err))
}

func TestFrameResponse(t *testing.T) {
	tests := []struct {
		name    string
		method  string
		head    string // status line and headers, without the blank line
		want    Framing
		wantErr string
	}{
		{name: "content length", method: "GET", head: "HTTP/1.1 200 OK\r\nContent-Length: 5", want: Framing{Length: 5, KeepAlive: true}},
		{name: "zero content length", method: "GET", head: "HTTP/1.1 200 OK\r\nContent-Length: 0", want: Framing{Length: 0, KeepAlive: true}},
		{name: "HEAD has no body whatever the length", method: "HEAD", head: "HTTP/1.1 200 OK\r\nContent-Length: 100", want: Framing{None: true, Length: 0, KeepAlive: true}},
		{name: "HEAD ignores conflicting lengths", method: "HEAD", head: "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2", want: Framing{None: true, Length: 0, KeepAlive: true}},
		{name: "204 has no body", method: "GET", head: "HTTP/1.1 204 No Content\r\nContent-Length: 10", want: Framing{None: true, Length: 0, KeepAlive: true}},
		{name: "304 has no body", method: "GET", head: "HTTP/1.1 304 Not Modified\r\nContent-Length: 10", want: Framing{None: true, Length: 0, KeepAlive: true}},
		{name: "1xx has no body", method: "GET", head: "HTTP/1.1 103 Early Hints", want: Framing{None: true, Length: 0, KeepAlive: true}},
		{name: "101 ends HTTP on the connection", method: "GET", head: "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket", want: Framing{None: true, Length: 0, KeepAlive: false}},
		{name: "chunked", method: "GET", head: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked", want: Framing{Chunked: true, Length: -1, KeepAlive: true}},
		{name: "chunked in any case", method: "GET", head: "HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked", want: Framing{Chunked: true, Length: -1, KeepAlive: true}},
		{name: "chunked as the last of several codings", method: "GET", head: "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked", want: Framing{Chunked: true, Length: -1, KeepAlive: true}},
		{name: "chunked in a second header", method: "GET", head: "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked", want: Framing{Chunked: true, Length: -1, KeepAlive: true}},
		{name: "chunked wins over content length", method: "GET", head: "HTTP/1.1 200 OK\r\nContent-Length: 10\r\nTransfer-Encoding: chunked", want: Framing{Chunked: true, Length: -1, KeepAlive: true}},
		{name: "unknown transfer coding runs to EOF", method: "GET", head: "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip", want: Framing{Length: -1, KeepAlive: false}},
		{name: "no framing runs to EOF", method: "GET", head: "HTTP/1.1 200 OK", want: Framing{Length: -1, KeepAlive: false}},
		{name: "repeated equal lengths in one header", method: "GET", head: "HTTP/1.1 200 OK\r\nContent-Length: 5, 5", want: Framing{Length: 5, KeepAlive: true}},
		{name: "repeated equal length headers", method: "GET", head: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5", want: Framing{Length: 5, KeepAlive: true}},
		{name: "conflicting lengths in one header", method: "GET", head: "HTTP/1.1 200 OK\r\nContent-Length: 5, 6", wantErr: neterr.MultipleContentLength},
		{name: "conflicting length headers", method: "GET", head: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\ncontent-length: 6", wantErr: neterr.MultipleContentLength},
		{name: "non-numeric length", method: "GET", head: "HTTP/1.1 200 OK\r\nContent-Length: five", wantErr: neterr.InvalidHTTPResponse},
		{name: "negative length", method: "GET", head: "HTTP/1.1 200 OK\r\nContent-Length: -1", wantErr: neterr.InvalidHTTPResponse},
		{name: "HTTP/1.1 Connection: close", method: "GET", head: "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nConnection: close", want: Framing{Length: 1, KeepAlive: false}},
		{name: "HTTP/1.1 Connection: CLOSE among other tokens", method: "GET", head: "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nConnection: x-foo, CLOSE", want: Framing{Length: 1, KeepAlive: false}},
		{name: "HTTP/1.0 closes by default", method: "GET", head: "HTTP/1.0 200 OK\r\nContent-Length: 1", want: Framing{Length: 1, KeepAlive: false}},
		{name: "HTTP/1.0 keep-alive", method: "GET", head: "HTTP/1.0 200 OK\r\nContent-Length: 1\r\nConnection: Keep-Alive", want: Framing{Length: 1, KeepAlive: true}},
		{name: "HTTP/1.0 keep-alive without a length runs to EOF", method: "GET", head: "HTTP/1.0 200 OK\r\nConnection: keep-alive", want: Framing{Length: -1, KeepAlive: false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			head, err := ReadResponseHead(bufio.NewReader(strings.NewReader(tt.head + "\r\n\r\n")))
			require.NoError(t, err)
			f, ferr := FrameResponse(tt.method, head)
			if tt.wantErr != "" {
				require.NotNil(t, ferr)
				assert.Equal(t, tt.wantErr, ferr.Name)
				return
			}
			require.Nil(t, ferr)
			assert.Equal(t, tt.want, f)
		})
	}
}

func TestChunkedReader(t *testing.T) {
	tests := []struct {
		name     string
		input    string
		want     string // body decoded before the end or the error
		wantErr  string
		wantRest string // what is left for the next response
	}{
		{name: "one chunk", input: "5\r\nhello\r\n0\r\n\r\nNEXT", want: "hello", wantRest: "NEXT"},
		{name: "several chunks", input: "3\r\nabc\r\n4\r\ndefg\r\n1\r\nh\r\n0\r\n\r\nNEXT", want: "abcdefgh", wantRest: "NEXT"},
		{name: "hex sizes in both cases", input: "A\r\n0123456789\r\nb\r\nabcdefghijk\r\n0\r\n\r\n", want: "0123456789abcdefghijk"},
		{name: "chunk extensions", input: "5;name=value\r\nhello\r\n3 ; quoted=\"a;b\"\r\nabc\r\n0;last\r\n\r\nNEXT", want: "helloabc", wantRest: "NEXT"},
		{name: "whitespace after the size", input: "5 \t\r\nhello\r\n0\r\n\r\n", want: "hello"},
		{name: "trailers skipped", input: "5\r\nhello\r\n0\r\nX-Trailer: 1\r\nY: 2\r\n\r\nNEXT", want: "hello", wantRest: "NEXT"},
		{name: "bare LF", input: "5\nhello\n0\n\nNEXT", want: "hello", wantRest: "NEXT"},
		{name: "empty body", input: "0\r\n\r\nNEXT", want: "", wantRest: "NEXT"},
		{name: "size not hex", input: "zz\r\nhello\r\n0\r\n\r\n", wantErr: neterr.InvalidChunkedEncoding},
		{name: "negative size", input: "-5\r\nhello\r\n0\r\n\r\n", wantErr: neterr.InvalidChunkedEncoding},
		{name: "0x prefix", input: "0x5\r\nhello\r\n0\r\n\r\n", wantErr: neterr.InvalidChunkedEncoding},
		{name: "empty size line", input: "\r\nhello\r\n0\r\n\r\n", wantErr: neterr.InvalidChunkedEncoding},
		{name: "size overflowing int64", input: "ffffffffffffffff\r\nx\r\n", wantErr: neterr.InvalidChunkedEncoding},
		{name: "more than 16 digits", input: "00000000000000005\r\nhello\r\n0\r\n\r\n", wantErr: neterr.InvalidChunkedEncoding},
		{name: "size line over the buffer", input: "5;" + strings.Repeat("x", 5000) + "\r\nhello\r\n0\r\n\r\n", wantErr: neterr.InvalidChunkedEncoding},
		{name: "data longer than its size", input: "5\r\nhelloXX\r\n0\r\n\r\n", want: "hello", wantErr: neterr.InvalidChunkedEncoding},
		{name: "EOF before any size", input: "", wantErr: neterr.IncompleteChunkedEncoding},
		{name: "EOF inside a size line", input: "5", wantErr: neterr.IncompleteChunkedEncoding},
		{name: "EOF inside the data", input: "5\r\nhel", want: "hel", wantErr: neterr.IncompleteChunkedEncoding},
		{name: "EOF before the data's CRLF", input: "5\r\nhello", want: "hello", wantErr: neterr.IncompleteChunkedEncoding},
		{name: "EOF before the last chunk", input: "5\r\nhello\r\n", want: "hello", wantErr: neterr.IncompleteChunkedEncoding},
		{name: "EOF inside the trailers", input: "5\r\nhello\r\n0\r\nX-Trailer: 1\r\n", want: "hello", wantErr: neterr.IncompleteChunkedEncoding},
	}
	readers := []struct {
		name string
		wrap func(io.Reader) io.Reader
	}{
		{"whole reads", func(r io.Reader) io.Reader { return r }},
		{"one-byte reads", iotest.OneByteReader},
	}
	for _, tt := range tests {
		for _, rd := range readers {
			t.Run(tt.name+"/"+rd.name, func(t *testing.T) {
				br := bufio.NewReader(strings.NewReader(tt.input))
				got, err := io.ReadAll(rd.wrap(&chunkedReader{br: br}))
				assert.Equal(t, tt.want, string(got))
				if tt.wantErr != "" {
					require.Error(t, err)
					assert.Equal(t, tt.wantErr, neterr.NameOf(err), "error %v", err)
					return
				}
				require.NoError(t, err)
				rest, _ := io.ReadAll(br)
				assert.Equal(t, tt.wantRest, string(rest), "the body is read exactly, no further")
			})
		}
	}
}

func TestChunkedReaderStaysAtEOF(t *testing.T) {
	cr := &chunkedReader{br: bufio.NewReader(strings.NewReader("1\r\na\r\n0\r\n\r\n"))}
	_, err := io.ReadAll(cr)
	require.NoError(t, err)
	n, err := cr.Read(make([]byte, 8))
	assert.Zero(t, n)
	assert.Equal(t, io.EOF, err)
}

func TestLengthReader(t *testing.T) {
	tests := []struct {
		name     string
		input    string
		length   int64
		want     string
		wantErr  string
		wantRest string
	}{
		{name: "exact", input: "hello", length: 5, want: "hello"},
		{name: "stops at the length", input: "helloNEXT", length: 5, want: "hello", wantRest: "NEXT"},
		{name: "zero length", input: "NEXT", length: 0, want: "", wantRest: "NEXT"},
		{name: "short body", input: "hel", length: 5, want: "hel", wantErr: neterr.ContentLengthMismatch},
		{name: "nothing at all", input: "", length: 5, want: "", wantErr: neterr.ContentLengthMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			br := bufio.NewReader(strings.NewReader(tt.input))
			got, err := io.ReadAll(iotest.HalfReader(&lengthReader{r: br, left: tt.length}))
			assert.Equal(t, tt.want, string(got))
			if tt.wantErr != "" {
				assert.Equal(t, tt.wantErr, neterr.NameOf(err), "error %v", err)
				return
			}
			require.NoError(t, err)
			rest, _ := io.ReadAll(br)
			assert.Equal(t, tt.wantRest, string(rest))
		})
	}
}

func TestBodyReaderRunsToEOFWithoutFraming(t *testing.T) {
	br := bufio.NewReader(strings.NewReader("all of it until the close"))
	got, err := io.ReadAll(BodyReader(br, Framing{Length: -1}))
	require.NoError(t, err)
	assert.Equal(t, "all of it until the close", string(got))
}

func TestWriteRequestHead(t *testing.T) {
	tests := []struct {
		name    string
		method  string
		target  string
		headers []Header
		want    string
	}{
		{
			name:    "case, order and duplicates as given",
			method:  "GET",
			target:  "/path?q=1&r=%20",
			headers: []Header{{"Host", "example.test"}, {"x-lower", "a"}, {"X-UPPER", "B"}, {"X-Dup", "1"}, {"X-Dup", "2"}, {"Empty", ""}},
			want:    "GET /path?q=1&r=%20 HTTP/1.1\r\nHost: example.test\r\nx-lower: a\r\nX-UPPER: B\r\nX-Dup: 1\r\nX-Dup: 2\r\nEmpty: \r\n\r\n",
		},
		{
			name:   "no headers",
			method: "OPTIONS",
			target: "*",
			want:   "OPTIONS * HTTP/1.1\r\n\r\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			w := bufio.NewWriter(&buf)
			require.NoError(t, WriteRequestHead(w, tt.method, tt.target, tt.headers))
			require.NoError(t, w.Flush())
			assert.Equal(t, tt.want, buf.String())
		})
	}
}

func TestChunkWriterFramesAndRoundTrips(t *testing.T) {
	var buf bytes.Buffer
	w := bufio.NewWriter(&buf)
	cw := ChunkWriter{W: w}
	cw.WriteChunk([]byte("hello"))
	cw.WriteChunk(nil) // must not end the body early
	cw.WriteChunk(bytes.Repeat([]byte("x"), 300))
	cw.Close()
	require.NoError(t, w.Flush())
	assert.True(t, strings.HasPrefix(buf.String(), "5\r\nhello\r\n12c\r\n"), "got %q", buf.String()[:20])
	assert.True(t, strings.HasSuffix(buf.String(), "\r\n0\r\n\r\n"))

	got, err := io.ReadAll(&chunkedReader{br: bufio.NewReader(&buf)})
	require.NoError(t, err)
	assert.Equal(t, "hello"+strings.Repeat("x", 300), string(got))
}
