package httpcache

import (
	"fmt"
	"net/http"
	"net/url"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/go-net-request/go-net-request/gocore/httpwire"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// cacheT0 is the time the tests' responses arrive.
var cacheT0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func cacheURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	require.NoError(t, err)
	return u
}

// cacheHeaders builds a header list from name, value pairs.
func cacheHeaders(kv ...string) []httpwire.Header {
	hs := make([]httpwire.Header, 0, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		hs = append(hs, httpwire.Header{Name: kv[i], Value: kv[i+1]})
	}
	return hs
}

func cacheHead(code int, kv ...string) *httpwire.ResponseHead {
	return &httpwire.ResponseHead{StatusCode: code, StatusText: http.StatusText(code), Major: 1, Minor: 1, Headers: cacheHeaders(kv...)}
}

func cacheDate(t time.Time) string { return t.UTC().Format(http.TimeFormat) }

func openTestCache(t *testing.T, dir string, maxBytes int64) *Cache {
	t.Helper()
	c, err := New(dir, maxBytes)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c
}

// cacheModes runs test against in-memory and on-disk caches; open makes a
// new, empty one (on disk, in a new directory).
func cacheModes(t *testing.T, test func(t *testing.T, open func(maxBytes int64) *Cache)) {
	for _, disk := range []bool{false, true} {
		name := "memory"
		if disk {
			name = "disk"
		}
		t.Run(name, func(t *testing.T) {
			test(t, func(maxBytes int64) *Cache {
				dir := ""
				if disk {
					dir = t.TempDir()
				}
				return openTestCache(t, dir, maxBytes)
			})
		})
	}
}

func cacheStore(t *testing.T, c *Cache, rawURL string, req []httpwire.Header, head *httpwire.ResponseHead, body string) {
	t.Helper()
	c.Store("GET", cacheURL(t, rawURL), req, head, []byte(body), cacheT0.Add(-time.Second), cacheT0)
}

func TestStorable(t *testing.T) {
	tests := []struct {
		name   string
		method string
		req    []httpwire.Header
		head   *httpwire.ResponseHead
		want   bool
	}{
		{"a plain 200 GET", "GET", nil, cacheHead(200), true},
		{"POST is not stored", "POST", nil, cacheHead(200, "Cache-Control", "max-age=60"), false},
		{"HEAD is not stored", "HEAD", nil, cacheHead(200, "Cache-Control", "max-age=60"), false},
		{"206 is not stored (no ranges)", "GET", nil, cacheHead(206, "Cache-Control", "max-age=60"), false},
		{"304 is not stored", "GET", nil, cacheHead(304, "Cache-Control", "max-age=60"), false},
		{"1xx is not stored", "GET", nil, cacheHead(103, "Cache-Control", "max-age=60"), false},
		{"203 heuristically", "GET", nil, cacheHead(203), true},
		{"204 heuristically", "GET", nil, cacheHead(204), true},
		{"300 heuristically", "GET", nil, cacheHead(300), true},
		{"301 heuristically", "GET", nil, cacheHead(301), true},
		{"308 heuristically", "GET", nil, cacheHead(308), true},
		{"404 heuristically", "GET", nil, cacheHead(404), true},
		{"405 heuristically", "GET", nil, cacheHead(405), true},
		{"410 heuristically", "GET", nil, cacheHead(410), true},
		{"414 heuristically", "GET", nil, cacheHead(414), true},
		{"501 heuristically", "GET", nil, cacheHead(501), true},
		{"302 without freshness is not stored", "GET", nil, cacheHead(302, "Last-Modified", cacheDate(cacheT0)), false},
		{"302 with max-age", "GET", nil, cacheHead(302, "Cache-Control", "max-age=60"), true},
		{"307 with Expires", "GET", nil, cacheHead(307, "Expires", cacheDate(cacheT0.Add(time.Hour))), true},
		{"500 without freshness is not stored", "GET", nil, cacheHead(500), false},
		{"500 with public", "GET", nil, cacheHead(500, "Cache-Control", "public"), true},
		{"500 with private (a private cache)", "GET", nil, cacheHead(500, "Cache-Control", "private"), true},
		{"503 with s-maxage only is not stored (private cache)", "GET", nil, cacheHead(503, "Cache-Control", "s-maxage=60"), false},
		{"private is allowed", "GET", nil, cacheHead(200, "Cache-Control", "private, max-age=60"), true},
		{"response no-store", "GET", nil, cacheHead(200, "Cache-Control", "max-age=60, no-store"), false},
		{"response no-store in another line, any case", "GET", nil, cacheHead(200, "Cache-Control", "max-age=60", "cache-control", "NO-STORE"), false},
		{"request no-store", "GET", cacheHeaders("Cache-Control", "no-store"), cacheHead(200, "Cache-Control", "max-age=60"), false},
		{"request no-cache does not prevent storing", "GET", cacheHeaders("Cache-Control", "no-cache"), cacheHead(200), true},
		{"response no-cache is stored", "GET", nil, cacheHead(200, "Cache-Control", "no-cache"), true},
		{"Authorization without permission", "GET", cacheHeaders("Authorization", "Basic eDp5"), cacheHead(200, "Cache-Control", "max-age=60"), false},
		{"Authorization with public", "GET", cacheHeaders("authorization", "Basic eDp5"), cacheHead(200, "Cache-Control", "public"), true},
		{"Authorization with s-maxage", "GET", cacheHeaders("Authorization", "Basic eDp5"), cacheHead(200, "Cache-Control", "s-maxage=60"), true},
		{"Authorization with must-revalidate", "GET", cacheHeaders("Authorization", "Basic eDp5"), cacheHead(200, "Cache-Control", "must-revalidate"), true},
		{"Set-Cookie is stored", "GET", nil, cacheHead(200, "Set-Cookie", "a=b", "Cache-Control", "max-age=60"), true},
		{"Vary: * is never stored", "GET", nil, cacheHead(200, "Vary", "*", "Cache-Control", "max-age=60"), false},
		{"Vary with * among names", "GET", nil, cacheHead(200, "Vary", "Accept, *"), false},
		{"Vary with names", "GET", nil, cacheHead(200, "Vary", "Accept-Encoding"), true},
		{"a no-store inside a quoted value does not count", "GET", nil, cacheHead(200, "Cache-Control", `private="x, no-store"`), true},
		{"no head", "GET", nil, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, Storable(tt.method, tt.req, tt.head))
		})
	}
}

