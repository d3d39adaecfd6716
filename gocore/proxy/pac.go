package proxy

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dop251/goja"
	"github.com/go-net-request/go-net-request/gocore/neterr"
)

// PAC scripts, evaluated for real: the script runs in a goja JavaScript
// runtime with the standard helpers (Netscape's, and Microsoft's "Ex"
// ones that Chromium also offers), written here in Go.
//
// A pacSource loads the script behind the pacScript URL on first use and
// keeps one pacEngine; an engine compiles the script once and runs one
// FindProxyForURL at a time (a goja runtime is not goroutine-safe), each
// run bounded by the PAC timeout:
//
//	not loaded ──first Resolve──> loading ──ok──> ready ──script stuck in a built-in──> abandoned
//	     ^                           │                                                        │
//	     └── next Resolve after ─ failed (DIRECT + PACError)  <──── reload from the URL ──────┘
//	         pacRetryDelay

// PACError says the PAC script could not answer: it could not be loaded,
// did not compile, threw, ran too long or returned nothing usable.
// Resolve pairs it with the DIRECT list Chromium falls back to.
type PACError struct {
	URL string // the pacScript URL (a data: URL cut short)
	Err error
}

func (e *PACError) Error() string { return "PAC script " + e.URL + ": " + e.Err.Error() }

func (e *PACError) Unwrap() error { return e.Err }

// maxPACScript is the largest script loaded (Chromium's PAC fetch limit).
const maxPACScript = 1 << 20

// pacRetryDelay is how long a failed load is remembered before the next
// Resolve tries again (Chromium's first PAC poll delay).
const pacRetryDelay = 4 * time.Second

// pacMaxCallStack bounds JS recursion, so a runaway script fails cleanly.
const pacMaxCallStack = 10000

var (
	errPACInterrupted = errors.New("PAC run interrupted")
	errPACStuck       = errors.New("the script did not stop when interrupted (stuck in a built-in); its engine is abandoned")
)

// pacSource is the script behind one pacScript URL and its engine.
type pacSource struct {
	url    string
	kind   string // "data", "file", "fetch"
	script string // the decoded data: URL
	path   string // the file: URL's path
	opts   *proxyOptions

	mu       sync.Mutex
	engine   *pacEngine    // nil until loaded
	loading  chan struct{} // closed when the load in flight ends; nil when none
	err      error         // the last load failure
	failedAt time.Time
}

// newPACSource checks the pacScript URL: data: and file: URLs are read
// here (the data: one decoded at once), http: and https: ones need a
// fetch hook.
func newPACSource(raw string, o *proxyOptions) (*pacSource, error) {
	if raw == "" {
		return nil, errors.New("proxy mode pac_script needs pacScript (the script's URL)")
	}
	p := &pacSource{url: raw, opts: o}
	scheme, rest, ok := strings.Cut(raw, ":")
	if !ok {
		return nil, fmt.Errorf("pacScript %q is not a URL", raw)
	}
	switch strings.ToLower(scheme) {
	case "data":
		script, err := decodeDataURL(rest)
		if err != nil {
			return nil, fmt.Errorf("pacScript %s: %w", shortURL(raw), err)
		}
		p.kind, p.script = "data", script
	case "file":
		u, err := url.Parse(raw)
		if err != nil || (u.Host != "" && !strings.EqualFold(u.Host, "localhost")) || u.Path == "" {
			return nil, fmt.Errorf("pacScript %q is not a local file: URL", raw)
		}
		p.kind, p.path = "file", localPath(u.Path)
	case "http", "https":
		if _, err := url.Parse(raw); err != nil {
			return nil, fmt.Errorf("pacScript %q: %w", raw, err)
		}
		if o.fetch == nil {
			return nil, fmt.Errorf("pacScript %q: http(s) PAC URLs need a fetcher (WithPACFetch)", raw)
		}
		p.kind = "fetch"
	default:
		return nil, fmt.Errorf("pacScript %q: the scheme must be data, file, http or https", raw)
	}
	return p, nil
}

