package proxy

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dop251/goja"
	"github.com/go-net-request/go-net-request/gocore/neterr"
	"github.com/go-net-request/go-net-request/internal/testkit"
	"github.com/stretchr/testify/require"
)

// pacNow is the PAC tests' clock: Wednesday 12 March 2025, 10:30:15 UTC.
var pacNow = time.Date(2025, time.March, 12, 10, 30, 15, 0, time.UTC)

// withPACClock fixes the time the PAC date helpers see.
func withPACClock(now time.Time) Option {
	return func(o *proxyOptions) { o.now = func() time.Time { return now } }
}

// withPACLocalAddrs fixes the addresses myIpAddress chooses from.
func withPACLocalAddrs(addrs ...string) Option {
	return func(o *proxyOptions) {
		o.localAddrs = func() []netip.Addr {
			var out []netip.Addr
			for _, a := range addrs {
				out = append(out, netip.MustParseAddr(a))
			}
			return out
		}
	}
}

// noPACDNS is a lookup hook that fails the test: PAC tests use only names
// answered without DNS (IP literals, localhost, *.invalid).
func noPACDNS(t *testing.T) Option {
	return WithPACLookup(func(ctx context.Context, host string) ([]netip.Addr, error) {
		t.Errorf("unexpected DNS lookup of %q", host)
		return nil, errors.New("no DNS in tests")
	})
}

// pacDataURL is script as a data: URL.
func pacDataURL(script string) string {
	return "data:application/x-ns-proxy-autoconfig;base64," + base64.StdEncoding.EncodeToString([]byte(script))
}

// newPACResolver is a pac_script resolver for script with the test clock,
// local addresses and no DNS.
func newPACResolver(t *testing.T, script string, opts ...Option) *Resolver {
	t.Helper()
	all := append([]Option{withPACClock(pacNow), withPACLocalAddrs("192.0.2.7", "2001:db8::7"), noPACDNS(t)}, opts...)
	r, err := NewResolver(Config{Mode: ModePACScript, PACScript: pacDataURL(script)}, noEnv, all...)
	require.NoError(t, err)
	return r
}

// requirePACError resolves rawURL, expects DIRECT with a PACError whose
// message holds want, and returns the error.
func requirePACError(t *testing.T, r *Resolver, rawURL, want string) *PACError {
	t.Helper()
	list, err := r.Resolve(context.Background(), testkit.MustURL(t, rawURL))
	var pe *PACError
	require.ErrorAs(t, err, &pe)
	require.Contains(t, pe.Error(), want)
	require.Equal(t, "DIRECT", FormatList(list), "Chromium falls back to DIRECT")
	return pe
}

// pacEveryHelper calls every helper on the way to its answer.
const pacEveryHelper = `
function FindProxyForURL(url, host) {
  alert("resolving " + url);
  if (url == "https://secret.test/") return "PROXY stripped:1";
  if (isInNetEx(host, "2001:db8::/32")) return "SOCKS v6:1080";
  if (isPlainHostName(host) || localHostOrDomainIs(host, "intranet.corp.test")) return "DIRECT";
  if (dnsDomainIs(host, ".corp.test") && dnsDomainLevels(host) > 2) return "PROXY corp-deep:3128";
  if (shExpMatch(url, "http://*.images.invalid/*.png")) return "PROXY images:8080; DIRECT";
  if (isResolvable(host) && isInNet(host, "10.0.0.0", "255.0.0.0")) return "SOCKS5 socks10:1080";
  if (isInNet(dnsResolve(host), "192.168.0.0", "255.255.0.0")) return "HTTPS sec:8443";
  if (!isResolvable(host) && !isResolvableEx(host)) return "PROXY unresolvable:3128";
  if (dnsResolveEx(host) != host) return "PROXY wrong-dnsResolveEx:1";
  if (myIpAddress() != "192.0.2.7" || convert_addr(myIpAddress()) != convert_addr("192.0.2.7")) return "PROXY wrong-myIpAddress:1";
  if (myIpAddressEx() != "192.0.2.7;2001:db8::7") return "PROXY wrong-myIpAddressEx:1";
  if (sortIpAddressList("10.0.0.2;::1;10.0.0.1") != "::1;10.0.0.1;10.0.0.2") return "PROXY wrong-sort:1";
  if (getClientVersion() != "1.0") return "PROXY wrong-version:1";
  if (weekdayRange("MON", "FRI", "GMT") && timeRange(9, 17, "GMT") && dateRange("JAN", "JUN", "GMT"))
    return "PROXY office-hours:80";
  return "PROXY after-hours:80";
}
`

