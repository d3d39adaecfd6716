// Package proxy is how a session reaches a destination: Chromium's proxy
// selection for Electron's session.setProxy, and dialing through the
// chosen proxy.
//
//	Config ──NewResolver──> Resolver ──Resolve(url)──> []Server
//	                           │                       (fallbacks, in order)
//	   mode direct / auto_detect ──┤ DIRECT
//	   mode fixed_servers ─────────┤ proxyRules + proxyBypassRules (Chromium's grammars)
//	   mode pac_script ────────────┤ FindProxyForURL in a JS engine (pac.go)
//	   mode system ────────────────┘ HTTP_PROXY, HTTPS_PROXY, ALL_PROXY, NO_PROXY
//
// Loopback and link-local destinations (Chromium's implicit bypass rules)
// never reach a proxy in any mode unless proxyBypassRules holds
// <-loopback>. A Dialer (dial.go) opens connections through the chosen
// proxy: HTTP (absolute-form requests or a CONNECT tunnel), HTTPS and
// SOCKS4/5. The engine (gocore's proxy_route.go) picks the proxy per
// request, answers proxy logins and keeps their credentials.
package proxy

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/go-net-request/go-net-request/gocore/neterr"
)

// Config is Electron's ProxyConfig, as given to session.setProxy.
type Config struct {
	// Mode is "direct", "auto_detect", "pac_script", "fixed_servers" or
	// "system". Empty means pac_script when PACScript is set, else
	// fixed_servers (Electron's defaulting).
	Mode string `json:"mode"`
	// ProxyRules is Chromium's proxy rules string, for fixed_servers.
	ProxyRules string `json:"proxyRules"`
	// ProxyBypassRules is Chromium's bypass list, for fixed_servers; its
	// <-loopback> is honoured in every mode.
	ProxyBypassRules string `json:"proxyBypassRules"`
	// PACScript is the URL of the PAC script, for pac_script.
	PACScript string `json:"pacScript"`
}

// The proxy modes of Electron's ProxyConfig.
const (
	ModeDirect       = "direct"
	ModeAutoDetect   = "auto_detect"
	ModePACScript    = "pac_script"
	ModeFixedServers = "fixed_servers"
	ModeSystem       = "system"
)

// Server is one way to reach a destination: a proxy, or DIRECT.
type Server struct {
	Scheme string // "direct", "http", "https", "socks4", "socks5"
	Host   string // a name or an IP literal, without brackets; empty for direct
	Port   string // decimal; empty for direct
}

// The schemes of a Server.
const (
	SchemeDirect = "direct"
	SchemeHTTP   = "http"
	SchemeHTTPS  = "https"
	SchemeSOCKS4 = "socks4"
	SchemeSOCKS5 = "socks5"
)

// Direct is the DIRECT entry of a proxy list.
var Direct = Server{Scheme: SchemeDirect}

// IsDirect reports whether s means "no proxy".
func (s Server) IsDirect() bool { return s.Scheme == SchemeDirect }

// Addr is the proxy's host:port, for dialing (IPv6 in brackets).
func (s Server) Addr() string { return net.JoinHostPort(s.Host, s.Port) }

// String spells s as Chromium's PAC result element (what resolveProxy
// reports): "DIRECT", "PROXY host:port", "HTTPS host:port", "SOCKS5
// host:port", and, as Chromium does for compatibility, "SOCKS host:port"
// for SOCKS4.
func (s Server) String() string {
	switch s.Scheme {
	case SchemeDirect:
		return "DIRECT"
	case SchemeHTTP:
		return "PROXY " + s.Addr()
	case SchemeHTTPS:
		return "HTTPS " + s.Addr()
	case SchemeSOCKS4:
		return "SOCKS " + s.Addr()
	case SchemeSOCKS5:
		return "SOCKS5 " + s.Addr()
	}
	return "INVALID " + s.Addr()
}

// FormatList spells a proxy list as Chromium's resolveProxy does:
// "PROXY a:1;DIRECT". An empty list is "DIRECT".
func FormatList(list []Server) string {
	if len(list) == 0 {
		return "DIRECT"
	}
	parts := make([]string, len(list))
	for i, s := range list {
		parts[i] = s.String()
	}
	return strings.Join(parts, ";")
}

// defaultProxyPort is the port a proxy of scheme listens on when none is given.
func defaultProxyPort(scheme string) string {
	switch scheme {
	case SchemeHTTP:
		return "80"
	case SchemeHTTPS:
		return "443"
	case SchemeSOCKS4, SchemeSOCKS5:
		return "1080"
	}
	return ""
}

