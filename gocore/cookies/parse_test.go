package cookies

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseSetCookie(t *testing.T) {
	date := time.Date(2031, 10, 21, 7, 28, 0, 0, time.UTC)
	base := func(name, value string) cookieAttrs {
		return cookieAttrs{name: name, value: value, sameSite: SameSiteUnspecified}
	}
	with := func(a cookieAttrs, f func(*cookieAttrs)) cookieAttrs { f(&a); return a }
	tests := []struct {
		name     string
		line     string
		want     cookieAttrs
		wantExcl cookieExclusion
	}{
		{name: "name and value", line: "a=b", want: base("a", "b")},
		{name: "whitespace around name and value is trimmed", line: " a \t= b ", want: base("a", "b")},
		{name: "no equals sign makes a nameless cookie", line: "token", want: base("", "token")},
		{name: "empty name", line: "=v", want: base("", "v")},
		{name: "value keeps quotes and equals signs", line: `a="x=y"`, want: base("a", `"x=y"`)},
		{name: "empty value", line: "a=", want: base("a", "")},
		{name: "flags are case-insensitive", line: "a=b; SECURE; httpOnly", want: with(base("a", "b"), func(a *cookieAttrs) {
			a.secure, a.httpOnly = true, true
		})},
		{name: "expires", line: "a=b; Expires=Tue, 21 Oct 2031 07:28:00 GMT", want: with(base("a", "b"), func(a *cookieAttrs) {
			a.expires, a.hasExpires = date, true
		})},
		{name: "unparsable expires is ignored", line: "a=b; expires=soon", want: base("a", "b")},
		{name: "max-age", line: "a=b; Max-Age=60", want: with(base("a", "b"), func(a *cookieAttrs) {
			a.maxAge, a.hasMaxAge = 60, true
		})},
		{name: "negative max-age", line: "a=b; max-age=-1", want: with(base("a", "b"), func(a *cookieAttrs) {
			a.maxAge, a.hasMaxAge = -1, true
		})},
		{name: "huge max-age saturates", line: "a=b; max-age=99999999999999999999999", want: with(base("a", "b"), func(a *cookieAttrs) {
			a.maxAge, a.hasMaxAge = 1<<63-1, true
		})},
		{name: "max-age that is not a number is ignored", line: "a=b; max-age=+5; max-age=1e3", want: base("a", "b")},
		{name: "domain and path", line: "a=b; Domain=.Example.com; Path=/x", want: with(base("a", "b"), func(a *cookieAttrs) {
			a.domain, a.hasDomain, a.path, a.hasPath = ".Example.com", true, "/x", true
		})},
		{name: "empty domain is no domain", line: "a=b; Domain=", want: base("a", "b")},
		{name: "the last of a repeated attribute wins", line: "a=b; Path=/x; path=/y", want: with(base("a", "b"), func(a *cookieAttrs) {
			a.path, a.hasPath = "/y", true
		})},
		{name: "samesite none", line: "a=b; SameSite=None", want: with(base("a", "b"), func(a *cookieAttrs) { a.sameSite = SameSiteNoRestriction })},
		{name: "samesite lax", line: "a=b; samesite=lax", want: with(base("a", "b"), func(a *cookieAttrs) { a.sameSite = SameSiteLax })},
		{name: "samesite strict", line: "a=b; SameSite=STRICT", want: with(base("a", "b"), func(a *cookieAttrs) { a.sameSite = SameSiteStrict })},
		{name: "unknown samesite is unspecified", line: "a=b; SameSite=Extended", want: base("a", "b")},
		{name: "unknown attributes are ignored", line: "a=b; Priority=High; Partitioned; ; =x", want: base("a", "b")},
		{name: "attribute values over 1024 bytes are ignored", line: "a=b; Path=/" + strings.Repeat("p", 1024), want: base("a", "b")},
		{name: "control characters refuse the line", line: "a=b\x01c", want: base("", ""), wantExcl: cookieExclDisallowedCharacter},
		{name: "a tab is not a control character here", line: "a=b\tc", want: base("a", "b\tc")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, excl := parseSetCookie(tt.line)
			assert.Equal(t, tt.wantExcl, excl)
			if excl == 0 {
				assert.Equal(t, tt.want, got)
			}
		})
	}
}

