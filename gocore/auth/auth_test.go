package auth

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/go-net-request/go-net-request/gocore/httpwire"
	"github.com/go-net-request/go-net-request/internal/testkit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseChallengeValue(t *testing.T) {
	tests := []struct {
		name  string
		value string
		want  []Challenge
	}{
		{
			name:  "basic",
			value: `Basic realm="Secure Area"`,
			want:  []Challenge{{"basic", map[string]string{"realm": "Secure Area"}}},
		},
		{
			name:  "scheme and parameter names are case-insensitive",
			value: `BASIC Realm="R"`,
			want:  []Challenge{{"basic", map[string]string{"realm": "R"}}},
		},
		{
			name:  "scheme without parameters",
			value: `Basic`,
			want:  []Challenge{{"basic", map[string]string{}}},
		},
		{
			name:  "digest and basic in one header",
			value: `Digest realm="r", qop="auth,auth-int", nonce="abc", opaque="xyz", algorithm=MD5, Basic realm="b"`,
			want: []Challenge{
				{"digest", map[string]string{"realm": "r", "qop": "auth,auth-int", "nonce": "abc", "opaque": "xyz", "algorithm": "MD5"}},
				{"basic", map[string]string{"realm": "b"}},
			},
		},
		{
			name:  "no space after commas",
			value: `Digest realm="r",nonce="n",qop=auth`,
			want:  []Challenge{{"digest", map[string]string{"realm": "r", "nonce": "n", "qop": "auth"}}},
		},
		{
			name:  "quoted escapes",
			value: `Basic realm="a \"quoted\" \\ back\slash"`,
			want:  []Challenge{{"basic", map[string]string{"realm": `a "quoted" \ backslash`}}},
		},
		{
			name:  "comma inside a quoted string",
			value: `Basic realm="a, b", charset="UTF-8"`,
			want:  []Challenge{{"basic", map[string]string{"realm": "a, b", "charset": "UTF-8"}}},
		},
		{
			name:  "RFC 7235 example with an unknown scheme first",
			value: `Newauth realm="apps", type=1, title="Login to \"apps\"", Basic realm="simple"`,
			want: []Challenge{
				{"newauth", map[string]string{"realm": "apps", "type": "1", "title": `Login to "apps"`}},
				{"basic", map[string]string{"realm": "simple"}},
			},
		},
		{
			name:  "whitespace around the equals sign (RFC 7235 BWS)",
			value: `Basic realm = "x"`,
			want:  []Challenge{{"basic", map[string]string{"realm": "x"}}},
		},
		{
			name:  "empty",
			value: ``,
			want:  nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, parseChallengeValue(tt.value))
		})
	}
}

func TestParseChallengesReadsEveryNamedHeader(t *testing.T) {
	hs := []httpwire.Header{
		{Name: "WWW-Authenticate", Value: `Basic realm="one"`},
		{Name: "Proxy-Authenticate", Value: `Basic realm="proxy"`},
		{Name: "www-authenticate", Value: `Digest realm="two", nonce="n"`},
	}
	got := ParseChallenges(hs, "WWW-Authenticate")
	require.Len(t, got, 2)
	assert.Equal(t, "one", got[0].Params["realm"])
	assert.Equal(t, "two", got[1].Params["realm"])
}

func TestPickChallenge(t *testing.T) {
	tests := []struct {
		name       string
		value      string
		wantScheme string // "" for none
		wantRealm  string
	}{
		{"digest preferred over an earlier basic", `Basic realm="b", Digest realm="d", nonce="n"`, "digest", "d"},
		{"digest SHA-256", `Digest realm="d", nonce="n", algorithm=SHA-256`, "digest", "d"},
		{"digest MD5-sess", `Digest realm="d", nonce="n", algorithm=MD5-sess`, "digest", "d"},
		{"unsupported digest algorithm falls back to basic", `Digest realm="d", nonce="n", algorithm=SHA-512-256, Basic realm="b"`, "basic", "b"},
		{"first supported digest", `Digest realm="x", nonce="n", algorithm=UNKNOWN, Digest realm="y", nonce="n"`, "digest", "y"},
		{"first basic", `Basic realm="first", Basic realm="second"`, "basic", "first"},
		{"token68 of another scheme does not hide basic", `Negotiate abc==, Basic realm="b"`, "basic", "b"},
		{"nothing we can answer", `Negotiate, NTLM`, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Pick(parseChallengeValue(tt.value))
			if tt.wantScheme == "" {
				assert.Nil(t, got)
				return
			}
			require.NotNil(t, got)
			assert.Equal(t, tt.wantScheme, got.Scheme)
			assert.Equal(t, tt.wantRealm, got.Params["realm"])
		})
	}
}

