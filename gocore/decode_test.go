package gocore

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/andybalholm/brotli"
	"github.com/go-net-request/go-net-request/gocore/neterr"
	"github.com/klauspost/compress/zstd"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// encode applies one content coding to p, as a server would.
func encode(t *testing.T, coding string, p []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	var w io.WriteCloser
	var err error
	switch coding {
	case "gzip":
		w = gzip.NewWriter(&buf)
	case "zlib":
		w = zlib.NewWriter(&buf)
	case "rawdeflate":
		w, err = flate.NewWriter(&buf, flate.DefaultCompression)
	case "br":
		w = brotli.NewWriter(&buf)
	case "zstd":
		w, err = zstd.NewWriter(&buf)
	default:
		t.Fatalf("unknown coding %q", coding)
	}
	require.NoError(t, err)
	_, err = w.Write(p)
	require.NoError(t, err)
	require.NoError(t, w.Close())
	return buf.Bytes()
}

// encodeAll applies codings in order (the first is applied first).
func encodeAll(t *testing.T, p []byte, codings ...string) []byte {
	t.Helper()
	for _, c := range codings {
		p = encode(t, c, p)
	}
	return p
}

// sample is compressible text large enough to span several reads.
var sample = []byte(strings.Repeat("The quick brown fox jumps over the lazy dog. ", 4000))

func TestDecodedBody(t *testing.T) {
	tests := []struct {
		name    string
		headers []Header
		body    []byte
		want    []byte
	}{
		{"no coding", nil, sample, sample},
		{"identity", []Header{{"Content-Encoding", "identity"}}, sample, sample},
		{"gzip", []Header{{"Content-Encoding", "gzip"}}, encodeAll(t, sample, "gzip"), sample},
		{"x-gzip", []Header{{"Content-Encoding", "x-gzip"}}, encodeAll(t, sample, "gzip"), sample},
		{"coding name in upper case", []Header{{"content-encoding", "GZIP"}}, encodeAll(t, sample, "gzip"), sample},
		{"deflate with zlib wrapper", []Header{{"Content-Encoding", "deflate"}}, encodeAll(t, sample, "zlib"), sample},
		{"deflate raw", []Header{{"Content-Encoding", "deflate"}}, encodeAll(t, sample, "rawdeflate"), sample},
		{"br", []Header{{"Content-Encoding", "br"}}, encodeAll(t, sample, "br"), sample},
		{"zstd", []Header{{"Content-Encoding", "zstd"}}, encodeAll(t, sample, "zstd"), sample},
		{"stacked in one header, last applied first undone", []Header{{"Content-Encoding", "gzip, br"}}, encodeAll(t, sample, "gzip", "br"), sample},
		{"stacked over two headers", []Header{{"Content-Encoding", "zstd"}, {"Content-Encoding", "deflate"}}, encodeAll(t, sample, "zstd", "zlib"), sample},
		{"stacked with identity between", []Header{{"Content-Encoding", "br, identity, gzip"}}, encodeAll(t, sample, "br", "gzip"), sample},
		{"unknown coding passed through", []Header{{"Content-Encoding", "compress"}}, []byte("as sent"), []byte("as sent")},
		{"empty gzip body", []Header{{"Content-Encoding", "gzip"}}, nil, nil},
		{"empty deflate body", []Header{{"Content-Encoding", "deflate"}}, nil, nil},
		{"empty br body", []Header{{"Content-Encoding", "br"}}, nil, nil},
		{"empty zstd body", []Header{{"Content-Encoding", "zstd"}}, nil, nil},
		{"empty stacked body", []Header{{"Content-Encoding", "gzip, br"}}, nil, nil},
		{"gzip with trailing bytes after the stream, ignored as Chromium does", []Header{{"Content-Encoding", "gzip"}}, append(encodeAll(t, []byte("hello"), "gzip"), "\r\n"...), []byte("hello")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newDecodedBody(iotest.HalfReader(bytes.NewReader(tt.body)), tt.headers)
			defer d.Close()
			got, err := io.ReadAll(d)
			require.NoError(t, err)
			assert.True(t, bytes.Equal(tt.want, got), "decoded %d bytes, want %d", len(got), len(tt.want))
		})
	}
}

func TestDecodedBodyCorruptData(t *testing.T) {
	gz := encodeAll(t, sample, "gzip")
	corruptPayload := bytes.Clone(gz)
	for i := 20; i < 60; i++ {
		corruptPayload[i] ^= 0xa5
	}
	badCRC := bytes.Clone(gz)
	badCRC[len(badCRC)-6] ^= 0xff
	tests := []struct {
		name   string
		coding string
		body   []byte
	}{
		{"gzip without its magic", "gzip", []byte("this is not gzip at all")},
		{"gzip with a corrupt payload", "gzip", corruptPayload},
		{"gzip with a bad checksum", "gzip", badCRC},
		{"gzip cut inside its header", "gzip", gz[:5]},
		{"deflate with a reserved block type", "deflate", []byte{0xff, 0xff, 0xff, 0xff}},
		{"deflate cut after one byte", "deflate", encodeAll(t, []byte("hello"), "rawdeflate")[:1]},
		{"br garbage", "br", bytes.Repeat([]byte{0xff}, 64)},
		{"zstd garbage", "zstd", []byte("definitely not a zstd frame")},
		{"zstd cut short", "zstd", encodeAll(t, sample, "zstd")[:40]},
		{"outer coding fine, inner corrupt", "gzip, br", encode(t, "br", []byte("not gzip inside"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newDecodedBody(bytes.NewReader(tt.body), []Header{{"Content-Encoding", tt.coding}})
			defer d.Close()
			_, err := io.ReadAll(d)
			require.Error(t, err, "a corrupt %s body must fail", tt.coding)
			assert.Equal(t, neterr.ContentDecodingFailed, netErrorName(err), "error %v", err)
		})
	}
}

func TestDecodedBodyKeepsTransportErrorNames(t *testing.T) {
	gz := encodeAll(t, sample, "gzip")
	tests := []struct {
		name    string
		coding  string
		prefix  []byte
		failure string
	}{
		{"identity body cut short", "", sample[:100], neterr.ContentLengthMismatch},
		{"gzip body cut short", "gzip", gz[:len(gz)/2], neterr.ContentLengthMismatch},
		{"gzip body with a bad chunk", "gzip", gz[:len(gz)/2], neterr.InvalidChunkedEncoding},
		{"br body before its first byte", "br", nil, neterr.IncompleteChunkedEncoding},
		{"zstd body reset", "zstd", encodeAll(t, sample, "zstd")[:50], neterr.ConnectionReset},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hs []Header
			if tt.coding != "" {
				hs = []Header{{"Content-Encoding", tt.coding}}
			}
			raw := io.MultiReader(bytes.NewReader(tt.prefix), iotest.ErrReader(neterr.New(tt.failure, nil)))
			d := newDecodedBody(raw, hs)
			defer d.Close()
			_, err := io.ReadAll(d)
			require.Error(t, err)
			assert.Equal(t, tt.failure, netErrorName(err), "a transport failure is not a decoding failure: %v", err)
		})
	}
}

func TestDecodedBodyCloseIsIdempotent(t *testing.T) {
	d := newDecodedBody(bytes.NewReader(encodeAll(t, sample, "zstd")), []Header{{"Content-Encoding", "zstd"}})
	got, err := io.ReadAll(d)
	require.NoError(t, err)
	assert.Len(t, got, len(sample))
	d.Close()
	d.Close()
}