// A Option adjusts a Resolver.
type Option func(*proxyOptions)

type proxyOptions struct {
	fetch      func(ctx context.Context, url string) (string, error) // http(s) PAC URLs
	lookup     func(ctx context.Context, host string) ([]netip.Addr, error)
	timeout    time.Duration       // per PAC call
	now        func() time.Time    // the PAC date and time helpers' clock
	localAddrs func() []netip.Addr // myIpAddress candidates
}

// WithPACFetch lets pac_script mode load http: and https: PAC URLs: fetch
// returns the script's text (the integration fetches it with the engine).
// Without it such URLs are a configuration error.
func WithPACFetch(fetch func(ctx context.Context, url string) (string, error)) Option {
	return func(o *proxyOptions) { o.fetch = fetch }
}

// WithPACLookup routes the DNS of PAC helpers (dnsResolve, isResolvable,
// isInNet, ...) through lookup, the session's resolver. IP literals,
// localhost and *.invalid are answered without it. The default is the
// system resolver.
func WithPACLookup(lookup func(ctx context.Context, host string) ([]netip.Addr, error)) Option {
	return func(o *proxyOptions) { o.lookup = lookup }
}

// WithPACTimeout bounds each run of the PAC script (its top level once,
// then every FindProxyForURL call, DNS helpers included); default 1 s.
func WithPACTimeout(d time.Duration) Option {
	return func(o *proxyOptions) {
		if d > 0 {
			o.timeout = d
		}
	}
}

// defaultPACTimeout is how long one PAC run may take.
const defaultPACTimeout = time.Second

// Resolver chooses how to reach a URL under one session's Config.
// It is safe for concurrent use; a new config means a new resolver.
type Resolver struct {
	mode         string
	rules        proxyRules  // fixed_servers
	bypass       bypassRules // fixed_servers: the whole list; other modes: only <-loopback> counts
	keepLoopback bool        // <-loopback>: loopback destinations may be proxied
	env          envProxies  // system
	pac          *pacSource  // pac_script
}

// NewResolver checks cfg and builds its resolver. env reads the
// environment for system mode (os.Getenv when nil). A config that does not
// parse is an error that says what is wrong.
//
// Grammar decisions: entries Chromium would drop silently (an unknown
// proxy scheme, a bad port, an unknown "xyz=" key, a plain list mixed with
// "scheme=" lists) are errors here, so the app hears of its mistake;
// malformed environment variables are ignored (DIRECT), as Chromium and
// curl do, because the app did not write them. auto_detect (WPAD) answers
// DIRECT: no wpad lookup is made, which is what Chromium ends with when
// the network has no WPAD script. system mode reads the environment only
// (no desktop or OS proxy settings).
func NewResolver(cfg Config, env func(string) string, opts ...Option) (*Resolver, error) {
	if env == nil {
		env = os.Getenv
	}
	o := &proxyOptions{timeout: defaultPACTimeout, now: time.Now, localAddrs: interfaceAddrs}
	for _, opt := range opts {
		opt(o)
	}
	mode := cfg.Mode
	if mode == "" {
		mode = ModeFixedServers
		if cfg.PACScript != "" {
			mode = ModePACScript
		}
	}
	r := &Resolver{mode: mode}
	if mode != ModeDirect {
		bypass, err := parseBypassRules(cfg.ProxyBypassRules)
		if err != nil {
			return nil, err
		}
		r.bypass = bypass
		r.keepLoopback = bypass.subtractsLoopback()
	}
	switch mode {
	case ModeDirect, ModeAutoDetect:
	case ModeFixedServers:
		rules, err := parseProxyRules(cfg.ProxyRules)
		if err != nil {
			return nil, err
		}
		r.rules = rules
	case ModeSystem:
		r.env = readEnvProxies(env)
	case ModePACScript:
		pac, err := newPACSource(cfg.PACScript, o)
		if err != nil {
			return nil, err
		}
		r.pac = pac
	default:
		return nil, fmt.Errorf("proxy mode %q is not one of direct, auto_detect, pac_script, fixed_servers, system", cfg.Mode)
	}
	return r, nil
}

// Mode returns the resolver's mode after Electron's defaulting.
func (r *Resolver) Mode() string { return r.mode }