func TestPACEveryHelper(t *testing.T) {
	r := newPACResolver(t, pacEveryHelper)
	tests := []struct {
		url  string
		want string
	}{
		{"http://printer/status", "DIRECT"},
		{"http://intranet/", "DIRECT"},
		{"http://a.b.corp.test/", "PROXY corp-deep:3128"},
		{"http://cdn.images.invalid/x/logo.png", "PROXY images:8080;DIRECT"},
		{"http://cdn.images.invalid/x/logo.gif", "PROXY unresolvable:3128"},
		{"http://10.1.2.3/", "SOCKS5 socks10:1080"},
		{"https://192.168.4.4/", "HTTPS sec:8443"},
		{"http://[2001:db8::1]/", "SOCKS v6:1080"},
		{"http://nowhere.invalid/", "PROXY unresolvable:3128"},
		{"http://203.0.113.9/", "PROXY office-hours:80"},
		{"https://user:pw@secret.test:443/path?q=1#frag", "PROXY stripped:1"},
		{"http://localhost/", "DIRECT"}, // implicit loopback bypass: the script is not asked
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			require.Equal(t, tt.want, resolveList(t, r, tt.url))
		})
	}

	afterHours := newPACResolver(t, pacEveryHelper, withPACClock(time.Date(2025, time.March, 15, 22, 0, 0, 0, time.UTC)))
	require.Equal(t, "PROXY after-hours:80", resolveList(t, afterHours, "http://203.0.113.9/"))
}

// pacEval evaluates a JS expression in r's PAC runtime and returns it as a string.
func pacEval(t *testing.T, r *Resolver, expr string) string {
	t.Helper()
	e, err := r.pac.get(context.Background())
	require.NoError(t, err)
	require.NoError(t, e.acquire(context.Background()))
	defer e.release()
	v, err := e.run(context.Background(), func() (goja.Value, error) { return e.vm.RunString("String(" + expr + ")") })
	require.NoError(t, err, expr)
	return v.String()
}