func TestParseCookieDate(t *testing.T) {
	want := time.Date(1994, 11, 6, 8, 49, 37, 0, time.UTC)
	tests := []struct {
		name string
		in   string
		want time.Time // zero: not a date
	}{
		{name: "RFC 1123", in: "Sun, 06 Nov 1994 08:49:37 GMT", want: want},
		{name: "RFC 850 with a two-digit year", in: "Sunday, 06-Nov-94 08:49:37 GMT", want: want},
		{name: "asctime", in: "Sun Nov  6 08:49:37 1994", want: want},
		{name: "any order and case", in: "1994 nov 6 8:49:37", want: want},
		{name: "single-digit time fields", in: "6 Nov 1994 8:9:7", want: time.Date(1994, 11, 6, 8, 9, 7, 0, time.UTC)},
		{name: "years below 70 are in 2000s", in: "06 Nov 30 08:49:37", want: time.Date(2030, 11, 6, 8, 49, 37, 0, time.UTC)},
		{name: "month by its first three letters", in: "06 November 2031 08:49:37", want: time.Date(2031, 11, 6, 8, 49, 37, 0, time.UTC)},
		{name: "no time", in: "Sun, 06 Nov 1994"},
		{name: "no such day", in: "30 Feb 2031 00:00:00"},
		{name: "hour out of range", in: "06 Nov 1994 24:00:00"},
		{name: "year before 1601", in: "06 Nov 1600 08:49:37"},
		{name: "three-digit time field", in: "06 Nov 1994 008:49:37"},
		{name: "empty", in: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := parseCookieDate(tt.in)
			assert.Equal(t, !tt.want.IsZero(), ok)
			if ok {
				assert.True(t, tt.want.Equal(got), "got %v", got)
			}
		})
	}
}