// cachedAt is a response requested delay before cacheT0 and received at cacheT0.
func cachedAt(code int, delay time.Duration, kv ...string) *Entry {
	return &Entry{Head: cacheHead(code, kv...), RequestTime: cacheT0.Add(-delay), ResponseTime: cacheT0}
}

func TestCachedResponseAge(t *testing.T) {
	tests := []struct {
		name    string
		resp    *Entry
		elapsed time.Duration
		want    time.Duration
	}{
		{"only the time in the cache", cachedAt(200, 0), 30 * time.Second, 30 * time.Second},
		{"Age header", cachedAt(200, 0, "Age", "50"), 10 * time.Second, 60 * time.Second},
		{"Age corrected by the request's delay", cachedAt(200, 5*time.Second, "Age", "50"), 0, 55 * time.Second},
		{"the request's delay alone", cachedAt(200, 5*time.Second), 0, 5 * time.Second},
		{"apparent age from Date", cachedAt(200, 0, "Date", cacheDate(cacheT0.Add(-100*time.Second))), 0, 100 * time.Second},
		{"the larger of apparent and corrected", cachedAt(200, 0, "Date", cacheDate(cacheT0.Add(-100*time.Second)), "Age", "20"), 0, 100 * time.Second},
		{"a Date in the future counts as zero", cachedAt(200, 0, "Date", cacheDate(cacheT0.Add(time.Hour))), 0, 0},
		{"an invalid Age is ignored", cachedAt(200, 0, "Age", "-3"), 0, 0},
		{"a list Age uses its first member", cachedAt(200, 0, "Age", "7, 100"), 0, 7 * time.Second},
		{"an Age past 2^31 s is capped", cachedAt(200, 0, "Age", "99999999999999999999999"), 0, (1 << 31) * time.Second},
		{"an invalid Date is the response time", cachedAt(200, 0, "Date", "yesterday"), 0, 0},
		{"Date in RFC 850 format", cachedAt(200, 0, "Date", cacheT0.Add(-10*time.Second).Format(time.RFC850)), 0, 10 * time.Second},
		{"Date in ANSI C format", cachedAt(200, 0, "Date", cacheT0.Add(-10*time.Second).Format(time.ANSIC)), 0, 10 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.resp.Age(cacheT0.Add(tt.elapsed)))
		})
	}
}

func TestCachedResponseFreshnessLifetime(t *testing.T) {
	date := cacheDate(cacheT0)
	forever := time.Duration(1<<63 - 1)
	tests := []struct {
		name string
		resp *Entry
		want time.Duration
	}{
		{"max-age", cachedAt(200, 0, "Cache-Control", "max-age=60"), time.Minute},
		{"max-age quoted", cachedAt(200, 0, "Cache-Control", `max-age="60"`), time.Minute},
		{"the first max-age counts", cachedAt(200, 0, "Cache-Control", "max-age=60", "Cache-Control", "max-age=600"), time.Minute},
		{"an invalid max-age means stale", cachedAt(200, 0, "Cache-Control", "max-age=soon"), 0},
		{"s-maxage is ignored", cachedAt(200, 0, "Cache-Control", "s-maxage=600, max-age=60"), time.Minute},
		{"s-maxage alone gives nothing", cachedAt(200, 0, "Cache-Control", "s-maxage=600"), 0},
		{"max-age wins over Expires", cachedAt(200, 0, "Cache-Control", "max-age=60", "Date", date, "Expires", cacheDate(cacheT0.Add(time.Hour))), time.Minute},
		{"Expires minus Date", cachedAt(200, 0, "Date", cacheDate(cacheT0.Add(-time.Minute)), "Expires", cacheDate(cacheT0.Add(time.Hour))), 61 * time.Minute},
		{"Expires without Date uses the response time", cachedAt(200, 0, "Expires", cacheDate(cacheT0.Add(time.Hour))), time.Hour},
		{"Expires in the past", cachedAt(200, 0, "Date", date, "Expires", cacheDate(cacheT0.Add(-time.Hour))), 0},
		{"an invalid Expires means expired", cachedAt(200, 0, "Date", date, "Expires", "0", "Last-Modified", cacheDate(cacheT0.Add(-100*time.Hour))), 0},
		{"heuristic: a tenth since Last-Modified", cachedAt(200, 0, "Date", date, "Last-Modified", cacheDate(cacheT0.Add(-1000*time.Second))), 100 * time.Second},
		{"heuristic for 404", cachedAt(404, 0, "Date", date, "Last-Modified", cacheDate(cacheT0.Add(-1000*time.Second))), 100 * time.Second},
		{"no heuristic for 302", cachedAt(302, 0, "Date", date, "Last-Modified", cacheDate(cacheT0.Add(-1000*time.Second))), 0},
		{"no heuristic for 500 with public", cachedAt(500, 0, "Cache-Control", "public", "Last-Modified", cacheDate(cacheT0.Add(-1000*time.Second))), 0},
		{"a Last-Modified in the future gives nothing", cachedAt(200, 0, "Date", date, "Last-Modified", cacheDate(cacheT0.Add(time.Hour))), 0},
		{"without Last-Modified nothing", cachedAt(200, 0, "Date", date), 0},
		{"301 is fresh forever, as in Chromium", cachedAt(301, 0, "Location", "/x"), forever},
		{"308 is fresh forever", cachedAt(308, 0), forever},
		{"410 is fresh forever", cachedAt(410, 0), forever},
		{"300 is fresh forever", cachedAt(300, 0), forever},
		{"301 with max-age=0 is not", cachedAt(301, 0, "Cache-Control", "max-age=0"), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.resp.FreshnessLifetime())
		})
	}
}