func TestPACHelpers(t *testing.T) {
	r := newPACResolver(t, "function FindProxyForURL(u, h) { return 'DIRECT' }")
	tests := []struct {
		expr string
		want string
	}{
		{`isPlainHostName("www")`, "true"},
		{`isPlainHostName("www.netscape.com")`, "false"},
		{`dnsDomainIs("www.netscape.com", ".netscape.com")`, "true"},
		{`dnsDomainIs("www", ".netscape.com")`, "false"},
		{`dnsDomainIs("www.mcom.com", ".netscape.com")`, "false"},
		{`localHostOrDomainIs("www.netscape.com", "www.netscape.com")`, "true"},
		{`localHostOrDomainIs("www", "www.netscape.com")`, "true"},
		{`localHostOrDomainIs("www.mcom.com", "www.netscape.com")`, "false"},
		{`localHostOrDomainIs("home.netscape.com", "www.netscape.com")`, "false"},
		{`isResolvable("127.0.0.1")`, "true"},
		{`isResolvable("localhost")`, "true"},
		{`isResolvable("x.invalid")`, "false"},
		{`isResolvable("::1")`, "false"}, // IPv4 only, as dnsResolve
		{`dnsResolve("localhost")`, "127.0.0.1"},
		{`dnsResolve("10.0.0.1")`, "10.0.0.1"},
		{`dnsResolve("x.invalid")`, "null"},
		{`dnsResolve("::1")`, "null"},
		{`isInNet("10.1.2.3", "10.0.0.0", "255.0.0.0")`, "true"},
		{`isInNet("11.1.2.3", "10.0.0.0", "255.0.0.0")`, "false"},
		{`isInNet("198.95.249.79", "198.95.249.79", "255.255.255.255")`, "true"},
		{`isInNet("localhost", "127.0.0.0", "255.0.0.0")`, "true"},
		{`isInNet("x.invalid", "0.0.0.0", "0.0.0.0")`, "false"},
		{`isInNet("300.1.1.1", "0.0.0.0", "0.0.0.0")`, "false"},
		{`convert_addr("104.16.41.2")`, "1745889538"},
		{`convert_addr("192.168.0.1")`, "-1062731775"},
		{`convert_addr("1.2")`, "16908288"},
		{`myIpAddress()`, "192.0.2.7"},
		{`myIpAddressEx()`, "192.0.2.7;2001:db8::7"},
		{`dnsDomainLevels("www.netscape.com")`, "2"},
		{`dnsDomainLevels("www")`, "0"},
		{`shExpMatch("http://home.netscape.com/people/ari/index.html", "*/ari/*")`, "true"},
		{`shExpMatch("http://home.netscape.com/people/montulli/index.html", "*/ari/*")`, "false"},
		{`shExpMatch("a.b", "a?b")`, "true"},
		{`shExpMatch("ab", "a?b")`, "false"},
		{`shExpMatch("axb", "a.b")`, "false"},
		{`shExpMatch("a+b(c)", "a+b(c)")`, "true"},
		{`weekdayRange("WED", "GMT")`, "true"},
		{`weekdayRange("MON", "FRI", "GMT")`, "true"},
		{`weekdayRange("SAT", "GMT")`, "false"},
		{`weekdayRange("FRI", "MON", "GMT")`, "false"},
		{`weekdayRange("SUN", "WED", "GMT")`, "true"},
		{`weekdayRange("TUE", "SUN", "GMT")`, "true"},
		{`weekdayRange("XYZ", "GMT")`, "false"},
		{`weekdayRange()`, "false"},
		{`dateRange(12, "GMT")`, "true"},
		{`dateRange(13, "GMT")`, "false"},
		{`dateRange(1, 15, "GMT")`, "true"},
		{`dateRange("MAR", "GMT")`, "true"},
		{`dateRange("APR", "GMT")`, "false"},
		{`dateRange(2025, "GMT")`, "true"},
		{`dateRange(2024, 2026, "GMT")`, "true"},
		{`dateRange("JAN", "MAR", "GMT")`, "true"},
		{`dateRange("NOV", "FEB", "GMT")`, "false"},
		{`dateRange("DEC", "APR", "GMT")`, "true"},
		{`dateRange(1, "MAR", 12, "MAR", "GMT")`, "true"},
		{`dateRange(13, "MAR", 1, "APR", "GMT")`, "false"},
		{`dateRange("FEB", 2025, "MAR", 2025, "GMT")`, "true"},
		{`dateRange("FEB", 2025, "FEB", 2025, "GMT")`, "false"},
		{`dateRange(1, "MAR", 2025, 31, "MAR", 2025, "GMT")`, "true"},
		{`dateRange(1, "MAR", 2024, 31, "MAR", 2024, "GMT")`, "false"},
		{`dateRange(1, "MAR", "MAR", 2, "GMT")`, "false"}, // mismatched halves
		{`dateRange("FOO", "GMT")`, "false"},
		{`timeRange(10, "GMT")`, "true"},
		{`timeRange(11, "GMT")`, "false"},
		{`timeRange(9, 17, "GMT")`, "true"},
		{`timeRange(22, 6, "GMT")`, "false"},
		{`timeRange(6, 10, "GMT")`, "true"},
		{`timeRange(10, 30, 10, 30, "GMT")`, "true"},
		{`timeRange(10, 31, 11, 0, "GMT")`, "false"},
		{`timeRange(10, 30, 0, 10, 30, 14, "GMT")`, "false"},
		{`timeRange(10, 30, 0, 10, 30, 15, "GMT")`, "true"},
		{`timeRange(1, 2, 3)`, "false"},
		{`timeRange("x", "GMT")`, "false"},
		{`isResolvableEx("::1")`, "true"},
		{`isResolvableEx("x.invalid")`, "false"},
		{`dnsResolveEx("localhost")`, "127.0.0.1;::1"},
		{`dnsResolveEx("x.invalid")`, ""},
		{`isInNetEx("198.95.249.79", "198.95.249.79/32")`, "true"},
		{`isInNetEx("198.95.6.8", "198.95.0.0/16")`, "true"},
		{`isInNetEx("198.96.6.8", "198.95.0.0/16")`, "false"},
		{`isInNetEx("3ffe:8311:ffff::1", "3ffe:8311:ffff::/48")`, "true"},
		{`isInNetEx("1.2.3.4", "bad")`, "false"},
		{`isInNetEx("localhost", "127.0.0.0/8")`, "false"}, // a literal only
		{`sortIpAddressList("10.2.3.9;2001:4898:28:3:201:2ff:feea:fc14;::1;127.0.0.1;::9")`, "::1;::9;2001:4898:28:3:201:2ff:feea:fc14;10.2.3.9;127.0.0.1"},
		{`sortIpAddressList("")`, "false"},
		{`sortIpAddressList("1.2.3.4;bad")`, "false"},
		{`getClientVersion()`, "1.0"},
		{`alert("hi")`, "undefined"},
		{`new Date().getUTCHours()`, "10"}, // JS Date shares the helpers' clock
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			require.Equal(t, tt.want, pacEval(t, r, tt.expr))
		})
	}
}

