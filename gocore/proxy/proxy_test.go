package proxy

import (
	"context"
	"testing"

	"github.com/go-net-request/go-net-request/gocore/neterr"
	"github.com/go-net-request/go-net-request/internal/testkit"
	"github.com/stretchr/testify/require"
)

// noEnv is an empty environment.
func noEnv(string) string { return "" }

// resolveList resolves rawURL and formats the answer as resolveProxy does.
func resolveList(t *testing.T, r *Resolver, rawURL string) string {
	t.Helper()
	list, err := r.Resolve(context.Background(), testkit.MustURL(t, rawURL))
	require.NoError(t, err)
	require.NotEmpty(t, list)
	return FormatList(list)
}

func TestProxyServerString(t *testing.T) {
	tests := []struct {
		name   string
		server Server
		want   string
	}{
		{"direct", Server{Scheme: SchemeDirect}, "DIRECT"},
		{"http", Server{Scheme: SchemeHTTP, Host: "foopy", Port: "80"}, "PROXY foopy:80"},
		{"https", Server{Scheme: SchemeHTTPS, Host: "sec", Port: "443"}, "HTTPS sec:443"},
		{"socks4 is SOCKS as in Chromium", Server{Scheme: SchemeSOCKS4, Host: "s", Port: "1080"}, "SOCKS s:1080"},
		{"socks5", Server{Scheme: SchemeSOCKS5, Host: "s", Port: "1081"}, "SOCKS5 s:1081"},
		{"ipv6 in brackets", Server{Scheme: SchemeHTTP, Host: "::1", Port: "3128"}, "PROXY [::1]:3128"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, tt.server.String())
		})
	}
}

func TestFormatProxyList(t *testing.T) {
	tests := []struct {
		name string
		list []Server
		want string
	}{
		{"empty is DIRECT", nil, "DIRECT"},
		{"one", []Server{{Scheme: SchemeHTTP, Host: "a", Port: "1"}}, "PROXY a:1"},
		{"fallbacks joined by semicolons", []Server{
			{Scheme: SchemeHTTP, Host: "a", Port: "1"},
			{Scheme: SchemeSOCKS5, Host: "b", Port: "2"},
			{Scheme: SchemeDirect},
		}, "PROXY a:1;SOCKS5 b:2;DIRECT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, FormatList(tt.list))
		})
	}
}

func TestProxyRules(t *testing.T) {
	tests := []struct {
		name  string
		rules string
		want  map[string]string // URL -> resolveProxy answer
	}{
		{"empty rules go direct", "", map[string]string{
			"http://example.com/": "DIRECT",
		}},
		{"one proxy for every scheme", "foopy:8080", map[string]string{
			"http://example.com/":  "PROXY foopy:8080",
			"https://example.com/": "PROXY foopy:8080",
			"ws://example.com/":    "PROXY foopy:8080",
			"ftp://example.com/":   "PROXY foopy:8080",
		}},
		{"default port 80", "foopy", map[string]string{"http://example.com/": "PROXY foopy:80"}},
		{"fallback list with direct", "foopy:80,bar:81,direct://", map[string]string{
			"http://example.com/": "PROXY foopy:80;PROXY bar:81;DIRECT",
		}},
		{"per scheme with fallbacks", "http=foopy:80;https=bar:8080,direct://", map[string]string{
			"http://example.com/":  "PROXY foopy:80",
			"https://example.com/": "PROXY bar:8080;DIRECT",
			"ftp://example.com/":   "DIRECT",
			"ws://example.com/":    "PROXY bar:8080;DIRECT", // WebSockets: socks, then https, then http
		}},
		{"socks5 URI", "socks5://host:1080", map[string]string{
			"http://example.com/":  "SOCKS5 host:1080",
			"https://example.com/": "SOCKS5 host:1080",
		}},
		{"socks URI scheme is SOCKS5", "socks://host", map[string]string{"http://example.com/": "SOCKS5 host:1080"}},
		{"socks4 URI", "socks4://host:99", map[string]string{"http://example.com/": "SOCKS host:99"}},
		{"https proxy default port 443", "https://secure", map[string]string{"http://example.com/": "HTTPS secure:443"}},
		{"socks= key is the fallback, SOCKS4 by default", "http=a:1;socks=s", map[string]string{
			"http://example.com/":  "PROXY a:1",
			"https://example.com/": "SOCKS s:1080",
			"ws://example.com/":    "SOCKS s:1080",
		}},
		{"socks= key with an explicit scheme", "socks=socks5://s:7", map[string]string{"http://example.com/": "SOCKS5 s:7"}},
		{"ftp key", "ftp=f:21", map[string]string{
			"ftp://example.com/":  "PROXY f:21",
			"http://example.com/": "DIRECT",
		}},
		{"ws falls back to http", "http=h:1", map[string]string{
			"ws://example.com/":  "PROXY h:1",
			"wss://example.com/": "PROXY h:1",
		}},
		{"repeated key appends", "http=a:1;http=b:2", map[string]string{"http://example.com/": "PROXY a:1;PROXY b:2"}},
		{"whitespace and case", "  HTTP = A:1 , HTTP://B:2 ; ", map[string]string{"http://example.com/": "PROXY a:1;PROXY b:2"}},
		{"ipv6 proxy", "[::1]:3128", map[string]string{"http://example.com/": "PROXY [::1]:3128"}},
		{"ipv6 proxy without port", "socks5://[2001:db8::1]", map[string]string{"http://example.com/": "SOCKS5 [2001:db8::1]:1080"}},
		{"direct only", "direct://", map[string]string{"http://example.com/": "DIRECT"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := NewResolver(Config{Mode: ModeFixedServers, ProxyRules: tt.rules}, noEnv)
			require.NoError(t, err)
			for u, want := range tt.want {
				require.Equal(t, want, resolveList(t, r, u), u)
			}
		})
	}
}