// decodeDataURL returns the text of a data: URL (what follows "data:").
func decodeDataURL(rest string) (string, error) {
	meta, payload, ok := strings.Cut(rest, ",")
	if !ok {
		return "", errors.New("a data: URL needs a comma before its data")
	}
	body := percentDecode(payload)
	if strings.HasSuffix(strings.ToLower(strings.TrimSpace(meta)), ";base64") {
		clean := strings.Map(func(r rune) rune {
			if r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f' {
				return -1
			}
			return r
		}, body)
		b, err := base64.StdEncoding.DecodeString(clean)
		if err != nil {
			b, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(clean, "="))
		}
		if err != nil {
			return "", fmt.Errorf("bad base64 in the data: URL: %w", err)
		}
		body = string(b)
	}
	if len(body) > maxPACScript {
		return "", fmt.Errorf("the script is larger than %d bytes", maxPACScript)
	}
	return body, nil
}

// percentDecode decodes %XX escapes, leaving malformed ones as they are
// (as the URL standard does).
func percentDecode(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			v, _ := strconv.ParseUint(s[i+1:i+3], 16, 8)
			b.WriteByte(byte(v))
			i += 2
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// shortURL keeps error messages readable when the URL carries the script.
func shortURL(s string) string {
	if len(s) > 60 {
		return s[:60] + "..."
	}
	return s
}

// resolve runs FindProxyForURL for u. See Resolver.Resolve for what
// it returns.
func (p *pacSource) resolve(ctx context.Context, u *url.URL, t proxyTarget) ([]Server, error) {
	direct := []Server{Direct}
	fail := func(err error) ([]Server, error) {
		if ctx.Err() != nil {
			return nil, neterr.Cause(ctx)
		}
		return direct, &PACError{URL: shortURL(p.url), Err: err}
	}
	e, err := p.get(ctx)
	if err != nil {
		return fail(err)
	}
	result, err := e.findProxy(ctx, pacURL(u, t), t.host)
	if err != nil {
		if errors.Is(err, errPACStuck) {
			p.abandon(e)
		}
		return fail(err)
	}
	list, err := parsePACResult(result)
	if len(list) == 0 {
		return fail(err)
	}
	return list, nil // malformed elements beside valid ones are skipped, as Chromium does
}

// get returns the engine, loading the script if needed. Concurrent callers
// share one load; a failed load is remembered for pacRetryDelay.
func (p *pacSource) get(ctx context.Context) (*pacEngine, error) {
	for {
		p.mu.Lock()
		if p.engine != nil {
			e := p.engine
			p.mu.Unlock()
			return e, nil
		}
		if p.loading != nil {
			wait := p.loading
			p.mu.Unlock()
			select {
			case <-wait:
				continue
			case <-ctx.Done():
				return nil, neterr.Cause(ctx)
			}
		}
		if p.err != nil && time.Since(p.failedAt) < pacRetryDelay {
			err := p.err
			p.mu.Unlock()
			return nil, err
		}
		done := make(chan struct{})
		p.loading = done
		p.mu.Unlock()

		e, err := p.load(ctx)

		p.mu.Lock()
		p.loading = nil
		close(done)
		switch {
		case err == nil:
			p.engine, p.err = e, nil
		case ctx.Err() == nil: // a cancelled load says nothing about the script
			p.err, p.failedAt = err, time.Now()
		}
		p.mu.Unlock()
		return e, err
	}
}

// abandon drops an engine whose script got stuck, so the next Resolve
// loads a fresh one.
func (p *pacSource) abandon(e *pacEngine) {
	p.mu.Lock()
	if p.engine == e {
		p.engine = nil
	}
	p.mu.Unlock()
}

// localPath turns a file: URL's path into this system's form: on Windows
// "/C:/dir/proxy.pac" is C:\dir\proxy.pac; elsewhere it is unchanged.
func localPath(urlPath string) string {
	if trimmed := strings.TrimPrefix(urlPath, "/"); filepath.VolumeName(trimmed) != "" {
		urlPath = trimmed
	}
	return filepath.FromSlash(urlPath)
}

// load reads the script and builds its engine.
func (p *pacSource) load(ctx context.Context) (*pacEngine, error) {
	var script string
	switch p.kind {
	case "data":
		script = p.script
	case "file":
		f, err := os.Open(p.path)
		if err != nil {
			return nil, err
		}
		b, err := io.ReadAll(io.LimitReader(f, maxPACScript+1))
		f.Close()
		if err != nil {
			return nil, err
		}
		script = string(b)
	case "fetch":
		s, err := p.opts.fetch(ctx, p.url)
		if err != nil {
			return nil, fmt.Errorf("fetching: %w", err)
		}
		script = s
	}
	if len(script) > maxPACScript {
		return nil, fmt.Errorf("the script is larger than %d bytes", maxPACScript)
	}
	return newPACEngine(ctx, strings.TrimPrefix(script, "\uFEFF"), p.opts)
}

// pacURL is the URL handed to FindProxyForURL, stripped as Chromium
// strips it: no credentials or fragment, and for https and wss only the
// origin (path and query can be secret).
func pacURL(u *url.URL, t proxyTarget) string {
	v := *u
	v.User = nil
	v.Fragment, v.RawFragment = "", ""
	v.Scheme = t.scheme
	host := t.host
	if t.ip.Is6() {
		host = "[" + host + "]"
	}
	if u.Port() != "" && t.port != defaultURLPort(t.scheme) {
		host = net.JoinHostPort(t.host, strconv.Itoa(t.port))
	}
	v.Host = host
	if t.scheme == "https" || t.scheme == "wss" {
		v.Path, v.RawPath, v.RawQuery, v.ForceQuery = "/", "", "", false
	}
	if v.Path == "" && v.Opaque == "" {
		v.Path = "/"
	}
	return v.String()
}

// parsePACResult reads a FindProxyForURL result: elements separated by
// ";", each "DIRECT", "PROXY host[:port]", "HTTPS host[:port]", "SOCKS
// host[:port]" (SOCKS4, as in Chromium), "SOCKS4 ..." or "SOCKS5 ...",
// keywords in any case, ports defaulting by scheme. It returns the valid
// elements, and an error naming the malformed ones (or saying the result
// was empty).
func parsePACResult(s string) ([]Server, error) {
	var out []Server
	var bad []string
	for _, el := range strings.Split(s, ";") {
		el = strings.TrimSpace(el)
		if el == "" {
			continue
		}
		srv, err := parsePACElement(el)
		if err != nil {
			bad = append(bad, err.Error())
			continue
		}
		out = append(out, srv)
	}
	switch {
	case len(bad) > 0:
		return out, fmt.Errorf("malformed result %q: %s", s, strings.Join(bad, "; "))
	case len(out) == 0:
		return nil, fmt.Errorf("empty result %q", s)
	}
	return out, nil
}

func parsePACElement(el string) (Server, error) {
	fields := strings.Fields(el)
	var scheme string
	switch strings.ToUpper(fields[0]) {
	case "DIRECT":
		if len(fields) != 1 {
			return Server{}, fmt.Errorf("%q: DIRECT takes no host", el)
		}
		return Direct, nil
	case "PROXY":
		scheme = SchemeHTTP
	case "HTTPS":
		scheme = SchemeHTTPS
	case "SOCKS", "SOCKS4":
		scheme = SchemeSOCKS4
	case "SOCKS5":
		scheme = SchemeSOCKS5
	case "QUIC":
		return Server{}, fmt.Errorf("%q: QUIC proxies are not supported", el)
	default:
		return Server{}, fmt.Errorf("%q: unknown proxy type", el)
	}
	if len(fields) != 2 {
		return Server{}, fmt.Errorf("%q: want one host[:port]", el)
	}
	host, port, err := splitProxyHostPort(fields[1])
	if err != nil {
		return Server{}, err
	}
	if port == "" {
		port = defaultProxyPort(scheme)
	}
	return Server{Scheme: scheme, Host: host, Port: port}, nil
}

// pacEngine is one compiled PAC script in its own JS runtime.
type pacEngine struct {
	vm      *goja.Runtime // used only by the holder of sem
	find    goja.Callable // FindProxyForURLEx if defined, else FindProxyForURL
	timeout time.Duration
	opts    *proxyOptions
	sem     chan struct{} // holds one token while a run is in progress
	stuck   chan struct{} // closed when a run ignored its interrupt: the engine is abandoned
	once    sync.Once     // closes stuck
	callCtx context.Context
	// callCtx is the run in progress (bounded by the timeout), for the DNS
	// helpers; set by the holder of sem before the run's goroutine starts.
}

// newPACEngine compiles script, runs its top level and finds its entry point.
func newPACEngine(ctx context.Context, script string, o *proxyOptions) (*pacEngine, error) {
	prog, err := goja.Compile("pac.js", script, false)
	if err != nil {
		return nil, fmt.Errorf("compiling: %w", err)
	}
	vm := goja.New()
	vm.SetMaxCallStackSize(pacMaxCallStack)
	vm.SetTimeSource(o.now)
	e := &pacEngine{vm: vm, timeout: o.timeout, opts: o, sem: make(chan struct{}, 1), stuck: make(chan struct{})}
	if err := e.installHelpers(); err != nil {
		return nil, err
	}
	if err := e.acquire(ctx); err != nil {
		return nil, err
	}
	if _, err := e.run(ctx, func() (goja.Value, error) { return vm.RunProgram(prog) }); err != nil {
		if !errors.Is(err, errPACStuck) {
			e.release()
		}
		return nil, fmt.Errorf("running the script: %w", err)
	}
	defer e.release()
	for _, name := range []string{"FindProxyForURLEx", "FindProxyForURL"} {
		if fn, ok := goja.AssertFunction(vm.Get(name)); ok {
			e.find = fn
			return e, nil
		}
	}
	return nil, errors.New("the script defines no FindProxyForURL function")
}

// acquire waits for the engine to be free.
func (e *pacEngine) acquire(ctx context.Context) error {
	select {
	case e.sem <- struct{}{}:
		return nil
	case <-e.stuck:
		return errPACStuck
	case <-ctx.Done():
		return neterr.Cause(ctx)
	}
}

func (e *pacEngine) release() { <-e.sem }

// findProxy calls FindProxyForURL(url, host) and returns its string.
func (e *pacEngine) findProxy(ctx context.Context, rawURL, host string) (string, error) {
	if err := e.acquire(ctx); err != nil {
		return "", err
	}
	v, err := e.run(ctx, func() (goja.Value, error) {
		return e.find(goja.Undefined(), e.vm.ToValue(rawURL), e.vm.ToValue(host))
	})
	if errors.Is(err, errPACStuck) {
		return "", err // the stuck run keeps the token: nobody may use this runtime again
	}
	defer e.release()
	if err != nil {
		return "", err
	}
	s, ok := v.Export().(string)
	if !ok {
		return "", fmt.Errorf("FindProxyForURL returned %s, not a string", v.String())
	}
	return s, nil
}

// run runs f on the runtime (the caller holds sem) within the PAC timeout
// and ctx. On either it interrupts the script; a run that does not stop
// within another timeout (a native built-in cannot be interrupted) marks
// the engine stuck and returns errPACStuck, leaving the run behind.
func (e *pacEngine) run(ctx context.Context, f func() (goja.Value, error)) (goja.Value, error) {
	callCtx, cancel := context.WithTimeout(ctx, e.timeout)
	defer cancel()
	e.callCtx = callCtx
	type result struct {
		v   goja.Value
		err error
	}
	done := make(chan result, 1)
	go func() {
		var r result
		defer func() {
			if p := recover(); p != nil {
				r = result{err: fmt.Errorf("the JS engine panicked: %v", p)}
			}
			done <- r
		}()
		r.v, r.err = f()
	}()
	var r result
	select {
	case r = <-done:
	case <-callCtx.Done():
		e.vm.Interrupt(errPACInterrupted)
		grace := time.NewTimer(e.timeout)
		select {
		case r = <-done:
			grace.Stop()
		case <-grace.C:
			e.once.Do(func() { close(e.stuck) })
			return nil, errPACStuck
		}
	}
	e.vm.ClearInterrupt()
	e.callCtx = nil
	if r.err == nil {
		return r.v, nil
	}
	if ctx.Err() != nil {
		return nil, neterr.Cause(ctx)
	}
	var interrupted *goja.InterruptedError
	if errors.As(r.err, &interrupted) {
		return nil, fmt.Errorf("the script ran longer than %v", e.timeout)
	}
	return nil, r.err
}

// installHelpers defines the PAC helper functions in the runtime.
func (e *pacEngine) installHelpers() error {
	vm := e.vm
	str := func(c goja.FunctionCall, i int) string {
		v := c.Argument(i)
		if goja.IsUndefined(v) || goja.IsNull(v) {
			return ""
		}
		return v.String()
	}
	boolean := func(b bool) goja.Value { return vm.ToValue(b) }
	helpers := map[string]func(goja.FunctionCall) goja.Value{
		"isPlainHostName": func(c goja.FunctionCall) goja.Value {
			return boolean(!strings.Contains(str(c, 0), "."))
		},
		"dnsDomainIs": func(c goja.FunctionCall) goja.Value {
			return boolean(strings.HasSuffix(str(c, 0), str(c, 1)))
		},
		"localHostOrDomainIs": func(c goja.FunctionCall) goja.Value {
			host, hostdom := str(c, 0), str(c, 1)
			return boolean(host == hostdom || strings.HasPrefix(hostdom, host+"."))
		},
		"dnsDomainLevels": func(c goja.FunctionCall) goja.Value {
			return vm.ToValue(strings.Count(str(c, 0), "."))
		},
		"shExpMatch": func(c goja.FunctionCall) goja.Value {
			return boolean(globMatch(str(c, 0), str(c, 1), false))
		},
		"dnsResolve": func(c goja.FunctionCall) goja.Value {
			if ip, ok := firstIPv4(e.lookup(str(c, 0))); ok {
				return vm.ToValue(ip.String())
			}
			return goja.Null()
		},
		"isResolvable": func(c goja.FunctionCall) goja.Value {
			_, ok := firstIPv4(e.lookup(str(c, 0)))
			return boolean(ok)
		},
		"isInNet": func(c goja.FunctionCall) goja.Value {
			ip, shaped, ok := dottedQuad(str(c, 0))
			if !shaped {
				var addr netip.Addr
				if addr, ok = firstIPv4(e.lookup(str(c, 0))); ok {
					ip = ipv4Bits(addr)
				}
			}
			if !ok {
				return boolean(false)
			}
			pattern, mask := convertAddr(vm, str(c, 1)), convertAddr(vm, str(c, 2))
			return boolean(ip&mask == pattern&mask)
		},
		"convert_addr": func(c goja.FunctionCall) goja.Value {
			return vm.ToValue(int64(int32(convertAddr(vm, str(c, 0)))))
		},
		"myIpAddress": func(c goja.FunctionCall) goja.Value {
			if addrs := e.myAddresses(); len(addrs) > 0 {
				return vm.ToValue(addrs[0].String())
			}
			return vm.ToValue("127.0.0.1")
		},
		"weekdayRange": func(c goja.FunctionCall) goja.Value { return boolean(e.weekdayRange(c.Arguments)) },
		"dateRange":    func(c goja.FunctionCall) goja.Value { return boolean(e.dateRange(c.Arguments)) },
		"timeRange":    func(c goja.FunctionCall) goja.Value { return boolean(e.timeRange(c.Arguments)) },

		// Microsoft's IPv6-aware extensions, as Chromium offers them.
		"dnsResolveEx": func(c goja.FunctionCall) goja.Value {
			return vm.ToValue(joinAddrs(e.lookup(str(c, 0))))
		},
		"isResolvableEx": func(c goja.FunctionCall) goja.Value {
			return boolean(len(e.lookup(str(c, 0))) > 0)
		},
		"myIpAddressEx": func(c goja.FunctionCall) goja.Value {
			return vm.ToValue(joinAddrs(e.myAddresses()))
		},
		"isInNetEx": func(c goja.FunctionCall) goja.Value {
			ip, err := netip.ParseAddr(strings.Trim(strings.TrimSpace(str(c, 0)), "[]"))
			prefix, perr := netip.ParsePrefix(strings.TrimSpace(str(c, 1)))
			if err != nil || perr != nil {
				return boolean(false)
			}
			if prefix.Addr().Is4() {
				ip = ip.Unmap()
			}
			return boolean(prefix.Masked().Contains(ip.WithZone("")))
		},
		"sortIpAddressList": func(c goja.FunctionCall) goja.Value {
			if sorted, ok := sortIPList(str(c, 0)); ok {
				return vm.ToValue(sorted)
			}
			return boolean(false)
		},
		"getClientVersion": func(c goja.FunctionCall) goja.Value { return vm.ToValue("1.0") },
		"alert":            func(c goja.FunctionCall) goja.Value { return goja.Undefined() },
	}
	for name, fn := range helpers {
		if err := vm.Set(name, fn); err != nil {
			return err
		}
	}
	return nil
}

// lookup resolves host for a helper. IP literals, localhost and *.invalid
// are answered here; other names go to the lookup hook (or the system
// resolver) within the run's deadline. Failures are no addresses.
func (e *pacEngine) lookup(host string) []netip.Addr {
	h := strings.TrimSuffix(strings.ToLower(strings.Trim(strings.TrimSpace(host), "[]")), ".")
	if h == "" {
		return nil
	}
	if ip, err := netip.ParseAddr(h); err == nil {
		return []netip.Addr{ip.WithZone("").Unmap()}
	}
	if ip, ok := parseIPv4Loose(h); ok {
		return []netip.Addr{ip}
	}
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return []netip.Addr{netip.AddrFrom4([4]byte{127, 0, 0, 1}), netip.IPv6Loopback()}
	}
	if h == "invalid" || strings.HasSuffix(h, ".invalid") {
		return nil
	}
	ctx := e.callCtx
	if ctx == nil {
		ctx = context.Background()
	}
	var addrs []netip.Addr
	var err error
	if e.opts.lookup != nil {
		addrs, err = e.opts.lookup(ctx, h)
	} else {
		addrs, err = net.DefaultResolver.LookupNetIP(ctx, "ip", h)
	}
	if err != nil {
		return nil
	}
	out := make([]netip.Addr, 0, len(addrs))
	for _, a := range addrs {
		out = append(out, a.WithZone("").Unmap())
	}
	return out
}

