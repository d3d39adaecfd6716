package gocore

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"hash"
	"regexp"
	"strings"
	"testing"

	"github.com/go-net-request/go-net-request/gocore/httpwire"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseChallengeValue(t *testing.T) {
	tests := []struct {
		name  string
		value string
		want  []challenge
	}{
		{
			name:  "basic",
			value: `Basic realm="Secure Area"`,
			want:  []challenge{{"basic", map[string]string{"realm": "Secure Area"}}},
		},
		{
			name:  "scheme and parameter names are case-insensitive",
			value: `BASIC Realm="R"`,
			want:  []challenge{{"basic", map[string]string{"realm": "R"}}},
		},
		{
			name:  "scheme without parameters",
			value: `Basic`,
			want:  []challenge{{"basic", map[string]string{}}},
		},
		{
			name:  "digest and basic in one header",
			value: `Digest realm="r", qop="auth,auth-int", nonce="abc", opaque="xyz", algorithm=MD5, Basic realm="b"`,
			want: []challenge{
				{"digest", map[string]string{"realm": "r", "qop": "auth,auth-int", "nonce": "abc", "opaque": "xyz", "algorithm": "MD5"}},
				{"basic", map[string]string{"realm": "b"}},
			},
		},
		{
			name:  "no space after commas",
			value: `Digest realm="r",nonce="n",qop=auth`,
			want:  []challenge{{"digest", map[string]string{"realm": "r", "nonce": "n", "qop": "auth"}}},
		},
		{
			name:  "quoted escapes",
			value: `Basic realm="a \"quoted\" \\ back\slash"`,
			want:  []challenge{{"basic", map[string]string{"realm": `a "quoted" \ backslash`}}},
		},
		{
			name:  "comma inside a quoted string",
			value: `Basic realm="a, b", charset="UTF-8"`,
			want:  []challenge{{"basic", map[string]string{"realm": "a, b", "charset": "UTF-8"}}},
		},
		{
			name:  "RFC 7235 example with an unknown scheme first",
			value: `Newauth realm="apps", type=1, title="Login to \"apps\"", Basic realm="simple"`,
			want: []challenge{
				{"newauth", map[string]string{"realm": "apps", "type": "1", "title": `Login to "apps"`}},
				{"basic", map[string]string{"realm": "simple"}},
			},
		},
		{
			name:  "whitespace around the equals sign (RFC 7235 BWS)",
			value: `Basic realm = "x"`,
			want:  []challenge{{"basic", map[string]string{"realm": "x"}}},
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
	got := parseChallenges(hs, "WWW-Authenticate")
	require.Len(t, got, 2)
	assert.Equal(t, "one", got[0].params["realm"])
	assert.Equal(t, "two", got[1].params["realm"])
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
			got := pickChallenge(parseChallengeValue(tt.value))
			if tt.wantScheme == "" {
				assert.Nil(t, got)
				return
			}
			require.NotNil(t, got)
			assert.Equal(t, tt.wantScheme, got.scheme)
			assert.Equal(t, tt.wantRealm, got.params["realm"])
		})
	}
}

// digestExpected computes an RFC 2617 / RFC 7616 response independently of
// the engine: H(A1) with A1 = user:realm:pass (and :nonce:cnonce for -sess),
// H(A2) with A2 = method:uri, then the qop=auth or legacy combination.
func digestExpected(algorithm, user, realm, pass, method, uri, nonce, nc, cnonce, qop string) string {
	var newHash func() hash.Hash
	switch strings.ToUpper(strings.TrimSuffix(strings.ToUpper(algorithm), "-SESS")) {
	case "", "MD5":
		newHash = md5.New
	case "SHA-256":
		newHash = sha256.New
	default:
		panic("unsupported algorithm " + algorithm)
	}
	h := func(parts ...string) string {
		d := newHash()
		d.Write([]byte(strings.Join(parts, ":")))
		return hex.EncodeToString(d.Sum(nil))
	}
	ha1 := h(user, realm, pass)
	if strings.HasSuffix(strings.ToUpper(algorithm), "-SESS") {
		ha1 = h(ha1, nonce, cnonce)
	}
	ha2 := h(method, uri)
	if qop == "" {
		return h(ha1, nonce, ha2)
	}
	return h(ha1, nonce, nc, cnonce, qop, ha2)
}

// The RFCs' own examples check the independent computation itself.
func TestDigestExpectedMatchesRFCExamples(t *testing.T) {
	tests := []struct {
		name                                        string
		algorithm, user, realm, pass, nonce, cnonce string
		want                                        string
	}{
		{"RFC 2617 3.5", "MD5", "Mufasa", "testrealm@host.com", "Circle Of Life", "dcd98b7102dd2f0e8b11d0f600bfb0c093", "0a4f113b", "6629fae49393a05397450978507c4ef1"},
		{"RFC 7616 3.9.1 MD5", "MD5", "Mufasa", "http-auth@example.org", "Circle of Life", "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", "8ca523f5e9506fed4657c9700eebdbec"},
		{"RFC 7616 3.9.1 SHA-256", "SHA-256", "Mufasa", "http-auth@example.org", "Circle of Life", "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := digestExpected(tt.algorithm, tt.user, tt.realm, tt.pass, "GET", "/dir/index.html", tt.nonce, "00000001", tt.cnonce, "auth")
			assert.Equal(t, tt.want, got)
		})
	}
}

