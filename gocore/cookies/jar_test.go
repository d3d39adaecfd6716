package cookies

import (
	"fmt"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// cookieClock is a settable clock for jars under test.
type cookieClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *cookieClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *cookieClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// cookieLog records a jar's changes as "cause name=value" ("-" prefix for
// a removal).
type cookieLog struct {
	mu      sync.Mutex
	changes []Change
}

func (l *cookieLog) record(c Change) {
	l.mu.Lock()
	l.changes = append(l.changes, c)
	l.mu.Unlock()
}

func (l *cookieLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, c := range l.changes {
		sign := "+"
		if c.Removed {
			sign = "-"
		}
		out = append(out, sign+c.Cause+" "+c.Cookie.Name+"="+c.Cookie.Value)
	}
	l.changes = nil
	return out
}

// newTestJar is an in-memory jar on a fake clock, recording changes.
func newTestJar(t *testing.T) (*Jar, *cookieLog, *cookieClock) {
	t.Helper()
	log := &cookieLog{}
	j, err := NewJar("", log.record)
	require.NoError(t, err)
	clock := &cookieClock{t: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)}
	j.now = clock.now
	t.Cleanup(func() { assert.NoError(t, j.Close()) })
	return j, log, clock
}

func cookieURL(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	require.NoError(t, err)
	return u
}

func boolPtr(b bool) *bool { return &b }

func TestCookieHeader(t *testing.T) {
	j, _, clock := newTestJar(t)
	set := func(rawURL string, lines ...string) {
		j.SetFromResponse(cookieURL(t, rawURL), lines, false)
		clock.advance(time.Second)
	}
	set("https://www.example.com/", "old=1; Domain=example.com")
	set("https://www.example.com/", "new=2")
	set("https://www.example.com/", "deep=3; Path=/a/b")
	set("https://www.example.com/", "mid=4; Path=/a")
	set("https://www.example.com/", "sec=5; Secure")
	set("https://www.example.com/", "nameless")
	set("https://www.example.com/", "other=6; Path=/z")
	set("https://example.com/", "apex=7")

	tests := []struct {
		name string
		url  string
		want string
	}{
		{name: "longest path first then oldest first", url: "https://www.example.com/a/b/c", want: "deep=3; mid=4; old=1; new=2; sec=5; nameless"},
		{name: "secure cookies are not sent over http", url: "http://www.example.com/a", want: "mid=4; old=1; new=2; nameless"},
		{name: "domain cookie reaches the parent, host-only ones stay", url: "https://example.com/", want: "old=1; apex=7"},
		{name: "other hosts get nothing", url: "https://example.org/", want: ""},
		{name: "other schemes get nothing", url: "ws://www.example.com/", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, j.CookieHeader(cookieURL(t, tt.url), false))
		})
	}
}

func TestCookieHeaderUpdatesLastAccessButGetDoesNot(t *testing.T) {
	j, _, clock := newTestJar(t)
	u := cookieURL(t, "http://example.com/")
	j.SetFromResponse(u, []string{"a=1"}, false)
	created := clock.now()
	clock.advance(time.Hour)
	j.Get(Filter{URL: u.String()})
	assert.True(t, j.Get(Filter{})[0].LastAccess.Equal(created))
	j.CookieHeader(u, false)
	got := j.Get(Filter{})[0]
	assert.True(t, got.LastAccess.Equal(clock.now()))
	assert.True(t, got.Creation.Equal(created))
}