// myAddresses are this machine's addresses, best first: IPv4 then IPv6
// global ones, then link-local ones; loopback is left out.
func (e *pacEngine) myAddresses() []netip.Addr {
	var addrs []netip.Addr
	for _, a := range e.opts.localAddrs() {
		if a = a.WithZone("").Unmap(); a.IsValid() && !a.IsLoopback() && !a.IsUnspecified() {
			addrs = append(addrs, a)
		}
	}
	rank := func(a netip.Addr) int {
		r := 0
		if a.IsLinkLocalUnicast() {
			r += 2
		}
		if a.Is6() {
			r++
		}
		return r
	}
	sort.SliceStable(addrs, func(i, j int) bool { return rank(addrs[i]) < rank(addrs[j]) })
	return addrs
}

// interfaceAddrs lists the addresses of the interfaces that are up.
func interfaceAddrs() []netip.Addr {
	ifaces, err := net.Interfaces()
	if err != nil {
		return nil
	}
	var out []netip.Addr
	for _, ifc := range ifaces {
		if ifc.Flags&net.FlagUp == 0 || ifc.Flags&net.FlagLoopback != 0 {
			continue
		}
		addrs, err := ifc.Addrs()
		if err != nil {
			continue
		}
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok {
				if ip, ok := netip.AddrFromSlice(n.IP); ok {
					out = append(out, ip.Unmap())
				}
			}
		}
	}
	return out
}

