package gocore

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-net-request/go-net-request/gocore/auth"
	"github.com/go-net-request/go-net-request/gocore/cookies"
	"github.com/go-net-request/go-net-request/gocore/httpcache"
	"github.com/go-net-request/go-net-request/gocore/httpwire"
	"github.com/go-net-request/go-net-request/gocore/proxy"
	"golang.org/x/net/http2"
)

// DefaultUserAgent is sent when the session has none of its own.
const DefaultUserAgent = "Mozilla/5.0 go-net-request/0.1.0"

// Options configure a Client.
type Options struct {
	// RootCAs replaces the system trust store when set (tests, private CAs);
	// unset, the system store is used, with the certificates of the file
	// SSL_CERT_FILE names (systemRoots).
	RootCAs *x509.CertPool
	// UserAgent overrides DefaultUserAgent.
	UserAgent string
	// DialTimeout bounds connecting (TCP and TLS); default 30s.
	DialTimeout time.Duration
	// MaxIdlePerHost bounds the idle keep-alive connections kept per origin; default 64.
	MaxIdlePerHost int
	// IdleTimeout closes keep-alive connections unused for this long; default 60s.
	IdleTimeout time.Duration
	// HeadTimeout fails a request whose answer has not begun this long after
	// it was sent (ERR_TIMED_OUT); default 5 minutes, generous enough for
	// long polls. A request's own Timeout replaces it.
	HeadTimeout time.Duration
	// DisableHTTP2 keeps every connection on HTTP/1.1 (no "h2" in ALPN).
	DisableHTTP2 bool
	// Jar is the session's cookie jar; nil sends and stores no cookies.
	Jar *cookies.Jar
	// Cache is the session's HTTP cache; nil caches nothing.
	Cache *httpcache.Cache
}

// A Client is one session's engine state: the connection pool, the auth
// cache and the user agent. It is safe for concurrent use.
type Client struct {
	opts         Options
	dialer       net.Dialer
	roots        *x509.CertPool             // Options.RootCAs, else systemRoots(); nil: x509's system pool
	tlsConfig    atomic.Pointer[tls.Config] // replaced whole by SetExtraRootCAs
	userAgent    atomic.Pointer[string]
	acceptLang   atomic.Pointer[string] // "" sends no Accept-Language
	auth         *auth.Cache
	pool         *pool
	live         atomic.Int64 // exchanges started and not yet finished
	jar          *cookies.Jar
	cache        *httpcache.Cache
	cacheOff     atomic.Bool // the session was made with {cache: false}
	dns          dnsCache
	hostVerifies atomic.Bool // the host's verify procedure decides about certificates
	proxy        atomic.Pointer[proxy.Resolver]
	h2           h2Pool
	gate         dialGate
}

// NewClient makes a Client.
func NewClient(opts Options) *Client {
	if opts.DialTimeout <= 0 {
		opts.DialTimeout = 30 * time.Second
	}
	if opts.MaxIdlePerHost <= 0 {
		opts.MaxIdlePerHost = 64
	}
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = 60 * time.Second
	}
	if opts.HeadTimeout <= 0 {
		opts.HeadTimeout = 5 * time.Minute
	}
	c := &Client{
		opts:   opts,
		dialer: net.Dialer{Timeout: opts.DialTimeout, KeepAlive: 30 * time.Second},
		auth:   auth.NewCache(),
		jar:    opts.Jar,
		dns:    dnsCache{entries: map[string]dnsEntry{}},
		cache:  opts.Cache,
		pool:   &pool{idle: map[string][]*conn{}, maxPerHost: opts.MaxIdlePerHost, idleTimeout: opts.IdleTimeout},
	}
	if r, err := proxy.NewResolver(proxy.Config{Mode: proxy.ModeSystem}, os.Getenv); err == nil {
		c.proxy.Store(r) // Electron's default: the system's proxy settings
	}
	c.h2.conns = map[string]*http2.ClientConn{}
	c.h2.nets = map[*http2.ClientConn]net.Conn{}
	c.gate = dialGate{pending: map[string]chan struct{}{}, known: map[string]string{}}
	protocols := []string{"h2", "http/1.1"}
	if opts.DisableHTTP2 {
		protocols = []string{"http/1.1"}
	}
	c.roots = opts.RootCAs
	if c.roots == nil {
		c.roots = systemRoots()
	}
	c.tlsConfig.Store(&tls.Config{RootCAs: c.roots, NextProtos: protocols,
		ClientSessionCache: tls.NewLRUClientSessionCache(256)})
	ua := opts.UserAgent
	if ua == "" {
		ua = DefaultUserAgent
	}
	c.userAgent.Store(&ua)
	c.acceptLang.Store(new(string))
	return c
}

// SetUserAgent changes the User-Agent sent by requests started afterwards.
func (c *Client) SetUserAgent(ua string) { c.userAgent.Store(&ua) }

// UserAgent returns the User-Agent sent by default.
func (c *Client) UserAgent() string { return *c.userAgent.Load() }

// SetAcceptLanguage sets the Accept-Language sent by requests started
// afterwards that do not set their own ("" sends none). The host builds
// the value from its language list, as Chromium does.
func (c *Client) SetAcceptLanguage(value string) { c.acceptLang.Store(&value) }

