package main

// The bridge is a cgo package main; its tests build as a normal test binary
// (the exports and the C shim are only linked into the c-shared library).
// parseSpec is pure Go, so it is fuzzed directly. Seeds: testdata/fuzz/FuzzParseSpec.

import (
	"strings"
	"testing"

	"github.com/go-net-request/go-net-request/gocore"
)

// FuzzParseSpec decodes arbitrary request specs. Nothing may panic; a spec
// that decodes gives a request with sane modes and exactly the headers the
// spec lists, which Validate then judges without panicking.
func FuzzParseSpec(f *testing.F) {
	f.Fuzz(func(t *testing.T, spec string, body []byte) {
		req, _, err := parseSpec(spec, body)
		if err != nil {
			if req != nil {
				t.Fatalf("parseSpec returned a request with error %v", err)
			}
			return
		}
		if req == nil || req.URL == nil {
			t.Fatal("parseSpec returned no request and no error")
		}
		if req.Redirect < gocore.RedirectFollow || req.Redirect > gocore.RedirectManual {
			t.Fatalf("redirect mode %d", req.Redirect)
		}
		if req.CacheMode < 0 || req.CacheMode > gocore.CacheOnlyIfCached {
			t.Fatalf("cache mode %d", req.CacheMode)
		}
		fields := strings.Split(spec, "\x00")
		if want := (len(fields) - specHeaders) / 2; len(req.Header) != want {
			t.Fatalf("%d headers from %d spec fields", len(req.Header), len(fields))
		}
		for i, h := range req.Header {
			if h.Name != fields[specHeaders+2*i] || h.Value != fields[specHeaders+2*i+1] {
				t.Fatalf("header %d is %q: %q", i, h.Name, h.Value)
			}
		}
		if req.BodyMode != gocore.BodyBuffered && req.Body != nil {
			t.Fatalf("a body kept for body mode %d", req.BodyMode)
		}
		_ = req.Validate()
	})
}