func TestCachedResponseFresh(t *testing.T) {
	date := cacheDate(cacheT0)
	lm := cacheDate(cacheT0.Add(-1000 * time.Second))
	tests := []struct {
		name    string
		resp    *Entry
		req     []httpwire.Header
		elapsed time.Duration
		want    bool
	}{
		{"within max-age", cachedAt(200, 0, "Cache-Control", "max-age=60"), nil, 30 * time.Second, true},
		{"past max-age", cachedAt(200, 0, "Cache-Control", "max-age=60"), nil, 61 * time.Second, false},
		{"at max-age exactly is stale", cachedAt(200, 0, "Cache-Control", "max-age=60"), nil, 60 * time.Second, false},
		{"Age header counts", cachedAt(200, 0, "Cache-Control", "max-age=60", "Age", "50"), nil, 20 * time.Second, false},
		{"Age and request delay count", cachedAt(200, 15*time.Second, "Cache-Control", "max-age=60", "Age", "50"), nil, 0, false},
		{"an old Date counts", cachedAt(200, 0, "Cache-Control", "max-age=60", "Date", cacheDate(cacheT0.Add(-100*time.Second))), nil, 0, false},
		{"before Expires", cachedAt(200, 0, "Date", date, "Expires", cacheDate(cacheT0.Add(100*time.Second))), nil, 50 * time.Second, true},
		{"after Expires", cachedAt(200, 0, "Date", date, "Expires", cacheDate(cacheT0.Add(100*time.Second))), nil, 101 * time.Second, false},
		{"invalid Expires", cachedAt(200, 0, "Date", date, "Expires", "0"), nil, 0, false},
		{"heuristic, within", cachedAt(200, 0, "Date", date, "Last-Modified", lm), nil, 50 * time.Second, true},
		{"heuristic, past", cachedAt(200, 0, "Date", date, "Last-Modified", lm), nil, 150 * time.Second, false},
		{"no freshness information", cachedAt(200, 0, "Date", date), nil, 0, false},
		{"301 long after", cachedAt(301, 0, "Location", "/x"), nil, 365 * 24 * time.Hour, true},
		{"response no-cache is never fresh", cachedAt(200, 0, "Cache-Control", "max-age=3600, no-cache"), nil, 0, false},
		{"response no-cache with field names too", cachedAt(200, 0, "Cache-Control", `no-cache="Set-Cookie", max-age=3600`), nil, 0, false},
		{"a no-cache in a quoted value does not count", cachedAt(200, 0, "Cache-Control", `private="x, no-cache", max-age=60`), nil, 0, true},
		{"response Pragma: no-cache", cachedAt(200, 0, "Cache-Control", "max-age=3600", "Pragma", "no-cache"), nil, 0, false},
		{"request no-cache", cachedAt(200, 0, "Cache-Control", "max-age=3600"), cacheHeaders("Cache-Control", "no-cache"), 0, false},
		{"request Pragma: no-cache", cachedAt(200, 0, "Cache-Control", "max-age=3600"), cacheHeaders("pragma", "no-cache"), 0, false},
		{"request max-age=0", cachedAt(200, 0, "Cache-Control", "max-age=3600"), cacheHeaders("Cache-Control", "max-age=0"), time.Second, false},
		{"request max-age allows a younger one", cachedAt(200, 0, "Cache-Control", "max-age=3600"), cacheHeaders("Cache-Control", "max-age=10"), 5 * time.Second, true},
		{"request max-age refuses an older one", cachedAt(200, 0, "Cache-Control", "max-age=3600"), cacheHeaders("Cache-Control", "max-age=10"), 20 * time.Second, false},
		{"request min-fresh satisfied", cachedAt(200, 0, "Cache-Control", "max-age=60"), cacheHeaders("Cache-Control", "min-fresh=30"), 20 * time.Second, true},
		{"request min-fresh not satisfied", cachedAt(200, 0, "Cache-Control", "max-age=60"), cacheHeaders("Cache-Control", "min-fresh=30"), 40 * time.Second, false},
		{"request max-stale without value", cachedAt(200, 0, "Cache-Control", "max-age=60"), cacheHeaders("Cache-Control", "max-stale"), 1000 * time.Second, true},
		{"request max-stale within", cachedAt(200, 0, "Cache-Control", "max-age=60"), cacheHeaders("Cache-Control", "max-stale=100"), 150 * time.Second, true},
		{"request max-stale exceeded", cachedAt(200, 0, "Cache-Control", "max-age=60"), cacheHeaders("Cache-Control", "max-stale=100"), 200 * time.Second, false},
		{"max-stale does not beat must-revalidate", cachedAt(200, 0, "Cache-Control", "max-age=60, must-revalidate"), cacheHeaders("Cache-Control", "max-stale"), 100 * time.Second, false},
		{"max-stale does not beat no-cache", cachedAt(200, 0, "Cache-Control", "no-cache"), cacheHeaders("Cache-Control", "max-stale"), 0, false},
		{"must-revalidate while fresh", cachedAt(200, 0, "Cache-Control", "max-age=60, must-revalidate"), nil, 10 * time.Second, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.resp.Fresh(cacheT0.Add(tt.elapsed), tt.req))
		})
	}
}

