package gocore

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/go-net-request/go-net-request/gocore/auth"
	"github.com/go-net-request/go-net-request/gocore/httpwire"
	"github.com/go-net-request/go-net-request/gocore/neterr"
	"github.com/go-net-request/go-net-request/internal/testkit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// authServer is a loopback server that checks credentials itself, with
// Basic or Digest (qop=auth), and counts what it saw.
type authServer struct {
	*httptest.Server
	host, port string
	scheme     string // "basic" or "digest"
	algorithm  string // digest only: "", "MD5", "SHA-256"
	realm      string

	mu         sync.Mutex
	user, pass string
	challenges int      // 401s sent
	auths      []string // Authorization headers of requests that passed
	bodies     []string // bodies of requests that passed
	next       string   // where an authenticated request to /redirect goes
}

const (
	testNonce  = "dcd98b7102dd2f0e8b11d0f600bfb0c093"
	testOpaque = "5ccc069c403ebaf9f0171e9517f40e41"
)

func newAuthServer(t *testing.T, scheme, algorithm string) *authServer {
	t.Helper()
	s := &authServer{scheme: scheme, algorithm: algorithm, realm: "test realm", user: "alice", pass: "s3cret"}
	s.Server = newServer(t, s.serve)
	s.host, s.port, _ = net.SplitHostPort(s.Listener.Addr().String())
	return s
}

func (s *authServer) setPassword(p string) {
	s.mu.Lock()
	s.pass = p
	s.mu.Unlock()
}

func (s *authServer) counts() (challenges, passed int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.challenges, len(s.auths)
}

func (s *authServer) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	ok := s.check(r)
	if !ok {
		s.challenges++
	} else {
		s.auths = append(s.auths, r.Header.Get("Authorization"))
		s.bodies = append(s.bodies, string(body))
	}
	next := s.next
	s.mu.Unlock()
	if !ok {
		if s.scheme == "basic" {
			w.Header().Set("WWW-Authenticate", fmt.Sprintf("Basic realm=%q", s.realm))
		} else {
			alg := ""
			if s.algorithm != "" {
				alg = ", algorithm=" + s.algorithm
			}
			w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Digest realm=%q, qop="auth", nonce=%q, opaque=%q%s`, s.realm, testNonce, testOpaque, alg))
		}
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, "denied")
		return
	}
	if r.URL.Path == "/redirect" && next != "" {
		http.Redirect(w, r, next, http.StatusFound)
		return
	}
	io.WriteString(w, "welcome to "+r.URL.Path)
}

var digestKV = regexp.MustCompile(`([a-z]+)=(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))`)

// check verifies the request's credentials; called with s.mu held.
func (s *authServer) check(r *http.Request) bool {
	got := r.Header.Get("Authorization")
	if s.scheme == "basic" {
		u, p, ok := r.BasicAuth()
		return ok && u == s.user && p == s.pass
	}
	if !strings.HasPrefix(got, "Digest ") {
		return false
	}
	p := map[string]string{}
	for _, m := range digestKV.FindAllStringSubmatch(got[len("Digest "):], -1) {
		if m[2] != "" || strings.HasPrefix(m[0][len(m[1])+1:], `"`) {
			p[m[1]] = regexp.MustCompile(`\\(.)`).ReplaceAllString(m[2], "$1")
		} else {
			p[m[1]] = m[3]
		}
	}
	if p["username"] != s.user || p["realm"] != s.realm || p["nonce"] != testNonce || p["opaque"] != testOpaque ||
		p["uri"] != r.URL.RequestURI() || p["qop"] != "auth" {
		return false
	}
	want := testkit.DigestExpected(s.algorithm, s.user, s.realm, s.pass, r.Method, p["uri"], testNonce, p["nc"], p["cnonce"], "auth")
	return p["response"] == want
}

func answerLogin(cred *auth.Credentials) func(x *Exchange, a *auth.Info) {
	return func(x *Exchange, a *auth.Info) { x.Login(cred) }
}