func firstIPv4(addrs []netip.Addr) (netip.Addr, bool) {
	for _, a := range addrs {
		if a.Is4() {
			return a, true
		}
	}
	return netip.Addr{}, false
}

func joinAddrs(addrs []netip.Addr) string {
	parts := make([]string, len(addrs))
	for i, a := range addrs {
		parts[i] = a.String()
	}
	return strings.Join(parts, ";")
}

func ipv4Bits(a netip.Addr) uint32 {
	b := a.As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

// dottedQuad reads what isInNet takes as an address without resolving it:
// four dot-separated runs of 1 to 4 digits. shaped says s has that shape;
// ok that each part is at most 255 too.
func dottedQuad(s string) (v uint32, shaped, ok bool) {
	parts := strings.Split(s, ".")
	if len(parts) != 4 {
		return 0, false, false
	}
	ok = true
	for _, p := range parts {
		if len(p) < 1 || len(p) > 4 || strings.Trim(p, "0123456789") != "" {
			return 0, false, false
		}
		n, _ := strconv.Atoi(p)
		if n > 255 {
			ok = false
		}
		v = v<<8 | uint32(n&0xff)
	}
	return v, true, ok
}

// convertAddr is the classic PAC convert_addr: each dot-separated part
// taken as a JS number (non-numbers are 0), its low byte kept.
func convertAddr(vm *goja.Runtime, s string) uint32 {
	parts := strings.Split(s, ".")
	var v uint32
	for i := 0; i < 4; i++ {
		var b uint32
		if i < len(parts) {
			b = uint32(vm.ToValue(parts[i]).ToInteger()) & 0xff
		}
		v = v<<8 | b
	}
	return v
}

// sortIPList sorts a ";"-separated address list, IPv6 first, each family
// in ascending order; false when it is empty or holds a non-address.
func sortIPList(list string) (string, bool) {
	var addrs []netip.Addr
	for _, p := range strings.Split(list, ";") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		a, err := netip.ParseAddr(p)
		if err != nil {
			return "", false
		}
		addrs = append(addrs, a)
	}
	if len(addrs) == 0 {
		return "", false
	}
	sort.SliceStable(addrs, func(i, j int) bool {
		if addrs[i].Is6() != addrs[j].Is6() {
			return addrs[i].Is6()
		}
		return addrs[i].Less(addrs[j])
	})
	return joinAddrs(addrs), true
}

