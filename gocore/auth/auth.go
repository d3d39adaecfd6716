// Package auth is HTTP authentication as the engine answers it: login
// challenges (WWW-Authenticate, Proxy-Authenticate) parsed and picked as
// Chromium picks them, Basic and Digest answers, the session's cache of
// credentials that worked (Chromium's HttpAuthCache), and one hop's login
// state (login.go), the same for servers and proxies.
//
// It is not internal: the host answers logins with Credentials and is told
// about them with an Info (bridge/ names both), and the proxy dialer
// answers a proxy's refusal with them too.
package auth

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

// Info is what a login event tells the host (Electron's AuthInfo).
type Info struct {
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

// Challenge is one parsed WWW-Authenticate / Proxy-Authenticate challenge.
type Challenge struct {
	Scheme string // lower-case
	Params map[string]string
}

// ParseChallenges reads every challenge in the named headers. It handles
// the common forms (several challenges per header, quoted strings with
// escapes); token68 credentials of other schemes are skipped.
func ParseChallenges(hs []httpwire.Header, name string) []Challenge {
	var out []Challenge
	for _, h := range hs {
		if !strings.EqualFold(h.Name, name) {
			continue
		}
		out = append(out, parseChallengeValue(h.Value)...)
	}
	return out
}

func parseChallengeValue(v string) []Challenge {
	var out []Challenge
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
		c := Challenge{Scheme: strings.ToLower(s[:end]), Params: map[string]string{}}
		s = s[end:]
		// Parameters: name [ws] = [ws] value, until a token not followed by '='
		// (the next Challenge's scheme).
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
			c.Params[key] = val
			s = rest
		}
		out = append(out, c)
	}
}

// Pick chooses the strongest challenge we can answer, as Chromium
// does: Digest before Basic.
func Pick(cs []Challenge) *Challenge {
	var basic *Challenge
	for i := range cs {
		switch cs[i].Scheme {
		case "digest":
			if digestHash(cs[i].Params["algorithm"]) != nil {
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

// Authorization builds the header value answering ch for method and uri.
func Authorization(ch *Challenge, cred Credentials, method, uri string) string {
	if ch.Scheme == "basic" {
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(cred.Username+":"+cred.Password))
	}
	newHash := digestHash(ch.Params["algorithm"])
	h := func(s string) string {
		d := newHash()
		d.Write([]byte(s))
		return hex.EncodeToString(d.Sum(nil))
	}
	realm, nonce := ch.Params["realm"], ch.Params["nonce"]
	var cnonceBytes [8]byte
	rand.Read(cnonceBytes[:])
	cnonce := hex.EncodeToString(cnonceBytes[:])
	const nc = "00000001"
	ha1 := h(cred.Username + ":" + realm + ":" + cred.Password)
	if strings.HasSuffix(strings.ToLower(ch.Params["algorithm"]), "-sess") {
		ha1 = h(ha1 + ":" + nonce + ":" + cnonce)
	}
	ha2 := h(method + ":" + uri)
	qop := ""
	for _, q := range strings.Split(ch.Params["qop"], ",") {
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
	// a server's Challenge nor the app's credentials can split the header.
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
	if alg := ch.Params["algorithm"]; alg != "" {
		fmt.Fprintf(&b, ", algorithm=%s", alg)
	}
	if opaque, ok := ch.Params["opaque"]; ok {
		fmt.Fprintf(&b, `, opaque="%s"`, quote(opaque))
	}
	if qop != "" {
		fmt.Fprintf(&b, `, qop=%s, nc=%s, cnonce="%s"`, qop, nc, cnonce)
	}
	return b.String()
}

// Cache keeps credentials that worked, per origin and realm, so a
// session logs in once (Chromium's HttpAuthCache). Basic credentials are
// also sent preemptively below the path where they first worked.
type Cache struct {
	mu      sync.Mutex
	entries map[Key]*Entry
}

// Key is a protection space: the origin (a proxy's scheme://host:port for
// proxy credentials) and the realm.
type Key struct {
	Origin string
	Realm  string
	Proxy  bool
}

// Entry is credentials with the challenge they answer.
type Entry struct {
	Challenge Challenge
	Cred      Credentials
	PathBase  string // preemptive Basic below this path
}

// NewCache returns an empty cache.
func NewCache() *Cache { return &Cache{entries: map[Key]*Entry{}} }

// Lookup returns the entry of k, or nil.
func (a *Cache) Lookup(k Key) *Entry {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.entries[k]
}

// Store keeps e as the credentials of k.
func (a *Cache) Store(k Key, e *Entry) {
	a.mu.Lock()
	a.entries[k] = e
	a.mu.Unlock()
}

// Forget drops the credentials of k.
func (a *Cache) Forget(k Key) {
	a.mu.Lock()
	delete(a.entries, k)
	a.mu.Unlock()
}

// Preemptive returns the Basic entry for origin whose path covers path
// most specifically (the longest path base), as Chromium picks.
func (a *Cache) Preemptive(origin, path string, proxy bool) *Entry {
	a.mu.Lock()
	defer a.mu.Unlock()
	var best *Entry
	for k, e := range a.entries {
		if k.Origin == origin && k.Proxy == proxy && e.Challenge.Scheme == "basic" && strings.HasPrefix(path, e.PathBase) &&
			(best == nil || len(e.PathBase) > len(best.PathBase)) {
			best = e
		}
	}
	return best
}

// Clear drops every entry (the session's clearAuthCache).
func (a *Cache) Clear() {
	a.mu.Lock()
	a.entries = map[Key]*Entry{}
	a.mu.Unlock()
}

// PathBase is the directory of p, the protection space Chromium assumes.
func PathBase(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[:i+1]
	}
	return "/"
}