func TestCookieExpiry(t *testing.T) {
	tests := []struct {
		name        string
		line        string
		wantSession bool
		wantExpires time.Duration // from now
	}{
		{name: "max-age sets the expiry", line: "a=1; Max-Age=60", wantExpires: time.Minute},
		{name: "max-age wins over expires", line: "a=1; Expires=Wed, 01 Jan 2031 00:00:00 GMT; Max-Age=60", wantExpires: time.Minute},
		{name: "max-age wins over expires in either order", line: "a=1; Max-Age=60; Expires=Wed, 01 Jan 2031 00:00:00 GMT", wantExpires: time.Minute},
		{name: "expires sets the expiry", line: "a=1; Expires=Thu, 02 Jan 2030 04:04:05 GMT", wantExpires: time.Hour},
		{name: "an invalid max-age leaves expires in charge", line: "a=1; Max-Age=soon; Expires=Thu, 02 Jan 2030 04:04:05 GMT", wantExpires: time.Hour},
		{name: "expiry is capped at 400 days", line: "a=1; Max-Age=999999999", wantExpires: cookieMaxLifetime},
		{name: "expires is capped at 400 days", line: "a=1; Expires=Fri, 01 Jan 2100 00:00:00 GMT", wantExpires: cookieMaxLifetime},
		{name: "neither makes a session cookie", line: "a=1", wantSession: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j, _, clock := newTestJar(t)
			j.SetFromResponse(cookieURL(t, "http://example.com/"), []string{tt.line}, false)
			got := j.Get(Filter{})
			require.Len(t, got, 1)
			assert.Equal(t, tt.wantSession, got[0].Session)
			if !tt.wantSession {
				assert.Equal(t, cookieSeconds(clock.now().Add(tt.wantExpires)), got[0].ExpirationDate)
			}
		})
	}
}

func TestCookieExpiredCookiesAreRemovedWithCauseExpired(t *testing.T) {
	j, log, clock := newTestJar(t)
	u := cookieURL(t, "http://example.com/")
	j.SetFromResponse(u, []string{"short=1; Max-Age=10", "long=2; Max-Age=100", "session=3"}, false)
	assert.Equal(t, []string{"+inserted short=1", "+inserted long=2", "+inserted session=3"}, log.take())

	clock.advance(10 * time.Second)
	assert.Equal(t, "long=2; session=3", j.CookieHeader(u, false))
	assert.Equal(t, []string{"-expired short=1"}, log.take())

	clock.advance(90 * time.Second)
	assert.Len(t, j.Get(Filter{}), 1)
	assert.Equal(t, []string{"-expired long=2"}, log.take())
	assert.Equal(t, 1, j.Len())
}

func TestCookieOverwriteCauses(t *testing.T) {
	tests := []struct {
		name   string
		first  string
		second string
		want   []string
	}{
		{name: "new value: overwrite then inserted", first: "a=1", second: "a=2",
			want: []string{"+inserted a=1", "-overwrite a=1", "+inserted a=2"}},
		{name: "same cookie again: overwrite then inserted-no-change-overwrite", first: "a=1; HttpOnly", second: "a=1; HttpOnly",
			want: []string{"+inserted a=1", "-overwrite a=1", "+inserted-no-change-overwrite a=1"}},
		{name: "same value, new attributes: overwrite then inserted-no-value-change-overwrite", first: "a=1", second: "a=1; Max-Age=60",
			want: []string{"+inserted a=1", "-overwrite a=1", "+inserted-no-value-change-overwrite a=1"}},
		{name: "already expired: expired-overwrite and nothing stored", first: "a=1", second: "a=2; Max-Age=0",
			want: []string{"+inserted a=1", "-expired-overwrite a=1"}},
		{name: "expires in the past: expired-overwrite", first: "a=1", second: "a=2; Expires=Thu, 01 Jan 1970 00:00:01 GMT",
			want: []string{"+inserted a=1", "-expired-overwrite a=1"}},
		{name: "already expired and nothing to replace: no change", first: "b=1", second: "a=2; Max-Age=-5",
			want: []string{"+inserted b=1"}},
		{name: "another path is another cookie", first: "a=1; Path=/x", second: "a=2; Path=/y",
			want: []string{"+inserted a=1", "+inserted a=2"}},
		{name: "a domain cookie does not replace a host-only one", first: "a=1", second: "a=2; Domain=example.com",
			want: []string{"+inserted a=1", "+inserted a=2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j, log, _ := newTestJar(t)
			u := cookieURL(t, "http://example.com/")
			j.SetFromResponse(u, []string{tt.first}, false)
			j.SetFromResponse(u, []string{tt.second}, false)
			assert.Equal(t, tt.want, log.take())
		})
	}
}