// clock is the time the date helpers test: UTC when the last argument is
// "GMT" (which is then dropped), else local time.
func (e *pacEngine) clock(args []goja.Value) (time.Time, []goja.Value) {
	now := e.opts.now()
	if n := len(args); n > 0 && strings.EqualFold(args[n-1].String(), "GMT") {
		return now.UTC(), args[:n-1]
	}
	return now.Local(), args
}

// inRange reports lo <= v <= hi, wrapping around when lo > hi (FRI..MON,
// 22h..6h, DEC..FEB).
func inRange(v, lo, hi int) bool {
	if lo <= hi {
		return lo <= v && v <= hi
	}
	return v >= lo || v <= hi
}

var pacWeekdays = []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}

var pacMonths = []string{"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}

func indexFold(list []string, s string) int {
	for i, v := range list {
		if strings.EqualFold(v, s) {
			return i
		}
	}
	return -1
}

// weekdayRange(wd1 [, wd2] [, "GMT"]): today is wd1, or within wd1..wd2
// (wrapping past SAT).
func (e *pacEngine) weekdayRange(args []goja.Value) bool {
	now, args := e.clock(args)
	if len(args) < 1 || len(args) > 2 {
		return false
	}
	d1 := indexFold(pacWeekdays, args[0].String())
	d2 := d1
	if len(args) == 2 {
		d2 = indexFold(pacWeekdays, args[1].String())
	}
	if d1 < 0 || d2 < 0 {
		return false
	}
	return inRange(int(now.Weekday()), d1, d2)
}

// pacInts reads numeric arguments; false if one is not a number.
func pacInts(args []goja.Value) ([]int, bool) {
	out := make([]int, len(args))
	for i, a := range args {
		f := a.ToFloat()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, false
		}
		out[i] = int(f)
	}
	return out, true
}