// Resolve returns how to reach target: proxies to try in order, DIRECT
// being Server{Scheme: "direct"}. The list is never empty.
//
// A PAC script that cannot answer (not loadable, a syntax or runtime
// error, too slow, a result with no valid element) gives both the DIRECT
// list and a *PACError: Electron's PAC is not mandatory, so Chromium falls
// back to DIRECT, and a caller that wants that uses the list; the error is
// for logs. Any other error (ctx ended, nil target) comes with a nil list.
func (r *Resolver) Resolve(ctx context.Context, target *url.URL) ([]Server, error) {
	if target == nil {
		return nil, neterr.New(neterr.InvalidArgument, errors.New("resolve proxy: no URL"))
	}
	t := newProxyTarget(target)
	direct := []Server{Direct}
	if t.host == "" {
		return direct, nil
	}
	switch r.mode {
	case ModeFixedServers:
		if r.bypass.matches(t) {
			return direct, nil
		}
		return orDirect(r.rules.forScheme(t.scheme)), nil
	case ModeSystem:
		if (!r.keepLoopback && implicitBypass(t)) || r.env.noProxy.matches(t) {
			return direct, nil
		}
		return orDirect(r.env.forScheme(t.scheme)), nil
	case ModePACScript:
		if !r.keepLoopback && implicitBypass(t) {
			return direct, nil
		}
		return r.pac.resolve(ctx, target, t)
	}
	return direct, nil
}

// orDirect copies list, or answers DIRECT for an empty one.
func orDirect(list []Server) []Server {
	if len(list) == 0 {
		return []Server{Direct}
	}
	return append([]Server(nil), list...)
}

// proxyTarget is a destination as the bypass rules see it (Chromium's
// canonical GURL host).
type proxyTarget struct {
	scheme string     // lower-case
	host   string     // lower-case, no brackets; IPv4 in dotted-quad form
	port   int        // the effective port
	ip     netip.Addr // valid when host is an IP literal (unmapped)
}

func newProxyTarget(u *url.URL) proxyTarget {
	t := proxyTarget{scheme: strings.ToLower(u.Scheme), host: strings.ToLower(u.Hostname())}
	if ip, err := netip.ParseAddr(t.host); err == nil {
		t.ip = ip.WithZone("").Unmap()
		t.host = t.ip.String()
	} else if ip, ok := parseIPv4Loose(t.host); ok {
		t.ip = ip
		t.host = ip.String()
	}
	if p, err := strconv.Atoi(u.Port()); err == nil {
		t.port = p
	} else {
		t.port = defaultURLPort(t.scheme)
	}
	return t
}

// patternHost is the host as Chromium matches hostname patterns against
// it: IPv6 literals in brackets.
func (t proxyTarget) patternHost() string {
	if t.ip.Is6() {
		return "[" + t.host + "]"
	}
	return t.host
}

func defaultURLPort(scheme string) int {
	switch scheme {
	case "http", "ws":
		return 80
	case "https", "wss":
		return 443
	case "ftp":
		return 21
	}
	return 0
}

// parseIPv4Loose reads an IPv4 address as URL hosts spell it (the WHATWG
// IPv4 parser, which Chromium's GURL follows): one to four parts, each
// decimal, 0x hex or 0-prefixed octal, the last filling the remaining
// bytes, so "127.1" and "0x7f.0.0.1" are 127.0.0.1.
func parseIPv4Loose(s string) (netip.Addr, bool) {
	parts := strings.Split(s, ".")
	if len(parts) > 1 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	if len(parts) == 0 || len(parts) > 4 {
		return netip.Addr{}, false
	}
	nums := make([]uint64, len(parts))
	for i, p := range parts {
		base := 10
		switch {
		case len(p) >= 2 && (p[:2] == "0x" || p[:2] == "0X"):
			base, p = 16, p[2:]
		case len(p) >= 2 && p[0] == '0':
			base, p = 8, p[1:]
		case p == "":
			return netip.Addr{}, false
		}
		if p == "" {
			nums[i] = 0 // "0x" alone is zero
			continue
		}
		n, err := strconv.ParseUint(p, base, 64)
		if err != nil {
			return netip.Addr{}, false
		}
		nums[i] = n
	}
	var v uint64
	for i, n := range nums[:len(nums)-1] {
		if n > 255 {
			return netip.Addr{}, false
		}
		v |= n << (8 * (3 - i))
	}
	last := nums[len(nums)-1]
	if last >= 1<<(8*(5-len(nums))) {
		return netip.Addr{}, false
	}
	v |= last
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), true
}

// implicitBypass is Chromium's implicit bypass list: localhost and
// *.localhost, 127.0.0.0/8 and ::1 (IPv4-mapped too), and the link-local
// ranges 169.254.0.0/16 and fe80::/10.
func implicitBypass(t proxyTarget) bool {
	h := strings.TrimSuffix(t.host, ".")
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	return t.ip.IsValid() && (t.ip.IsLoopback() || t.ip.IsLinkLocalUnicast())
}

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