func TestCachedResponseValidatorsAndMustRevalidate(t *testing.T) {
	r := cachedAt(200, 0, "etag", `"v1"`, "Last-Modified", cacheDate(cacheT0))
	etag, lm := r.Validators()
	assert.Equal(t, `"v1"`, etag)
	assert.Equal(t, cacheDate(cacheT0), lm)
	etag, lm = cachedAt(200, 0).Validators()
	assert.Empty(t, etag)
	assert.Empty(t, lm)

	tests := []struct {
		name string
		resp *Entry
		want bool
	}{
		{"must-revalidate", cachedAt(200, 0, "Cache-Control", "max-age=60, Must-Revalidate"), true},
		{"no-cache", cachedAt(200, 0, "Cache-Control", "no-cache"), true},
		{"proxy-revalidate is for shared caches", cachedAt(200, 0, "Cache-Control", "proxy-revalidate"), false},
		{"neither", cachedAt(200, 0, "Cache-Control", "max-age=60"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.resp.MustRevalidate())
		})
	}
}

func TestSplitDirectives(t *testing.T) {
	got := parseDirectives(cacheHeaders("Cache-Control", ` Max-Age = 5 , no-cache="a, b", private,,x="q\"uote", z`))
	assert.Equal(t, directives{"max-age": "5", "no-cache": "a, b", "private": "", "x": `q\"uote`, "z": ""}, got)
}

func TestHTTPCacheStoreAndLookup(t *testing.T) {
	cacheModes(t, func(t *testing.T, open func(int64) *Cache) {
		c := open(1 << 20)
		head := cacheHead(200, "Content-Type", "text/plain", "Cache-Control", "max-age=60", "Set-Cookie", "a=1", "Set-Cookie", "b=2")
		head.URL = "http://example.test/page"
		head.Reused = true
		head.Complete = true
		head.Body = []byte("body")
		body := []byte("body")
		c.Store("GET", cacheURL(t, "http://example.test/page#top"), nil, head, body, cacheT0.Add(-time.Second), cacheT0)
		body[0] = 'X' // the cache kept its own copy
		head.Headers[0].Value = "changed"

		for _, u := range []string{"http://example.test/page", "http://EXAMPLE.test:80/page#other", "http://user:pw@example.test/page"} {
			got := c.Lookup("GET", cacheURL(t, u), nil)
			require.NotNil(t, got, u)
			assert.Equal(t, "body", string(got.Body))
			assert.Equal(t, 200, got.Head.StatusCode)
			assert.Equal(t, "OK", got.Head.StatusText)
			assert.Equal(t, 1, got.Head.Major)
			assert.Equal(t, 1, got.Head.Minor)
			assert.Equal(t, "http://example.test/page", got.Head.URL)
			assert.False(t, got.Head.Reused)
			assert.False(t, got.Head.Complete)
			assert.Nil(t, got.Head.Body)
			assert.Equal(t, cacheHeaders("Content-Type", "text/plain", "Cache-Control", "max-age=60", "Set-Cookie", "a=1", "Set-Cookie", "b=2"), got.Head.Headers)
			assert.True(t, got.RequestTime.Equal(cacheT0.Add(-time.Second)))
			assert.True(t, got.ResponseTime.Equal(cacheT0))
			assert.True(t, got.Fresh(cacheT0.Add(time.Second), nil))
			got.Head.Headers[0].Value = "scribbled" // a copy
		}
		assert.Nil(t, c.Lookup("HEAD", cacheURL(t, "http://example.test/page"), nil))
		assert.Nil(t, c.Lookup("POST", cacheURL(t, "http://example.test/page"), nil))
		assert.Nil(t, c.Lookup("GET", cacheURL(t, "http://example.test/page?q"), nil))
		assert.Nil(t, c.Lookup("GET", cacheURL(t, "https://example.test/page"), nil))
		assert.Equal(t, "text/plain", c.Lookup("GET", cacheURL(t, "http://example.test/page"), nil).Head.Headers[0].Value)
	})
}

func TestHTTPCacheStoreReplacesTheEntry(t *testing.T) {
	cacheModes(t, func(t *testing.T, open func(int64) *Cache) {
		c := open(1 << 20)
		cacheStore(t, c, "http://a.test/", nil, cacheHead(200, "ETag", `"1"`), "first")
		size := c.Size()
		cacheStore(t, c, "http://a.test/", nil, cacheHead(200, "ETag", `"2"`), "second")
		got := c.Lookup("GET", cacheURL(t, "http://a.test/"), nil)
		require.NotNil(t, got)
		assert.Equal(t, "second", string(got.Body))
		assert.Equal(t, size+1, c.Size(), "one entry, one byte longer")
	})
}