func TestExchangeLogin(t *testing.T) {
	tests := []struct {
		scheme, algorithm string
	}{
		{"basic", ""},
		{"digest", ""},
		{"digest", "MD5"},
		{"digest", "SHA-256"},
	}
	for _, tt := range tests {
		t.Run(tt.scheme+" "+tt.algorithm, func(t *testing.T) {
			srv := newAuthServer(t, tt.scheme, tt.algorithm)
			c := newClient(t, Options{})
			rec := newRecorder()
			rec.onLogin = answerLogin(&auth.Credentials{Username: "alice", Password: "s3cret"})
			evs := run(t, c, &Request{Method: "GET", URL: testkit.MustURL(t, srv.URL+"/private")}, rec)
			head := requireEnd(t, evs)
			assert.Equal(t, 200, head.StatusCode)
			assert.Equal(t, []string{evLogin, evResponse, evData + "*", evEnd}, kinds(evs))
			body, _ := rec.received()
			assert.Equal(t, "welcome to /private", body)

			info := ofKind(evs, evLogin)[0].login
			assert.Equal(t, &auth.Info{IsProxy: false, Scheme: tt.scheme, Host: srv.host, Port: atoi(t, srv.port), Realm: "test realm"}, info)
			challenges, passed := srv.counts()
			assert.Equal(t, 1, challenges)
			assert.Equal(t, 1, passed)
		})
	}
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	var n int
	_, err := fmt.Sscanf(s, "%d", &n)
	require.NoError(t, err)
	return n
}

func TestExchangeLoginAnsweredLater(t *testing.T) {
	srv := newAuthServer(t, "digest", "SHA-256")
	c := newClient(t, Options{})
	rec := newRecorder()
	x := start(t, c, &Request{Method: "GET", URL: testkit.MustURL(t, srv.URL+"/later")}, rec)
	rec.waitKind(t, evLogin)
	x.Login(&auth.Credentials{Username: "alice", Password: "s3cret"})
	x.Login(nil) // a second answer is ignored
	requireEnd(t, waitDone(t, x, rec))
	body, _ := rec.received()
	assert.Equal(t, "welcome to /later", body)
}

func TestExchangeLoginDeclinedDeliversThe401(t *testing.T) {
	tests := []struct {
		name      string
		noLogin   bool
		wantKinds []string
	}{
		{"Login(nil)", false, []string{evLogin, evResponse, evData + "*", evEnd}},
		{"NoLogin asks nothing", true, []string{evResponse, evData + "*", evEnd}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newAuthServer(t, "basic", "")
			c := newClient(t, Options{})
			rec := newRecorder()
			rec.onLogin = answerLogin(nil)
			evs := run(t, c, &Request{Method: "GET", URL: testkit.MustURL(t, srv.URL), NoLogin: tt.noLogin}, rec)
			head := requireEnd(t, evs)
			assert.Equal(t, 401, head.StatusCode)
			assert.Equal(t, `Basic realm="test realm"`, httpwire.HeaderValue(head.Headers, "WWW-Authenticate"))
			assert.Equal(t, tt.wantKinds, kinds(evs))
			body, _ := rec.received()
			assert.Equal(t, "denied", body, "the 401's body is delivered")
		})
	}
}

func TestExchangeLoginWithoutAnAnswerableChallengeDeliversThe401(t *testing.T) {
	srv := newRawServer(t, respondWith("HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Negotiate\r\nContent-Length: 2\r\n\r\nno"))
	c := newClient(t, Options{})
	evs, _ := get(t, c, srv.url)
	assert.Equal(t, 401, requireEnd(t, evs).StatusCode)
	assert.Zero(t, count(evs, evLogin))
}

func TestExchangeLoginWrongCredentialsAskAgain(t *testing.T) {
	srv := newAuthServer(t, "basic", "")
	c := newClient(t, Options{})
	rec := newRecorder()
	answers := []*auth.Credentials{{Username: "alice", Password: "wrong"}, {Username: "alice", Password: "s3cret"}}
	var n int
	rec.onLogin = func(x *Exchange, a *auth.Info) {
		x.Login(answers[n])
		n++
	}
	evs := run(t, c, &Request{Method: "GET", URL: testkit.MustURL(t, srv.URL)}, rec)
	assert.Equal(t, 200, requireEnd(t, evs).StatusCode)
	assert.Equal(t, 2, count(evs, evLogin))
}

