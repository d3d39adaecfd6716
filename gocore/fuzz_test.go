package gocore

// Fuzz targets for everything the engine parses from the network or takes
// from the host. Their seed corpora live in testdata/fuzz/<FuzzName>/ and
// run as ordinary tests in `go test ./...`; `npm run fuzz` (scripts/fuzz.js)
// explores further with `go test -run=^$ -fuzz=^FuzzName$`. A crasher the
// fuzzer finds is written to testdata/fuzz/<FuzzName>/ and from then on is
// a regression test.

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-net-request/go-net-request/gocore/neterr"
)

// knownNetErrors are the names the engine may report.
var knownNetErrors = map[string]bool{
	neterr.Aborted: true, neterr.Failed: true, neterr.InvalidArgument: true, neterr.ConnectionRefused: true,
	neterr.ConnectionReset: true, neterr.ConnectionClosed: true, neterr.ConnectionAborted: true,
	neterr.ConnectionTimedOut: true, neterr.TimedOut: true, neterr.NameNotResolved: true,
	neterr.AddressUnreachable: true, neterr.EmptyResponse: true, neterr.CertAuthorityInvalid: true,
	neterr.CertCommonNameInvalid: true, neterr.CertDateInvalid: true, neterr.CertInvalid: true,
	neterr.SSLProtocol: true, neterr.InvalidHTTPResponse: true, neterr.ResponseHeadersTooBig: true,
	neterr.ContentLengthMismatch: true, neterr.IncompleteChunkedEncoding: true,
	neterr.InvalidChunkedEncoding: true, neterr.MultipleContentLength: true,
	neterr.ContentDecodingFailed: true, neterr.TooManyRedirects: true, neterr.UnsafeRedirect: true,
	neterr.InvalidRedirect: true, neterr.InvalidURL: true, neterr.UnexpectedProxyAuth: true,
	neterr.ProxyConnectionFailed: true, neterr.TunnelConnectionFailed: true, neterr.CacheMiss: true,
	neterr.ConnectionFailed: true,
}

// requireNetError fails unless err is a *neterr.Error with a known name, and
// returns that name.
func requireNetError(t *testing.T, what string, err error) string {
	t.Helper()
	var ne *neterr.Error
	if !errors.As(err, &ne) {
		t.Fatalf("%s: error %v (%T) is not a *neterr.Error", what, err, err)
	}
	if !knownNetErrors[ne.Name] {
		t.Fatalf("%s: unknown neterr.Error name %q", what, ne.Name)
	}
	return ne.Name
}

// fuzzHangLimit is how long one input may take. Go's fuzzer has no
// per-input timeout: a hang would stall the run silently. Past the limit
// the process panics, so the fuzzer keeps the input as a crasher.
const fuzzHangLimit = 10 * time.Second

// hangGuard panics (killing the process) if the input has not finished
// within fuzzHangLimit; call the returned function when it has.
func hangGuard(target string, input ...any) (done func()) {
	timer := time.AfterFunc(fuzzHangLimit, func() {
		panic(fmt.Sprintf("%s: input did not finish within %v: %q", target, fuzzHangLimit, input))
	})
	return func() { timer.Stop() }
}

// maxFuzzBody bounds how much decoded body one input may produce: a small
// input can be a compression bomb.
const maxFuzzBody = 4 << 20

// fuzzMethods are the methods FuzzReadResponseHead frames responses for.
var fuzzMethods = []string{"GET", "HEAD", "POST", "OPTIONS"}

// FuzzReadResponseHead feeds arbitrary bytes as a response: head, framing,
// then the framed and decoded body. Nothing may panic; every failure is a
// neterr.Error; a head that parses is HTTP/1.x with a three-digit status.
func FuzzReadResponseHead(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte, methodIndex uint8, bufferSize uint16) {
		defer hangGuard("FuzzReadResponseHead", data, methodIndex, bufferSize)()
		size := 16 + int(bufferSize)%(connBufferSize-16+1) // bufio's minimum .. the engine's size
		br := bufio.NewReaderSize(bytes.NewReader(data), size)
		head, err := readResponseHead(br)
		if err != nil {
			requireNetError(t, "readResponseHead", err)
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
		fr, ferr := frameResponse(method, head)
		if ferr != nil {
			requireNetError(t, "frameResponse", ferr)
			return
		}
		if fr.none && fr.length != 0 {
			t.Fatalf("no body but length %d", fr.length)
		}
		body := newDecodedBody(bodyReader(br, fr), head.Headers)
		defer body.Close()
		n, rerr := io.Copy(io.Discard, io.LimitReader(body, maxFuzzBody))
		if rerr != nil {
			requireNetError(t, "body", rerr)
			return
		}
		if n < maxFuzzBody {
			if !body.coded && fr.length >= 0 && n != fr.length {
				t.Fatalf("an uncoded body of Content-Length %d ended after %d bytes without error", fr.length, n)
			}
			if !body.coded && n > int64(len(data)) {
				t.Fatalf("an uncoded body of %d bytes from %d input bytes", n, len(data))
			}
			body.finishFraming()
		}
	})
}

