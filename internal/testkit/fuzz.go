// Package testkit holds what the engine's tests in several packages share:
// waits bounded in time, URLs and certificates (testkit.go); for the fuzz
// targets, the check that every failure is a named net error and the guard
// against inputs that hang (this file); bodies coded as a server codes them
// (coding.go), an oversized response head (wire.go), Digest answers
// computed independently of the engine (digest.go), and raw loopback
// servers: TCP, and a CONNECT proxy (servers.go).
//
// The fuzz targets live beside the code they feed (gocore, gocore/httpwire,
// gocore/cookies, gocore/internal/auth), each package with its seed corpora
// in testdata/fuzz/<FuzzName>/. The seeds run as ordinary tests in
// `go test ./...`; `npm run fuzz` (scripts/fuzz.js) explores further with
// `go test -run=^$ -fuzz=^FuzzName$`. A crasher the fuzzer finds is written
// to testdata/fuzz/<FuzzName>/ and from then on is a regression test.
package testkit

import (
	"errors"
	"fmt"
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

// RequireNetError fails unless err is a *neterr.Error with a known name, and
// returns that name.
func RequireNetError(t *testing.T, what string, err error) string {
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

// HangLimit is how long one input may take. Go's fuzzer has no
// per-input timeout: a hang would stall the run silently. Past the limit
// the process panics, so the fuzzer keeps the input as a crasher.
const HangLimit = 10 * time.Second

// HangGuard panics (killing the process) if the input has not finished
// within HangLimit; call the returned function when it has.
func HangGuard(target string, input ...any) (done func()) {
	timer := time.AfterFunc(HangLimit, func() {
		panic(fmt.Sprintf("%s: input did not finish within %v: %q", target, HangLimit, input))
	})
	return func() { timer.Stop() }
}

// MaxFuzzBody bounds how much decoded body one input may produce: a small
// input can be a compression bomb.
const MaxFuzzBody = 4 << 20
