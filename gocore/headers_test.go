package gocore

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"

	"github.com/go-net-request/go-net-request/gocore/auth"
	"github.com/go-net-request/go-net-request/gocore/httpwire"
	"github.com/go-net-request/go-net-request/gocore/neterr"
	"github.com/go-net-request/go-net-request/internal/testkit"
	"github.com/stretchr/testify/assert"
)

func TestRequestHeaders(t *testing.T) {
	ua := httpwire.Header{Name: "User-Agent", Value: DefaultUserAgent}
	ae := httpwire.Header{Name: "Accept-Encoding", Value: "gzip, deflate, br, zstd"}
	fetch := func(site string) []httpwire.Header {
		return []httpwire.Header{{Name: "Sec-Fetch-Site", Value: site}, {Name: "Sec-Fetch-Mode", Value: "no-cors"}, {Name: "Sec-Fetch-Dest", Value: "empty"}}
	}
	cat := func(parts ...[]httpwire.Header) []httpwire.Header {
		var out []httpwire.Header
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	keepAlive := httpwire.Header{Name: "Connection", Value: "keep-alive"}
	tests := []struct {
		name      string
		url       string
		initiator string // Request.Initiator
		hop       hop
		want      []httpwire.Header
	}{
		{
			name: "loopback http gets every default",
			url:  "http://127.0.0.1:8080/x",
			hop:  hop{method: "GET"},
			want: cat([]httpwire.Header{{Name: "Host", Value: "127.0.0.1:8080"}, keepAlive, ua, ae}, fetch("none")),
		},
		{
			name: "non-loopback http gets no Fetch Metadata",
			url:  "http://example.test/",
			hop:  hop{method: "GET"},
			want: []httpwire.Header{{Name: "Host", Value: "example.test"}, keepAlive, ua, ae},
		},
		{
			name: "https gets Fetch Metadata",
			url:  "https://example.test/",
			hop:  hop{method: "GET"},
			want: cat([]httpwire.Header{{Name: "Host", Value: "example.test"}, keepAlive, ua, ae}, fetch("none")),
		},
		{
			name: "localhost is potentially trustworthy",
			url:  "http://localhost:3000/",
			hop:  hop{method: "GET"},
			want: cat([]httpwire.Header{{Name: "Host", Value: "localhost:3000"}, keepAlive, ua, ae}, fetch("none")),
		},
		{
			name: "a .localhost name is potentially trustworthy",
			url:  "http://app.localhost/",
			hop:  hop{method: "GET"},
			want: cat([]httpwire.Header{{Name: "Host", Value: "app.localhost"}, keepAlive, ua, ae}, fetch("none")),
		},
		{
			name: "IPv6 loopback, bracketed in Host",
			url:  "http://[::1]:8080/",
			hop:  hop{method: "GET"},
			want: cat([]httpwire.Header{{Name: "Host", Value: "[::1]:8080"}, keepAlive, ua, ae}, fetch("none")),
		},
		{
			name: "default https port omitted from Host",
			url:  "https://example.test:443/",
			hop:  hop{method: "GET"},
			want: cat([]httpwire.Header{{Name: "Host", Value: "example.test"}, keepAlive, ua, ae}, fetch("none")),
		},
		{
			name: "default http port omitted from Host",
			url:  "http://example.test:80/",
			hop:  hop{method: "GET"},
			want: []httpwire.Header{{Name: "Host", Value: "example.test"}, keepAlive, ua, ae},
		},
		{
			name: "port 80 kept for https",
			url:  "https://example.test:80/",
			hop:  hop{method: "GET"},
			want: cat([]httpwire.Header{{Name: "Host", Value: "example.test:80"}, keepAlive, ua, ae}, fetch("none")),
		},
		{
			name: "app headers in order and case, defaults it set are not added",
			url:  "http://example.test/",
			hop: hop{method: "GET", header: []httpwire.Header{
				{Name: "x-first", Value: "1"}, {Name: "user-agent", Value: "mine"}, {Name: "X-Dup", Value: "a"}, {Name: "ACCEPT-ENCODING", Value: "identity"}, {Name: "X-Dup", Value: "b"}, {Name: "connection", Value: "close"},
			}},
			want: []httpwire.Header{{Name: "Host", Value: "example.test"}, {Name: "x-first", Value: "1"}, {Name: "user-agent", Value: "mine"}, {Name: "X-Dup", Value: "a"}, {Name: "ACCEPT-ENCODING", Value: "identity"}, {Name: "X-Dup", Value: "b"}, {Name: "connection", Value: "close"}},
		},
		{
			name: "app Fetch Metadata wins",
			url:  "https://example.test/",
			hop:  hop{method: "GET", header: []httpwire.Header{{Name: "Sec-Fetch-Mode", Value: "cors"}, {Name: "sec-fetch-site", Value: "same-site"}}},
			want: []httpwire.Header{{Name: "Host", Value: "example.test"}, keepAlive, {Name: "Sec-Fetch-Mode", Value: "cors"}, {Name: "sec-fetch-site", Value: "same-site"}, ua, ae, {Name: "Sec-Fetch-Dest", Value: "empty"}},
		},
		{
			name: "Origin header as the initiator",
			url:  "https://a.example.test/",
			hop:  hop{method: "GET", header: []httpwire.Header{{Name: "Origin", Value: "https://b.example.test"}}},
			want: cat([]httpwire.Header{{Name: "Host", Value: "a.example.test"}, keepAlive, {Name: "Origin", Value: "https://b.example.test"}, ua, ae}, fetch("same-site")),
		},
		{
			name:      "Initiator wins over an Origin header",
			url:       "https://a.example.test/",
			initiator: "https://a.example.test",
			hop:       hop{method: "GET", header: []httpwire.Header{{Name: "Origin", Value: "https://other.test"}}},
			want:      cat([]httpwire.Header{{Name: "Host", Value: "a.example.test"}, keepAlive, {Name: "Origin", Value: "https://other.test"}, ua, ae}, fetch("same-origin")),
		},
		{
			name: "buffered body",
			url:  "http://example.test/",
			hop:  hop{method: "POST", hasBody: true, body: []byte("hello")},
			want: []httpwire.Header{{Name: "Host", Value: "example.test"}, keepAlive, {Name: "Content-Length", Value: "5"}, ua, ae},
		},
		{
			name: "empty buffered body",
			url:  "http://example.test/",
			hop:  hop{method: "PATCH", hasBody: true},
			want: []httpwire.Header{{Name: "Host", Value: "example.test"}, keepAlive, {Name: "Content-Length", Value: "0"}, ua, ae},
		},
		{
			name: "streamed body",
			url:  "http://example.test/",
			hop:  hop{method: "POST", streaming: true},
			want: []httpwire.Header{{Name: "Host", Value: "example.test"}, keepAlive, {Name: "Transfer-Encoding", Value: "chunked"}, ua, ae},
		},
		{
			name: "POST without a body says so",
			url:  "http://example.test/",
			hop:  hop{method: "POST"},
			want: []httpwire.Header{{Name: "Host", Value: "example.test"}, keepAlive, {Name: "Content-Length", Value: "0"}, ua, ae},
		},
		{
			name: "PUT without a body says so",
			url:  "http://example.test/",
			hop:  hop{method: "PUT"},
			want: []httpwire.Header{{Name: "Host", Value: "example.test"}, keepAlive, {Name: "Content-Length", Value: "0"}, ua, ae},
		},
		{
			name: "engine Authorization after the app headers",
			url:  "http://example.test/",
			hop:  hop{method: "GET", header: []httpwire.Header{{Name: "X-A", Value: "1"}}, login: auth.Login{Sent: &auth.Entry{Challenge: auth.Challenge{Scheme: "basic"}, Cred: auth.Credentials{Username: "u", Password: "p"}}}},
			want: []httpwire.Header{{Name: "Host", Value: "example.test"}, keepAlive, {Name: "X-A", Value: "1"}, {Name: "Authorization", Value: "Basic dTpw"}, ua, ae},
		},
		{
			name: "app Authorization wins over the engine's",
			url:  "http://example.test/",
			hop:  hop{method: "GET", header: []httpwire.Header{{Name: "authorization", Value: "Bearer t"}}, login: auth.Login{Sent: &auth.Entry{Challenge: auth.Challenge{Scheme: "basic"}, Cred: auth.Credentials{Username: "u", Password: "p"}}}},
			want: []httpwire.Header{{Name: "Host", Value: "example.test"}, keepAlive, {Name: "authorization", Value: "Bearer t"}, ua, ae},
		},
	}
	client := NewClient(Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := &Exchange{client: client, req: &Request{Initiator: tt.initiator}}
			h := tt.hop
			h.url = testkit.MustURL(t, tt.url)
			assert.Equal(t, tt.want, x.requestHeaders(&h))
		})
	}
}