// AcceptLanguage returns the Accept-Language sent by default ("" for none).
func (c *Client) AcceptLanguage() string { return *c.acceptLang.Load() }

// DisableCache stops requests from reading or writing the HTTP cache.
func (c *Client) DisableCache() { c.cacheOff.Store(true) }

// CloseIdleConnections closes every idle keep-alive connection.
func (c *Client) CloseIdleConnections() {
	c.pool.closeAll()
	c.h2.closeAll()
}

// ClearAuthCache forgets every credential that worked.
func (c *Client) ClearAuthCache() { c.auth.Clear() }

// Live returns how many exchanges are in flight.
func (c *Client) Live() int64 { return c.live.Load() }

// IdleConnections returns how many keep-alive connections are idle.
func (c *Client) IdleConnections() int { return c.pool.count() }

// conn is one HTTP/1.1 connection.
type conn struct {
	nc        net.Conn
	br        *bufio.Reader
	bw        *bufio.Writer
	key       string
	idleSince time.Time
	unwatch   func() bool   // stops the exchange's cancellation watch; nil while idle
	tlsRaw    *bufferedConn // under TLS: the buffered socket the records come from
	// earlyAnswer: the current answer began before the request body was all sent.
	earlyAnswer bool
	httpProxy   *proxy.Server // requests go to this http proxy in absolute form
	h2          bool          // an HTTP/2 stream's body, not a connection
	h2Conn      net.Conn      // for an HTTP/2 stream: the connection it rides on
	dialed      dialTiming    // what opening the connection took (zero once reused)
	sentAt      time.Time     // the current request went out
	firstByteAt time.Time     // the first byte of its answer came
	// Facts for Timing, read once per connection.
	remoteHost, tlsVersion, cipher string
	remotePort                     int
}

// bufferedConn reads the socket through a large buffer, so TLS takes many
// records per system call and the body pump can tell which records have
// already arrived (TLS hands over one 16 KiB record per Read).
type bufferedConn struct {
	net.Conn
	r *bufio.Reader
}

func (b *bufferedConn) Read(p []byte) (int, error) { return b.r.Read(p) }

// tlsReadBuffer is how much ciphertext one socket read may take.
const tlsReadBuffer = 256 << 10

// dial opens a connection to the origin of key ("scheme://host:port").
func (c *Client) dial(ctx context.Context, scheme, host, port string, configure func(*tls.Config, string)) (*conn, error) {
	addr := net.JoinHostPort(host, port)
	dialAddr, err := httpwire.LocalAnswer(host, port)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", addr, err)
	}
	nc, timing, err := timedDial(ctx, c.dialer, "tcp", dialAddr)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", addr, err)
	}
	if tcp, ok := nc.(*net.TCPConn); ok {
		tcp.SetNoDelay(true)
	}
	key := connKey(scheme, host, port, proxy.Direct)
	if scheme != "https" {
		c1 := newConn(nc, key, nil)
		c1.dialed = timing
		return c1, nil
	}
	tlsStart := time.Now()
	c2, err := c.handshake(ctx, nc, host, port, configure)
	if err != nil {
		return nil, err
	}
	timing.tls = time.Since(tlsStart)
	c2.key = key
	c2.dialed = timing
	return c2, nil
}

// pool keeps idle keep-alive connections per origin, most recent last.
type pool struct {
	mu          sync.Mutex
	idle        map[string][]*conn
	maxPerHost  int
	idleTimeout time.Duration
}

// get returns an idle connection for key that still looks usable, or nil.
func (p *pool) get(key string) *conn {
	for {
		p.mu.Lock()
		list := p.idle[key]
		if len(list) == 0 {
			p.mu.Unlock()
			return nil
		}
		c := list[len(list)-1]
		p.idle[key] = list[:len(list)-1]
		p.mu.Unlock()
		if time.Since(c.idleSince) < p.idleTimeout && c.healthy() {
			return c
		}
		c.nc.Close()
	}
}

// healthy reports whether an idle connection is neither closed by the peer
// nor holding unsolicited bytes, with one non-blocking peek at the socket.
func (c *conn) healthy() bool {
	if c.br.Buffered() > 0 {
		return false
	}
	raw, isTLS := c.nc, c.tlsRaw != nil
	if isTLS {
		if c.tlsRaw.r.Buffered() > 0 {
			return true // records (a session ticket, say) wait: only EOF is conclusive
		}
		raw = c.tlsRaw.Conn
	}
	state, err := peekSocket(raw)
	if err != nil {
		return true // cannot tell; a stale connection is retried anyway
	}
	// Over TLS, pending bytes may be a session ticket: only EOF is conclusive.
	return state == socketIdle || (isTLS && state == socketReadable)
}

func (p *pool) put(c *conn) {
	c.idleSince = time.Now()
	p.mu.Lock()
	list := p.idle[c.key]
	if len(list) >= p.maxPerHost {
		p.mu.Unlock()
		c.nc.Close()
		return
	}
	p.idle[c.key] = append(list, c)
	p.mu.Unlock()
}

func (p *pool) closeAll() {
	p.mu.Lock()
	idle := p.idle
	p.idle = map[string][]*conn{}
	p.mu.Unlock()
	for _, list := range idle {
		for _, c := range list {
			c.nc.Close()
		}
	}
}

func (p *pool) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, list := range p.idle {
		n += len(list)
	}
	return n
}