// bypassRules is a parsed proxyBypassRules list. Later rules override
// earlier ones; when none matches, the implicit rules decide.
type bypassRules []bypassRule

type bypassRuleKind int

const (
	bypassLocal       bypassRuleKind = iota // <local>: host names without a dot
	bypassNotLoopback                       // <-loopback>: undo the implicit bypass
	bypassHostPattern                       // [scheme://]pattern[:port]
	bypassIPLiteral                         // [scheme://]ip[:port]
	bypassIPBlock                           // [scheme://]ip/bits
)

type bypassRule struct {
	kind    bypassRuleKind
	scheme  string       // "" for any
	pattern string       // bypassHostPattern, lower-case, * and ? wildcards
	port    int          // 0 for any
	ip      netip.Addr   // bypassIPLiteral
	block   netip.Prefix // bypassIPBlock, masked
}

// ruleVerdict is what one rule says of a destination.
type ruleVerdict int

const (
	ruleNoMatch ruleVerdict = iota
	ruleBypass              // go direct
	ruleProxy               // <-loopback> matched: do not bypass
)

// parseBypassRules reads Chromium's bypass list: rules separated by ","
// or ";", each one of
//
//	<local>                        host names without a dot (not IP literals)
//	<-loopback>                    proxy loopback too (removes the implicit rule)
//	[scheme://]host-pattern[:port] "*.example.com", ".example.com" (= "*.example.com"),
//	                               "example.com" (that host only), "*" and "?" wildcards
//	[scheme://]ip-literal[:port]   "127.0.0.1", "[::1]:99", also "127.0.1"
//	ip-literal/prefix-length       "10.0.0.0/8", "[::1]/128", "fefe:13::abc/33"
func parseBypassRules(s string) (bypassRules, error) {
	var rules bypassRules
	for _, raw := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' }) {
		raw = strings.TrimSpace(raw)
		if raw == "" {
			continue
		}
		r, err := parseBypassRule(raw)
		if err != nil {
			return nil, fmt.Errorf("proxyBypassRules %q: %w", s, err)
		}
		rules = append(rules, r)
	}
	return rules, nil
}

func parseBypassRule(raw string) (bypassRule, error) {
	switch strings.ToLower(raw) {
	case "<local>":
		return bypassRule{kind: bypassLocal}, nil
	case "<-loopback>":
		return bypassRule{kind: bypassNotLoopback}, nil
	}
	var r bypassRule
	rest := raw
	if i := strings.Index(rest, "://"); i >= 0 {
		r.scheme, rest = strings.ToLower(rest[:i]), rest[i+3:]
		if r.scheme == "" {
			return r, fmt.Errorf("%q: empty scheme", raw)
		}
	}
	if rest == "" {
		return r, fmt.Errorf("%q: no host", raw)
	}
	if addr, bits, ok := strings.Cut(rest, "/"); ok {
		addr = strings.TrimSuffix(strings.TrimPrefix(addr, "["), "]")
		ip, err := netip.ParseAddr(addr)
		if err != nil {
			loose, isV4 := parseIPv4Loose(addr)
			if !isV4 {
				return r, fmt.Errorf("%q: %q is not an IP address", raw, addr)
			}
			ip = loose
		}
		ip = ip.WithZone("")
		n, err := strconv.Atoi(bits)
		if ip.Is4In6() {
			ip, n = ip.Unmap(), n-96
		}
		if err != nil || n < 0 || n > ip.BitLen() {
			return r, fmt.Errorf("%q: bad prefix length %q", raw, bits)
		}
		block, _ := ip.Prefix(n)
		r.kind, r.block = bypassIPBlock, block
		return r, nil
	}
	if host, port, err := splitBypassHostPort(rest); err == nil {
		if ip, perr := netip.ParseAddr(host); perr == nil && ip.Zone() == "" {
			r.kind, r.ip, r.port = bypassIPLiteral, ip.Unmap(), port
			return r, nil
		}
		if ip, ok := parseIPv4Loose(host); ok {
			r.kind, r.ip, r.port = bypassIPLiteral, ip, port
			return r, nil
		}
	}
	pattern := rest
	if i := strings.LastIndexByte(rest, ':'); i >= 0 && !strings.HasSuffix(rest, "]") {
		port, err := strconv.Atoi(rest[i+1:])
		if err != nil || port < 0 || port > 65535 {
			return r, fmt.Errorf("%q: bad port %q", raw, rest[i+1:])
		}
		pattern, r.port = rest[:i], port
	}
	if pattern == "" {
		return r, fmt.Errorf("%q: no host", raw)
	}
	if strings.HasPrefix(pattern, ".") {
		pattern = "*" + pattern
	}
	r.kind, r.pattern = bypassHostPattern, strings.ToLower(pattern)
	return r, nil
}