func TestProxyRulesInvalid(t *testing.T) {
	tests := []struct {
		name    string
		rules   string
		message string
	}{
		{"port not a number", "foopy:http", "bad port"},
		{"port zero", "foopy:0", "bad port"},
		{"port too large", "foopy:70000", "bad port"},
		{"empty port", "foopy:", "empty port"},
		{"unknown proxy scheme", "ftp://foopy", "unknown proxy scheme"},
		{"quic unsupported", "quic://foopy", "QUIC"},
		{"unknown key", "gopher=foopy", "unknown scheme \"gopher\""},
		{"key without list", "http=", "no proxy given"},
		{"plain list then keyed", "a:1;http=b:2", "must be the only one"},
		{"keyed then plain list", "http=b:2;a:1", "must be the only one"},
		{"two plain lists", "a:1;b:2", "must be the only one"},
		{"user info", "user@foopy:80", "not a host name"},
		{"path", "http://foopy:80/", "bad port"},
		{"direct with host", "direct://foopy", "direct takes no host"},
		{"bare ipv6", "::1", "brackets"},
		{"unclosed bracket", "[::1", "unclosed"},
		{"bracketed non-ipv6", "[foopy]:80", "not an IPv6 address"},
		{"no host", ":80", "not a host name"},
		{"space inside", "foo py:80", "not a host name"},
		{"double equals", "http=a=b", "not a host name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewResolver(Config{Mode: ModeFixedServers, ProxyRules: tt.rules}, noEnv)
			require.Error(t, err)
			require.Contains(t, err.Error(), tt.message)
			require.Contains(t, err.Error(), "proxyRules")
		})
	}
}

