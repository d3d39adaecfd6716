package gocore

import (
	"net"
	"net/url"
	"strings"

	"golang.org/x/net/publicsuffix"
)

// Sites, as Chromium's SchemefulSite draws them: the scheme and the
// registrable domain (eTLD+1 of the public-suffix list, private section
// included) of a host. Ports never matter. This is the one place the engine
// decides whether two URLs are one site: Sec-Fetch-Site and the SameSite
// cookie context both ask sameSite.

// registrableDomain is host's site without its scheme: its eTLD+1 (lower
// case), or the host itself when it has none (an IP address, a name that is
// itself a public suffix such as "co.uk", a single label such as
// "localhost"). An IP address is its own site, in one canonical form. A
// trailing dot is kept, as Chromium keeps it ("a.example." is not
// "example.").
func registrableDomain(host string) string {
	host = strings.ToLower(strings.TrimSuffix(strings.TrimPrefix(host, "["), "]"))
	if ip := net.ParseIP(host); ip != nil {
		return ip.String()
	}
	name, dot := strings.CutSuffix(host, ".")
	suffix := ""
	if dot {
		suffix = "."
	}
	if name == "" {
		return host
	}
	if d, err := publicsuffix.EffectiveTLDPlusOne(name); err == nil {
		return d + suffix
	}
	return host
}

// sameSite reports whether a and b are one site, schemefully: the same
// scheme (ws counted as http and wss as https) and the same registrable
// domain. Ports do not matter.
func sameSite(a, b *url.URL) bool {
	if a == nil || b == nil || a.Hostname() == "" || b.Hostname() == "" {
		return false
	}
	return siteScheme(a) == siteScheme(b) && registrableDomain(a.Hostname()) == registrableDomain(b.Hostname())
}

// siteScheme is the scheme a site is drawn with: WebSocket schemes count as
// their HTTP counterparts.
func siteScheme(u *url.URL) string {
	switch s := strings.ToLower(u.Scheme); s {
	case "ws":
		return "http"
	case "wss":
		return "https"
	default:
		return s
	}
}

// sameSiteOrigin is sameSite for an origin string such as a request's
// initiator ("https://a.example"); an origin that does not parse, or is
// opaque ("null"), is a site of its own.
func sameSiteOrigin(origin string, target *url.URL) bool {
	o, err := url.Parse(origin)
	if err != nil || o.Host == "" {
		return false
	}
	return sameSite(o, target)
}

// crossSiteForCookies reports whether a request to target is cross-site in
// Chromium's SameSite cookie context. The net module's requests are never
// navigations: Electron sets the site for cookies to the request's first URL
// (first), which redirects do not change, and the initiator is the origin
// option. The context is same-site (strict) when target is one site with
// first and with the initiator, if any; otherwise cross-site, where only
// SameSite=None cookies are sent or stored.
func crossSiteForCookies(first *url.URL, initiator string, target *url.URL) bool {
	if !sameSite(first, target) {
		return true
	}
	return initiator != "" && !sameSiteOrigin(initiator, target)
}

// fetchSiteOrder ranks Sec-Fetch-Site values from the most to the least
// same, as Chromium's enum does.
var fetchSiteOrder = map[string]int{"none": 1, "same-origin": 2, "same-site": 3, "cross-site": 4}

// leastSameFetchSite is the Sec-Fetch-Site of a redirect chain whose value
// so far is soFar ("" for none yet) and whose next URL gives next: Chromium
// takes the least same value over every URL of the chain, so a request that
// went through another site stays cross-site when it comes back.
func leastSameFetchSite(soFar, next string) string {
	if fetchSiteOrder[next] > fetchSiteOrder[soFar] {
		return next
	}
	return soFar
}
