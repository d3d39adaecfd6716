package transport

import (
	"context"
	"crypto/tls"
	"net"
	"strconv"
	"syscall"
	"time"

	"github.com/go-net-request/go-net-request/gocore/httpwire"
)

// DialTiming is what opening a connection took.
type DialTiming struct {
	DNS, Connect, TLS time.Duration
}

// timedDial dials like d, reporting how long DNS and the TCP connect took:
// the dialer's control hook runs once the name is resolved, just before
// the connect.
func timedDial(ctx context.Context, d net.Dialer, network, addr string) (net.Conn, DialTiming, error) {
	start := time.Now()
	var resolved time.Time
	d.Control = func(string, string, syscall.RawConn) error {
		if resolved.IsZero() {
			resolved = time.Now()
		}
		return nil
	}
	nc, err := d.DialContext(ctx, network, addr)
	done := time.Now()
	var t DialTiming
	if !resolved.IsZero() {
		t.DNS = resolved.Sub(start)
		t.Connect = done.Sub(resolved)
	} else {
		t.Connect = done.Sub(start)
	}
	return nc, t, err
}

// cipherSuiteNames names every suite crypto/tls knows, built once:
// tls.CipherSuiteName builds its list on each call, and HTTP/2 asks per request.
var cipherSuiteNames = func() map[uint16]string {
	names := map[uint16]string{}
	for _, list := range [][]*tls.CipherSuite{tls.CipherSuites(), tls.InsecureCipherSuites()} {
		for _, s := range list {
			names[s.ID] = s.Name
		}
	}
	return names
}()

func cipherSuiteName(id uint16) string {
	if name, ok := cipherSuiteNames[id]; ok {
		return name
	}
	return tls.CipherSuiteName(id) // TLS 1.3 suites and unknown ids
}

// Describe fills the connection facts of t (protocol, TLS, remote
// address) from c.
func (c *Conn) Describe(t *httpwire.Timing) {
	if c.Stream {
		t.Protocol = "h2"
	} else {
		t.Protocol = "http/1.1"
	}
	nc := c.Net
	if c.Stream && c.Carrier != nil {
		nc = c.Carrier
	}
	if c.tlsVersion == "" {
		if tc, ok := nc.(*tls.Conn); ok {
			state := tc.ConnectionState()
			c.tlsVersion = tls.VersionName(state.Version)
			c.cipher = cipherSuiteName(state.CipherSuite)
		}
	}
	t.TLSVersion, t.Cipher = c.tlsVersion, c.cipher
	if c.remoteHost == "" && nc != nil && nc.RemoteAddr() != nil {
		// Once per connection: the address does not change.
		if host, port, err := net.SplitHostPort(nc.RemoteAddr().String()); err == nil {
			c.remoteHost = host
			c.remotePort, _ = strconv.Atoi(port)
		}
	}
	t.RemoteAddr, t.RemotePort = c.remoteHost, c.remotePort
}