func TestHTTPCacheStoreSkipsWhatIsNotStorable(t *testing.T) {
	cacheModes(t, func(t *testing.T, open func(int64) *Cache) {
		c := open(1 << 20)
		u := cacheURL(t, "http://a.test/x")
		c.Store("POST", u, nil, cacheHead(200, "Cache-Control", "max-age=60"), []byte("p"), cacheT0, cacheT0)
		c.Store("GET", u, cacheHeaders("Cache-Control", "no-store"), cacheHead(200), []byte("p"), cacheT0, cacheT0)
		c.Store("GET", u, nil, cacheHead(500), []byte("p"), cacheT0, cacheT0)
		assert.Nil(t, c.Lookup("GET", u, nil))
		assert.Zero(t, c.Size())

		cacheStore(t, c, "http://a.test/x", nil, cacheHead(200), "kept")
		c.Store("GET", u, cacheHeaders("Cache-Control", "no-store"), cacheHead(200), []byte("new"), cacheT0, cacheT0)
		assert.NotNil(t, c.Lookup("GET", u, nil), "a request's no-store says nothing of the stored response")

		c.Store("GET", u, nil, cacheHead(200, "Cache-Control", "no-store"), []byte("new"), cacheT0, cacheT0)
		assert.Nil(t, c.Lookup("GET", u, nil), "a newer no-store response outdates the stored one")
		assert.Zero(t, c.Size())
	})
}

func TestHTTPCacheVary(t *testing.T) {
	tests := []struct {
		name   string
		vary   []string          // the response's Vary lines
		stored []httpwire.Header // the request headers the response was stored with
		lookup []httpwire.Header
		hit    bool
	}{
		{"no Vary matches anything", nil, cacheHeaders("Accept", "a"), cacheHeaders("Accept", "b"), true},
		{"same value", []string{"Accept-Encoding"}, cacheHeaders("Accept-Encoding", "gzip"), cacheHeaders("accept-encoding", "gzip"), true},
		{"other value", []string{"Accept-Encoding"}, cacheHeaders("Accept-Encoding", "gzip"), cacheHeaders("Accept-Encoding", "br"), false},
		{"absent now", []string{"Accept-Encoding"}, cacheHeaders("Accept-Encoding", "gzip"), nil, false},
		{"absent then", []string{"Accept-Encoding"}, nil, cacheHeaders("Accept-Encoding", "gzip"), false},
		{"absent both times", []string{"Accept-Encoding"}, nil, cacheHeaders("Accept", "x"), true},
		{"empty is not absent", []string{"X-A"}, cacheHeaders("X-A", ""), nil, false},
		{"several names, all match", []string{"Accept, X-A", "x-b"}, cacheHeaders("X-B", "2", "Accept", "t", "X-A", "1"), cacheHeaders("Accept", "t", "X-A", "1", "X-B", "2"), true},
		{"several names, one differs", []string{"Accept, X-A", "X-B"}, cacheHeaders("X-B", "2", "Accept", "t", "X-A", "1"), cacheHeaders("Accept", "t", "X-A", "1", "X-B", "3"), false},
		{"repeated headers are combined in order", []string{"X-A"}, cacheHeaders("X-A", "1", "X-A", "2"), cacheHeaders("X-A", "1, 2"), true},
		{"combined in another order differs", []string{"X-A"}, cacheHeaders("X-A", "1", "X-A", "2"), cacheHeaders("X-A", "2, 1"), false},
		{"surrounding whitespace is ignored", []string{"X-A"}, cacheHeaders("X-A", " 1 "), cacheHeaders("X-A", "1"), true},
		{"Vary: * never matches", []string{"*"}, nil, nil, false},
		{"Vary with a * member never matches", []string{"Accept", "*"}, cacheHeaders("Accept", "a"), cacheHeaders("Accept", "a"), false},
	}
	cacheModes(t, func(t *testing.T, open func(int64) *Cache) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				c := open(1 << 20)
				head := cacheHead(200, "Cache-Control", "max-age=60")
				for _, v := range tt.vary {
					head.Headers = append(head.Headers, httpwire.Header{Name: "Vary", Value: v})
				}
				cacheStore(t, c, "http://v.test/", tt.stored, head, "body")
				got := c.Lookup("GET", cacheURL(t, "http://v.test/"), tt.lookup)
				assert.Equal(t, tt.hit, got != nil)
			})
		}
	})
}

func TestHTTPCacheKeepsOneEntryPerVariant(t *testing.T) {
	cacheModes(t, func(t *testing.T, open func(int64) *Cache) {
		c := open(1 << 20)
		vary := func() *httpwire.ResponseHead { return cacheHead(200, "Vary", "Accept-Language") }
		cacheStore(t, c, "http://v.test/", cacheHeaders("Accept-Language", "en"), vary(), "hello")
		cacheStore(t, c, "http://v.test/", cacheHeaders("Accept-Language", "fr"), vary(), "bonjour")
		cacheStore(t, c, "http://v.test/", cacheHeaders("Accept-Language", "fr"), vary(), "salut")
		body := func(lang string) string {
			got := c.Lookup("GET", cacheURL(t, "http://v.test/"), cacheHeaders("Accept-Language", lang))
			if got == nil {
				return ""
			}
			return string(got.Body)
		}
		assert.Equal(t, "hello", body("en"))
		assert.Equal(t, "salut", body("fr"))
		assert.Equal(t, "", body("de"))

		c.Invalidate(cacheURL(t, "http://v.test/"))
		assert.Zero(t, c.Size(), "every variant invalidated")

		cacheStore(t, c, "http://v.test/", cacheHeaders("Accept-Language", "en"), vary(), "hello")
		cacheStore(t, c, "http://v.test/", cacheHeaders("Accept-Language", "fr"), vary(), "bonjour")
		cacheStore(t, c, "http://v.test/", cacheHeaders("Accept-Language", "fr"), cacheHead(200), "any")
		assert.Equal(t, "any", body("en"))
		assert.Equal(t, "any", body("de"))
		one := c.Size()
		c.Clear()
		cacheStore(t, c, "http://v.test/", nil, cacheHead(200), "any")
		assert.Equal(t, one, c.Size(), "a response without Vary replaced every variant")
	})
}