func TestCookieOverwriteWithTheSameValueKeepsTheCreationTime(t *testing.T) {
	j, _, clock := newTestJar(t)
	u := cookieURL(t, "http://example.com/")
	j.SetFromResponse(u, []string{"a=1", "b=1"}, false)
	created := clock.now()
	clock.advance(time.Hour)
	j.SetFromResponse(u, []string{"a=1; Max-Age=60", "b=2"}, false)
	got := map[string]Cookie{}
	for _, c := range j.Get(Filter{}) {
		got[c.Name] = c
	}
	assert.True(t, got["a"].Creation.Equal(created), "same value inherits the creation time")
	assert.True(t, got["b"].Creation.After(created), "a new value is a new cookie")
}

func TestCookieEvictionPerDomain(t *testing.T) {
	j, log, clock := newTestJar(t)
	u := cookieURL(t, "https://example.com/")
	for i := range cookieMaxPerDomain {
		secure := ""
		if i < 10 {
			secure = "; Secure" // the oldest ten are secure and so evicted last
		}
		j.SetFromResponse(u, []string{fmt.Sprintf("c%03d=v%s", i, secure)}, false)
		clock.advance(time.Second)
	}
	assert.Equal(t, cookieMaxPerDomain, j.Len())
	log.take()

	j.SetFromResponse(u, []string{"last=1"}, false)
	changes := log.take()
	require.Len(t, changes, 1+cookieMaxPerDomain+1-(cookieMaxPerDomain-cookiePurgePerDomain))
	assert.Equal(t, "+inserted last=1", changes[0])
	var want []string
	for i := 10; i < 10+cookiePurgePerDomain+1; i++ {
		want = append(want, fmt.Sprintf("-evicted c%03d=v", i))
	}
	assert.Equal(t, want, changes[1:], "non-secure first, least recently accessed first")
	assert.Equal(t, cookieMaxPerDomain-cookiePurgePerDomain, j.Len())
	assert.Len(t, j.Get(Filter{Secure: boolPtr(true)}), 10, "secure cookies survive")
}

func TestCookieEvictionSparesRecentlyAccessedCookies(t *testing.T) {
	j, log, clock := newTestJar(t)
	for i := range cookieMaxPerDomain {
		j.SetFromResponse(cookieURL(t, "http://example.com/"), []string{fmt.Sprintf("c%03d=v; Path=/p%03d", i, i)}, false)
		clock.advance(time.Second)
	}
	assert.Equal(t, "c000=v", j.CookieHeader(cookieURL(t, "http://example.com/p000"), false))
	clock.advance(time.Second)
	log.take()
	j.SetFromResponse(cookieURL(t, "http://example.com/"), []string{"last=1"}, false)
	changes := log.take()
	assert.NotContains(t, changes, "-evicted c000=v")
	assert.Contains(t, changes, "-evicted c001=v")
	assert.Contains(t, changes, "-evicted c031=v")
	assert.NotContains(t, changes, "-evicted c032=v")
}

func TestCookieEvictionDropsExpiredCookiesFirst(t *testing.T) {
	j, log, clock := newTestJar(t)
	u := cookieURL(t, "http://example.com/")
	j.SetFromResponse(u, []string{"dying=1; Max-Age=5"}, false)
	for i := range cookieMaxPerDomain - 1 {
		j.SetFromResponse(u, []string{fmt.Sprintf("c%03d=v", i)}, false)
	}
	clock.advance(10 * time.Second)
	log.take()
	j.SetFromResponse(u, []string{"last=1"}, false)
	assert.Equal(t, []string{"+inserted last=1", "-expired dying=1"}, log.take())
	assert.Equal(t, cookieMaxPerDomain, j.Len())
}