// FuzzChunkedReader decodes arbitrary bytes as a chunked body, read in
// pieces of a fuzzed size, and round-trips the same bytes as a payload
// through chunkWriter.
func FuzzChunkedReader(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte, readSize uint16, chunkSize uint16) {
		defer hangGuard("FuzzChunkedReader", data, readSize, chunkSize)()
		step := 1 + int(readSize)%8192
		cr := &chunkedReader{br: bufio.NewReaderSize(bytes.NewReader(data), connBufferSize)}
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
				switch name := requireNetError(t, "chunked", err); name {
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

		// Round trip: data framed by chunkWriter in pieces decodes to data
		// (its first 8 KiB: one-byte chunks of a large input cost too much).
		payload := data[:min(len(data), 8<<10)]
		var wire bytes.Buffer
		bw := bufio.NewWriter(&wire)
		cw := chunkWriter{bw}
		piece := 1 + int(chunkSize)%4096
		for off := 0; off < len(payload); off += piece {
			cw.write(payload[off:min(off+piece, len(payload))])
		}
		cw.close()
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

// FuzzParseChallenge parses a WWW-Authenticate value, picks a challenge
// and answers it. Nothing may panic; when the credentials, method and URI
// hold no CR, LF or NUL, neither may the Authorization value (it goes on
// the wire as a header).
func FuzzParseChallenge(f *testing.F) {
	f.Fuzz(func(t *testing.T, value, username, password, method, uri string) {
		defer hangGuard("FuzzParseChallenge", value, username, password, method, uri)()
		cs := parseChallengeValue(value)
		for _, c := range cs {
			if c.scheme == "" {
				t.Fatalf("a challenge with an empty scheme from %q", value)
			}
			if c.scheme != strings.ToLower(c.scheme) {
				t.Fatalf("scheme %q is not lower-case", c.scheme)
			}
		}
		ch := pickChallenge(cs)
		if ch == nil {
			return
		}
		if ch.scheme != "basic" && ch.scheme != "digest" {
			t.Fatalf("picked a challenge we cannot answer: %q", ch.scheme)
		}
		got := authorization(ch, Credentials{Username: username, Password: password}, method, uri)
		inputsClean := ValidHeaderValue(username) && ValidHeaderValue(password) &&
			ValidHeaderValue(method) && ValidHeaderValue(uri) && ValidHeaderValue(value)
		if inputsClean && !ValidHeaderValue(got) {
			t.Fatalf("Authorization holds CR, LF or NUL: %q (challenge %q)", got, value)
		}
		if ch.scheme == "basic" && !strings.HasPrefix(got, "Basic ") {
			t.Fatalf("Basic answer %q", got)
		}
		if ch.scheme == "digest" && !strings.HasPrefix(got, "Digest ") {
			t.Fatalf("Digest answer %q", got)
		}
	})
}

// FuzzValidateRequest validates requests with arbitrary methods, URLs and
// headers. Nothing may panic; a request that passes is written as a head
// that parses back as exactly its request line and headers, with no line
// injected.
func FuzzValidateRequest(f *testing.F) {
	f.Fuzz(func(t *testing.T, method, rawURL, name1, value1, name2, value2 string) {
		defer hangGuard("FuzzValidateRequest", method, rawURL, name1, value1, name2, value2)()
		u, err := url.Parse(rawURL)
		if err != nil {
			return
		}
		req := &Request{
			Method: method,
			URL:    u,
			Header: []Header{{name1, value1}, {name2, value2}},
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
		if err := writeRequestHead(bw, h.method, target, hs); err != nil {
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
			if !ValidToken(name) {
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

// FuzzSetCookie stores arbitrary Set-Cookie lines from arbitrary URLs.
// Nothing may panic, and the Cookie header the jar then sends never holds
// CR, LF or NUL.
func FuzzSetCookie(f *testing.F) {
	f.Fuzz(func(t *testing.T, rawURL, line1, line2, requestURL string) {
		defer hangGuard("FuzzSetCookie", rawURL, line1, line2, requestURL)()
		u, err := url.Parse(rawURL)
		if err != nil {
			return
		}
		jar, _ := NewCookieJar("", nil)
		jar.SetFromResponse(u, []string{line1, line2}, false)
		check := func(target *url.URL) {
			header := jar.CookieHeader(target, false)
			if strings.ContainsAny(header, "\r\n\x00") {
				t.Fatalf("Cookie header %q holds CR, LF or NUL (from %q, %q)", header, line1, line2)
			}
		}
		check(u)
		if r, err := url.Parse(requestURL); err == nil {
			check(r)
		}
		for _, c := range jar.Get(CookieFilter{}) {
			if strings.ContainsAny(c.Name+c.Value+c.Domain+c.Path, "\r\n\x00") {
				t.Fatalf("stored cookie holds CR, LF or NUL: %+v", c)
			}
		}
	})
}