// timeRange(hour), (h1, h2), (h1, m1, h2, m2), (h1, m1, s1, h2, m2, s2),
// each with an optional "GMT". Hour ranges include the whole last hour,
// minute ranges the whole last minute; ranges may wrap past midnight.
func (e *pacEngine) timeRange(args []goja.Value) bool {
	now, args := e.clock(args)
	n, ok := pacInts(args)
	if !ok {
		return false
	}
	h, m, s := now.Clock()
	secs := h*3600 + m*60 + s
	switch len(n) {
	case 1:
		return h == n[0]
	case 2:
		return inRange(h, n[0], n[1])
	case 4:
		return inRange(secs, n[0]*3600+n[1]*60, n[2]*3600+n[3]*60+59)
	case 6:
		return inRange(secs, n[0]*3600+n[1]*60+n[2], n[3]*3600+n[4]*60+n[5])
	}
	return false
}

// dateRange(day | month | year), (x1, x2), (d1, m1, d2, m2), (m1, y1, m2,
// y2), (d1, m1, y1, d2, m2, y2), each with an optional "GMT". Days are
// 1-31, years 32 and above, months "JAN".."DEC". Ranges without a year
// may wrap (DEC..FEB).
func (e *pacEngine) dateRange(args []goja.Value) bool {
	now, args := e.clock(args)
	const (
		year = iota
		month
		day
	)
	type field struct{ kind, value int }
	fields := make([]field, len(args))
	for i, a := range args {
		if m := indexFold(pacMonths, a.String()); m >= 0 {
			fields[i] = field{month, m}
			continue
		}
		f := a.ToFloat()
		switch {
		case math.IsNaN(f) || f < 1:
			return false
		case f < 32:
			fields[i] = field{day, int(f)}
		default:
			fields[i] = field{year, int(f)}
		}
	}
	current := [3]int{now.Year(), int(now.Month()) - 1, now.Day()}
	if len(fields) == 1 {
		return current[fields[0].kind] == fields[0].value
	}
	if len(fields) != 2 && len(fields) != 4 && len(fields) != 6 {
		return false
	}
	half := len(fields) / 2
	var seen [3]bool
	var lo, hi, cur [3]int
	for i := 0; i < half; i++ {
		a, b := fields[i], fields[half+i]
		if a.kind != b.kind || seen[a.kind] {
			return false
		}
		seen[a.kind] = true
		lo[a.kind], hi[a.kind], cur[a.kind] = a.value, b.value, current[a.kind]
	}
	key := func(v [3]int) int { return v[year]*10000 + v[month]*100 + v[day] }
	if seen[year] {
		return key(lo) <= key(cur) && key(cur) <= key(hi)
	}
	return inRange(key(cur), key(lo), key(hi))
}