func TestPACDateHelpersUseLocalTimeWithoutGMT(t *testing.T) {
	r := newPACResolver(t, "function FindProxyForURL(u, h) { return 'DIRECT' }")
	local := pacNow.Local()
	require.Equal(t, "true", pacEval(t, r, fmt.Sprintf("timeRange(%d)", local.Hour())))
	require.Equal(t, "true", pacEval(t, r, fmt.Sprintf("dateRange(%d)", local.Day())))
	require.Equal(t, "true", pacEval(t, r, fmt.Sprintf("weekdayRange(%q)", pacWeekdays[local.Weekday()])))
}

func TestPACTimeoutInterruptsARunawayScript(t *testing.T) {
	r := newPACResolver(t, `
function FindProxyForURL(url, host) {
  if (host == "loop.test") { while (true) {} }
  return "PROXY ok:1";
}`)
	start := time.Now()
	requirePACError(t, r, "http://loop.test/", "ran longer than 1s")
	elapsed := time.Since(start)
	require.GreaterOrEqual(t, elapsed, 900*time.Millisecond)
	require.Less(t, elapsed, 2*time.Second)

	require.Equal(t, "PROXY ok:1", resolveList(t, r, "http://fine.test/"), "the engine still works after an interrupt")
	requirePACError(t, r, "http://loop.test/", "ran longer")
	require.Equal(t, "PROXY ok:1", resolveList(t, r, "http://fine.test/"))
}

func TestPACTimeoutOfTheTopLevel(t *testing.T) {
	r := newPACResolver(t, "while (true) {}\nfunction FindProxyForURL(u, h) { return 'PROXY p:1' }", WithPACTimeout(100*time.Millisecond))
	start := time.Now()
	requirePACError(t, r, "http://example.com/", "running the script: the script ran longer than 100ms")
	require.Less(t, time.Since(start), time.Second)
}

func TestPACCancelledResolveReportsTheCause(t *testing.T) {
	r := newPACResolver(t, "function FindProxyForURL(u, h) { while (true) {} }", WithPACTimeout(10*time.Second))
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	list, err := r.Resolve(ctx, testkit.MustURL(t, "http://example.com/"))
	require.Nil(t, list)
	require.Equal(t, neterr.Aborted, neterr.NameOf(err))
	require.Less(t, time.Since(start), 2*time.Second)
}

func TestPACMalformedResults(t *testing.T) {
	tests := []struct {
		name   string
		script string
		want   string // the PACError's message holds this
	}{
		{"empty string", "function FindProxyForURL(u, h) { return '' }", "empty result"},
		{"unknown keyword", "function FindProxyForURL(u, h) { return 'BOGUS a:1' }", "unknown proxy type"},
		{"proxy without host", "function FindProxyForURL(u, h) { return 'PROXY' }", "want one host"},
		{"bad port", "function FindProxyForURL(u, h) { return 'PROXY a:99999' }", "bad port"},
		{"direct with host", "function FindProxyForURL(u, h) { return 'DIRECT a:1' }", "DIRECT takes no host"},
		{"quic", "function FindProxyForURL(u, h) { return 'QUIC q:443' }", "QUIC"},
		{"not a string", "function FindProxyForURL(u, h) { return 42 }", "returned 42, not a string"},
		{"undefined", "function FindProxyForURL(u, h) { }", "returned undefined, not a string"},
		{"throws", "function FindProxyForURL(u, h) { throw new Error('boom') }", "boom"},
		{"reference error", "function FindProxyForURL(u, h) { return nosuchfunction(h) }", "nosuchfunction"},
		{"syntax error", "function FindProxyForURL(u, h) { return 'DIRECT' ", "compiling"},
		{"no entry point", "var x = 1;", "defines no FindProxyForURL"},
		{"deep recursion", "function f(n) { return f(n + 1) } function FindProxyForURL(u, h) { return f(0) }", "PAC script"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newPACResolver(t, tt.script)
			requirePACError(t, r, "http://example.com/", tt.want)
		})
	}
}