func TestProxyBypassRules(t *testing.T) {
	const proxied = "PROXY p:1"
	tests := []struct {
		name   string
		bypass string
		want   map[string]string
	}{
		{"implicit loopback and link-local bypass", "", map[string]string{
			"http://localhost/":          "DIRECT",
			"http://localhost.:8080/":    "DIRECT",
			"http://foo.localhost/":      "DIRECT",
			"http://127.0.0.1:8080/":     "DIRECT",
			"http://127.5.5.5/":          "DIRECT",
			"http://127.1/":              "DIRECT", // 127.0.0.1 as URL hosts may spell it
			"http://0x7f.0.0.1/":         "DIRECT",
			"http://[::1]/":              "DIRECT",
			"http://[::ffff:127.0.0.1]/": "DIRECT",
			"http://169.254.1.1/":        "DIRECT",
			"http://[fe80::1]/":          "DIRECT",
			"http://example.com/":        proxied,
			"http://10.0.0.1/":           proxied,
			"http://localhost.example/":  proxied,
		}},
		{"<-loopback> proxies loopback", "<-loopback>", map[string]string{
			"http://localhost/":   proxied,
			"http://127.0.0.1/":   proxied,
			"http://[::1]:99/":    proxied,
			"http://169.254.1.1/": proxied,
		}},
		{"<local> is dotless names", "<local>", map[string]string{
			"http://intranet/":      "DIRECT",
			"http://a.b/":           proxied,
			"http://10.0.0.1/":      proxied,
			"http://localhost/":     "DIRECT",
			"http://[2001:db8::1]/": proxied,
		}},
		{"<local> with <-loopback> keeps localhost direct but not 127.0.0.1", "<local>;<-loopback>", map[string]string{
			"http://localhost/": proxied, // the later rule wins
			"http://127.0.0.1/": proxied,
			"http://printer/":   "DIRECT",
		}},
		{"wildcard subdomains", "*.example.com", map[string]string{
			"http://www.example.com/":   "DIRECT",
			"https://a.b.example.com/":  "DIRECT",
			"http://example.com/":       proxied,
			"http://www.example.com.x/": proxied,
		}},
		{"leading dot means wildcard", ".example.com", map[string]string{
			"http://www.example.com/": "DIRECT",
			"http://example.com/":     proxied,
		}},
		{"bare name is that host only", "example.com", map[string]string{
			"http://example.com/":     "DIRECT",
			"http://EXAMPLE.com:81/":  "DIRECT",
			"http://www.example.com/": proxied,
		}},
		{"wildcard without dot", "*example.com", map[string]string{
			"http://example.com/":      "DIRECT",
			"http://myexample.com/":    "DIRECT",
			"http://www.example.com/":  "DIRECT",
			"http://example.com.evil/": proxied,
		}},
		{"scheme and port", "http://*.x.com:99", map[string]string{
			"http://a.x.com:99/":  "DIRECT",
			"https://a.x.com:99/": proxied,
			"http://a.x.com/":     proxied,
		}},
		{"port with the default port", "example.com:443", map[string]string{
			"https://example.com/": "DIRECT",
			"http://example.com/":  proxied,
		}},
		{"question mark is zero or one character", "foo?.com", map[string]string{
			"http://foo.com/":   "DIRECT",
			"http://foo1.com/":  "DIRECT",
			"http://foo12.com/": proxied,
		}},
		{"IPv4 literal", "192.168.1.1", map[string]string{
			"http://192.168.1.1/":     "DIRECT",
			"http://192.168.1.1:123/": "DIRECT",
			"http://192.168.1.2/":     proxied,
		}},
		{"IPv4 literal with port", "192.168.1.1:8080", map[string]string{
			"http://192.168.1.1:8080/": "DIRECT",
			"http://192.168.1.1/":      proxied,
		}},
		{"IPv4 shorthand literal", "10.1", map[string]string{
			"http://10.0.0.1/": "DIRECT",
		}},
		{"IPv6 literal", "[2001:db8::1]", map[string]string{
			"http://[2001:db8::1]/":    "DIRECT",
			"http://[2001:db8::1]:81/": "DIRECT",
			"http://[2001:db8::2]/":    proxied,
		}},
		{"IPv6 literal with scheme and port", "http://[2001:db8::1]:99", map[string]string{
			"http://[2001:db8::1]:99/":  "DIRECT",
			"https://[2001:db8::1]:99/": proxied,
		}},
		{"IPv4 CIDR", "10.0.0.0/8", map[string]string{
			"http://10.1.2.3/":    "DIRECT",
			"http://11.0.0.1/":    proxied,
			"http://example.com/": proxied,
		}},
		{"CIDR with host bits set", "192.168.1.1/16", map[string]string{
			"http://192.168.200.3/": "DIRECT",
			"http://192.169.0.1/":   proxied,
		}},
		{"loopback CIDR after <-loopback>", "<-loopback>,127.0.0.1/8", map[string]string{
			"http://127.1.2.3/": "DIRECT",
			"http://localhost/": proxied,
		}},
		{"IPv6 CIDR in brackets after <-loopback>", "<-loopback>;[::1]/128", map[string]string{
			"http://[::1]/":     "DIRECT",
			"http://127.0.0.1/": proxied,
		}},
		{"IPv6 CIDR", "fefe:13::abc/33", map[string]string{
			"http://[fefe:13::1]/":      "DIRECT",
			"http://[fefe:13:8000::1]/": proxied,
		}},
		{"later rules win: loopback re-added", "<-loopback>;127.0.0.1", map[string]string{
			"http://127.0.0.1/": "DIRECT",
			"http://127.0.0.2/": proxied,
		}},
		{"later rules win: loopback removed", "127.0.0.1;<-loopback>", map[string]string{
			"http://127.0.0.1/": proxied,
		}},
		{"star bypasses everything", "*", map[string]string{
			"http://example.com/": "DIRECT",
			"http://10.0.0.1/":    "DIRECT",
		}},
		{"several rules with spaces", " *.a.com , b.com ;c.com", map[string]string{
			"http://x.a.com/": "DIRECT",
			"http://b.com/":   "DIRECT",
			"http://c.com/":   "DIRECT",
			"http://d.com/":   proxied,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := NewResolver(Config{ProxyRules: "p:1", ProxyBypassRules: tt.bypass}, noEnv)
			require.NoError(t, err)
			require.Equal(t, ModeFixedServers, r.Mode())
			for u, want := range tt.want {
				require.Equal(t, want, resolveList(t, r, u), u)
			}
		})
	}
}