func TestFetchSite(t *testing.T) {
	tests := []struct {
		initiator, target, want string
	}{
		{"", "https://a.example.test/", "none"},
		{"https://a.example.test", "https://a.example.test/x", "same-origin"},
		{"https://a.example.test:443", "https://a.example.test/x", "same-origin"},
		{"https://b.example.test", "https://a.example.test/", "same-site"},
		{"https://example.test", "https://a.example.test/", "same-site"},
		{"http://a.example.test", "https://a.example.test/", "cross-site"},
		{"https://other.test", "https://a.example.test/", "cross-site"},
		{"http://127.0.0.1:1", "http://127.0.0.1:2/", "same-site"},
		{"http://127.0.0.2", "http://127.0.0.1/", "cross-site"},
		{"https://a.co.uk", "https://b.co.uk/", "cross-site"}, // the public-suffix list, not the last two labels
		{"https://x.a.co.uk", "https://y.a.co.uk/", "same-site"},
		{"https://a.github.io", "https://b.github.io/", "cross-site"},
		{"https://10.0.0.1", "https://20.0.0.1/", "cross-site"},
		{"http://a.localhost:1", "http://b.localhost:2/", "cross-site"},
		{"null", "https://a.example.test/", "cross-site"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s to %s", tt.initiator, tt.target), func(t *testing.T) {
			assert.Equal(t, tt.want, fetchSite(tt.initiator, testkit.MustURL(t, tt.target)))
		})
	}
}