// TestCookieSetFromResponseRules covers which Set-Cookie lines are kept and
// what domain and path they get.
func TestCookieSetFromResponseRules(t *testing.T) {
	long := strings.Repeat("v", cookieMaxNameValueBytes-1)
	tests := []struct {
		name         string
		url          string
		line         string
		wantStored   bool
		wantDomain   string
		wantHostOnly bool
		wantPath     string
	}{
		{name: "no domain is host-only", url: "http://www.example.com/", line: "a=b", wantStored: true, wantDomain: "www.example.com", wantHostOnly: true, wantPath: "/"},
		{name: "host is lowercased", url: "http://WWW.Example.COM/", line: "a=b", wantStored: true, wantDomain: "www.example.com", wantHostOnly: true, wantPath: "/"},
		{name: "parent domain is accepted", url: "http://www.example.com/", line: "a=b; Domain=example.com", wantStored: true, wantDomain: ".example.com", wantPath: "/"},
		{name: "leading dot and case of the domain do not matter", url: "http://www.example.com/", line: "a=b; Domain=.EXAMPLE.com", wantStored: true, wantDomain: ".example.com", wantPath: "/"},
		{name: "domain equal to the host is a domain cookie", url: "http://example.com/", line: "a=b; Domain=example.com", wantStored: true, wantDomain: ".example.com", wantPath: "/"},
		{name: "unrelated domain is rejected", url: "http://www.example.com/", line: "a=b; Domain=other.com"},
		{name: "subdomain of the host is rejected", url: "http://example.com/", line: "a=b; Domain=www.example.com"},
		{name: "partial label is rejected", url: "http://example.com/", line: "a=b; Domain=ample.com"},
		{name: "public suffix is rejected", url: "http://a.b.co.uk/", line: "a=b; Domain=co.uk"},
		{name: "registrable domain under a multi-label suffix is accepted", url: "http://a.b.co.uk/", line: "a=b; Domain=b.co.uk", wantStored: true, wantDomain: ".b.co.uk", wantPath: "/"},
		{name: "public suffix equal to the host becomes host-only", url: "http://co.uk/", line: "a=b; Domain=co.uk", wantStored: true, wantDomain: "co.uk", wantHostOnly: true, wantPath: "/"},
		{name: "private public suffix is rejected", url: "http://me.github.io/", line: "a=b; Domain=github.io"},
		{name: "top-level domain is rejected", url: "http://example.com/", line: "a=b; Domain=com"},
		{name: "trailing dot is rejected", url: "http://example.com/", line: "a=b; Domain=example.com."},
		{name: "non-ASCII domain is rejected", url: "http://example.com/", line: "a=b; Domain=exämple.com"},
		{name: "IP domain equal to the host is host-only", url: "http://127.0.0.1/", line: "a=b; Domain=127.0.0.1", wantStored: true, wantDomain: "127.0.0.1", wantHostOnly: true, wantPath: "/"},
		{name: "IP suffix is rejected", url: "http://127.0.0.1/", line: "a=b; Domain=0.0.1"},
		{name: "IPv6 host is bracketed", url: "http://[::1]:8080/", line: "a=b", wantStored: true, wantDomain: "[::1]", wantHostOnly: true, wantPath: "/"},
		{name: "intranet name as its own domain is host-only", url: "http://localhost/", line: "a=b; Domain=localhost", wantStored: true, wantDomain: "localhost", wantHostOnly: true, wantPath: "/"},
		{name: "intranet parent is rejected", url: "http://a.localhost/", line: "a=b; Domain=localhost"},
		{name: "default path is the directory", url: "http://example.com/a/b/c?q=1", line: "a=b", wantStored: true, wantDomain: "example.com", wantHostOnly: true, wantPath: "/a/b"},
		{name: "default path of a top-level file is /", url: "http://example.com/a", line: "a=b", wantStored: true, wantDomain: "example.com", wantHostOnly: true, wantPath: "/"},
		{name: "default path of no path is /", url: "http://example.com", line: "a=b", wantStored: true, wantDomain: "example.com", wantHostOnly: true, wantPath: "/"},
		{name: "relative path attribute takes the default", url: "http://example.com/a/b", line: "a=b; Path=x", wantStored: true, wantDomain: "example.com", wantHostOnly: true, wantPath: "/a"},
		{name: "path attribute is kept", url: "http://example.com/", line: "a=b; Path=/x/y/", wantStored: true, wantDomain: "example.com", wantHostOnly: true, wantPath: "/x/y/"},
		{name: "secure from http is rejected", url: "http://example.com/", line: "a=b; Secure"},
		{name: "secure from https is accepted", url: "https://example.com/", line: "a=b; Secure", wantStored: true, wantDomain: "example.com", wantHostOnly: true, wantPath: "/"},
		{name: "samesite none without secure is rejected", url: "https://example.com/", line: "a=b; SameSite=None"},
		{name: "samesite none with secure is accepted", url: "https://example.com/", line: "a=b; SameSite=None; Secure", wantStored: true, wantDomain: "example.com", wantHostOnly: true, wantPath: "/"},
		{name: "__Secure- without secure is rejected", url: "https://example.com/", line: "__Secure-a=b"},
		{name: "__Secure- with secure over https is accepted", url: "https://example.com/", line: "__Secure-a=b; Secure", wantStored: true, wantDomain: "example.com", wantHostOnly: true, wantPath: "/"},
		{name: "__Secure- prefix is case-insensitive", url: "https://example.com/", line: "__SECURE-a=b"},
		{name: "__Host- with secure, no domain and path / is accepted", url: "https://example.com/x/y", line: "__Host-a=b; Secure; Path=/", wantStored: true, wantDomain: "example.com", wantHostOnly: true, wantPath: "/"},
		{name: "__Host- with a domain is rejected", url: "https://example.com/", line: "__Host-a=b; Secure; Path=/; Domain=example.com"},
		{name: "__Host- without a path attribute is rejected", url: "https://example.com/", line: "__Host-a=b; Secure"},
		{name: "__Host- with a relative path attribute is rejected even at /", url: "https://example.com/", line: "__Host-a=b; Secure; Path=x"},
		{name: "__Host- with another path is rejected", url: "https://example.com/", line: "__Host-a=b; Secure; Path=/x"},
		{name: "__Host- without secure is rejected", url: "https://example.com/", line: "__host-a=b; Path=/"},
		{name: "nameless cookie hiding a prefix is rejected", url: "https://example.com/", line: "__Host-a; Secure; Path=/"},
		{name: "name and value of 4096 bytes are accepted", url: "http://example.com/", line: "a=" + long, wantStored: true, wantDomain: "example.com", wantHostOnly: true, wantPath: "/"},
		{name: "name and value over 4096 bytes are rejected", url: "http://example.com/", line: "ab=" + long},
		{name: "no name and no value is rejected", url: "http://example.com/", line: "="},
		{name: "empty line is rejected", url: "http://example.com/", line: ""},
		{name: "other schemes are ignored", url: "ftp://example.com/", line: "a=b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j, _, _ := newTestJar(t)
			j.SetFromResponse(cookieURL(t, tt.url), []string{tt.line}, false)
			got := j.Get(Filter{})
			if !tt.wantStored {
				assert.Empty(t, got)
				return
			}
			require.Len(t, got, 1)
			assert.Equal(t, tt.wantDomain, got[0].Domain)
			assert.Equal(t, tt.wantHostOnly, got[0].HostOnly)
			assert.Equal(t, tt.wantPath, got[0].Path)
		})
	}
}

func TestCookieSetFromResponseKeepsTheAttributes(t *testing.T) {
	j, _, clock := newTestJar(t)
	j.SetFromResponse(cookieURL(t, "https://example.com/"), []string{
		"a=1; Secure; HttpOnly; SameSite=Strict; Max-Age=60",
		"b=2",
	}, false)
	got := j.Get(Filter{})
	require.Len(t, got, 2)
	byName := map[string]Cookie{got[0].Name: got[0], got[1].Name: got[1]}
	a := byName["a"]
	assert.True(t, a.Secure)
	assert.True(t, a.HTTPOnly)
	assert.False(t, a.Session)
	assert.Equal(t, SameSiteStrict, a.SameSite)
	assert.Equal(t, cookieSeconds(clock.now().Add(time.Minute)), a.ExpirationDate)
	b := byName["b"]
	assert.False(t, b.Secure)
	assert.False(t, b.HTTPOnly)
	assert.True(t, b.Session)
	assert.Zero(t, b.ExpirationDate)
	assert.Equal(t, SameSiteUnspecified, b.SameSite)
}
