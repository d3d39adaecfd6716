package auth

// The fuzz target for what logins take from the network; its seed corpus
// lives in testdata/fuzz/FuzzParseChallenge/ (see internal/testkit).

import (
	"strings"
	"testing"

	"github.com/go-net-request/go-net-request/gocore/httpwire"
	"github.com/go-net-request/go-net-request/internal/testkit"
)

// FuzzParseChallenge parses a WWW-Authenticate value, picks a Challenge
// and answers it. Nothing may panic; when the credentials, method and URI
// hold no CR, LF or NUL, neither may the Authorization value (it goes on
// the wire as a header).
func FuzzParseChallenge(f *testing.F) {
	f.Fuzz(func(t *testing.T, value, username, password, method, uri string) {
		defer testkit.HangGuard("FuzzParseChallenge", value, username, password, method, uri)()
		cs := parseChallengeValue(value)
		for _, c := range cs {
			if c.Scheme == "" {
				t.Fatalf("a challenge with an empty scheme from %q", value)
			}
			if c.Scheme != strings.ToLower(c.Scheme) {
				t.Fatalf("scheme %q is not lower-case", c.Scheme)
			}
		}
		ch := Pick(cs)
		if ch == nil {
			return
		}
		if ch.Scheme != "basic" && ch.Scheme != "digest" {
			t.Fatalf("picked a challenge we cannot answer: %q", ch.Scheme)
		}
		got := Authorization(ch, Credentials{Username: username, Password: password}, method, uri)
		inputsClean := httpwire.ValidHeaderValue(username) && httpwire.ValidHeaderValue(password) &&
			httpwire.ValidHeaderValue(method) && httpwire.ValidHeaderValue(uri) && httpwire.ValidHeaderValue(value)
		if inputsClean && !httpwire.ValidHeaderValue(got) {
			t.Fatalf("Authorization holds CR, LF or NUL: %q (challenge %q)", got, value)
		}
		if ch.Scheme == "basic" && !strings.HasPrefix(got, "Basic ") {
			t.Fatalf("Basic answer %q", got)
		}
		if ch.Scheme == "digest" && !strings.HasPrefix(got, "Digest ") {
			t.Fatalf("Digest answer %q", got)
		}
	})
}