func TestPACResultKeepsTheValidElements(t *testing.T) {
	r := newPACResolver(t, "function FindProxyForURL(u, h) { return 'FOO x; proxy a:1;;SOCKS b; socks5 [::1]:9 ; Https c; direct' }")
	require.Equal(t, "PROXY a:1;SOCKS b:1080;SOCKS5 [::1]:9;HTTPS c:443;DIRECT", resolveList(t, r, "http://example.com/"))
}

func TestParsePACResult(t *testing.T) {
	tests := []struct {
		in      string
		want    string // FormatList of the valid elements
		wantErr bool
	}{
		{"DIRECT", "DIRECT", false},
		{"PROXY a:1; SOCKS5 b:2; DIRECT", "PROXY a:1;SOCKS5 b:2;DIRECT", false},
		{"PROXY a", "PROXY a:80", false},
		{"HTTPS a", "HTTPS a:443", false},
		{"SOCKS a", "SOCKS a:1080", false},
		{"SOCKS4 a:5", "SOCKS a:5", false},
		{"SOCKS5 a", "SOCKS5 a:1080", false},
		{"  proxy   A:1  ", "PROXY a:1", false},
		{"PROXY [2001:db8::1]:8080", "PROXY [2001:db8::1]:8080", false},
		{"", "DIRECT", true},
		{" ; ; ", "DIRECT", true},
		{"PROXY a:1 b:2", "DIRECT", true},
		{"PROXY a:1; NOPE", "PROXY a:1", true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			list, err := parsePACResult(tt.in)
			require.Equal(t, tt.wantErr, err != nil, "%v", err)
			require.Equal(t, tt.want, FormatList(list))
		})
	}
}

func TestPACURLsGivenToTheScript(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{"http://Example.COM/a/b?c=d#frag", "http://example.com/a/b?c=d"},
		{"http://user:pw@example.com:8080/x", "http://example.com:8080/x"},
		{"http://example.com:80/x", "http://example.com/x"},
		{"http://example.com", "http://example.com/"},
		{"https://user:pw@example.com:443/secret?token=1#f", "https://example.com/"},
		{"https://example.com:8443/secret", "https://example.com:8443/"},
		{"wss://example.com/socket?x", "wss://example.com/"},
		{"ws://example.com/socket?x", "ws://example.com/socket?x"},
		{"http://[2001:DB8::1]:81/", "http://[2001:db8::1]:81/"},
		{"http://127.1/", "http://127.0.0.1/"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			u := testkit.MustURL(t, tt.in)
			require.Equal(t, tt.want, pacURL(u, newProxyTarget(u)))
		})
	}
}

func TestPACArguments(t *testing.T) {
	r := newPACResolver(t, `
function FindProxyForURL(url, host) {
  return host == "2001:db8::1" ? "PROXY v6:1" : "PROXY " + host + ":1";
}`)
	require.Equal(t, "PROXY example.com:1", resolveList(t, r, "http://EXAMPLE.com:8080/"))
	require.Equal(t, "PROXY 10.0.0.1:1", resolveList(t, r, "http://10.1/"), "hosts arrive canonical")
	require.Equal(t, "PROXY v6:1", resolveList(t, r, "http://[2001:db8::1]/"), "IPv6 hosts arrive without brackets")
}