func TestFetchSiteWalksTheRedirectChain(t *testing.T) {
	x := &Exchange{client: NewClient(Options{}), req: &Request{Initiator: "https://a.example.test"}}
	h := &hop{method: "GET"}
	for _, step := range []struct{ url, want string }{
		{"https://a.example.test/", "same-origin"},
		{"https://b.example.test/", "same-site"},
		{"http://evil.test/", ""}, // not potentially trustworthy: no header, but the URL counts
		{"https://a.example.test/back", "cross-site"},
	} {
		h.url = testkit.MustURL(t, step.url)
		assert.Equal(t, step.want, httpwire.HeaderValue(x.requestHeaders(h), "Sec-Fetch-Site"), step.url)
	}
}

func TestLeastSameFetchSite(t *testing.T) {
	assert.Equal(t, "none", leastSameFetchSite("", "none"))
	assert.Equal(t, "none", leastSameFetchSite("none", "none"))
	assert.Equal(t, "same-site", leastSameFetchSite("same-origin", "same-site"))
	assert.Equal(t, "same-site", leastSameFetchSite("same-site", "same-origin"))
	assert.Equal(t, "cross-site", leastSameFetchSite("cross-site", "same-origin"))
}

func TestDisplayURLDropsCredentials(t *testing.T) {
	assert.Equal(t, "http://127.0.0.1:1/p?q#f", displayURL(testkit.MustURL(t, "http://user:pass@127.0.0.1:1/p?q#f")))
	assert.Equal(t, "http://127.0.0.1:1/p", displayURL(testkit.MustURL(t, "http://127.0.0.1:1/p")))
}

