package gocore

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/go-net-request/go-net-request/gocore/httpwire"
	"github.com/go-net-request/go-net-request/gocore/neterr"
)

// ResolveOptions are Electron's resolveHost options.
type ResolveOptions struct {
	QueryType  string `json:"queryType"`  // "A", "AAAA", or "" for both
	Source     string `json:"source"`     // "any" (default), "system", "dns", "mdns", "localOnly"
	CacheUsage string `json:"cacheUsage"` // "allowed" (default), "staleAllowed", "disallowed"
}

// Endpoint is one resolved address.
type Endpoint struct {
	Address string `json:"address"`
	Family  string `json:"family"` // "ipv4" or "ipv6"
}

// dnsTTL is how long a resolution stays fresh in a session's DNS cache.
const dnsTTL = time.Minute

// dnsCache is a session's small host cache, as Chromium's HostCache.
type dnsCache struct {
	mu      sync.Mutex
	entries map[string]dnsEntry
}

type dnsEntry struct {
	endpoints []Endpoint
	expires   time.Time
}

// errLookupRefused makes the pure-Go resolver answer from the hosts file only.
var errLookupRefused = errors.New("local lookups only")

// ResolveHost resolves host as Electron's net.resolveHost does: localhost
// and IP literals are answered locally; every failure is
// ERR_NAME_NOT_RESOLVED.
func (c *Client) ResolveHost(ctx context.Context, host string, opts ResolveOptions) ([]Endpoint, *neterr.Error) {
	notResolved := func(err error) *neterr.Error { return neterr.New(neterr.NameNotResolved, err) }
	host = strings.TrimSuffix(strings.Trim(host, "[]"), ".")
	if host == "" {
		return nil, notResolved(errors.New("empty host"))
	}
	wantV4 := opts.QueryType != "AAAA"
	wantV6 := opts.QueryType != "A"
	if ip, err := netip.ParseAddr(host); err == nil {
		ip = ip.Unmap()
		if (ip.Is4() && !wantV4) || (ip.Is6() && !wantV6) {
			return nil, notResolved(errors.New("an IP literal of the other family"))
		}
		return []Endpoint{endpointOf(ip)}, nil
	}
	if _, err := httpwire.LocalAnswer(host, "0"); err != nil {
		return nil, notResolved(err) // *.invalid: never asked of DNS
	}
	if lower := strings.ToLower(host); lower == "localhost" || strings.HasSuffix(lower, ".localhost") {
		var eps []Endpoint
		if wantV4 {
			eps = append(eps, Endpoint{Address: "127.0.0.1", Family: "ipv4"})
		}
		if wantV6 {
			eps = append(eps, Endpoint{Address: "::1", Family: "ipv6"})
		}
		return eps, nil
	}

	key := opts.QueryType + " " + opts.Source + " " + strings.ToLower(host)
	now := time.Now()
	if opts.CacheUsage != "disallowed" {
		c.dns.mu.Lock()
		e, ok := c.dns.entries[key]
		c.dns.mu.Unlock()
		if ok && (now.Before(e.expires) || opts.CacheUsage == "staleAllowed") {
			return append([]Endpoint(nil), e.endpoints...), nil
		}
	}

	resolver := net.DefaultResolver
	switch opts.Source {
	case "dns":
		resolver = &net.Resolver{PreferGo: true}
	case "localOnly":
		resolver = &net.Resolver{PreferGo: true, Dial: func(context.Context, string, string) (net.Conn, error) {
			return nil, errLookupRefused
		}}
	}
	network := "ip"
	switch {
	case wantV4 && !wantV6:
		network = "ip4"
	case wantV6 && !wantV4:
		network = "ip6"
	}
	addrs, err := resolver.LookupNetIP(ctx, network, host)
	if err != nil {
		return nil, notResolved(err)
	}
	eps := make([]Endpoint, 0, len(addrs))
	for _, a := range addrs {
		eps = append(eps, endpointOf(a.Unmap()))
	}
	if len(eps) == 0 {
		return nil, notResolved(errors.New("no addresses"))
	}
	c.dns.mu.Lock()
	if len(c.dns.entries) > 1000 {
		c.dns.entries = map[string]dnsEntry{} // bounded: start over rather than grow
	}
	c.dns.entries[key] = dnsEntry{endpoints: eps, expires: now.Add(dnsTTL)}
	c.dns.mu.Unlock()
	return append([]Endpoint(nil), eps...), nil
}

func endpointOf(ip netip.Addr) Endpoint {
	if ip.Is4() {
		return Endpoint{Address: ip.String(), Family: "ipv4"}
	}
	return Endpoint{Address: ip.String(), Family: "ipv6"}
}
