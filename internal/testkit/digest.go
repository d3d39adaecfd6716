package testkit

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// DigestExpected computes an RFC 2617 / RFC 7616 response independently of
// the engine: H(A1) with A1 = user:realm:pass (and :nonce:cnonce for -sess),
// H(A2) with A2 = method:uri, then the qop=auth or legacy combination.
func DigestExpected(algorithm, user, realm, pass, method, uri, nonce, nc, cnonce, qop string) string {
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

var digestParam = regexp.MustCompile(`([A-Za-z0-9_-]+)=(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))`)

// ParseDigestAuthorization reads an Authorization: Digest value without
// the engine's parser; quoted values are returned unescaped, and which
// values were quoted is reported.
func ParseDigestAuthorization(t *testing.T, v string) (params map[string]string, quoted map[string]bool) {
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
