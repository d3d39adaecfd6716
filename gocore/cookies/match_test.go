package cookies

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCookieMatching(t *testing.T) {
	domain := &Cookie{Domain: ".example.com", Path: "/"}
	host := &Cookie{Domain: "example.com", HostOnly: true, Path: "/"}
	dir := &Cookie{Domain: "example.com", HostOnly: true, Path: "/docs"}
	slash := &Cookie{Domain: "example.com", HostOnly: true, Path: "/docs/"}
	secure := &Cookie{Domain: "example.com", HostOnly: true, Path: "/", Secure: true}
	tests := []struct {
		name   string
		cookie *Cookie
		host   string
		path   string
		secure bool
		want   bool
	}{
		{name: "domain cookie matches its domain", cookie: domain, host: "example.com", path: "/", want: true},
		{name: "domain cookie matches a subdomain", cookie: domain, host: "a.b.example.com", path: "/", want: true},
		{name: "domain cookie does not match a look-alike", cookie: domain, host: "badexample.com", path: "/"},
		{name: "host-only cookie matches its host", cookie: host, host: "example.com", path: "/x", want: true},
		{name: "host-only cookie does not match a subdomain", cookie: host, host: "www.example.com", path: "/"},
		{name: "path matches itself", cookie: dir, host: "example.com", path: "/docs", want: true},
		{name: "path matches below a slash", cookie: dir, host: "example.com", path: "/docs/web", want: true},
		{name: "path does not match a longer name", cookie: dir, host: "example.com", path: "/docsx"},
		{name: "path does not match its parent", cookie: dir, host: "example.com", path: "/"},
		{name: "path ending in a slash matches below it", cookie: slash, host: "example.com", path: "/docs/x", want: true},
		{name: "path ending in a slash does not match without it", cookie: slash, host: "example.com", path: "/docs"},
		{name: "secure cookie goes over https", cookie: secure, host: "example.com", path: "/", secure: true, want: true},
		{name: "secure cookie does not go over http", cookie: secure, host: "example.com", path: "/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, cookieIncluded(tt.cookie, tt.host, tt.path, tt.secure))
		})
	}
}

func TestCookieInsecureOriginLeavesSecureCookiesAlone(t *testing.T) {
	j, log, _ := newTestJar(t)
	j.SetFromResponse(cookieURL(t, "https://www.example.com/"), []string{"a=secure; Secure; Domain=example.com; Path=/"}, false)
	log.take()
	j.SetFromResponse(cookieURL(t, "http://www.example.com/"), []string{
		"a=shadow",
		"a=shadow2; Domain=example.com",
		"a=shadow3; Path=/deeper",
		"b=other",
		"a=elsewhere; Domain=other.example.com",
	}, false)
	assert.Equal(t, []string{"+inserted b=other"}, log.take())
	j.SetFromResponse(cookieURL(t, "https://www.example.com/"), []string{"a=replaced; Secure; Domain=example.com"}, false)
	assert.Equal(t, []string{"-overwrite a=secure", "+inserted a=replaced"}, log.take())
}

func TestCookieSecureOnLoopbackOverHTTP(t *testing.T) {
	j, _, _ := newTestJar(t)
	for _, host := range []string{"127.0.0.1:8080", "localhost:8080", "app.localhost", "[::1]:8080"} {
		require.NoError(t, j.Set(Details{URL: "http://" + host + "/", Name: "s", Value: "1", Secure: true, SameSite: SameSiteNoRestriction}), host)
		j.SetFromResponse(cookieURL(t, "http://"+host+"/"), []string{"r=2; Secure; SameSite=None"}, false)
		assert.Equal(t, "s=1; r=2", j.CookieHeader(cookieURL(t, "http://"+host+"/"), false), "a loopback host is potentially trustworthy: %s", host)
		assert.Len(t, j.Get(Filter{URL: "http://" + host + "/"}), 2, host)
	}
	assert.Equal(t, 8, j.Len())

	j.SetFromResponse(cookieURL(t, "http://example.com/"), []string{"r=2; Secure; SameSite=None"}, false)
	assert.Equal(t, 8, j.Len(), "other http origins still may not set Secure cookies")

	require.NoError(t, j.Set(Details{URL: "https://example.com/", Name: "s", Value: "1", Secure: true}))
	assert.Empty(t, j.CookieHeader(cookieURL(t, "http://example.com/"), false), "nor receive them")
	err := j.Set(Details{URL: "http://example.com/", Name: "s", Value: "2"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "EXCLUDE_OVERWRITE_SECURE")
	require.NoError(t, j.Set(Details{URL: "http://127.0.0.1:8080/", Name: "s", Value: "3"}),
		"a loopback origin may overwrite its Secure cookie")
}

func TestCookieCrossSiteContextSendsAndStoresOnlySameSiteNone(t *testing.T) {
	j, _, _ := newTestJar(t)
	u := cookieURL(t, "https://b.example.com/")
	j.SetFromResponse(u, []string{
		"strict=1; SameSite=Strict", "lax=2; SameSite=Lax", "unspecified=3", "none=4; SameSite=None; Secure",
		"insecure=5; SameSite=None",
	}, true)
	assert.Equal(t, []string{"none"}, cookieNames(j.Get(Filter{})), "a cross-site response sets only SameSite=None (and Secure)")

	j.SetFromResponse(u, []string{"strict=1; SameSite=Strict", "lax=2; SameSite=Lax", "unspecified=3"}, false)
	assert.Equal(t, "none=4; strict=1; lax=2; unspecified=3", j.CookieHeader(u, false))
	assert.Equal(t, "none=4", j.CookieHeader(u, true))
	assert.Equal(t, "none=4; strict=1; lax=2; unspecified=3", j.CookieHeader(u, false), "the API's context is same-site")
}
