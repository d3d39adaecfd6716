package proxy

import (
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// envProxies are the proxies the environment names (system mode).
type envProxies struct {
	http, https, all []Server // zero or one entry each
	noProxy          noProxyRules
}

// readEnvProxies reads HTTP_PROXY, HTTPS_PROXY, ALL_PROXY and NO_PROXY,
// upper case first, then lower case, as Go's httpproxy (curl reads the
// same names). Values that do not parse are ignored.
func readEnvProxies(env func(string) string) envProxies {
	get := func(names ...string) string {
		for _, n := range names {
			if v := strings.TrimSpace(env(n)); v != "" {
				return v
			}
		}
		return ""
	}
	return envProxies{
		http:    parseEnvProxy(get("HTTP_PROXY", "http_proxy")),
		https:   parseEnvProxy(get("HTTPS_PROXY", "https_proxy")),
		all:     parseEnvProxy(get("ALL_PROXY", "all_proxy")),
		noProxy: parseNoProxy(get("NO_PROXY", "no_proxy")),
	}
}

// forScheme is the environment's proxy for a URL scheme: HTTP_PROXY for
// http and ws, HTTPS_PROXY for https and wss, each falling back to
// ALL_PROXY; empty means DIRECT.
func (e *envProxies) forScheme(scheme string) []Server {
	var list []Server
	switch scheme {
	case "http", "ws":
		list = e.http
	case "https", "wss":
		list = e.https
	}
	if len(list) > 0 {
		return list
	}
	return e.all
}

// parseEnvProxy reads a proxy URL from the environment: "host:port" is
// http://; http, https, socks5, socks5h, socks (SOCKS5, as Chromium),
// socks4 and socks4a are known. Credentials and paths are dropped
// (Chromium ignores them too: a 407 asks for a login instead).
func parseEnvProxy(v string) []Server {
	if v == "" {
		return nil
	}
	if !strings.Contains(v, "://") {
		v = "http://" + v
	}
	u, err := url.Parse(v)
	if err != nil || u.Hostname() == "" {
		return nil
	}
	var scheme string
	switch strings.ToLower(u.Scheme) {
	case "http":
		scheme = SchemeHTTP
	case "https":
		scheme = SchemeHTTPS
	case "socks", "socks5", "socks5h":
		scheme = SchemeSOCKS5
	case "socks4", "socks4a":
		scheme = SchemeSOCKS4
	default:
		return nil
	}
	hostPort := u.Host
	if i := strings.LastIndexByte(hostPort, '@'); i >= 0 {
		hostPort = hostPort[i+1:]
	}
	host, port, err := splitProxyHostPort(hostPort)
	if err != nil {
		return nil
	}
	if port == "" {
		port = defaultProxyPort(scheme)
	}
	return []Server{{Scheme: scheme, Host: host, Port: port}}
}

// noProxyRules is NO_PROXY as Go's httpproxy reads it: comma-separated;
// "*" bypasses everything; "10.0.0.0/8" a block; "1.2.3.4" or
// "[::1]:8080" an address (and port); "example.com" that domain and its
// subdomains; ".example.com" and "*.example.com" subdomains only; any
// host may take ":port".
type noProxyRules struct {
	all     bool
	blocks  []netip.Prefix
	ips     []noProxyIP
	domains []noProxyDomain
}

type noProxyIP struct {
	ip   netip.Addr
	port int // 0 for any
}

type noProxyDomain struct {
	suffix    string // ".example.com"
	port      int    // 0 for any
	matchBare bool   // "example.com" itself matches too
}

func parseNoProxy(v string) noProxyRules {
	var rules noProxyRules
	for _, p := range strings.Split(v, ",") {
		p = strings.ToLower(strings.TrimSpace(p))
		if p == "" {
			continue
		}
		if p == "*" {
			return noProxyRules{all: true}
		}
		if block, err := netip.ParsePrefix(p); err == nil {
			rules.blocks = append(rules.blocks, block.Masked())
			continue
		}
		host, port := p, 0
		if h, ps, err := net.SplitHostPort(p); err == nil {
			n, perr := strconv.Atoi(ps)
			if perr != nil || h == "" {
				continue
			}
			host, port = h, n
		}
		host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
		if ip, err := netip.ParseAddr(host); err == nil {
			rules.ips = append(rules.ips, noProxyIP{ip: ip.Unmap(), port: port})
			continue
		}
		host = strings.TrimPrefix(host, "*")
		if host == "" || host == "." {
			continue
		}
		d := noProxyDomain{suffix: host, port: port}
		if host[0] != '.' {
			d.suffix, d.matchBare = "."+host, true
		}
		rules.domains = append(rules.domains, d)
	}
	return rules
}

func (n *noProxyRules) matches(t proxyTarget) bool {
	if n.all {
		return true
	}
	if t.ip.IsValid() {
		for _, b := range n.blocks {
			if b.Contains(t.ip) {
				return true
			}
		}
		for _, m := range n.ips {
			if m.ip == t.ip && (m.port == 0 || m.port == t.port) {
				return true
			}
		}
	}
	host := strings.TrimSuffix(t.host, ".")
	for _, d := range n.domains {
		if d.port != 0 && d.port != t.port {
			continue
		}
		if strings.HasSuffix(host, d.suffix) || (d.matchBare && host == d.suffix[1:]) {
			return true
		}
	}
	return false
}
