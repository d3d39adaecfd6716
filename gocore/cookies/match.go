package cookies

import (
	"net"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/go-net-request/go-net-request/gocore/httpwire"
	"golang.org/x/net/publicsuffix"
)

// Which cookies a URL may have and which it may set: domain, path, scheme
// and host rules (RFC 6265bis section 5.1 and Chromium's additions).

// cookieIncluded says whether c would be sent to host and path by a URL
// that may (secure) or may not access Secure cookies. HttpOnly does not
// matter to HTTP.
func cookieIncluded(c *Cookie, host, path string, secure bool) bool {
	if c.Secure && !secure {
		return false
	}
	if c.HostOnly {
		if host != c.Domain {
			return false
		}
	} else if host != c.Domain[1:] && !strings.HasSuffix(host, c.Domain) {
		return false
	}
	return cookiePathMatch(path, c.Path)
}

// cookieIsDomainMatch is Chromium's cookie_util::IsDomainMatch: whether a
// request to host would match a cookie of domain (used by the Domain
// filter, which is not canonicalized, as in Electron).
func cookieIsDomainMatch(domain, host string) bool {
	if host == domain {
		return true
	}
	if domain == "" || domain[0] != '.' {
		return false
	}
	return domain[1:] == host || strings.HasSuffix(host, domain)
}

// cookieShadowsSecure is Chromium's IsEquivalentForSecureCookieMatching: c
// (from a non-secure origin) would shadow the Secure cookie s when they
// share a name, their domains domain-match either way and c's path is on
// s's path.
func cookieShadowsSecure(c, s *Cookie) bool {
	cd, sd := strings.TrimPrefix(c.Domain, "."), strings.TrimPrefix(s.Domain, ".")
	return c.Name == s.Name &&
		(cookieIsSubdomain(cd, sd) || cookieIsSubdomain(sd, cd)) &&
		cookiePathMatch(c.Path, s.Path)
}

func cookieIsSubdomain(sub, parent string) bool {
	return sub == parent || strings.HasSuffix(sub, "."+parent)
}

// cookiePathMatch is RFC 6265's path-match of a request path against a
// cookie path.
func cookiePathMatch(reqPath, cookiePath string) bool {
	if reqPath == cookiePath {
		return true
	}
	if !strings.HasPrefix(reqPath, cookiePath) {
		return false
	}
	return strings.HasSuffix(cookiePath, "/") || reqPath[len(cookiePath)] == '/'
}

// cookieRequestPath is the path cookies are matched against.
func cookieRequestPath(u *url.URL) string {
	if p := u.EscapedPath(); p != "" {
		return p
	}
	return "/"
}

// cookieDefaultPath is RFC 6265's default-path of u: its directory.
func cookieDefaultPath(u *url.URL) string {
	p := u.EscapedPath()
	if p == "" || p[0] != '/' {
		return "/"
	}
	i := strings.LastIndexByte(p, '/')
	if i == 0 {
		return "/"
	}
	return p[:i]
}

func cookieableScheme(u *url.URL) bool {
	s := strings.ToLower(u.Scheme)
	return s == "http" || s == "https"
}

func isSecureScheme(u *url.URL) bool { return strings.EqualFold(u.Scheme, "https") }

// cookieSecureAccess is Chromium's cookie access scheme: a URL may set and
// receive Secure cookies when it is cryptographic (https) or trustworthy,
// which http to a loopback host (127.0.0.0/8, ::1, localhost, *.localhost)
// is (cookie_util::ProvisionalAccessScheme). Cookie prefixes still need
// https (isSecureScheme).
func cookieSecureAccess(u *url.URL) bool {
	return isSecureScheme(u) || cookieableScheme(u) && httpwire.IsLoopbackHost(u.Hostname())
}

// cookieSendable reports whether c can go on a Cookie line as it is: no
// control character, and no ';' that would split it. The jar never stores
// such a cookie; this guards the header whatever filled the jar.
func cookieSendable(c *Cookie) bool {
	return !cookieHasCTL(c.Name) && !cookieHasCTL(c.Value) &&
		!strings.ContainsAny(c.Name, ";=") && !strings.Contains(c.Value, ";")
}

// cookieHost is u's host as cookies see it: lower case, IPv6 in brackets
// (as Chromium's GURL host). Internationalized names are expected in their
// ASCII (punycode) form, as JavaScript's URL parser gives them.
func cookieHost(u *url.URL) (string, bool) {
	h := u.Hostname()
	if h == "" {
		return "", false
	}
	if ip := net.ParseIP(h); ip != nil {
		if ip.To4() == nil {
			return "[" + ip.String() + "]", true
		}
		return ip.String(), true
	}
	return strings.ToLower(h), true
}

func cookieIsIP(host string) bool {
	return strings.HasPrefix(host, "[") || net.ParseIP(host) != nil
}

// cookieDomainKey groups cookies as Chromium's cookie monster does: by the
// eTLD+1 of their domain, or the domain itself when it has none (IP
// addresses, public suffixes, intranet names). Every cookie that could be
// sent to a host is under the key of that host.
func cookieDomainKey(domain string) string {
	d := strings.TrimPrefix(domain, ".")
	if cookieIsIP(d) {
		return d
	}
	if k, err := publicsuffix.EffectiveTLDPlusOne(d); err == nil {
		return k
	}
	return d
}

// cookieDomainFor is Chromium's GetCookieDomainWithString: the domain of a
// cookie set from host with the Domain attribute attr. No attribute makes
// a host-only cookie; an attribute must name host or a parent of it that
// is not a public suffix, except that an attribute equal to a host that
// has no registrable domain (an IP address, a public suffix, an intranet
// name) makes a host-only cookie.
func cookieDomainFor(host, attr string) (domain string, hostOnly bool, excl cookieExclusion) {
	if attr == "" {
		return host, true, 0
	}
	if !cookieASCII(attr) {
		return "", false, cookieExclDomainNonASCII
	}
	d := strings.ToLower(strings.TrimPrefix(attr, "."))
	if cookieIsIP(host) {
		if d == host || "["+d+"]" == host {
			return host, true, 0
		}
		return "", false, cookieExclInvalidDomain
	}
	if !cookieValidHostname(d) {
		return "", false, cookieExclInvalidDomain
	}
	hostKey, err := publicsuffix.EffectiveTLDPlusOne(host)
	if err != nil {
		if d == host {
			return host, true, 0
		}
		return "", false, cookieExclInvalidDomain
	}
	if dKey, err := publicsuffix.EffectiveTLDPlusOne(d); err != nil || dKey != hostKey {
		return "", false, cookieExclInvalidDomain
	}
	if !cookieIsSubdomain(host, d) {
		return "", false, cookieExclInvalidDomain
	}
	return "." + d, false, 0
}

// cookieValidHostname accepts dot-separated non-empty labels of letters,
// digits, '-' and '_' (lower case).
func cookieValidHostname(d string) bool {
	if d == "" {
		return false
	}
	for _, label := range strings.Split(d, ".") {
		if label == "" {
			return false
		}
		for i := 0; i < len(label); i++ {
			ch := label[i]
			if !(ch >= 'a' && ch <= 'z' || ch >= '0' && ch <= '9' || ch == '-' || ch == '_') {
				return false
			}
		}
	}
	return true
}

func cookieASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// cookieHasCTL reports ASCII control characters other than HTAB, which
// Chromium refuses anywhere in a cookie.
func cookieHasCTL(s string) bool {
	for i := 0; i < len(s); i++ {
		if ch := s[i]; ch < 0x20 && ch != '\t' || ch == 0x7f {
			return true
		}
	}
	return false
}