func TestAuthorizationDigest(t *testing.T) {
	tests := []struct {
		name      string
		Challenge string
		cred      Credentials
		method    string
		uri       string
		wantQop   string
	}{
		{"MD5 qop=auth", `Digest realm="http-auth@example.org", qop="auth", nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS", algorithm=MD5`, Credentials{"Mufasa", "Circle of Life"}, "GET", "/dir/index.html", "auth"},
		{"SHA-256 qop=auth among auth-int", `Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"`, Credentials{"Mufasa", "Circle of Life"}, "GET", "/dir/index.html", "auth"},
		{"no algorithm means MD5", `Digest realm="testrealm@host.com", qop="auth", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093"`, Credentials{"Mufasa", "Circle Of Life"}, "POST", "/dir/index.html?x=1", "auth"},
		{"MD5-sess", `Digest realm="r", qop="auth", nonce="n0nce", algorithm=MD5-sess`, Credentials{"u", "p"}, "GET", "/", "auth"},
		{"SHA-256-sess", `Digest realm="r", qop="auth", nonce="n0nce", algorithm=SHA-256-sess`, Credentials{"u", "p"}, "PUT", "/a", "auth"},
		{"RFC 2069 without qop", `Digest realm="r", nonce="n0nce"`, Credentials{"u", "p"}, "GET", "/legacy", ""},
		{"quotes in the username are escaped", `Digest realm="r", qop="auth", nonce="n"`, Credentials{`we"ird\user`, "p"}, "GET", "/", "auth"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ch := Pick(parseChallengeValue(tt.Challenge))
			require.NotNil(t, ch)
			got := Authorization(ch, tt.cred, tt.method, tt.uri)
			p, quoted := testkit.ParseDigestAuthorization(t, got)

			assert.Equal(t, tt.cred.Username, p["username"])
			assert.Equal(t, ch.Params["realm"], p["realm"])
			assert.Equal(t, ch.Params["nonce"], p["nonce"])
			assert.Equal(t, tt.uri, p["uri"])
			for _, k := range []string{"username", "realm", "nonce", "uri", "response"} {
				assert.True(t, quoted[k], "%s must be a quoted string", k)
			}
			if alg := ch.Params["algorithm"]; alg != "" {
				assert.Equal(t, alg, p["algorithm"], "the algorithm is echoed")
			}
			if opaque, ok := ch.Params["opaque"]; ok {
				assert.Equal(t, opaque, p["opaque"], "opaque is echoed")
			}
			if tt.wantQop != "" {
				assert.Equal(t, tt.wantQop, p["qop"])
				assert.False(t, quoted["qop"], "qop is a token in the answer")
				assert.Equal(t, "00000001", p["nc"])
				assert.NotEmpty(t, p["cnonce"])
			} else {
				assert.NotContains(t, p, "qop")
				assert.NotContains(t, p, "nc")
			}
			want := testkit.DigestExpected(ch.Params["algorithm"], tt.cred.Username, ch.Params["realm"], tt.cred.Password,
				tt.method, tt.uri, ch.Params["nonce"], p["nc"], p["cnonce"], p["qop"])
			assert.Equal(t, want, p["response"])
		})
	}
}