// captureServer answers every request with a small 200 and sends each
// request it read on the returned channel.
func captureServer(t *testing.T) (*rawServer, <-chan *rawRequest) {
	t.Helper()
	reqs := make(chan *rawRequest, 16)
	srv := newRawServer(t, func(c net.Conn, br *bufio.Reader) {
		for {
			req, err := readRawRequest(br)
			if err != nil {
				return
			}
			reqs <- req
			if _, err := io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"); err != nil {
				return
			}
		}
	})
	return srv, reqs
}

func TestExchangeSendsHeadersAsGivenOnTheWire(t *testing.T) {
	srv, reqs := captureServer(t)
	c := newClient(t, Options{})
	req := &Request{Method: "GET", URL: testkit.MustURL(t, srv.url+"/path?q=1"), Header: []httpwire.Header{
		{Name: "x-lower", Value: "a"}, {Name: "X-UPPER", Value: "B"}, {Name: "X-Dup", Value: "1"}, {Name: "x-mIxEd-CaSe", Value: "c"}, {Name: "X-Dup", Value: "2"},
	}}
	evs := run(t, c, req, newRecorder())
	requireEnd(t, evs)

	got := testkit.Recv(t, reqs, "the request")
	want := "GET /path?q=1 HTTP/1.1\r\n" +
		fmt.Sprintf("Host: 127.0.0.1:%d\r\n", srv.port) +
		"Connection: keep-alive\r\n" +
		"x-lower: a\r\n" +
		"X-UPPER: B\r\n" +
		"X-Dup: 1\r\n" +
		"x-mIxEd-CaSe: c\r\n" +
		"X-Dup: 2\r\n" +
		"User-Agent: " + DefaultUserAgent + "\r\n" +
		"Accept-Encoding: gzip, deflate, br, zstd\r\n" +
		"Sec-Fetch-Site: none\r\n" +
		"Sec-Fetch-Mode: no-cors\r\n" +
		"Sec-Fetch-Dest: empty\r\n" +
		"\r\n"
	assert.Equal(t, want, got.head)
}