var digestParam = regexp.MustCompile(`([A-Za-z0-9_-]+)=(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))`)

// parseDigestAuthorization reads an Authorization: Digest value without
// the engine's parser; quoted values are returned unescaped, and which
// values were quoted is reported.
func parseDigestAuthorization(t *testing.T, v string) (params map[string]string, quoted map[string]bool) {
	t.Helper()
	require.True(t, strings.HasPrefix(v, "Digest "), "not a Digest answer: %q", v)
	params, quoted = map[string]string{}, map[string]bool{}
	for _, m := range digestParam.FindAllStringSubmatch(v[len("Digest "):], -1) {
		key := strings.ToLower(m[1])
		if strings.HasPrefix(m[0][len(m[1])+1:], `"`) {
			params[key] = regexp.MustCompile(`\\(.)`).ReplaceAllString(m[2], "$1")
			quoted[key] = true
		} else {
			params[key] = m[3]
		}
	}
	return params, quoted
}

func TestAuthorizationDigest(t *testing.T) {
	tests := []struct {
		name      string
		challenge string
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
			ch := pickChallenge(parseChallengeValue(tt.challenge))
			require.NotNil(t, ch)
			got := authorization(ch, tt.cred, tt.method, tt.uri)
			p, quoted := parseDigestAuthorization(t, got)

			assert.Equal(t, tt.cred.Username, p["username"])
			assert.Equal(t, ch.params["realm"], p["realm"])
			assert.Equal(t, ch.params["nonce"], p["nonce"])
			assert.Equal(t, tt.uri, p["uri"])
			for _, k := range []string{"username", "realm", "nonce", "uri", "response"} {
				assert.True(t, quoted[k], "%s must be a quoted string", k)
			}
			if alg := ch.params["algorithm"]; alg != "" {
				assert.Equal(t, alg, p["algorithm"], "the algorithm is echoed")
			}
			if opaque, ok := ch.params["opaque"]; ok {
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
			want := digestExpected(ch.params["algorithm"], tt.cred.Username, ch.params["realm"], tt.cred.Password,
				tt.method, tt.uri, ch.params["nonce"], p["nc"], p["cnonce"], p["qop"])
			assert.Equal(t, want, p["response"])
		})
	}
}

func TestAuthorizationDigestUsesAFreshCnonce(t *testing.T) {
	ch := pickChallenge(parseChallengeValue(`Digest realm="r", qop="auth", nonce="n"`))
	a, _ := parseDigestAuthorization(t, authorization(ch, Credentials{"u", "p"}, "GET", "/"))
	b, _ := parseDigestAuthorization(t, authorization(ch, Credentials{"u", "p"}, "GET", "/"))
	assert.NotEqual(t, a["cnonce"], b["cnonce"])
}

func TestAuthorizationBasic(t *testing.T) {
	ch := pickChallenge(parseChallengeValue(`Basic realm="r"`))
	got := authorization(ch, Credentials{"Aladdin", "open sesame"}, "GET", "/")
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
			assert.Equal(t, tt.want, pathBase(tt.path))
		})
	}
}

func TestAuthCachePreemptive(t *testing.T) {
	const origin = "http://127.0.0.1:8080"
	basic := challenge{scheme: "basic", params: map[string]string{"realm": "r"}}
	digest := challenge{scheme: "digest", params: map[string]string{"realm": "d", "nonce": "n"}}
	a := newAuthCache()
	a.store(authKey{origin: origin, realm: "r"}, &authEntry{challenge: basic, cred: Credentials{"u", "p"}, pathBase: pathBase("/a/b/login")})
	a.store(authKey{origin: origin, realm: "d"}, &authEntry{challenge: digest, cred: Credentials{"u", "p"}, pathBase: "/"})
	a.store(authKey{origin: "http://proxy:3128", realm: "p", proxy: true}, &authEntry{challenge: basic, cred: Credentials{"pu", "pp"}, pathBase: "/"})

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
			e := a.preemptive(tt.origin, tt.path, tt.proxy)
			if !tt.want {
				assert.Nil(t, e)
				return
			}
			require.NotNil(t, e)
			assert.Equal(t, "basic", e.challenge.scheme, "only Basic is sent preemptively")
		})
	}
}

func TestAuthCacheLookupForgetClear(t *testing.T) {
	a := newAuthCache()
	k1 := authKey{origin: "http://h:80", realm: "one"}
	k2 := authKey{origin: "http://h:80", realm: "two"}
	e := &authEntry{challenge: challenge{scheme: "basic", params: map[string]string{}}, cred: Credentials{"u", "p"}, pathBase: "/"}
	a.store(k1, e)
	a.store(k2, e)
	assert.Same(t, e, a.lookup(k1))
	assert.Nil(t, a.lookup(authKey{origin: "http://h:80", realm: "three"}))
	a.forget(k1)
	assert.Nil(t, a.lookup(k1))
	assert.Same(t, e, a.lookup(k2))
	a.clear()
	assert.Nil(t, a.lookup(k2))
	assert.Nil(t, a.preemptive("http://h:80", "/", false))
}