func TestExchangeLoginCredentialsAreCachedPerSession(t *testing.T) {
	tests := []struct {
		scheme, algorithm string
		// Basic credentials are sent up front below the path where they
		// worked; Digest needs the server's nonce, so one 401 each time.
		secondChallenges int
	}{
		{"basic", "", 0},
		{"digest", "SHA-256", 1},
	}
	for _, tt := range tests {
		t.Run(tt.scheme, func(t *testing.T) {
			srv := newAuthServer(t, tt.scheme, tt.algorithm)
			c := newClient(t, Options{})
			login := func(path string) []event {
				rec := newRecorder()
				rec.autoGrant = true
				rec.onLogin = answerLogin(&auth.Credentials{Username: "alice", Password: "s3cret"})
				evs := run(t, c, &Request{Method: "GET", URL: testkit.MustURL(t, srv.URL+path)}, rec)
				assert.Equal(t, 200, requireEnd(t, evs).StatusCode)
				return evs
			}
			assert.Equal(t, 1, count(login("/docs/a"), evLogin))
			before, _ := srv.counts()

			assert.Zero(t, count(login("/docs/b"), evLogin), "the session remembers what worked")
			after, _ := srv.counts()
			assert.Equal(t, tt.secondChallenges, after-before)

			assert.Zero(t, count(login("/elsewhere"), evLogin), "the realm's credentials serve the whole origin")

			other := NewClient(Options{})
			rec := newRecorder()
			rec.onLogin = answerLogin(nil)
			evs := run(t, other, &Request{Method: "GET", URL: testkit.MustURL(t, srv.URL+"/docs/a")}, rec)
			assert.Equal(t, 1, count(evs, evLogin), "another session knows nothing")
			other.CloseIdleConnections()

			c.ClearAuthCache()
			assert.Equal(t, 1, count(login("/docs/a"), evLogin), "ClearAuthCache forgets")
		})
	}
}

func TestExchangeLoginRejectedCredentialsAreNotCached(t *testing.T) {
	srv := newAuthServer(t, "basic", "")
	c := newClient(t, Options{})
	rec := newRecorder()
	answers := []*auth.Credentials{{Username: "alice", Password: "wrong"}, nil}
	var n int
	rec.onLogin = func(x *Exchange, a *auth.Info) {
		x.Login(answers[n])
		n++
	}
	evs := run(t, c, &Request{Method: "GET", URL: testkit.MustURL(t, srv.URL)}, rec)
	assert.Equal(t, 401, requireEnd(t, evs).StatusCode)

	rec = newRecorder()
	rec.onLogin = answerLogin(nil)
	evs = run(t, c, &Request{Method: "GET", URL: testkit.MustURL(t, srv.URL)}, rec)
	assert.Equal(t, 1, count(evs, evLogin), "nothing was cached, so the host is asked")
}

func TestExchangeLoginCachedCredentialsThatStopWorking(t *testing.T) {
	srv := newAuthServer(t, "basic", "")
	c := newClient(t, Options{})
	login := func(pass string) []event {
		rec := newRecorder()
		rec.onLogin = answerLogin(&auth.Credentials{Username: "alice", Password: pass})
		evs := run(t, c, &Request{Method: "GET", URL: testkit.MustURL(t, srv.URL+"/x")}, rec)
		assert.Equal(t, 200, requireEnd(t, evs).StatusCode)
		return evs
	}
	assert.Equal(t, 1, count(login("s3cret"), evLogin))
	srv.setPassword("changed")
	assert.Equal(t, 1, count(login("changed"), evLogin), "stale cached credentials lead to a new question")
	assert.Zero(t, count(login("unused"), evLogin), "and the new answer is cached")
}

func TestExchangeLoginUsesURLCredentials(t *testing.T) {
	tests := []struct {
		name       string
		userinfo   string
		wantLogins int
	}{
		{"right credentials", "alice:s3cret", 0},
		{"wrong credentials ask the host", "alice:nope", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newAuthServer(t, "digest", "MD5")
			c := newClient(t, Options{})
			rec := newRecorder()
			rec.onLogin = answerLogin(&auth.Credentials{Username: "alice", Password: "s3cret"})
			u := fmt.Sprintf("http://%s@%s:%s/with-userinfo", tt.userinfo, srv.host, srv.port)
			evs := run(t, c, &Request{Method: "GET", URL: testkit.MustURL(t, u)}, rec)
			head := requireEnd(t, evs)
			assert.Equal(t, 200, head.StatusCode)
			assert.Equal(t, tt.wantLogins, count(evs, evLogin))
			assert.Equal(t, srv.URL+"/with-userinfo", head.URL, "credentials are not reported in the URL")
		})
	}
}

func TestExchangeLoginResendsTheBufferedBody(t *testing.T) {
	srv := newAuthServer(t, "digest", "")
	c := newClient(t, Options{})
	rec := newRecorder()
	rec.onLogin = answerLogin(&auth.Credentials{Username: "alice", Password: "s3cret"})
	evs := run(t, c, &Request{Method: "POST", URL: testkit.MustURL(t, srv.URL+"/form"), BodyMode: BodyBuffered, Body: []byte("a=1&b=2")}, rec)
	assert.Equal(t, 200, requireEnd(t, evs).StatusCode)
	srv.mu.Lock()
	defer srv.mu.Unlock()
	assert.Equal(t, []string{"a=1&b=2"}, srv.bodies, "the authenticated retry carries the body")
}