func TestExchangeDefaultHeaders(t *testing.T) {
	tests := []struct {
		name      string
		header    []httpwire.Header
		initiator string // Request.Initiator; PORT is the server's port
		ua        string // Client.SetUserAgent before the request, when set
		want      map[string]string
	}{
		{
			name: "none set by the app",
			want: map[string]string{"Connection": "keep-alive", "User-Agent": DefaultUserAgent, "Accept-Encoding": "gzip, deflate, br, zstd",
				"Sec-Fetch-Site": "none", "Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Dest": "empty"},
		},
		{
			name: "session user agent",
			ua:   "MyApp/2.0",
			want: map[string]string{"User-Agent": "MyApp/2.0"},
		},
		{
			name:   "app values win",
			header: []httpwire.Header{{Name: "user-agent", Value: "app"}, {Name: "accept-encoding", Value: "identity"}, {Name: "sec-fetch-dest", Value: "document"}, {Name: "Sec-Fetch-User", Value: "?1"}},
			want:   map[string]string{"User-Agent": "app", "Accept-Encoding": "identity", "Sec-Fetch-Dest": "document", "Sec-Fetch-User": "?1", "Sec-Fetch-Mode": "no-cors"},
		},
		{
			name:   "same-origin initiator",
			header: []httpwire.Header{{Name: "Origin", Value: "http://127.0.0.1:PORT"}},
			want:   map[string]string{"Sec-Fetch-Site": "same-origin"},
		},
		{
			name:      "Initiator option",
			initiator: "http://127.0.0.1:PORT",
			want:      map[string]string{"Sec-Fetch-Site": "same-origin"},
		},
		{
			name:   "cross-site initiator",
			header: []httpwire.Header{{Name: "Origin", Value: "https://elsewhere.test"}},
			want:   map[string]string{"Sec-Fetch-Site": "cross-site"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, reqs := captureServer(t)
			c := newClient(t, Options{})
			if tt.ua != "" {
				c.SetUserAgent(tt.ua)
				assert.Equal(t, tt.ua, c.UserAgent())
			}
			var hs []httpwire.Header
			for _, h := range tt.header {
				if h.Name == "Origin" {
					h.Value = strings.Replace(h.Value, "PORT", fmt.Sprint(srv.port), 1)
				}
				hs = append(hs, h)
			}
			initiator := strings.Replace(tt.initiator, "PORT", fmt.Sprint(srv.port), 1)
			requireEnd(t, run(t, c, &Request{Method: "GET", URL: testkit.MustURL(t, srv.url), Header: hs, Initiator: initiator}, newRecorder()))
			got := testkit.Recv(t, reqs, "the request")
			assert.Equal(t, fmt.Sprintf("127.0.0.1:%d", srv.port), got.header("Host"))
			for name, value := range tt.want {
				assert.Equal(t, value, got.header(name), name)
				n := 0
				for _, h := range got.headers {
					if strings.EqualFold(h.Name, name) {
						n++
					}
				}
				assert.Equal(t, 1, n, "%s sent once", name)
			}
			assert.Empty(t, got.header("Referer"), "no Referer unless the app sets one")
			if httpwire.HeaderIndex(tt.header, "Origin") < 0 {
				assert.Empty(t, got.header("Origin"), "no Origin unless the app sets one")
			}
		})
	}
}

func TestExchangeRestrictedHeadersFailBeforeConnecting(t *testing.T) {
	tests := []struct {
		name   string
		header httpwire.Header
	}{
		{"Content-Length", httpwire.Header{Name: "Content-Length", Value: "5"}},
		{"Host", httpwire.Header{Name: "Host", Value: "evil.test"}},
		{"Trailer", httpwire.Header{Name: "Trailer", Value: "X"}},
		{"TE", httpwire.Header{Name: "te", Value: "trailers"}},
		{"Upgrade", httpwire.Header{Name: "Upgrade", Value: "websocket"}},
		{"Cookie2", httpwire.Header{Name: "Cookie2", Value: "x"}},
		{"Keep-Alive", httpwire.Header{Name: "Keep-Alive", Value: "timeout=5"}},
		{"Transfer-Encoding", httpwire.Header{Name: "Transfer-Encoding", Value: "chunked"}},
		{"Connection: upgrade", httpwire.Header{Name: "Connection", Value: "Upgrade"}},
		{"invalid name", httpwire.Header{Name: "Bad Header", Value: "v"}},
		{"CRLF in value", httpwire.Header{Name: "X-Inject", Value: "v\r\nEvil: 1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, _ := captureServer(t)
			c := newClient(t, Options{})
			req := &Request{Method: "POST", URL: testkit.MustURL(t, srv.url), Header: []httpwire.Header{{Name: "X-Fine", Value: "1"}, tt.header}, BodyMode: BodyBuffered, Body: []byte("hello")}
			evs := run(t, c, req, newRecorder())
			err := requireFail(t, evs, neterr.InvalidArgument)
			assert.Equal(t, tt.header.Name, err.Header, "the error names the culprit")
			assert.Equal(t, "net::ERR_INVALID_ARGUMENT", err.Error())
			assert.Equal(t, []string{evFail}, kinds(evs))
			assert.Zero(t, srv.conns.Load(), "nothing reaches the server")
		})
	}
}