func TestHTTPCacheUpdateMergesHeadersAndKeepsTheBody(t *testing.T) {
	cacheModes(t, func(t *testing.T, open func(int64) *Cache) {
		c := open(1 << 20)
		u := cacheURL(t, "http://u.test/r")
		stored := cacheHead(200,
			"Date", cacheDate(cacheT0.Add(-time.Hour)),
			"Cache-Control", "max-age=60",
			"ETag", `"v1"`,
			"Content-Type", "text/html",
			"Content-Length", "4",
			"Content-Encoding", "gzip",
			"Age", "30",
			"X-Kept", "yes",
			"X-Multi", "1",
			"X-Multi", "2",
		)
		c.Store("GET", u, nil, stored, []byte("body"), cacheT0.Add(-time.Hour), cacheT0.Add(-time.Hour))
		entry := c.Lookup("GET", u, nil)
		require.NotNil(t, entry)
		assert.False(t, entry.Fresh(cacheT0, nil))

		notModified := cacheHead(304,
			"cache-control", "max-age=600",
			"ETag", `"v2"`,
			"Content-Type", "application/json",
			"Content-Length", "0",
			"Content-Encoding", "br",
			"Connection", "keep-alive, X-Hop",
			"Keep-Alive", "timeout=5",
			"X-Hop", "1",
			"X-Multi", "3",
			"X-New", "new",
		)
		updated := c.Update(entry, notModified, cacheT0.Add(-time.Second), cacheT0)
		require.NotNil(t, updated)
		want := cacheHeaders(
			"Date", cacheDate(cacheT0),
			"cache-control", "max-age=600",
			"ETag", `"v2"`,
			"Content-Type", "text/html",
			"Content-Length", "4",
			"Content-Encoding", "gzip",
			"X-Kept", "yes",
			"X-Multi", "3",
			"X-New", "new",
		)
		assert.Equal(t, want, updated.Head.Headers)
		assert.Equal(t, 200, updated.Head.StatusCode)
		assert.Equal(t, "body", string(updated.Body))
		assert.True(t, updated.RequestTime.Equal(cacheT0.Add(-time.Second)))
		assert.True(t, updated.ResponseTime.Equal(cacheT0))
		assert.True(t, updated.Fresh(cacheT0.Add(time.Minute), nil))
		assert.Equal(t, time.Second, updated.Age(cacheT0), "the age restarts with the 304")

		again := c.Lookup("GET", u, nil)
		require.NotNil(t, again, "the update is stored")
		assert.Equal(t, want, again.Head.Headers)
		assert.Equal(t, "body", string(again.Body))
		assert.True(t, again.ResponseTime.Equal(cacheT0))
		etag, _ := again.Validators()
		assert.Equal(t, `"v2"`, etag)
	})
}

func TestHTTPCacheUpdateKeepsTheDateAndAgeThe304Sends(t *testing.T) {
	c := openTestCache(t, "", 1<<20)
	u := cacheURL(t, "http://u.test/")
	c.Store("GET", u, nil, cacheHead(200, "Date", cacheDate(cacheT0.Add(-time.Hour)), "Age", "100"), []byte("b"), cacheT0, cacheT0)
	entry := c.Lookup("GET", u, nil)
	require.NotNil(t, entry)
	date := cacheDate(cacheT0.Add(-5 * time.Second))
	updated := c.Update(entry, cacheHead(304, "Date", date, "Age", "3"), cacheT0, cacheT0)
	assert.Equal(t, cacheHeaders("Date", date, "Age", "3"), updated.Head.Headers)
}

func TestHTTPCacheUpdateWithNoStoreRemovesTheEntry(t *testing.T) {
	cacheModes(t, func(t *testing.T, open func(int64) *Cache) {
		c := open(1 << 20)
		u := cacheURL(t, "http://u.test/")
		cacheStore(t, c, u.String(), nil, cacheHead(200, "ETag", `"1"`), "body")
		entry := c.Lookup("GET", u, nil)
		require.NotNil(t, entry)
		updated := c.Update(entry, cacheHead(304, "Cache-Control", "no-store"), cacheT0, cacheT0)
		assert.Equal(t, "body", string(updated.Body), "still usable this once")
		assert.Nil(t, c.Lookup("GET", u, nil))
		assert.Zero(t, c.Size())
	})
}

func TestHTTPCacheUpdateOfAnEvictedEntryStoresItAgain(t *testing.T) {
	cacheModes(t, func(t *testing.T, open func(int64) *Cache) {
		c := open(1 << 20)
		u := cacheURL(t, "http://u.test/")
		cacheStore(t, c, u.String(), nil, cacheHead(200, "ETag", `"1"`), "body")
		entry := c.Lookup("GET", u, nil)
		require.NotNil(t, entry)
		require.NoError(t, c.Clear())
		c.Update(entry, cacheHead(304, "Cache-Control", "max-age=60"), cacheT0, cacheT0)
		got := c.Lookup("GET", u, nil)
		require.NotNil(t, got)
		assert.Equal(t, "body", string(got.Body))
	})
}

// entrySizeOf is the size of one GET 200 entry for rawURL with body.
func entrySizeOf(t *testing.T, rawURL, body string) int64 {
	c := openTestCache(t, "", 1<<30)
	cacheStore(t, c, rawURL, nil, cacheHead(200), body)
	return c.Size()
}

