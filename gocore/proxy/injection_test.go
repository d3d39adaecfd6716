package proxy

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/go-net-request/go-net-request/gocore/neterr"
	"github.com/go-net-request/go-net-request/internal/testkit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Header injection at the proxy: nothing that could end a line reaches a
// proxy, and no answer line holding a bare CR is taken.

func TestDialConnectRefusesAnInjectedHeadBeforeDialing(t *testing.T) {
	tests := []struct {
		name      string
		userAgent string
		auth      string
	}{
		{"user agent", "x\r\nX-Injected: 1", ""},
		{"proxy authorization", "ua", "Basic abc\r\nX-Injected: 1"},
		{"NUL in the authorization", "ua", "Basic a\x00b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var conns, received atomic.Int64
			addr := testkit.NewTCPServer(t, func(c net.Conn) {
				conns.Add(1)
				n, _ := io.Copy(io.Discard, c)
				received.Add(n)
			})
			d := &Dialer{UserAgent: tt.userAgent}
			_, _, err := d.DialConnect(context.Background(), proxyAt(t, SchemeHTTP, addr), "target.test", "443", tt.auth)
			require.Error(t, err)
			assert.Equal(t, neterr.InvalidArgument, neterr.NameOf(err), "error %v", err)
			assert.Zero(t, conns.Load(), "the proxy was dialed")
			assert.Zero(t, received.Load())
		})
	}
}

func TestDialConnectRefusesBareCRInTheProxyAnswer(t *testing.T) {
	addr := testkit.NewTCPServer(t, func(c net.Conn) {
		if _, err := http.ReadRequest(bufio.NewReader(c)); err != nil {
			return
		}
		io.WriteString(c, "HTTP/1.1 200 Connection established\r\nX: a\rInjected: yes\r\n\r\n")
	})
	_, _, err := (&Dialer{}).DialConnect(context.Background(), proxyAt(t, SchemeHTTP, addr), "target.test", "443", "")
	require.Error(t, err)
	// CONNECT failures are tunnel failures, as Chromium reports a proxy's
	// malformed answer to CONNECT.
	assert.Equal(t, neterr.TunnelConnectionFailed, neterr.NameOf(err), "error %v", err)
}

func TestPACResultElementsWithLineBreaksAreSkipped(t *testing.T) {
	tests := []struct {
		name   string
		result string
		want   []Server // nil: no valid element
	}{
		{"CR LF after the host", "PROXY 127.0.0.1:8080\r\nX-Injected: 1", nil},
		{"bare CR inside the host", "PROXY 127.0.0.1\rX:8080", nil},
		{"NUL inside the host", "PROXY 127.0.0.1\x00x:8080", nil},
		{"a bad element beside a good one", "PROXY a.test:1\r\nX-Injected: 1; PROXY b.test:2",
			[]Server{{Scheme: SchemeHTTP, Host: "b.test", Port: "2"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			list, err := parsePACResult(tt.result)
			require.Error(t, err, "the malformed element is reported")
			assert.Equal(t, tt.want, list)
		})
	}
}