func TestCookieEvictionInTheWholeJar(t *testing.T) {
	j, log, clock := newTestJar(t)
	perDomain := 150
	for i := range cookieMaxTotal {
		u := cookieURL(t, fmt.Sprintf("http://d%02d.example/", i/perDomain))
		j.SetFromResponse(u, []string{fmt.Sprintf("c%04d=v", i)}, false)
		clock.advance(time.Millisecond)
	}
	assert.Equal(t, cookieMaxTotal, j.Len())
	log.take()
	j.SetFromResponse(cookieURL(t, "http://last.example/"), []string{"last=1"}, false)
	changes := log.take()
	evicted := cookieMaxTotal + 1 - (cookieMaxTotal - cookiePurgeTotal)
	require.Len(t, changes, 1+evicted)
	assert.Equal(t, "-evicted c0000=v", changes[1])
	assert.Equal(t, fmt.Sprintf("-evicted c%04d=v", evicted-1), changes[evicted])
	assert.Equal(t, cookieMaxTotal-cookiePurgeTotal, j.Len())
}

func TestCookieGetFilters(t *testing.T) {
	j, _, clock := newTestJar(t)
	j.SetFromResponse(cookieURL(t, "https://www.example.com/"), []string{
		"host=1",
		"dom=2; Domain=example.com; Secure",
		"http=3; HttpOnly; Path=/app",
		"persist=4; Max-Age=60",
	}, false)
	clock.advance(time.Second)
	j.SetFromResponse(cookieURL(t, "https://other.com/"), []string{"other=5"}, false)
	j.SetFromResponse(cookieURL(t, "https://a.b.example.com/"), []string{"deep=6"}, false)

	names := func(cs []Cookie) []string {
		out := []string{}
		for _, c := range cs {
			out = append(out, c.Name)
		}
		return out
	}
	tests := []struct {
		name   string
		filter Filter
		want   []string
	}{
		{name: "no filter returns all, longest path first then oldest", filter: Filter{}, want: []string{"http", "host", "dom", "persist", "other", "deep"}},
		{name: "url returns what would be sent, HttpOnly included", filter: Filter{URL: "https://www.example.com/app/x"}, want: []string{"http", "host", "dom", "persist"}},
		{name: "url over http leaves secure cookies out", filter: Filter{URL: "http://www.example.com/"}, want: []string{"host", "persist"}},
		{name: "url of the parent domain gets the domain cookie", filter: Filter{URL: "https://example.com/"}, want: []string{"dom"}},
		{name: "invalid url returns nothing", filter: Filter{URL: "::nonsense"}, want: []string{}},
		{name: "name", filter: Filter{Name: "persist"}, want: []string{"persist"}},
		{name: "path", filter: Filter{Path: "/app"}, want: []string{"http"}},
		{name: "domain matches cookies of that domain and its subdomains", filter: Filter{Domain: "example.com"}, want: []string{"http", "host", "dom", "persist", "deep"}},
		{name: "domain matches host-only cookies of that host, not domain cookies above it", filter: Filter{Domain: "www.example.com"}, want: []string{"http", "host", "persist"}},
		{name: "domain of a deep host matches only that host's cookies", filter: Filter{Domain: "a.b.example.com"}, want: []string{"deep"}},
		{name: "domain with a leading dot is the same filter", filter: Filter{Domain: ".example.com"}, want: []string{"http", "host", "dom", "persist", "deep"}},
		{name: "domain does not match an unrelated look-alike", filter: Filter{Domain: "otherexample.com"}, want: []string{}},
		{name: "secure", filter: Filter{Secure: boolPtr(true)}, want: []string{"dom"}},
		{name: "not httpOnly", filter: Filter{HTTPOnly: boolPtr(false), Domain: "www.example.com"}, want: []string{"host", "persist"}},
		{name: "session false", filter: Filter{Session: boolPtr(false)}, want: []string{"persist"}},
		{name: "fields combine", filter: Filter{URL: "https://www.example.com/", Session: boolPtr(true), Secure: boolPtr(false)}, want: []string{"host"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, names(j.Get(tt.filter)))
		})
	}
}