func TestHTTPCacheEvictsTheLeastRecentlyUsed(t *testing.T) {
	body := string(make([]byte, 1000))
	one := entrySizeOf(t, "http://lru.test/0", body)
	cacheModes(t, func(t *testing.T, open func(int64) *Cache) {
		c := open(8 * one)
		for i := range 8 {
			cacheStore(t, c, fmt.Sprintf("http://lru.test/%d", i), nil, cacheHead(200), body)
			assert.Equal(t, int64(i+1)*one, c.Size())
		}
		require.NotNil(t, c.Lookup("GET", cacheURL(t, "http://lru.test/0"), nil)) // 1 is now the least recent
		cacheStore(t, c, "http://lru.test/8", nil, cacheHead(200), body)
		assert.Equal(t, 8*one, c.Size())
		assert.Nil(t, c.Lookup("GET", cacheURL(t, "http://lru.test/1"), nil))
		for _, i := range []int{0, 2, 3, 4, 5, 6, 7, 8} {
			assert.NotNil(t, c.Lookup("GET", cacheURL(t, fmt.Sprintf("http://lru.test/%d", i)), nil), i)
		}
		// A miss is not a use: 0, looked up first of these, is now the least recent.
		c.Lookup("GET", cacheURL(t, "http://lru.test/missing"), nil)
		cacheStore(t, c, "http://lru.test/9", nil, cacheHead(200), body)
		assert.Nil(t, c.Lookup("GET", cacheURL(t, "http://lru.test/0"), nil))
		assert.LessOrEqual(t, c.Size(), 8*one)
	})
}

func TestHTTPCacheSizeCountsHeadsAndBodies(t *testing.T) {
	cacheModes(t, func(t *testing.T, open func(int64) *Cache) {
		c := open(1 << 20)
		assert.Zero(t, c.Size())
		cacheStore(t, c, "http://s.test/", nil, cacheHead(200), "")
		empty := c.Size()
		assert.Greater(t, empty, int64(entryHeaderLen), "the head counts")
		c.Clear()
		cacheStore(t, c, "http://s.test/", nil, cacheHead(200), "0123456789")
		assert.Equal(t, empty+10, c.Size())
		cacheStore(t, c, "http://s.test/", nil, cacheHead(200, "X", "y"), "0123456789")
		assert.Greater(t, c.Size(), empty+10, "a longer head")
		c.Invalidate(cacheURL(t, "http://s.test/"))
		assert.Zero(t, c.Size())
	})
}

func TestHTTPCacheDoesNotStoreAnEntryOverAnEighthOfTheBound(t *testing.T) {
	cacheModes(t, func(t *testing.T, open func(int64) *Cache) {
		small := entrySizeOf(t, "http://big.test/", "")
		c := open(8 * (small + 100))
		cacheStore(t, c, "http://big.test/", nil, cacheHead(200), string(make([]byte, 100)))
		assert.NotNil(t, c.Lookup("GET", cacheURL(t, "http://big.test/"), nil), "exactly an eighth fits")
		cacheStore(t, c, "http://big.test/", nil, cacheHead(200), string(make([]byte, 101)))
		assert.Nil(t, c.Lookup("GET", cacheURL(t, "http://big.test/"), nil), "a larger one is not kept, and outdates the old one")
		assert.Zero(t, c.Size())
	})
}

func TestHTTPCacheInvalidate(t *testing.T) {
	cacheModes(t, func(t *testing.T, open func(int64) *Cache) {
		c := open(1 << 20)
		cacheStore(t, c, "http://i.test/a", nil, cacheHead(200), "a")
		cacheStore(t, c, "http://i.test/b", nil, cacheHead(200), "b")
		size := c.Size()
		c.Invalidate(cacheURL(t, "http://i.test/a#frag"))
		assert.Nil(t, c.Lookup("GET", cacheURL(t, "http://i.test/a"), nil))
		assert.NotNil(t, c.Lookup("GET", cacheURL(t, "http://i.test/b"), nil))
		assert.Equal(t, size/2, c.Size())
		c.Invalidate(cacheURL(t, "http://i.test/none")) // nothing there
		assert.Equal(t, size/2, c.Size())
	})
}

func TestHTTPCacheInvalidateUnsafe(t *testing.T) {
	tests := []struct {
		name        string
		method      string
		head        *httpwire.ResponseHead
		invalidated []string // of /target, /loc, http://other.test/loc
	}{
		{"POST 200 invalidates the URL", "POST", cacheHead(200), []string{"/target"}},
		{"PUT 204", "PUT", cacheHead(204), []string{"/target"}},
		{"DELETE 200", "DELETE", cacheHead(200), []string{"/target"}},
		{"PATCH 303", "PATCH", cacheHead(303), []string{"/target"}},
		{"an error status invalidates nothing", "POST", cacheHead(500), nil},
		{"a 404 invalidates nothing", "DELETE", cacheHead(404), nil},
		{"GET invalidates nothing", "GET", cacheHead(200), nil},
		{"HEAD invalidates nothing", "HEAD", cacheHead(200), nil},
		{"Location of the same origin", "POST", cacheHead(201, "Location", "/loc"), []string{"/target", "/loc"}},
		{"Content-Location of the same origin", "POST", cacheHead(200, "Content-Location", "http://i.test:80/loc"), []string{"/target", "/loc"}},
		{"Location of another origin is kept", "POST", cacheHead(201, "Location", "http://other.test/loc"), []string{"/target"}},
	}
	urls := map[string]string{"/target": "http://i.test/target", "/loc": "http://i.test/loc", "other": "http://other.test/loc"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := openTestCache(t, "", 1<<20)
			for _, u := range urls {
				cacheStore(t, c, u, nil, cacheHead(200), "x")
			}
			c.InvalidateUnsafe(tt.method, cacheURL(t, urls["/target"]), tt.head)
			for name, u := range urls {
				gone := false
				for _, inv := range tt.invalidated {
					gone = gone || inv == name
				}
				assert.Equal(t, gone, c.Lookup("GET", cacheURL(t, u), nil) == nil, name)
			}
		})
	}
}

