package proxy

import (
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// proxyTarget is a destination as the bypass rules see it (Chromium's
// canonical GURL host).
type proxyTarget struct {
	scheme string     // lower-case
	host   string     // lower-case, no brackets; IPv4 in dotted-quad form
	port   int        // the effective port
	ip     netip.Addr // valid when host is an IP literal (unmapped)
}

func newProxyTarget(u *url.URL) proxyTarget {
	t := proxyTarget{scheme: strings.ToLower(u.Scheme), host: strings.ToLower(u.Hostname())}
	if ip, err := netip.ParseAddr(t.host); err == nil {
		t.ip = ip.WithZone("").Unmap()
		t.host = t.ip.String()
	} else if ip, ok := parseIPv4Loose(t.host); ok {
		t.ip = ip
		t.host = ip.String()
	}
	if p, err := strconv.Atoi(u.Port()); err == nil {
		t.port = p
	} else {
		t.port = defaultURLPort(t.scheme)
	}
	return t
}

// patternHost is the host as Chromium matches hostname patterns against
// it: IPv6 literals in brackets.
func (t proxyTarget) patternHost() string {
	if t.ip.Is6() {
		return "[" + t.host + "]"
	}
	return t.host
}

func defaultURLPort(scheme string) int {
	switch scheme {
	case "http", "ws":
		return 80
	case "https", "wss":
		return 443
	case "ftp":
		return 21
	}
	return 0
}

// parseIPv4Loose reads an IPv4 address as URL hosts spell it (the WHATWG
// IPv4 parser, which Chromium's GURL follows): one to four parts, each
// decimal, 0x hex or 0-prefixed octal, the last filling the remaining
// bytes, so "127.1" and "0x7f.0.0.1" are 127.0.0.1.
func parseIPv4Loose(s string) (netip.Addr, bool) {
	parts := strings.Split(s, ".")
	if len(parts) > 1 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	if len(parts) == 0 || len(parts) > 4 {
		return netip.Addr{}, false
	}
	nums := make([]uint64, len(parts))
	for i, p := range parts {
		base := 10
		switch {
		case len(p) >= 2 && (p[:2] == "0x" || p[:2] == "0X"):
			base, p = 16, p[2:]
		case len(p) >= 2 && p[0] == '0':
			base, p = 8, p[1:]
		case p == "":
			return netip.Addr{}, false
		}
		if p == "" {
			nums[i] = 0 // "0x" alone is zero
			continue
		}
		n, err := strconv.ParseUint(p, base, 64)
		if err != nil {
			return netip.Addr{}, false
		}
		nums[i] = n
	}
	var v uint64
	for i, n := range nums[:len(nums)-1] {
		if n > 255 {
			return netip.Addr{}, false
		}
		v |= n << (8 * (3 - i))
	}
	last := nums[len(nums)-1]
	if last >= 1<<(8*(5-len(nums))) {
		return netip.Addr{}, false
	}
	v |= last
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), true
}

// implicitBypass is Chromium's implicit bypass list: localhost and
// *.localhost, 127.0.0.0/8 and ::1 (IPv4-mapped too), and the link-local
// ranges 169.254.0.0/16 and fe80::/10.
func implicitBypass(t proxyTarget) bool {
	h := strings.TrimSuffix(t.host, ".")
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	return t.ip.IsValid() && (t.ip.IsLoopback() || t.ip.IsLinkLocalUnicast())
}