func TestPACFindProxyForURLExIsPreferred(t *testing.T) {
	r := newPACResolver(t, `
function FindProxyForURL(u, h) { return "PROXY plain:1" }
function FindProxyForURLEx(u, h) { return "PROXY ex:1" }`)
	require.Equal(t, "PROXY ex:1", resolveList(t, r, "http://example.com/"))
}

func TestPACLoopbackIsProxiedOnlyWithNoLoopback(t *testing.T) {
	script := "function FindProxyForURL(u, h) { return 'PROXY p:1' }"
	r := newPACResolver(t, script)
	require.Equal(t, "DIRECT", resolveList(t, r, "http://127.0.0.1:8080/"))
	require.Equal(t, "DIRECT", resolveList(t, r, "http://localhost/"))

	r, err := NewResolver(Config{PACScript: pacDataURL(script), ProxyBypassRules: "<-loopback>"}, noEnv, noPACDNS(t))
	require.NoError(t, err)
	require.Equal(t, "PROXY p:1", resolveList(t, r, "http://127.0.0.1:8080/"))
	require.Equal(t, "PROXY p:1", resolveList(t, r, "http://[::1]/"))
}

func TestPACDataURLForms(t *testing.T) {
	tests := []struct {
		name string
		url  string
	}{
		{"base64", pacDataURL("function FindProxyForURL(u, h) { return 'PROXY d:1' }")},
		{"base64 without padding", "data:;base64," + base64.RawStdEncoding.EncodeToString([]byte("function FindProxyForURL(u, h) { return 'PROXY d:1' }"))},
		{"percent-encoded", "data:application/x-ns-proxy-autoconfig," + url.PathEscape("function FindProxyForURL(u, h) { return 'PROXY d:1' }")},
		{"plain text", "data:,function FindProxyForURL(u, h) { return 'PROXY d:1' }"},
		{"byte order mark", pacDataURL("\uFEFFfunction FindProxyForURL(u, h) { return 'PROXY d:1' }")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := NewResolver(Config{PACScript: tt.url}, noEnv)
			require.NoError(t, err)
			require.Equal(t, "PROXY d:1", resolveList(t, r, "http://example.com/"))
		})
	}
}

// fileURL is the file: URL of a local path, file:///C:/dir/x on Windows.
func fileURL(path string) string {
	slashed := filepath.ToSlash(path)
	if !strings.HasPrefix(slashed, "/") {
		slashed = "/" + slashed
	}
	return (&url.URL{Scheme: "file", Path: slashed}).String()
}

func TestPACFromAFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "proxy.pac")
	require.NoError(t, os.WriteFile(path, []byte("function FindProxyForURL(u, h) { return 'PROXY file:1' }"), 0o600))
	r, err := NewResolver(Config{PACScript: fileURL(path)}, noEnv)
	require.NoError(t, err)
	require.Equal(t, "PROXY file:1", resolveList(t, r, "http://example.com/"))

	missing, err := NewResolver(Config{PACScript: fileURL(filepath.Join(t.TempDir(), "none.pac"))}, noEnv)
	require.NoError(t, err, "the file is read on first use")
	requirePACError(t, missing, "http://example.com/", "none.pac")
}

func TestPACFetchedOnceAndCompiledOnce(t *testing.T) {
	var fetches atomic.Int32
	fetch := func(ctx context.Context, u string) (string, error) {
		fetches.Add(1)
		if u != "https://wpad.example/proxy.pac" {
			t.Errorf("fetched %q", u)
		}
		time.Sleep(20 * time.Millisecond) // let concurrent resolves pile up on the load
		return "var calls = 0; function FindProxyForURL(u, h) { calls++; return 'PROXY fetched:1' }", nil
	}
	r, err := NewResolver(Config{PACScript: "https://wpad.example/proxy.pac"}, noEnv, WithPACFetch(fetch))
	require.NoError(t, err)

	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			list, err := r.Resolve(context.Background(), &url.URL{Scheme: "http", Host: fmt.Sprintf("host%d.example", i), Path: "/"})
			if err != nil {
				t.Error(err)
			} else if got := FormatList(list); got != "PROXY fetched:1" {
				t.Errorf("got %q", got)
			}
		}()
	}
	wg.Wait()
	require.Equal(t, int32(1), fetches.Load())
	require.Equal(t, "20", pacEval(t, r, "calls"), "one runtime keeps the script's state")
}

