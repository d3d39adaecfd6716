package proxy

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/dop251/goja"
	"github.com/go-net-request/go-net-request/gocore/neterr"
)

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

// installHelpers defines the PAC helper functions in the runtime. Its
// length is the helper table: one short entry per function a PAC script
// may call; the work is in pac_helpers.go.
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