func TestCookieSet(t *testing.T) {
	const invalidDomain = "Failed to set cookie - The cookie was set with an invalid Domain attribute." +
		"EXCLUDE_INVALID_DOMAIN, DO_NOT_WARN, NO_EXEMPTION"
	tests := []struct {
		name    string
		details Details
		wantErr string
		check   func(t *testing.T, c Cookie)
	}{
		{name: "empty url", details: Details{URL: "", Name: "a", Value: "b"}, wantErr: invalidDomain},
		{name: "relative url", details: Details{URL: "asdf", Name: "a", Value: "b"}, wantErr: invalidDomain},
		{name: "url without a host", details: Details{URL: "file:///tmp/x", Name: "a", Value: "b"}, wantErr: invalidDomain},
		{name: "scheme without cookies", details: Details{URL: "ftp://example.com/", Name: "a", Value: "b"},
			wantErr: "Failed to set cookie - Attempted to set a cookie from a scheme that does not support cookies.EXCLUDE_NONCOOKIEABLE_SCHEME, DO_NOT_WARN, NO_EXEMPTION"},
		{name: "semicolon in the value", details: Details{URL: "http://example.com", Name: "BadCookie", Value: "test;test"},
			wantErr: "Failed to set cookie - The cookie contains ASCII control charactersEXCLUDE_DISALLOWED_CHARACTER, DO_NOT_WARN, NO_EXEMPTION"},
		{name: "equals sign in the name", details: Details{URL: "http://example.com", Name: "a=b", Value: "c"},
			wantErr: "Failed to set cookie - The cookie contains ASCII control charactersEXCLUDE_DISALLOWED_CHARACTER, DO_NOT_WARN, NO_EXEMPTION"},
		{name: "unrelated domain", details: Details{URL: "http://example.com", Name: "a", Value: "b", Domain: "other.com"}, wantErr: invalidDomain},
		{name: "public suffix domain", details: Details{URL: "http://a.co.uk", Name: "a", Value: "b", Domain: "co.uk"}, wantErr: invalidDomain},
		{name: "relative path", details: Details{URL: "http://example.com", Name: "a", Value: "b", Path: "x"},
			wantErr: "Failed to set cookie - The cookie was malformed and could not be storedEXCLUDE_FAILURE_TO_STORE, DO_NOT_WARN, NO_EXEMPTION"},
		{name: "secure from http", details: Details{URL: "http://example.com", Name: "a", Value: "b", Secure: true},
			wantErr: "Failed to set cookie - The cookie was Secure, but the URL was not allowed to access Secure cookies.EXCLUDE_SECURE_ONLY, DO_NOT_WARN, NO_EXEMPTION"},
		{name: "secure no_restriction from http", details: Details{URL: "http://example.com", Name: "a", Value: "b", Secure: true, SameSite: "no_restriction"},
			wantErr: "Failed to set cookie - The cookie was Secure, but the URL was not allowed to access Secure cookies.EXCLUDE_SECURE_ONLY, DO_NOT_WARN, NO_EXEMPTION"},
		{name: "no_restriction without secure", details: Details{URL: "https://example.com", Name: "a", Value: "b", SameSite: "no_restriction"},
			wantErr: "Failed to set cookie - The cookie specified SameSite=None, but it was not Secure.EXCLUDE_SAMESITE_NONE_INSECURE, DO_NOT_WARN, NO_EXEMPTION"},
		{name: "no_restriction without secure from loopback", details: Details{URL: "http://127.0.0.1:8080", Name: "a", Value: "b", SameSite: "no_restriction"},
			wantErr: "Failed to set cookie - The cookie specified SameSite=None, but it was not Secure.EXCLUDE_SAMESITE_NONE_INSECURE, DO_NOT_WARN, NO_EXEMPTION"},
		{name: "secure from http to a name that merely ends in localhost", details: Details{URL: "http://notlocalhost", Name: "a", Value: "b", Secure: true},
			wantErr: "Failed to set cookie - The cookie was Secure, but the URL was not allowed to access Secure cookies.EXCLUDE_SECURE_ONLY, DO_NOT_WARN, NO_EXEMPTION"},
		{name: "__Secure- from http loopback (prefixes need https)", details: Details{URL: "http://localhost", Name: "__Secure-a", Value: "b", Secure: true},
			wantErr: "Failed to set cookie - The cookie was set with an invalid __Host- or __Secure- prefix.EXCLUDE_INVALID_PREFIX, DO_NOT_WARN, NO_EXEMPTION"},
		{name: "CR LF in the value", details: Details{URL: "http://example.com", Name: "a", Value: "b\r\nX-Injected: 1"},
			wantErr: "Failed to set cookie - The cookie contains ASCII control charactersEXCLUDE_DISALLOWED_CHARACTER, DO_NOT_WARN, NO_EXEMPTION"},
		{name: "NUL in the name", details: Details{URL: "http://example.com", Name: "a\x00", Value: "b"},
			wantErr: "Failed to set cookie - The cookie contains ASCII control charactersEXCLUDE_DISALLOWED_CHARACTER, DO_NOT_WARN, NO_EXEMPTION"},
		{name: "LF in the domain", details: Details{URL: "http://example.com", Name: "a", Value: "b", Domain: "example.com\nX: 1"}, wantErr: invalidDomain},
		{name: "CR in the path", details: Details{URL: "http://example.com", Name: "a", Value: "b", Path: "/\r\nX: 1"},
			wantErr: "Failed to set cookie - The cookie was malformed and could not be storedEXCLUDE_FAILURE_TO_STORE, DO_NOT_WARN, NO_EXEMPTION"},
		{name: "__Host- with a domain", details: Details{URL: "https://example.com", Name: "__Host-a", Value: "b", Secure: true, Domain: "example.com"},
			wantErr: "Failed to set cookie - The cookie was set with an invalid __Host- or __Secure- prefix.EXCLUDE_INVALID_PREFIX, DO_NOT_WARN, NO_EXEMPTION"},
		{name: "several reasons are listed in Chromium's order", details: Details{URL: "http://example.com", Name: "__Secure-a", Value: "b\x01", Domain: "other.com"},
			wantErr: "Failed to set cookie - The cookie was set with an invalid Domain attribute.The cookie was set with an invalid __Host- or __Secure- prefix.The cookie contains ASCII control characters" +
				"EXCLUDE_INVALID_DOMAIN, EXCLUDE_INVALID_PREFIX, EXCLUDE_DISALLOWED_CHARACTER, DO_NOT_WARN, NO_EXEMPTION"},
		{name: "no name and no value", details: Details{URL: "http://example.com"},
			wantErr: "Failed to set cookie - The cookie contains no content or only whitespace.EXCLUDE_NO_COOKIE_CONTENT, DO_NOT_WARN, NO_EXEMPTION"},
		{name: "bad sameSite", details: Details{URL: "http://example.com", Name: "a", Value: "b", SameSite: "garbage"},
			wantErr: "Failed to convert 'garbage' to an appropriate cookie same site value"},
		{name: "defaults: host-only session cookie, path from the url, sameSite lax", details: Details{URL: "http://Example.com/a/b", Name: "a", Value: "b"},
			check: func(t *testing.T, c Cookie) {
				assert.Equal(t, Cookie{Name: "a", Value: "b", Domain: "example.com", Path: "/a", HostOnly: true, Session: true, SameSite: SameSiteLax}, cookieWithoutTimes(c))
			}},
		{name: "a domain makes a domain cookie", details: Details{URL: "http://example.com", Name: "a", Value: "b", Domain: "example.com"},
			check: func(t *testing.T, c Cookie) {
				assert.Equal(t, ".example.com", c.Domain)
				assert.False(t, c.HostOnly)
			}},
		{name: "an IP domain stays host-only", details: Details{URL: "http://127.0.0.1", Name: "a", Value: "b", Domain: "127.0.0.1"},
			check: func(t *testing.T, c Cookie) {
				assert.Equal(t, "127.0.0.1", c.Domain)
				assert.True(t, c.HostOnly)
			}},
		{name: "expiration date makes a persistent cookie", details: Details{URL: "https://example.com", Name: "a", Value: "b", ExpirationDate: 1893553445.5, Secure: true, HTTPOnly: true, SameSite: "strict"},
			check: func(t *testing.T, c Cookie) {
				assert.False(t, c.Session)
				assert.InDelta(t, 1893553445.5, c.ExpirationDate, 1e-6)
				assert.True(t, c.Secure)
				assert.True(t, c.HTTPOnly)
				assert.Equal(t, SameSiteStrict, c.SameSite)
			}},
		{name: "nameless cookie", details: Details{URL: "http://example.com", Value: "v"},
			check: func(t *testing.T, c Cookie) { assert.Equal(t, "", c.Name) }},
		{name: "sameSite unspecified is kept", details: Details{URL: "http://example.com", Name: "a", SameSite: "unspecified"},
			check: func(t *testing.T, c Cookie) { assert.Equal(t, SameSiteUnspecified, c.SameSite) }},
		{name: "secure no_restriction from https", details: Details{URL: "https://example.com", Name: "a", Secure: true, SameSite: "no_restriction"},
			check: func(t *testing.T, c Cookie) {
				assert.True(t, c.Secure)
				assert.Equal(t, SameSiteNoRestriction, c.SameSite)
			}},
		{name: "secure no_restriction from http loopback (potentially trustworthy)", details: Details{URL: "http://127.0.0.1:8080/", Name: "a", Secure: true, SameSite: "no_restriction"},
			check: func(t *testing.T, c Cookie) {
				assert.Equal(t, Cookie{Name: "a", Domain: "127.0.0.1", Path: "/", HostOnly: true, Secure: true, Session: true, SameSite: SameSiteNoRestriction}, cookieWithoutTimes(c))
			}},
		{name: "secure from http *.localhost", details: Details{URL: "http://app.localhost/", Name: "a", Value: "b", Secure: true},
			check: func(t *testing.T, c Cookie) { assert.True(t, c.Secure) }},
		{name: "secure from http [::1]", details: Details{URL: "http://[::1]:8080/", Name: "a", Value: "b", Secure: true},
			check: func(t *testing.T, c Cookie) { assert.Equal(t, "[::1]", c.Domain) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j, _, _ := newTestJar(t)
			err := j.Set(tt.details)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Equal(t, tt.wantErr, err.Error())
				var setErr *SetError
				assert.ErrorAs(t, err, &setErr)
				assert.Zero(t, j.Len())
				return
			}
			require.NoError(t, err)
			got := j.Get(Filter{})
			require.Len(t, got, 1)
			tt.check(t, got[0])
		})
	}
}