func TestHTTPCacheClear(t *testing.T) {
	cacheModes(t, func(t *testing.T, open func(int64) *Cache) {
		c := open(1 << 20)
		for i := range 5 {
			cacheStore(t, c, fmt.Sprintf("http://c.test/%d", i), nil, cacheHead(200), "x")
		}
		require.NoError(t, c.Clear())
		assert.Zero(t, c.Size())
		for i := range 5 {
			assert.Nil(t, c.Lookup("GET", cacheURL(t, fmt.Sprintf("http://c.test/%d", i)), nil))
		}
		cacheStore(t, c, "http://c.test/0", nil, cacheHead(200), "x")
		assert.NotNil(t, c.Lookup("GET", cacheURL(t, "http://c.test/0"), nil), "usable after Clear")
	})
}

func TestHTTPCacheAfterCloseDoesNothing(t *testing.T) {
	cacheModes(t, func(t *testing.T, open func(int64) *Cache) {
		c := open(1 << 20)
		cacheStore(t, c, "http://z.test/", nil, cacheHead(200), "x")
		entry := c.Lookup("GET", cacheURL(t, "http://z.test/"), nil)
		require.NoError(t, c.Close())
		require.NoError(t, c.Close())
		assert.Nil(t, c.Lookup("GET", cacheURL(t, "http://z.test/"), nil))
		cacheStore(t, c, "http://z.test/other", nil, cacheHead(200), "x")
		assert.NotNil(t, c.Update(entry, cacheHead(304), cacheT0, cacheT0))
		c.Invalidate(cacheURL(t, "http://z.test/"))
		assert.NoError(t, c.Clear())
		assert.Zero(t, c.Size())
	})
}

// Concurrent stores, hits, updates, invalidations and clears keep the
// bound and the accounting (run with -race).
func TestHTTPCacheConcurrentUse(t *testing.T) {
	body := string(make([]byte, 500))
	one := entrySizeOf(t, "http://cc.test/00", body)
	cacheModes(t, func(t *testing.T, open func(int64) *Cache) {
		c := open(16 * one)
		var wg sync.WaitGroup
		for g := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 200 {
					u := cacheURL(t, fmt.Sprintf("http://cc.test/%02d", (g*7+i)%40))
					switch i % 10 {
					case 0:
						c.Invalidate(u)
					case 1, 2, 3:
						c.Store("GET", u, nil, cacheHead(200, "ETag", `"e"`), []byte(body), cacheT0, cacheT0)
					case 4:
						if e := c.Lookup("GET", u, nil); e != nil {
							c.Update(e, cacheHead(304, "ETag", `"f"`), cacheT0, cacheT0)
						}
					case 5:
						if g == 0 && i%50 == 5 {
							assert.NoError(t, c.Clear())
						}
					default:
						if e := c.Lookup("GET", u, nil); e != nil {
							assert.Len(t, e.Body, len(body))
						}
					}
					assert.LessOrEqual(t, c.Size(), 16*one)
				}
			}()
		}
		wg.Wait()
		var sum int64
		c.mu.Lock()
		for _, r := range c.records {
			sum += r.size
		}
		assert.Equal(t, c.lru.Len(), len(c.records))
		c.mu.Unlock()
		assert.Equal(t, sum, c.Size())
	})
}

// The cache starts no goroutine, so none is left after Close.
func TestHTTPCacheLeavesNoGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	for _, dir := range []string{"", t.TempDir()} {
		c, err := New(dir, 1<<20)
		require.NoError(t, err)
		var wg sync.WaitGroup
		for i := range 4 {
			wg.Go(func() {
				u := cacheURL(t, fmt.Sprintf("http://g.test/%d", i))
				c.Store("GET", u, nil, cacheHead(200), []byte("x"), cacheT0, cacheT0)
				c.Lookup("GET", u, nil)
			})
		}
		wg.Wait()
		require.NoError(t, c.Close())
	}
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	assert.LessOrEqual(t, runtime.NumGoroutine(), before)
}

func TestParseHTTPDateMatchesNetHTTP(t *testing.T) {
	for _, s := range []string{
		"Sun, 06 Nov 1994 08:49:37 GMT",
		"Thu, 26 Nov 2026 23:59:60 GMT",
		"Sat, 29 Feb 2020 00:00:00 GMT",
		"Sun, 31 Feb 2021 00:00:00 GMT", // no such day
		"Sun, 06 Xyz 1994 08:49:37 GMT",
		"Sun, 06 Nov 1994 08:49:37 UTC",
		"Sun, 6 Nov 1994 08:49:37 GMT",
		"Sunday, 06-Nov-94 08:49:37 GMT",
		"Sun Nov  6 08:49:37 1994",
		"",
		"Sun, 06 Nov 1994 24:00:00 GMT",
		"Sun, 0a Nov 1994 08:49:37 GMT",
		"Xyz, 06 Nov 1994 08:49:37 GMT",
		"Mon, 06 Nov 1994 08:49:37 GMT", // the wrong weekday is not checked, by either
	} {
		want, wantErr := http.ParseTime(s)
		got, err := parseHTTPDate(s)
		assert.Equal(t, wantErr == nil, err == nil, s)
		if err == nil && wantErr == nil {
			assert.True(t, want.Equal(got), "%s: %v != %v", s, got, want)
		}
	}
}