func TestProxyBypassRulesInvalid(t *testing.T) {
	tests := []struct {
		name    string
		bypass  string
		message string
	}{
		{"empty scheme", "://example.com", "empty scheme"},
		{"scheme without host", "http://", "no host"},
		{"prefix too long", "10.0.0.0/33", "bad prefix length"},
		{"prefix not a number", "10.0.0.0/abc", "bad prefix length"},
		{"CIDR of a name", "example.com/8", "not an IP address"},
		{"port too large", "example.com:99999", "bad port"},
		{"port not a number", "example.com:http", "bad port"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewResolver(Config{ProxyRules: "p:1", ProxyBypassRules: tt.bypass}, noEnv)
			require.Error(t, err)
			require.Contains(t, err.Error(), tt.message)
			require.Contains(t, err.Error(), "proxyBypassRules")
		})
	}
}

func TestProxySystemEnvironment(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want map[string]string
	}{
		{"nothing set is direct", nil, map[string]string{
			"http://example.com/": "DIRECT",
		}},
		{"HTTP_PROXY for http only", map[string]string{"HTTP_PROXY": "proxy:3128"}, map[string]string{
			"http://example.com/":  "PROXY proxy:3128",
			"ws://example.com/":    "PROXY proxy:3128",
			"https://example.com/": "DIRECT",
		}},
		{"lower case names", map[string]string{"http_proxy": "http://p:1", "https_proxy": "http://q:2"}, map[string]string{
			"http://example.com/":  "PROXY p:1",
			"https://example.com/": "PROXY q:2",
			"wss://example.com/":   "PROXY q:2",
		}},
		{"upper case wins", map[string]string{"HTTP_PROXY": "upper:1", "http_proxy": "lower:2"}, map[string]string{
			"http://example.com/": "PROXY upper:1",
		}},
		{"HTTPS proxy by scheme and default port", map[string]string{"HTTPS_PROXY": "https://sec"}, map[string]string{
			"https://example.com/": "HTTPS sec:443",
		}},
		{"default port 80 with a trailing slash and credentials", map[string]string{"HTTP_PROXY": "http://user:pass@proxy/"}, map[string]string{
			"http://example.com/": "PROXY proxy:80",
		}},
		{"ALL_PROXY is the fallback", map[string]string{"ALL_PROXY": "socks5://s:1080", "HTTP_PROXY": "h:1"}, map[string]string{
			"http://example.com/":  "PROXY h:1",
			"https://example.com/": "SOCKS5 s:1080",
		}},
		{"socks schemes", map[string]string{"all_proxy": "socks5h://s", "https_proxy": "socks4a://t:9"}, map[string]string{
			"http://example.com/":  "SOCKS5 s:1080",
			"https://example.com/": "SOCKS t:9",
		}},
		{"malformed values are ignored", map[string]string{"HTTP_PROXY": "http://[bad", "HTTPS_PROXY": "gopher://g:1"}, map[string]string{
			"http://example.com/":  "DIRECT",
			"https://example.com/": "DIRECT",
		}},
		{"loopback is never proxied", map[string]string{"HTTP_PROXY": "p:1"}, map[string]string{
			"http://localhost:8080/": "DIRECT",
			"http://127.0.0.1/":      "DIRECT",
			"http://[::1]/":          "DIRECT",
		}},
		{"NO_PROXY star", map[string]string{"HTTP_PROXY": "p:1", "NO_PROXY": "*"}, map[string]string{
			"http://example.com/": "DIRECT",
		}},
		{"NO_PROXY domain and subdomains", map[string]string{"HTTP_PROXY": "p:1", "NO_PROXY": "example.com"}, map[string]string{
			"http://example.com/":     "DIRECT",
			"http://www.example.com/": "DIRECT",
			"http://notexample.com/":  "PROXY p:1",
		}},
		{"NO_PROXY leading dot is subdomains only", map[string]string{"HTTP_PROXY": "p:1", "no_proxy": ".example.com"}, map[string]string{
			"http://www.example.com/": "DIRECT",
			"http://example.com/":     "PROXY p:1",
		}},
		{"NO_PROXY star dot", map[string]string{"HTTP_PROXY": "p:1", "NO_PROXY": "*.example.com"}, map[string]string{
			"http://a.example.com/": "DIRECT",
			"http://example.com/":   "PROXY p:1",
		}},
		{"NO_PROXY port", map[string]string{"HTTP_PROXY": "p:1", "NO_PROXY": "example.com:8080"}, map[string]string{
			"http://example.com:8080/": "DIRECT",
			"http://example.com/":      "PROXY p:1",
		}},
		{"NO_PROXY CIDR and addresses", map[string]string{"HTTP_PROXY": "p:1", "NO_PROXY": "10.0.0.0/8, 192.168.0.1, [2001:db8::1]:81"}, map[string]string{
			"http://10.20.30.40/":      "DIRECT",
			"http://11.0.0.1/":         "PROXY p:1",
			"http://192.168.0.1/":      "DIRECT",
			"http://192.168.0.2/":      "PROXY p:1",
			"http://[2001:db8::1]:81/": "DIRECT",
			"http://[2001:db8::1]/":    "PROXY p:1",
		}},
		{"NO_PROXY ignores junk entries", map[string]string{"HTTP_PROXY": "p:1", "NO_PROXY": ",,:80, b.com"}, map[string]string{
			"http://b.com/": "DIRECT",
			"http://c.com/": "PROXY p:1",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := func(k string) string { return tt.env[k] }
			r, err := NewResolver(Config{Mode: ModeSystem}, env)
			require.NoError(t, err)
			for u, want := range tt.want {
				require.Equal(t, want, resolveList(t, r, u), u)
			}
		})
	}
}