func TestExchangeLoginWithAStreamedBodyFails(t *testing.T) {
	srv := newAuthServer(t, "basic", "")
	c := newClient(t, Options{})
	rec := newRecorder()
	rec.onLogin = answerLogin(&auth.Credentials{Username: "alice", Password: "s3cret"})
	x := start(t, c, &Request{Method: "POST", URL: testkit.MustURL(t, srv.URL), BodyMode: BodyStreaming}, rec)
	x.WriteBody([]byte("cannot be replayed"))
	x.EndBody()
	evs := waitDone(t, x, rec)
	requireFail(t, evs, neterr.Failed)
}

func TestExchangeLoginCredentialsStayWithTheirOrigin(t *testing.T) {
	a := newAuthServer(t, "basic", "")
	b, seenB := redirectServer(t)
	a.next = b.URL + "/echo"
	c := newClient(t, Options{})
	rec := newRecorder()
	rec.onLogin = answerLogin(&auth.Credentials{Username: "alice", Password: "s3cret"})
	evs := run(t, c, &Request{Method: "GET", URL: testkit.MustURL(t, a.URL+"/redirect")}, rec)
	requireEnd(t, evs)
	assert.Equal(t, []string{evLogin, evRedirect, evResponse, evData + "*", evEnd}, kinds(evs))
	got := testkit.Recv(t, seenB, "the request to the other origin")
	assert.Empty(t, got.header.Get("Authorization"), "credentials are bound to the origin they were given for")
}

// Credentials that a server accepted with a redirect worked: they are
// cached like any others, even when the redirect leaves the origin.
func TestExchangeLoginCachedWhenTheAnswerIsARedirect(t *testing.T) {
	a := newAuthServer(t, "basic", "")
	b, _ := redirectServer(t)
	a.next = b.URL + "/echo"
	c := newClient(t, Options{})
	rec := newRecorder()
	rec.onLogin = answerLogin(&auth.Credentials{Username: "alice", Password: "s3cret"})
	evs := run(t, c, &Request{Method: "GET", URL: testkit.MustURL(t, a.URL+"/redirect")}, rec)
	requireEnd(t, evs)
	require.Equal(t, 1, count(evs, evLogin))

	rec = newRecorder()
	rec.onLogin = answerLogin(nil)
	evs = run(t, c, &Request{Method: "GET", URL: testkit.MustURL(t, a.URL+"/private")}, rec)
	assert.Zero(t, count(evs, evLogin), "credentials that worked are not asked for again")
	assert.Equal(t, 200, requireEnd(t, evs).StatusCode)
}

// After a Digest login, a redirect within the origin is answered with
// credentials for the new URI, without asking the host again.
func TestExchangeLoginDigestAcrossASameOriginRedirect(t *testing.T) {
	srv := newAuthServer(t, "digest", "SHA-256")
	srv.next = srv.URL + "/landing"
	c := newClient(t, Options{})
	rec := newRecorder()
	rec.onLogin = answerLogin(&auth.Credentials{Username: "alice", Password: "s3cret"})
	evs := run(t, c, &Request{Method: "GET", URL: testkit.MustURL(t, srv.URL+"/redirect")}, rec)
	assert.Equal(t, 200, requireEnd(t, evs).StatusCode)
	assert.Equal(t, 1, count(evs, evLogin), "one login serves the whole origin: %v", kinds(evs))
	body, _ := rec.received()
	assert.Equal(t, "welcome to /landing", body)
}

func TestExchangeNoLoginSendsNoCachedCredentials(t *testing.T) {
	srv := newAuthServer(t, "basic", "")
	c := newClient(t, Options{})
	rec := newRecorder()
	rec.onLogin = answerLogin(&auth.Credentials{Username: "alice", Password: "s3cret"})
	requireEnd(t, run(t, c, &Request{Method: "GET", URL: testkit.MustURL(t, srv.URL+"/a")}, rec))

	rec = newRecorder()
	evs := run(t, c, &Request{Method: "GET", URL: testkit.MustURL(t, srv.URL+"/b"), NoLogin: true}, rec)
	assert.Equal(t, 401, requireEnd(t, evs).StatusCode, "credentials: 'omit' sends no auth data")
	assert.Zero(t, count(evs, evLogin))
}
