package cookies

// The fuzz target for what the jar takes from the network; its seed corpus
// lives in testdata/fuzz/FuzzSetCookie/ (see internal/testkit).

import (
	"net/url"
	"strings"
	"testing"

	"github.com/go-net-request/go-net-request/internal/testkit"
)

// FuzzSetCookie stores arbitrary Set-Cookie lines from arbitrary URLs.
// Nothing may panic, and the Cookie header the jar then sends never holds
// CR, LF or NUL.
func FuzzSetCookie(f *testing.F) {
	f.Fuzz(func(t *testing.T, rawURL, line1, line2, requestURL string) {
		defer testkit.HangGuard("FuzzSetCookie", rawURL, line1, line2, requestURL)()
		u, err := url.Parse(rawURL)
		if err != nil {
			return
		}
		jar, _ := NewJar("", nil)
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
		for _, c := range jar.Get(Filter{}) {
			if strings.ContainsAny(c.Name+c.Value+c.Domain+c.Path, "\r\n\x00") {
				t.Fatalf("stored cookie holds CR, LF or NUL: %+v", c)
			}
		}
	})
}