func TestPACFetchFailureFallsBackToDirectAndIsRemembered(t *testing.T) {
	var fetches atomic.Int32
	fetch := func(ctx context.Context, u string) (string, error) {
		fetches.Add(1)
		return "", neterr.New(neterr.ConnectionRefused, nil)
	}
	r, err := NewResolver(Config{PACScript: "http://wpad.example/wpad.dat"}, noEnv, WithPACFetch(fetch))
	require.NoError(t, err)
	pe := requirePACError(t, r, "http://example.com/", "fetching: net::ERR_CONNECTION_REFUSED")
	require.Equal(t, "http://wpad.example/wpad.dat", pe.URL)
	requirePACError(t, r, "http://example.com/", "ERR_CONNECTION_REFUSED")
	require.Equal(t, int32(1), fetches.Load(), "a failed load is retried only after pacRetryDelay")
}

func TestPACConcurrentResolves(t *testing.T) {
	r := newPACResolver(t, `
function FindProxyForURL(url, host) {
  var n = 0;
  for (var i = 0; i < 1000; i++) { n += i; }
  return "PROXY " + host + ":" + (n % 1000 + 1);
}`)
	var wg sync.WaitGroup
	for i := 0; i < 32; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 10; j++ {
				host := fmt.Sprintf("h%d-%d.example", i, j)
				list, err := r.Resolve(context.Background(), &url.URL{Scheme: "http", Host: host, Path: "/"})
				if err != nil {
					t.Error(err)
					return
				}
				if got := FormatList(list); got != "PROXY "+host+":501" {
					t.Errorf("got %q", got)
				}
			}
		}()
	}
	wg.Wait()
}

func TestPACDNSGoesThroughTheHook(t *testing.T) {
	var asked []string
	var mu sync.Mutex
	lookup := func(ctx context.Context, host string) ([]netip.Addr, error) {
		mu.Lock()
		asked = append(asked, host)
		mu.Unlock()
		if _, ok := ctx.Deadline(); !ok {
			t.Error("lookups are bounded by the PAC timeout")
		}
		if host == "intranet.corp.example" {
			return []netip.Addr{netip.MustParseAddr("2001:db8::5"), netip.MustParseAddr("10.9.8.7")}, nil
		}
		return nil, errors.New("not found")
	}
	r, err := NewResolver(Config{PACScript: pacDataURL(`
function FindProxyForURL(url, host) {
  if (isInNet(host, "10.0.0.0", "255.0.0.0")) return "PROXY inside:1";
  var ip = dnsResolve(host);
  return ip === null ? "PROXY unresolved:2" : "PROXY " + ip + ":2";
}`)}, noEnv, WithPACLookup(lookup))
	require.NoError(t, err)
	require.Equal(t, "PROXY inside:1", resolveList(t, r, "http://intranet.corp.example/"))
	require.Equal(t, "PROXY unresolved:2", resolveList(t, r, "http://other.example/"))
	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, []string{"intranet.corp.example", "other.example", "other.example"}, asked)
}

func TestPACStuckInABuiltInIsAbandonedAndReloaded(t *testing.T) {
	// A backtracking regular expression runs inside a native built-in,
	// which an interrupt cannot stop until it returns (about half a second).
	r := newPACResolver(t, `
function FindProxyForURL(url, host) {
  if (host == "stuck.test") { new RegExp("^(a+)+b(?=c)").test("a".repeat(23)); }
  return "PROXY ok:1";
}`, WithPACTimeout(50*time.Millisecond))
	require.Equal(t, "PROXY ok:1", resolveList(t, r, "http://fine.test/"))
	first, err := r.pac.get(context.Background())
	require.NoError(t, err)

	start := time.Now()
	requirePACError(t, r, "http://stuck.test/", "stuck")
	require.Less(t, time.Since(start), 350*time.Millisecond, "the caller is not held until the built-in returns")

	require.Equal(t, "PROXY ok:1", resolveList(t, r, "http://fine.test/"), "a fresh engine answers")
	second, err := r.pac.get(context.Background())
	require.NoError(t, err)
	require.NotSame(t, first, second)
	require.ErrorIs(t, first.acquire(context.Background()), errPACStuck, "the abandoned engine is never used again")
}