func TestAuthorizationDigestUsesAFreshCnonce(t *testing.T) {
	ch := Pick(parseChallengeValue(`Digest realm="r", qop="auth", nonce="n"`))
	a, _ := testkit.ParseDigestAuthorization(t, Authorization(ch, Credentials{"u", "p"}, "GET", "/"))
	b, _ := testkit.ParseDigestAuthorization(t, Authorization(ch, Credentials{"u", "p"}, "GET", "/"))
	assert.NotEqual(t, a["cnonce"], b["cnonce"])
}

func TestAuthorizationBasic(t *testing.T) {
	ch := Pick(parseChallengeValue(`Basic realm="r"`))
	got := Authorization(ch, Credentials{"Aladdin", "open sesame"}, "GET", "/")
	assert.Equal(t, "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==", got)
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(got, "Basic "))
	require.NoError(t, err)
	assert.Equal(t, "Aladdin:open sesame", string(raw))
}

func TestPathBase(t *testing.T) {
	tests := []struct{ path, want string }{
		{"/a/b/c", "/a/b/"},
		{"/a/b/", "/a/b/"},
		{"/file", "/"},
		{"/", "/"},
		{"", "/"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			assert.Equal(t, tt.want, PathBase(tt.path))
		})
	}
}

func TestAuthCachePreemptive(t *testing.T) {
	const origin = "http://127.0.0.1:8080"
	basic := Challenge{Scheme: "basic", Params: map[string]string{"realm": "r"}}
	digest := Challenge{Scheme: "digest", Params: map[string]string{"realm": "d", "nonce": "n"}}
	a := NewCache()
	a.Store(Key{Origin: origin, Realm: "r"}, &Entry{Challenge: basic, Cred: Credentials{"u", "p"}, PathBase: PathBase("/a/b/login")})
	a.Store(Key{Origin: origin, Realm: "d"}, &Entry{Challenge: digest, Cred: Credentials{"u", "p"}, PathBase: "/"})
	a.Store(Key{Origin: "http://proxy:3128", Realm: "p", Proxy: true}, &Entry{Challenge: basic, Cred: Credentials{"pu", "pp"}, PathBase: "/"})

	tests := []struct {
		name   string
		origin string
		path   string
		proxy  bool
		want   bool
	}{
		{"the same directory", origin, "/a/b/other", false, true},
		{"the directory itself", origin, "/a/b/", false, true},
		{"below the directory", origin, "/a/b/c/d", false, true},
		{"the parent directory", origin, "/a/", false, false},
		{"a sibling whose name shares the prefix", origin, "/a/bc", false, false},
		{"the root", origin, "/", false, false},
		{"another origin", "http://127.0.0.1:8081", "/a/b/x", false, false},
		{"another scheme", "https://127.0.0.1:8080", "/a/b/x", false, false},
		{"server entries are not proxy entries", origin, "/a/b/x", true, false},
		{"proxy entry for the proxy", "http://proxy:3128", "/anything", true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := a.Preemptive(tt.origin, tt.path, tt.proxy)
			if !tt.want {
				assert.Nil(t, e)
				return
			}
			require.NotNil(t, e)
			assert.Equal(t, "basic", e.Challenge.Scheme, "only Basic is sent preemptively")
		})
	}
}

func TestAuthCacheLookupForgetClear(t *testing.T) {
	a := NewCache()
	k1 := Key{Origin: "http://h:80", Realm: "one"}
	k2 := Key{Origin: "http://h:80", Realm: "two"}
	e := &Entry{Challenge: Challenge{Scheme: "basic", Params: map[string]string{}}, Cred: Credentials{"u", "p"}, PathBase: "/"}
	a.Store(k1, e)
	a.Store(k2, e)
	assert.Same(t, e, a.Lookup(k1))
	assert.Nil(t, a.Lookup(Key{Origin: "http://h:80", Realm: "three"}))
	a.Forget(k1)
	assert.Nil(t, a.Lookup(k1))
	assert.Same(t, e, a.Lookup(k2))
	a.Clear()
	assert.Nil(t, a.Lookup(k2))
	assert.Nil(t, a.Preemptive("http://h:80", "/", false))
}
