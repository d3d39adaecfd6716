package httpwire

import (
	"bytes"
	"io"
	"testing"
	"testing/iotest"

	"github.com/go-net-request/go-net-request/gocore/neterr"
	"github.com/go-net-request/go-net-request/internal/testkit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDecodedBody(t *testing.T) {
	tests := []struct {
		name    string
		headers []Header
		body    []byte
		want    []byte
	}{
		{"no coding", nil, testkit.Sample, testkit.Sample},
		{"identity", []Header{{"Content-Encoding", "identity"}}, testkit.Sample, testkit.Sample},
		{"gzip", []Header{{"Content-Encoding", "gzip"}}, testkit.EncodeAll(t, testkit.Sample, "gzip"), testkit.Sample},
		{"x-gzip", []Header{{"Content-Encoding", "x-gzip"}}, testkit.EncodeAll(t, testkit.Sample, "gzip"), testkit.Sample},
		{"coding name in upper case", []Header{{"content-encoding", "GZIP"}}, testkit.EncodeAll(t, testkit.Sample, "gzip"), testkit.Sample},
		{"deflate with zlib wrapper", []Header{{"Content-Encoding", "deflate"}}, testkit.EncodeAll(t, testkit.Sample, "zlib"), testkit.Sample},
		{"deflate raw", []Header{{"Content-Encoding", "deflate"}}, testkit.EncodeAll(t, testkit.Sample, "rawdeflate"), testkit.Sample},
		{"br", []Header{{"Content-Encoding", "br"}}, testkit.EncodeAll(t, testkit.Sample, "br"), testkit.Sample},
		{"zstd", []Header{{"Content-Encoding", "zstd"}}, testkit.EncodeAll(t, testkit.Sample, "zstd"), testkit.Sample},
		{"stacked in one header, last applied first undone", []Header{{"Content-Encoding", "gzip, br"}}, testkit.EncodeAll(t, testkit.Sample, "gzip", "br"), testkit.Sample},
		{"stacked over two headers", []Header{{"Content-Encoding", "zstd"}, {"Content-Encoding", "deflate"}}, testkit.EncodeAll(t, testkit.Sample, "zstd", "zlib"), testkit.Sample},
		{"stacked with identity between", []Header{{"Content-Encoding", "br, identity, gzip"}}, testkit.EncodeAll(t, testkit.Sample, "br", "gzip"), testkit.Sample},
		{"unknown coding passed through", []Header{{"Content-Encoding", "compress"}}, []byte("as sent"), []byte("as sent")},
		{"empty gzip body", []Header{{"Content-Encoding", "gzip"}}, nil, nil},
		{"empty deflate body", []Header{{"Content-Encoding", "deflate"}}, nil, nil},
		{"empty br body", []Header{{"Content-Encoding", "br"}}, nil, nil},
		{"empty zstd body", []Header{{"Content-Encoding", "zstd"}}, nil, nil},
		{"empty stacked body", []Header{{"Content-Encoding", "gzip, br"}}, nil, nil},
		{"gzip with trailing bytes after the stream, ignored as Chromium does", []Header{{"Content-Encoding", "gzip"}}, append(testkit.EncodeAll(t, []byte("hello"), "gzip"), "\r\n"...), []byte("hello")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := NewDecodedBody(iotest.HalfReader(bytes.NewReader(tt.body)), tt.headers)
			defer d.Close()
			got, err := io.ReadAll(d)
			require.NoError(t, err)
			assert.True(t, bytes.Equal(tt.want, got), "decoded %d bytes, want %d", len(got), len(tt.want))
		})
	}
}

func TestDecodedBodyCorruptData(t *testing.T) {
	gz := testkit.EncodeAll(t, testkit.Sample, "gzip")
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
		{"deflate cut after one byte", "deflate", testkit.EncodeAll(t, []byte("hello"), "rawdeflate")[:1]},
		{"br garbage", "br", bytes.Repeat([]byte{0xff}, 64)},
		{"zstd garbage", "zstd", []byte("definitely not a zstd frame")},
		{"zstd cut short", "zstd", testkit.EncodeAll(t, testkit.Sample, "zstd")[:40]},
		{"outer coding fine, inner corrupt", "gzip, br", testkit.Encode(t, "br", []byte("not gzip inside"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := NewDecodedBody(bytes.NewReader(tt.body), []Header{{"Content-Encoding", tt.coding}})
			defer d.Close()
			_, err := io.ReadAll(d)
			require.Error(t, err, "a corrupt %s body must fail", tt.coding)
			assert.Equal(t, neterr.ContentDecodingFailed, neterr.NameOf(err), "error %v", err)
		})
	}
}

func TestDecodedBodyKeepsTransportErrorNames(t *testing.T) {
	gz := testkit.EncodeAll(t, testkit.Sample, "gzip")
	tests := []struct {
		name    string
		coding  string
		prefix  []byte
		failure string
	}{
		{"identity body cut short", "", testkit.Sample[:100], neterr.ContentLengthMismatch},
		{"gzip body cut short", "gzip", gz[:len(gz)/2], neterr.ContentLengthMismatch},
		{"gzip body with a bad chunk", "gzip", gz[:len(gz)/2], neterr.InvalidChunkedEncoding},
		{"br body before its first byte", "br", nil, neterr.IncompleteChunkedEncoding},
		{"zstd body reset", "zstd", testkit.EncodeAll(t, testkit.Sample, "zstd")[:50], neterr.ConnectionReset},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hs []Header
			if tt.coding != "" {
				hs = []Header{{"Content-Encoding", tt.coding}}
			}
			raw := io.MultiReader(bytes.NewReader(tt.prefix), iotest.ErrReader(neterr.New(tt.failure, nil)))
			d := NewDecodedBody(raw, hs)
			defer d.Close()
			_, err := io.ReadAll(d)
			require.Error(t, err)
			assert.Equal(t, tt.failure, neterr.NameOf(err), "a transport failure is not a decoding failure: %v", err)
		})
	}
}

func TestDecodedBodyCloseIsIdempotent(t *testing.T) {
	d := NewDecodedBody(bytes.NewReader(testkit.EncodeAll(t, testkit.Sample, "zstd")), []Header{{"Content-Encoding", "zstd"}})
	got, err := io.ReadAll(d)
	require.NoError(t, err)
	assert.Len(t, got, len(testkit.Sample))
	d.Close()
	d.Close()
}