func TestProxySystemHonoursNoLoopback(t *testing.T) {
	env := func(k string) string { return map[string]string{"HTTP_PROXY": "p:1"}[k] }
	r, err := NewResolver(Config{Mode: ModeSystem, ProxyBypassRules: "<-loopback>"}, env)
	require.NoError(t, err)
	require.Equal(t, "PROXY p:1", resolveList(t, r, "http://127.0.0.1:9/"))
}

func TestProxyModes(t *testing.T) {
	tests := []struct {
		name     string
		cfg      Config
		wantMode string
		want     string // for http://example.com/
	}{
		{"direct ignores the rules", Config{Mode: "direct", ProxyRules: "p:1"}, ModeDirect, "DIRECT"},
		{"auto_detect answers DIRECT", Config{Mode: "auto_detect"}, ModeAutoDetect, "DIRECT"},
		{"empty mode with rules is fixed_servers", Config{ProxyRules: "p:1"}, ModeFixedServers, "PROXY p:1"},
		{"empty config is direct", Config{}, ModeFixedServers, "DIRECT"},
		{"empty mode with a script is pac_script", Config{PACScript: "data:,function FindProxyForURL(u,h){return 'PROXY pac:1'}"}, ModePACScript, "PROXY pac:1"},
		{"system reads the environment", Config{Mode: "system"}, ModeSystem, "PROXY env:1"},
	}
	env := func(k string) string { return map[string]string{"HTTP_PROXY": "env:1"}[k] }
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := NewResolver(tt.cfg, env)
			require.NoError(t, err)
			require.Equal(t, tt.wantMode, r.Mode())
			require.Equal(t, tt.want, resolveList(t, r, "http://example.com/"))
		})
	}
}