func cookieWithoutTimes(c Cookie) Cookie {
	c.Creation, c.LastAccess = time.Time{}, time.Time{}
	return c
}

func TestCookieSetOverwrites(t *testing.T) {
	j, log, clock := newTestJar(t)
	require.NoError(t, j.Set(Details{URL: "http://example.com", Name: "a", Value: "1", HTTPOnly: true}))
	err := j.Set(Details{URL: "http://example.com", Name: "a", Value: "2"})
	require.Error(t, err, "only an httpOnly setter may replace an HttpOnly cookie")
	assert.Equal(t, "Failed to set cookie - The cookie would have overwritten an HttpOnly cookie, and was not allowed to do so."+
		"EXCLUDE_OVERWRITE_HTTP_ONLY, DO_NOT_WARN, NO_EXEMPTION", err.Error())
	require.NoError(t, j.Set(Details{URL: "http://example.com", Name: "a", Value: "2", HTTPOnly: true}))
	past := cookieSeconds(clock.now().Add(-time.Hour))
	require.NoError(t, j.Set(Details{URL: "http://example.com", Name: "a", Value: "3", HTTPOnly: true, ExpirationDate: past}))
	assert.Equal(t, []string{"+inserted a=1", "-overwrite a=1", "+inserted a=2", "-expired-overwrite a=2"}, log.take())
	assert.Zero(t, j.Len())
}

