package proxy

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// proxyRules is a parsed proxyRules string (Chromium's ProxyRules).
type proxyRules struct {
	perScheme bool     // "scheme=list" form; else single applies to every scheme
	single    []Server // "list" form
	http      []Server
	https     []Server
	ftp       []Server
	socks     []Server // "socks=": every scheme without a list of its own
}

// forScheme is the list for a URL scheme; empty means DIRECT. WebSocket
// schemes take, as Chromium, the socks list, then https's, then http's.
func (p *proxyRules) forScheme(scheme string) []Server {
	if !p.perScheme {
		return p.single
	}
	var list []Server
	switch scheme {
	case "http":
		list = p.http
	case "https":
		list = p.https
	case "ftp":
		list = p.ftp
	case "ws", "wss":
		for _, l := range [][]Server{p.socks, p.https, p.http} {
			if len(l) > 0 {
				return l
			}
		}
	}
	if len(list) > 0 {
		return list
	}
	return p.socks
}

// parseProxyRules reads Chromium's proxy rules:
//
//	rules     = [ scheme "=" ] uri-list *( ";" [ scheme "=" ] uri-list )
//	scheme    = "http" | "https" | "ftp" | "socks"
//	uri-list  = uri *( "," uri )
//	uri       = [ proxy-scheme "://" ] host [ ":" port ] | "direct://"
//
// A list without "scheme=" serves every URL and must be the only one.
// "socks=" is the list for every scheme without one, its entries SOCKS4
// unless they say otherwise. Default ports: http 80, https 443, socks 1080.
func parseProxyRules(s string) (proxyRules, error) {
	var rules proxyRules
	single := false
	for _, part := range strings.Split(s, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		key, list, keyed := strings.Cut(part, "=")
		if !keyed {
			if single || rules.perScheme {
				return proxyRules{}, fmt.Errorf("proxyRules %q: a list without \"scheme=\" must be the only one (use \",\" between fallbacks)", s)
			}
			servers, err := parseProxyURIList(part, SchemeHTTP)
			if err != nil {
				return proxyRules{}, fmt.Errorf("proxyRules %q: %w", s, err)
			}
			rules.single, single = servers, true
			continue
		}
		if single {
			return proxyRules{}, fmt.Errorf("proxyRules %q: a list without \"scheme=\" must be the only one", s)
		}
		key = strings.ToLower(strings.TrimSpace(key))
		def := SchemeHTTP
		var dst *[]Server
		switch key {
		case "http":
			dst = &rules.http
		case "https":
			dst = &rules.https
		case "ftp":
			dst = &rules.ftp
		case "socks":
			dst, def = &rules.socks, SchemeSOCKS4
		default:
			return proxyRules{}, fmt.Errorf("proxyRules %q: unknown scheme %q before \"=\" (want http, https, ftp or socks)", s, key)
		}
		servers, err := parseProxyURIList(list, def)
		if err != nil {
			return proxyRules{}, fmt.Errorf("proxyRules %q: %s=: %w", s, key, err)
		}
		*dst = append(*dst, servers...)
		rules.perScheme = true
	}
	return rules, nil
}

// parseProxyURIList reads a comma-separated list of proxy URIs.
func parseProxyURIList(list, defaultScheme string) ([]Server, error) {
	var out []Server
	for _, item := range strings.Split(list, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		s, err := parseProxyURI(item, defaultScheme)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	if len(out) == 0 {
		return nil, errors.New("no proxy given")
	}
	return out, nil
}

// parseProxyURI reads [proxy-scheme "://"] host [":" port]. As Chromium,
// "socks://" means SOCKS5 (only the "socks=" key defaults to SOCKS4).
func parseProxyURI(s, defaultScheme string) (Server, error) {
	scheme := defaultScheme
	if colon := strings.IndexByte(s, ':'); colon >= 0 && strings.HasPrefix(s[colon+1:], "//") {
		switch name := strings.ToLower(s[:colon]); name {
		case "http", "https", "socks4", "socks5", "direct":
			scheme = name
		case "socks":
			scheme = SchemeSOCKS5
		case "quic":
			return Server{}, fmt.Errorf("%q: QUIC proxies are not supported", s)
		default:
			return Server{}, fmt.Errorf("%q: unknown proxy scheme %q (want http, https, socks4, socks5, socks or direct)", s, name)
		}
		s = s[colon+3:]
	}
	if scheme == SchemeDirect {
		if s != "" {
			return Server{}, fmt.Errorf("direct://%s: direct takes no host", s)
		}
		return Direct, nil
	}
	host, port, err := splitProxyHostPort(s)
	if err != nil {
		return Server{}, err
	}
	if port == "" {
		port = defaultProxyPort(scheme)
	}
	return Server{Scheme: scheme, Host: host, Port: port}, nil
}

// splitProxyHostPort reads host[:port] or [ipv6][:port]; the port is empty
// when absent. The host is lower-cased and checked.
func splitProxyHostPort(s string) (host, port string, err error) {
	rest := s
	if strings.HasPrefix(rest, "[") {
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			return "", "", fmt.Errorf("%q: unclosed \"[\"", s)
		}
		host, rest = rest[1:end], rest[end+1:]
		if ip, perr := netip.ParseAddr(host); perr != nil || !ip.Is6() {
			return "", "", fmt.Errorf("%q: %q is not an IPv6 address", s, host)
		}
		if rest != "" {
			if rest[0] != ':' {
				return "", "", fmt.Errorf("%q: unexpected %q after the address", s, rest)
			}
			port = rest[1:]
			if port == "" {
				return "", "", fmt.Errorf("%q: empty port", s)
			}
		}
	} else {
		host = rest
		if i := strings.LastIndexByte(rest, ':'); i >= 0 {
			host, port = rest[:i], rest[i+1:]
			if port == "" {
				return "", "", fmt.Errorf("%q: empty port", s)
			}
		}
		if strings.Contains(host, ":") {
			return "", "", fmt.Errorf("%q: an IPv6 address must be in brackets", s)
		}
		if !validProxyHostname(host) {
			return "", "", fmt.Errorf("%q: %q is not a host name", s, host)
		}
	}
	if port != "" {
		n, perr := strconv.Atoi(port)
		if perr != nil || n < 1 || n > 65535 || port[0] == '+' {
			return "", "", fmt.Errorf("%q: bad port %q", s, port)
		}
		port = strconv.Itoa(n)
	}
	return strings.ToLower(host), port, nil
}

// validProxyHostname accepts DNS names and IPv4 literals: letters, digits,
// '-', '_' and '.', not empty.
func validProxyHostname(h string) bool {
	if h == "" || h == "." {
		return false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}