func TestProxyConfigInvalid(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		message string
	}{
		{"unknown mode", Config{Mode: "manual"}, "proxy mode \"manual\""},
		{"pac_script without a URL", Config{Mode: "pac_script"}, "needs pacScript"},
		{"PAC URL of another scheme", Config{PACScript: "ftp://x/proxy.pac"}, "scheme must be"},
		{"PAC URL that is no URL", Config{PACScript: "proxy.pac"}, "not a URL"},
		{"http PAC URL without a fetcher", Config{PACScript: "http://wpad.example/wpad.dat"}, "need a fetcher"},
		{"data URL without a comma", Config{PACScript: "data:text/plain"}, "comma"},
		{"data URL with bad base64", Config{PACScript: "data:;base64,!!!"}, "base64"},
		{"remote file URL", Config{PACScript: "file://server/share/proxy.pac"}, "not a local file"},
		{"bad bypass rules in pac mode", Config{PACScript: "data:,x", ProxyBypassRules: "a:b:c"}, "proxyBypassRules"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewResolver(tt.cfg, noEnv)
			require.Error(t, err)
			require.Contains(t, err.Error(), tt.message)
		})
	}
}

func TestProxyResolveWithoutHost(t *testing.T) {
	r, err := NewResolver(Config{ProxyRules: "p:1"}, noEnv)
	require.NoError(t, err)
	require.Equal(t, "DIRECT", resolveList(t, r, "data:text/plain,hi"))
	_, err = r.Resolve(context.Background(), nil)
	require.Equal(t, neterr.InvalidArgument, neterr.NameOf(err))
}

func TestProxyResolveReturnsACopy(t *testing.T) {
	r, err := NewResolver(Config{ProxyRules: "a:1,b:2"}, noEnv)
	require.NoError(t, err)
	list, err := r.Resolve(context.Background(), testkit.MustURL(t, "http://example.com/"))
	require.NoError(t, err)
	list[0].Host = "changed"
	require.Equal(t, "PROXY a:1;PROXY b:2", resolveList(t, r, "http://example.com/"))
}

func TestParseIPv4Loose(t *testing.T) {
	tests := []struct {
		in   string
		want string // "" when not an address
	}{
		{"127.0.0.1", "127.0.0.1"},
		{"127.1", "127.0.0.1"},
		{"10.1", "10.0.0.1"},
		{"1.2.65535", "1.2.255.255"},
		{"2130706433", "127.0.0.1"},
		{"0x7f.1", "127.0.0.1"},
		{"0177.0.0.1", "127.0.0.1"},
		{"127.0.0.1.", "127.0.0.1"},
		{"0x", "0.0.0.0"},
		{"256.0.0.1", ""},
		{"1.2.3.4.5", ""},
		{"1.2.65536", ""},
		{"example.com", ""},
		{"1.2.3.com", ""},
		{"08", ""},
		{"", ""},
		{"..", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			ip, ok := parseIPv4Loose(tt.in)
			if tt.want == "" {
				require.False(t, ok, ip.String())
				return
			}
			require.True(t, ok)
			require.Equal(t, tt.want, ip.String())
		})
	}
}

func TestGlobMatch(t *testing.T) {
	tests := []struct {
		s, pattern string
		optionalQ  bool
		want       bool
	}{
		{"abc", "abc", false, true},
		{"abc", "a*", false, true},
		{"abc", "*c", false, true},
		{"abc", "*", false, true},
		{"", "*", false, true},
		{"abc", "a?c", false, true},
		{"ac", "a?c", false, false},
		{"ac", "a?c", true, true},
		{"abbc", "a?c", true, false},
		{"a*c", `a\*c`, false, true},
		{"abc", `a\*c`, false, false},
		{"http://x/ari/y", "*/ari/*", false, true},
		{"abc", "abd", false, false},
		{"aaaaaaaaaaaaaaaaaaaaaaaaaaaaab", "*a*a*a*a*a*a*a*c", false, false},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, globMatch(tt.s, tt.pattern, tt.optionalQ), "%q ~ %q", tt.s, tt.pattern)
	}
}
