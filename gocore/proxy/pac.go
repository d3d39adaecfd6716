package proxy

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

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
//
// The engine is pac_engine.go; the Go side of the helpers, pac_helpers.go.

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
