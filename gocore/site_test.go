package gocore

import (
	"fmt"
	"testing"

	"github.com/go-net-request/go-net-request/internal/testkit"
	"github.com/stretchr/testify/assert"
)

func TestRegistrableDomain(t *testing.T) {
	tests := []struct{ host, want string }{
		{"www.example.com", "example.com"},
		{"WWW.Example.COM", "example.com"},
		{"a.b.example.com", "example.com"},
		{"a.co.uk", "a.co.uk"},
		{"x.a.co.uk", "a.co.uk"},
		{"co.uk", "co.uk"},                             // a public suffix is its own site
		{"com", "com"},                                 // so is a TLD
		{"user.github.io", "user.github.io"},           // the private section counts, as in Chromium
		{"github.io", "github.io"},                     // a private suffix itself
		{"a.b.s3.amazonaws.com", "b.s3.amazonaws.com"}, // a longer private rule
		{"localhost", "localhost"},
		{"app.localhost", "app.localhost"},
		{"x.app.localhost", "app.localhost"},
		{"a.example.com.", "example.com."}, // a trailing dot stays part of the site
		{"127.0.0.1", "127.0.0.1"},         // an IP is its own site, never "0.1"
		{"10.1.2.3", "10.1.2.3"},
		{"::1", "::1"},
		{"[::1]", "::1"},
		{"0:0:0:0:0:0:0:1", "::1"},
	}
	for _, tt := range tests {
		t.Run(tt.host, func(t *testing.T) {
			assert.Equal(t, tt.want, registrableDomain(tt.host))
		})
	}
}

func TestSameSite(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"https://a.example.com/", "https://b.example.com/x", true},
		{"https://example.com/", "https://a.example.com/", true},
		{"https://a.example.com:8443/", "https://a.example.com/", true}, // ports do not matter
		{"http://a.example.com/", "https://a.example.com/", false},      // the scheme does
		{"ws://a.example.com/", "http://b.example.com/", true},          // ws counts as http
		{"wss://a.example.com/", "https://b.example.com/", true},
		{"https://a.co.uk/", "https://b.co.uk/", false}, // two sites under one public suffix
		{"https://x.a.co.uk/", "https://y.a.co.uk/", true},
		{"https://co.uk/", "https://a.co.uk/", false},
		{"https://a.github.io/", "https://b.github.io/", false},
		{"https://example.com/", "https://example.org/", false},
		{"http://127.0.0.1:1/", "http://127.0.0.1:2/", true},
		{"http://127.0.0.1/", "http://127.0.0.2/", false},
		{"http://10.0.0.1/", "http://20.0.0.1/", false}, // not "0.1" and "0.1"
		{"http://[::1]:1/", "http://[0:0::1]:2/", true},
		{"http://localhost/", "http://127.0.0.1/", false},
		{"http://a.localhost/", "http://b.localhost/", false},
		{"http://x.a.localhost/", "http://y.a.localhost/", true},
		{"http://a.example.com./", "http://a.example.com/", false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s and %s", tt.a, tt.b), func(t *testing.T) {
			a, b := testkit.MustURL(t, tt.a), testkit.MustURL(t, tt.b)
			assert.Equal(t, tt.want, sameSite(a, b))
			assert.Equal(t, tt.want, sameSite(b, a), "symmetric")
		})
	}
	assert.False(t, sameSite(nil, testkit.MustURL(t, "http://a.test/")))
	assert.False(t, sameSite(testkit.MustURL(t, "file:///x"), testkit.MustURL(t, "file:///y")), "no host, no site")
}

func TestCrossSiteForCookies(t *testing.T) {
	tests := []struct {
		name, first, initiator, target string
		want                           bool
	}{
		{"the first URL itself", "http://a.example.com/", "", "http://a.example.com/x", false},
		{"a redirect within the site", "http://a.example.com/", "", "http://b.example.com:8080/", false},
		{"a redirect to another site", "http://127.0.0.1:1/", "", "http://localhost:1/", true},
		{"a redirect across a public suffix", "http://a.co.uk/", "", "http://b.co.uk/", true},
		{"a redirect to the other scheme", "http://a.example.com/", "", "https://a.example.com/", true},
		{"a same-site initiator", "http://a.example.com/", "http://b.example.com", "http://a.example.com/", false},
		{"a cross-site initiator", "http://a.example.com/", "http://evil.test", "http://a.example.com/", true},
		{"an initiator under the same public suffix", "http://a.co.uk/", "http://b.co.uk", "http://a.co.uk/", true},
		{"an opaque initiator", "http://a.example.com/", "null", "http://a.example.com/", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, crossSiteForCookies(testkit.MustURL(t, tt.first), tt.initiator, testkit.MustURL(t, tt.target)))
		})
	}
}
