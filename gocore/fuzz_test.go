package gocore

// Fuzz targets for what the engine takes from the network or the host and
// parses in this package. Their seed corpora live in testdata/fuzz/<FuzzName>/
// (see internal/testkit; the wire's targets are in gocore/httpwire).

import (
	"bufio"
	"bytes"
	"net/url"
	"strings"
	"testing"

	"github.com/go-net-request/go-net-request/gocore/httpwire"
	"github.com/go-net-request/go-net-request/gocore/neterr"
	"github.com/go-net-request/go-net-request/internal/testkit"
)

// FuzzValidateRequest validates requests with arbitrary methods, URLs and
// headers. Nothing may panic; a request that passes is written as a head
// that parses back as exactly its request line and headers, with no line
// injected.
func FuzzValidateRequest(f *testing.F) {
	f.Fuzz(func(t *testing.T, method, rawURL, name1, value1, name2, value2 string) {
		defer testkit.HangGuard("FuzzValidateRequest", method, rawURL, name1, value1, name2, value2)()
		u, err := url.Parse(rawURL)
		if err != nil {
			return
		}
		req := &Request{
			Method: method,
			URL:    u,
			Header: []httpwire.Header{{Name: name1, Value: value1}, {Name: name2, Value: value2}},
		}
		if verr := req.Validate(); verr != nil {
			if verr.Name != neterr.InvalidArgument && verr.Name != neterr.InvalidURL {
				t.Fatalf("Validate failed with %s", verr.Name)
			}
			return
		}
		x := &Exchange{client: NewClient(Options{}), req: req}
		h := &hop{method: req.Method, url: req.URL, header: req.Header}
		hs := x.requestHeaders(h)
		target := requestTarget(h.url)
		var wire bytes.Buffer
		bw := bufio.NewWriter(&wire)
		if err := httpwire.WriteRequestHead(bw, h.method, target, hs); err != nil {
			t.Fatalf("the head of a validated request was refused: %v", err)
		}
		bw.Flush()

		text := wire.String()
		if !strings.HasSuffix(text, "\r\n\r\n") {
			t.Fatalf("the head does not end with an empty line: %q", text)
		}
		lines := strings.Split(strings.TrimSuffix(text, "\r\n\r\n"), "\r\n")
		for _, l := range lines {
			if strings.ContainsAny(l, "\r\n\x00") {
				t.Fatalf("a head line holds CR, LF or NUL: %q", l)
			}
		}
		requestLine := strings.Split(lines[0], " ")
		if len(requestLine) != 3 || requestLine[0] != method || requestLine[1] != target || requestLine[2] != "HTTP/1.1" {
			t.Fatalf("request line %q for method %q target %q", lines[0], method, target)
		}
		if len(lines)-1 != len(hs) {
			t.Fatalf("%d header lines for %d headers: %q", len(lines)-1, len(hs), text)
		}
		for i, l := range lines[1:] {
			name, value, ok := strings.Cut(l, ": ")
			if !ok || name != hs[i].Name || value != hs[i].Value {
				t.Fatalf("header line %d is %q, want %q: %q", i, l, hs[i].Name+": "+hs[i].Value, text)
			}
			if !httpwire.ValidToken(name) {
				t.Fatalf("header name %q is not a token", name)
			}
		}
		// The app's headers are all there, in order, as given.
		next := 0
		for _, l := range lines[1:] {
			if next < len(req.Header) && l == req.Header[next].Name+": "+req.Header[next].Value {
				next++
			}
		}
		if next != len(req.Header) {
			t.Fatalf("the app's headers are not all sent in order: %q", text)
		}
	})
}
