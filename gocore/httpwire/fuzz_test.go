package httpwire

// Fuzz targets for the wire: what the engine parses from the network. Their
// seed corpora live in testdata/fuzz/<FuzzName>/ (see internal/testkit).

import (
	"bufio"
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/go-net-request/go-net-request/gocore/neterr"
	"github.com/go-net-request/go-net-request/internal/testkit"
)

// fuzzMethods are the methods FuzzReadResponseHead frames responses for.
var fuzzMethods = []string{"GET", "HEAD", "POST", "OPTIONS"}

// FuzzReadResponseHead feeds arbitrary bytes as a response: head, Framing,
// then the framed and decoded body. Nothing may panic; every failure is a
// neterr.Error; a head that parses is HTTP/1.x with a three-digit status.
func FuzzReadResponseHead(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte, methodIndex uint8, bufferSize uint16) {
		defer testkit.HangGuard("FuzzReadResponseHead", data, methodIndex, bufferSize)()
		size := 16 + int(bufferSize)%(BufferSize-16+1) // bufio's minimum .. the engine's size
		br := bufio.NewReaderSize(bytes.NewReader(data), size)
		head, err := ReadResponseHead(br)
		if err != nil {
			testkit.RequireNetError(t, "readResponseHead", err)
			if head != nil {
				t.Fatalf("readResponseHead returned a head with error %v", err)
			}
			return
		}
		if head == nil {
			t.Fatal("readResponseHead returned neither head nor error")
		}
		if head.Major != 1 || head.StatusCode < 100 || head.StatusCode > 999 {
			t.Fatalf("accepted head HTTP/%d.%d %d", head.Major, head.Minor, head.StatusCode)
		}
		for _, h := range head.Headers {
			if strings.ContainsAny(h.Name, "\n") || strings.ContainsAny(h.Value, "\n") {
				t.Fatalf("a header holds a line feed: %q: %q", h.Name, h.Value)
			}
		}
		method := fuzzMethods[int(methodIndex)%len(fuzzMethods)]
		fr, ferr := FrameResponse(method, head)
		if ferr != nil {
			testkit.RequireNetError(t, "frameResponse", ferr)
			return
		}
		if fr.None && fr.Length != 0 {
			t.Fatalf("no body but length %d", fr.Length)
		}
		body := NewDecodedBody(BodyReader(br, fr), head.Headers)
		defer body.Close()
		n, rerr := io.Copy(io.Discard, io.LimitReader(body, testkit.MaxFuzzBody))
		if rerr != nil {
			testkit.RequireNetError(t, "body", rerr)
			return
		}
		if n < testkit.MaxFuzzBody {
			if !body.Coded() && fr.Length >= 0 && n != fr.Length {
				t.Fatalf("an uncoded body of Content-Length %d ended after %d bytes without error", fr.Length, n)
			}
			if !body.Coded() && n > int64(len(data)) {
				t.Fatalf("an uncoded body of %d bytes from %d input bytes", n, len(data))
			}
			body.FinishFraming()
		}
	})
}

// FuzzChunkedReader decodes arbitrary bytes as a chunked body, read in
// pieces of a fuzzed size, and round-trips the same bytes as a payload
// through ChunkWriter.
func FuzzChunkedReader(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte, readSize uint16, chunkSize uint16) {
		defer testkit.HangGuard("FuzzChunkedReader", data, readSize, chunkSize)()
		step := 1 + int(readSize)%8192
		cr := &chunkedReader{br: bufio.NewReaderSize(bytes.NewReader(data), BufferSize)}
		buf := make([]byte, step)
		total := 0
		for {
			n, err := cr.Read(buf)
			if n < 0 || n > len(buf) {
				t.Fatalf("Read returned n=%d for a buffer of %d", n, len(buf))
			}
			total += n
			if total > len(data) {
				t.Fatalf("decoded %d bytes from %d input bytes", total, len(data))
			}
			if err == io.EOF {
				if n2, err2 := cr.Read(buf); n2 != 0 || err2 != io.EOF {
					t.Fatalf("Read after EOF: %d, %v", n2, err2)
				}
				break
			}
			if err != nil {
				switch name := testkit.RequireNetError(t, "chunked", err); name {
				case neterr.InvalidChunkedEncoding, neterr.IncompleteChunkedEncoding:
				default:
					t.Fatalf("chunked body failed with %s", name)
				}
				break
			}
			if n == 0 {
				t.Fatal("Read returned 0 bytes and no error")
			}
		}

		// Round trip: data framed by ChunkWriter in pieces decodes to data
		// (its first 8 KiB: one-byte chunks of a large input cost too much).
		payload := data[:min(len(data), 8<<10)]
		var wire bytes.Buffer
		bw := bufio.NewWriter(&wire)
		cw := ChunkWriter{W: bw}
		piece := 1 + int(chunkSize)%4096
		for off := 0; off < len(payload); off += piece {
			cw.WriteChunk(payload[off:min(off+piece, len(payload))])
		}
		cw.Close()
		bw.Flush()
		back, err := io.ReadAll(&chunkedReader{br: bufio.NewReader(&wire)})
		if err != nil {
			t.Fatalf("round trip failed: %v", err)
		}
		if !bytes.Equal(back, payload) {
			t.Fatalf("round trip changed the payload: %q -> %q", payload, back)
		}
	})
}