func TestCookieRemove(t *testing.T) {
	j, log, _ := newTestJar(t)
	j.SetFromResponse(cookieURL(t, "https://www.example.com/"), []string{
		"a=host", "a=dom; Domain=example.com", "a=sec; Secure; Path=/s", "a=path; Path=/other", "b=keep",
	}, false)
	log.take()

	require.NoError(t, j.Remove("http://www.example.com/s/x", "a"))
	assert.ElementsMatch(t, []string{"-explicit a=host", "-explicit a=dom"}, log.take(), "only what would be sent over http")

	require.NoError(t, j.Remove("https://www.example.com/s/x", "a"))
	assert.Equal(t, []string{"-explicit a=sec"}, log.take())

	require.NoError(t, j.Remove("::not a url", "b"), "as Electron, an invalid URL removes nothing and resolves")
	require.NoError(t, j.Remove("https://www.example.com/", "missing"))
	assert.Empty(t, log.take())
	assert.Equal(t, 2, j.Len())
}

func TestCookieClear(t *testing.T) {
	j, log, _ := newTestJar(t)
	j.SetFromResponse(cookieURL(t, "http://a.com/"), []string{"a=1"}, false)
	j.SetFromResponse(cookieURL(t, "http://b.com/"), []string{"b=2; Max-Age=60"}, false)
	log.take()
	j.Clear()
	assert.Equal(t, []string{"-explicit a=1", "-explicit b=2"}, log.take())
	assert.Zero(t, j.Len())
}