// splitBypassHostPort splits an IP literal rule: "1.2.3.4", "1.2.3.4:80",
// "[::1]", "[::1]:80", "::1".
func splitBypassHostPort(s string) (string, int, error) {
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return "", 0, errors.New("unclosed [")
		}
		host, rest := s[1:end], s[end+1:]
		if rest == "" {
			return host, 0, nil
		}
		if rest[0] != ':' {
			return "", 0, errors.New("junk after ]")
		}
		port, err := strconv.Atoi(rest[1:])
		if err != nil || port < 0 || port > 65535 {
			return "", 0, errors.New("bad port")
		}
		return host, port, nil
	}
	if strings.Count(s, ":") > 1 {
		return s, 0, nil // a bare IPv6 literal
	}
	host, portText, ok := strings.Cut(s, ":")
	if !ok {
		return host, 0, nil
	}
	port, err := strconv.Atoi(portText)
	if err != nil || port < 0 || port > 65535 {
		return "", 0, errors.New("bad port")
	}
	return host, port, nil
}

// subtractsLoopback reports whether the list holds <-loopback>.
func (rs bypassRules) subtractsLoopback() bool {
	for _, r := range rs {
		if r.kind == bypassNotLoopback {
			return true
		}
	}
	return false
}

// matches reports whether t goes DIRECT: the last rule that has an opinion
// decides, else the implicit rules (loopback and link-local).
func (rs bypassRules) matches(t proxyTarget) bool {
	for i := len(rs) - 1; i >= 0; i-- {
		switch rs[i].evaluate(t) {
		case ruleBypass:
			return true
		case ruleProxy:
			return false
		}
	}
	return implicitBypass(t)
}

func (r bypassRule) evaluate(t proxyTarget) ruleVerdict {
	if r.scheme != "" && r.scheme != t.scheme {
		return ruleNoMatch
	}
	if r.port != 0 && r.port != t.port {
		return ruleNoMatch
	}
	matched := false
	switch r.kind {
	case bypassLocal:
		matched = !t.ip.IsValid() && !strings.Contains(t.host, ".")
	case bypassNotLoopback:
		if implicitBypass(t) {
			return ruleProxy
		}
	case bypassHostPattern:
		matched = globMatch(t.patternHost(), r.pattern, true)
	case bypassIPLiteral:
		matched = t.ip.IsValid() && t.ip == r.ip
	case bypassIPBlock:
		matched = t.ip.IsValid() && r.block.Contains(t.ip)
	}
	if matched {
		return ruleBypass
	}
	return ruleNoMatch
}

// globMatch matches s against pattern, where '*' is any run of characters,
// '?' one character (or, with optionalQuestion, zero or one, as Chromium's
// MatchPattern), and '\' makes the next character literal.
func globMatch(s, pattern string, optionalQuestion bool) bool {
	// prev[j] says whether s[:i] matches pattern tokens [:j].
	type token struct {
		c    byte
		kind byte // 'c' literal, '*' star, '?' one
	}
	var toks []token
	for i := 0; i < len(pattern); i++ {
		switch c := pattern[i]; {
		case c == '\\' && i+1 < len(pattern):
			i++
			toks = append(toks, token{pattern[i], 'c'})
		case c == '*':
			if len(toks) == 0 || toks[len(toks)-1].kind != '*' {
				toks = append(toks, token{0, '*'})
			}
		case c == '?':
			toks = append(toks, token{0, '?'})
		default:
			toks = append(toks, token{c, 'c'})
		}
	}
	prev := make([]bool, len(toks)+1)
	cur := make([]bool, len(toks)+1)
	prev[0] = true
	for j, tk := range toks { // the empty string
		prev[j+1] = prev[j] && (tk.kind == '*' || (tk.kind == '?' && optionalQuestion))
	}
	for i := 0; i < len(s); i++ {
		cur[0] = false
		for j, tk := range toks {
			switch tk.kind {
			case '*':
				cur[j+1] = cur[j] || prev[j+1]
			case '?':
				cur[j+1] = prev[j] || (optionalQuestion && cur[j])
			default:
				cur[j+1] = prev[j] && s[i] == tk.c
			}
		}
		prev, cur = cur, prev
	}
	return prev[len(toks)]
}

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
