package gocore

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"os"
	"sync/atomic"
	"time"

	"github.com/go-net-request/go-net-request/gocore/auth"
	"github.com/go-net-request/go-net-request/gocore/cookies"
	"github.com/go-net-request/go-net-request/gocore/httpcache"
	"github.com/go-net-request/go-net-request/gocore/internal/transport"
	"github.com/go-net-request/go-net-request/gocore/proxy"
)

// DefaultUserAgent is sent when the session has none of its own.
const DefaultUserAgent = "Mozilla/5.0 go-net-request/0.1.0"

// Options configure a Client.
type Options struct {
	// RootCAs replaces the system trust store when set (tests, private CAs);
	// unset, the system store is used, with the certificates of the file
	// SSL_CERT_FILE names (transport.SystemRoots).
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
	dialer       transport.Dialer
	roots        *x509.CertPool             // Options.RootCAs, else transport.SystemRoots(); nil: x509's system pool
	tlsConfig    atomic.Pointer[tls.Config] // replaced whole by SetExtraRootCAs
	userAgent    atomic.Pointer[string]
	acceptLang   atomic.Pointer[string] // "" sends no Accept-Language
	auth         *auth.Cache
	pool         *transport.Pool
	live         atomic.Int64 // exchanges started and not yet finished
	jar          *cookies.Jar
	cache        *httpcache.Cache
	cacheOff     atomic.Bool // the session was made with {cache: false}
	dns          dnsCache
	hostVerifies atomic.Bool // the host's verify procedure decides about certificates
	proxy        atomic.Pointer[proxy.Resolver]
	h2           *transport.H2Pool
	gate         *transport.DialGate
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
		opts:  opts,
		auth:  auth.NewCache(),
		jar:   opts.Jar,
		dns:   dnsCache{entries: map[string]dnsEntry{}},
		cache: opts.Cache,
		pool:  transport.NewPool(opts.MaxIdlePerHost, opts.IdleTimeout),
		h2:    transport.NewH2Pool(),
		gate:  transport.NewDialGate(),
	}
	if r, err := proxy.NewResolver(proxy.Config{Mode: proxy.ModeSystem}, os.Getenv); err == nil {
		c.proxy.Store(r) // Electron's default: the system's proxy settings
	}
	c.dialer = transport.Dialer{
		Net:              net.Dialer{Timeout: opts.DialTimeout, KeepAlive: 30 * time.Second},
		HandshakeTimeout: opts.DialTimeout,
		TLSConfig:        c.tlsConfig.Load,
		UserAgent:        c.UserAgent,
	}
	protocols := []string{"h2", "http/1.1"}
	if opts.DisableHTTP2 {
		protocols = []string{"http/1.1"}
	}
	c.roots = opts.RootCAs
	if c.roots == nil {
		c.roots = transport.SystemRoots()
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
	c.pool.CloseAll()
	c.h2.CloseAll()
}

// ClearAuthCache forgets every credential that worked.
func (c *Client) ClearAuthCache() { c.auth.Clear() }

// Live returns how many exchanges are in flight.
func (c *Client) Live() int64 { return c.live.Load() }

// IdleConnections returns how many keep-alive connections are idle.
func (c *Client) IdleConnections() int { return c.pool.Count() }
