package gocore

import (
	"context"
	"testing"

	"github.com/go-net-request/go-net-request/gocore/neterr"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestResolveHostAnswersLocallyWithoutDNS(t *testing.T) {
	c := NewClient(Options{})
	tests := []struct {
		name, host, queryType string
		want                  []Endpoint
	}{
		{"localhost, both families", "localhost", "", []Endpoint{{"127.0.0.1", "ipv4"}, {"::1", "ipv6"}}},
		{"localhost AAAA", "localhost", "AAAA", []Endpoint{{"::1", "ipv6"}}},
		{"an IPv4 literal", "127.0.0.7", "A", []Endpoint{{"127.0.0.7", "ipv4"}}},
		{"an IPv6 literal in brackets", "[::1]", "", []Endpoint{{"::1", "ipv6"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.ResolveHost(context.Background(), tt.host, ResolveOptions{QueryType: tt.queryType})
			require.Nil(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestResolveHostFailuresAreNameNotResolved(t *testing.T) {
	c := NewClient(Options{})
	for _, host := range []string{"", "no-such-host.invalid"} {
		_, err := c.ResolveHost(context.Background(), host, ResolveOptions{Source: "localOnly"})
		require.NotNil(t, err, host)
		assert.Equal(t, neterr.NameNotResolved, err.Name)
	}
	_, err := c.ResolveHost(context.Background(), "127.0.0.1", ResolveOptions{QueryType: "AAAA"})
	require.NotNil(t, err, "an IPv4 literal asked for AAAA")
	assert.Equal(t, neterr.NameNotResolved, err.Name)
}

func TestResolveHostCacheUsage(t *testing.T) {
	c := NewClient(Options{})
	// localOnly: nothing leaves the machine (the hosts file alone answers).
	c.dns.entries[" localOnly cached.test"] = dnsEntry{endpoints: []Endpoint{{"10.9.9.9", "ipv4"}}}
	got, err := c.ResolveHost(context.Background(), "cached.test", ResolveOptions{Source: "localOnly", CacheUsage: "staleAllowed"})
	require.Nil(t, err)
	assert.Equal(t, []Endpoint{{"10.9.9.9", "ipv4"}}, got, "a stale entry serves under staleAllowed")
	_, err = c.ResolveHost(context.Background(), "cached.test", ResolveOptions{Source: "localOnly"})
	assert.NotNil(t, err, "an expired entry does not serve under allowed")
}
