package httpwire

import (
	"net"
	"net/url"
	"strings"
)

// Origin is u's origin as the engine compares origins (auth cache,
// redirects, referrers): scheme, lower-case host and explicit port.
func Origin(u *url.URL) string {
	return u.Scheme + "://" + strings.ToLower(u.Hostname()) + ":" + Port(u)
}

// Port is u's port, or the scheme's default (443 for https, else 80).
func Port(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if u.Scheme == "https" {
		return "443"
	}
	return "80"
}

// IsLoopbackHost reports whether host names this machine (Chromium treats
// such origins as potentially trustworthy).
func IsLoopbackHost(host string) bool {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// LocalAnswer is where to dial host without asking DNS when the name is
// special (RFC 6761): *.localhost is this machine, *.invalid never exists.
// Other names are returned as they are, for the resolver.
func LocalAnswer(host, port string) (string, error) {
	name := strings.TrimSuffix(strings.ToLower(host), ".")
	switch {
	case name == "invalid" || strings.HasSuffix(name, ".invalid"):
		return "", &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	case strings.HasSuffix(name, ".localhost"):
		return net.JoinHostPort("127.0.0.1", port), nil
	}
	return net.JoinHostPort(host, port), nil
}
