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
// The grammars are rules.go (proxyRules), bypass.go (proxyBypassRules),
// env.go (the environment's variables, NO_PROXY included); target.go is the
// destination as they see it. Loopback and link-local destinations
// (Chromium's implicit bypass rules) never reach a proxy in any mode unless
// proxyBypassRules holds <-loopback>. A Dialer (dial.go) opens connections through the chosen
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
