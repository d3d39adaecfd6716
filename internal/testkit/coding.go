package testkit

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"io"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/zstd"
	"github.com/stretchr/testify/require"
)

// Encode applies one content coding to p, as a server would.
func Encode(t *testing.T, coding string, p []byte) []byte {
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

// EncodeAll applies codings in order (the first is applied first).
func EncodeAll(t *testing.T, p []byte, codings ...string) []byte {
	t.Helper()
	for _, c := range codings {
		p = Encode(t, c, p)
	}
	return p
}

// Sample is compressible text large enough to span several reads.
var Sample = []byte(strings.Repeat("The quick brown fox jumps over the lazy dog. ", 4000))
