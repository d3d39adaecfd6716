package gocore

import (
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"strings"
	"sync"

	"github.com/go-net-request/go-net-request/gocore/httpwire"
)

// AuthInfo is what a login event tells the host (Electron's AuthInfo).
type AuthInfo struct {
	IsProxy bool
	Scheme  string // lower-case: "basic", "digest"
	Host    string
	Port    int
	Realm   string
}

// Credentials answer a login.
type Credentials struct {
	Username string
	Password string
}

// challenge is one parsed WWW-Authenticate / Proxy-Authenticate challenge.
type challenge struct {
	scheme string // lower-case
	params map[string]string
}

// parseChallenges reads every challenge in the named headers. It handles
// the common forms (several challenges per header, quoted strings with
// escapes); token68 credentials of other schemes are skipped.
func parseChallenges(hs []httpwire.Header, name string) []challenge {
	var out []challenge
	for _, h := range hs {
		if !strings.EqualFold(h.Name, name) {
			continue
		}
		out = append(out, parseChallengeValue(h.Value)...)
	}
	return out
}

func parseChallengeValue(v string) []challenge {
	var out []challenge
	s := v
	for {
		s = strings.TrimLeft(s, " \t,")
		if s == "" {
			return out
		}
		end := strings.IndexAny(s, " \t,")
		if end < 0 {
			end = len(s)
		}
		c := challenge{scheme: strings.ToLower(s[:end]), params: map[string]string{}}
		s = s[end:]
		// Parameters: name [ws] = [ws] value, until a token not followed by '='
		// (the next challenge's scheme).
		for {
			rest := strings.TrimLeft(s, " \t,")
			nameEnd := strings.IndexAny(rest, " \t,=")
			if nameEnd <= 0 {
				s = rest
				break
			}
			afterName := strings.TrimLeft(rest[nameEnd:], " \t")
			if !strings.HasPrefix(afterName, "=") {
				s = rest
				break
			}
			key := strings.ToLower(rest[:nameEnd])
			rest = strings.TrimLeft(afterName[1:], " \t")
			var val string
			if strings.HasPrefix(rest, `"`) {
				var b strings.Builder
				i := 1
				for ; i < len(rest) && rest[i] != '"'; i++ {
					if rest[i] == '\\' && i+1 < len(rest) {
						i++
					}
					b.WriteByte(rest[i])
				}
				val = b.String()
				if i < len(rest) {
					i++
				}
				rest = rest[i:]
			} else {
				e := strings.IndexAny(rest, " \t,")
				if e < 0 {
					e = len(rest)
				}
				val, rest = rest[:e], rest[e:]
			}
			c.params[key] = val
			s = rest
		}
		out = append(out, c)
	}
}

// pickChallenge chooses the strongest challenge we can answer, as Chromium
// does: Digest before Basic.
func pickChallenge(cs []challenge) *challenge {
	var basic *challenge
	for i := range cs {
		switch cs[i].scheme {
		case "digest":
			if digestHash(cs[i].params["algorithm"]) != nil {
				return &cs[i]
			}
		case "basic":
			if basic == nil {
				basic = &cs[i]
			}
		}
	}
	return basic
}

func digestHash(algorithm string) func() hash.Hash {
	switch strings.ToUpper(strings.TrimSuffix(strings.ToUpper(algorithm), "-SESS")) {
	case "", "MD5":
		return md5.New
	case "SHA-256":
		return sha256.New
	}
	return nil
}

// authorization builds the header value answering ch for method and uri.
func authorization(ch *challenge, cred Credentials, method, uri string) string {
	if ch.scheme == "basic" {
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(cred.Username+":"+cred.Password))
	}
	newHash := digestHash(ch.params["algorithm"])
	h := func(s string) string {
		d := newHash()
		d.Write([]byte(s))
		return hex.EncodeToString(d.Sum(nil))
	}
	realm, nonce := ch.params["realm"], ch.params["nonce"]
	var cnonceBytes [8]byte
	rand.Read(cnonceBytes[:])
	cnonce := hex.EncodeToString(cnonceBytes[:])
	const nc = "00000001"
	ha1 := h(cred.Username + ":" + realm + ":" + cred.Password)
	if strings.HasSuffix(strings.ToLower(ch.params["algorithm"]), "-sess") {
		ha1 = h(ha1 + ":" + nonce + ":" + cnonce)
	}
	ha2 := h(method + ":" + uri)
	qop := ""
	for _, q := range strings.Split(ch.params["qop"], ",") {
		if strings.TrimSpace(q) == "auth" {
			qop = "auth"
		}
	}
	var response string
	if qop != "" {
		response = h(ha1 + ":" + nonce + ":" + nc + ":" + cnonce + ":" + qop + ":" + ha2)
	} else {
		response = h(ha1 + ":" + nonce + ":" + ha2)
	}
	// A quoted-string cannot carry CR, LF or NUL: they are dropped, so neither
	// a server's challenge nor the app's credentials can split the header.
	quote := func(s string) string {
		s = strings.Map(func(r rune) rune {
			if r == '\r' || r == '\n' || r == 0 {
				return -1
			}
			return r
		}, s)
		return strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), `"`, `\"`)
	}
	var b strings.Builder
	fmt.Fprintf(&b, `Digest username="%s", realm="%s", nonce="%s", uri="%s", response="%s"`,
		quote(cred.Username), quote(realm), quote(nonce), quote(uri), response)
	if alg := ch.params["algorithm"]; alg != "" {
		fmt.Fprintf(&b, ", algorithm=%s", alg)
	}
	if opaque, ok := ch.params["opaque"]; ok {
		fmt.Fprintf(&b, `, opaque="%s"`, quote(opaque))
	}
	if qop != "" {
		fmt.Fprintf(&b, `, qop=%s, nc=%s, cnonce="%s"`, qop, nc, cnonce)
	}
	return b.String()
}

// authCache keeps credentials that worked, per origin and realm, so a
// session logs in once (Chromium's HttpAuthCache). Basic credentials are
// also sent preemptively below the path where they first worked.
type authCache struct {
	mu      sync.Mutex
	entries map[authKey]*authEntry
}

type authKey struct {
	origin string
	realm  string
	proxy  bool
}

type authEntry struct {
	challenge challenge
	cred      Credentials
	pathBase  string // preemptive Basic below this path
}

func newAuthCache() *authCache { return &authCache{entries: map[authKey]*authEntry{}} }

func (a *authCache) lookup(k authKey) *authEntry {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.entries[k]
}

func (a *authCache) store(k authKey, e *authEntry) {
	a.mu.Lock()
	a.entries[k] = e
	a.mu.Unlock()
}

func (a *authCache) forget(k authKey) {
	a.mu.Lock()
	delete(a.entries, k)
	a.mu.Unlock()
}

// preemptive returns the Basic entry for origin whose path covers path
// most specifically (the longest path base), as Chromium picks.
func (a *authCache) preemptive(origin, path string, proxy bool) *authEntry {
	a.mu.Lock()
	defer a.mu.Unlock()
	var best *authEntry
	for k, e := range a.entries {
		if k.origin == origin && k.proxy == proxy && e.challenge.scheme == "basic" && strings.HasPrefix(path, e.pathBase) &&
			(best == nil || len(e.pathBase) > len(best.pathBase)) {
			best = e
		}
	}
	return best
}

func (a *authCache) clear() {
	a.mu.Lock()
	a.entries = map[authKey]*authEntry{}
	a.mu.Unlock()
}

// pathBase is the directory of p, the protection space Chromium assumes.
func pathBase(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[:i+1]
	}
	return "/"
}