func TestCookieChangesAreDeliveredOutsideTheLock(t *testing.T) {
	var j *Jar
	var seen []string
	j, err := NewJar("", func(c Change) {
		// Using the jar from the callback would deadlock if the lock were held.
		seen = append(seen, fmt.Sprintf("%s %s len=%d", c.Cause, c.Cookie.Name, j.Len()))
		if c.Cookie.Name == "a" && !c.Removed {
			require.NoError(t, j.Set(Details{URL: "http://example.com", Name: "b", Value: "from callback"}))
		}
	})
	require.NoError(t, err)
	require.NoError(t, j.Set(Details{URL: "http://example.com", Name: "a", Value: "1"}))
	assert.Equal(t, []string{"inserted a len=1", "inserted b len=2"}, seen)
	require.NoError(t, j.Close())
}

func TestCookieChangesArriveInOrderUnderConcurrency(t *testing.T) {
	var mu sync.Mutex
	last := map[string]int{} // per cookie name, the last value seen
	var outOfOrder []string
	j, err := NewJar("", func(c Change) {
		if c.Removed {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		var n int
		fmt.Sscan(c.Cookie.Value, &n)
		if n <= last[c.Cookie.Name] {
			outOfOrder = append(outOfOrder, fmt.Sprintf("%s=%d after %d", c.Cookie.Name, n, last[c.Cookie.Name]))
		}
		last[c.Cookie.Name] = n
	})
	require.NoError(t, err)
	u := cookieURL(t, "http://example.com/")
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := fmt.Sprintf("g%d", g)
			for i := 1; i <= 200; i++ {
				j.SetFromResponse(u, []string{fmt.Sprintf("%s=%d", name, i)}, false)
				_ = j.CookieHeader(u, false)
				_ = j.Get(Filter{Name: name})
				if i%50 == 0 {
					_ = j.Remove(u.String(), "nothing")
				}
			}
		}()
	}
	wg.Wait()
	require.NoError(t, j.Close())
	assert.Empty(t, outOfOrder)
	assert.Len(t, last, 8)
	for name, n := range last {
		assert.Equal(t, 200, n, name)
	}
	assert.Equal(t, 8, j.Len())
}

func TestCookieHeaderNeverCarriesABrokenCookie(t *testing.T) {
	j, _, _ := newTestJar(t)
	require.NoError(t, j.Set(Details{URL: "http://example.com/", Name: "a", Value: "1"}))
	// Whatever put it there, a cookie that would break the line is left out.
	for _, bad := range []Cookie{
		{Name: "b", Value: "x\r\nX-Injected: 1"},
		{Name: "c\n", Value: "1"},
		{Name: "d", Value: "1;e=2"},
		{Name: "f", Value: "\x00"},
	} {
		bad.Domain, bad.Path, bad.HostOnly, bad.Session, bad.SameSite = "example.com", "/", true, true, SameSiteLax
		j.mu.Lock()
		j.byKey["example.com"] = append(j.byKey["example.com"], &jarCookie{Cookie: bad})
		j.count++
		j.mu.Unlock()
	}
	assert.Equal(t, "a=1", j.CookieHeader(cookieURL(t, "http://example.com/"), false))
}

func cookieNames(cookies []Cookie) []string {
	names := make([]string, 0, len(cookies))
	for _, c := range cookies {
		names = append(names, c.Name)
	}
	return names
}
