package proxy

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"testing"
	"time"

	"github.com/go-net-request/go-net-request/gocore/auth"
	"github.com/go-net-request/go-net-request/gocore/httpwire"
	"github.com/go-net-request/go-net-request/gocore/neterr"
	"github.com/go-net-request/go-net-request/internal/testkit"
	"github.com/stretchr/testify/require"
)

// newEchoServer sends back whatever it receives.
func newEchoServer(t *testing.T) string {
	t.Helper()
	return testkit.NewTCPServer(t, func(c net.Conn) { io.Copy(c, c) })
}

// requireEcho checks that c reaches an echo server.
func requireEcho(t *testing.T, c net.Conn) {
	t.Helper()
	c.SetDeadline(time.Now().Add(testkit.WaitTimeout))
	_, err := io.WriteString(c, "ping")
	require.NoError(t, err)
	buf := make([]byte, 4)
	_, err = io.ReadFull(c, buf)
	require.NoError(t, err)
	require.Equal(t, "ping", string(buf))
}

// closedPort is a loopback address nobody listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// proxyAt is a Server for a test server's address.
func proxyAt(t *testing.T, scheme, addr string) Server {
	t.Helper()
	host, port, err := net.SplitHostPort(addr)
	require.NoError(t, err)
	return Server{Scheme: scheme, Host: host, Port: port}
}

// stallingProxy accepts and never answers.
func stallingProxy(t *testing.T) string {
	t.Helper()
	return testkit.NewTCPServer(t, func(c net.Conn) { io.Copy(io.Discard, c) })
}

// socksRequest is what a test SOCKS server was asked to reach.
type socksRequest struct {
	atyp byte // SOCKS5 address type; 0 for SOCKS4, 'a' for SOCKS4a
	host string
	port int
}

// socks5Config is how a test SOCKS5 server behaves.
type socks5Config struct {
	user, pass string            // required when user is set
	reply      byte              // the reply code; 0 tunnels to the target
	early      string            // bytes sent with the success reply
	targets    map[string]string // requested host -> address to dial
}

// newSOCKS5Server is a small RFC 1928/1929 server; seen receives each request.
func newSOCKS5Server(t *testing.T, cfg socks5Config) (addr string, seen chan socksRequest) {
	t.Helper()
	seen = make(chan socksRequest, 16)
	addr = testkit.NewTCPServer(t, func(c net.Conn) {
		var head [2]byte
		if _, err := io.ReadFull(c, head[:]); err != nil || head[0] != 5 {
			return
		}
		methods := make([]byte, head[1])
		if _, err := io.ReadFull(c, methods); err != nil {
			return
		}
		offered := func(m byte) bool {
			for _, x := range methods {
				if x == m {
					return true
				}
			}
			return false
		}
		switch {
		case cfg.user != "" && offered(2):
			c.Write([]byte{5, 2})
			var ver [2]byte
			if _, err := io.ReadFull(c, ver[:]); err != nil {
				return
			}
			user := make([]byte, ver[1])
			io.ReadFull(c, user)
			var plen [1]byte
			io.ReadFull(c, plen[:])
			pass := make([]byte, plen[0])
			io.ReadFull(c, pass)
			if string(user) != cfg.user || string(pass) != cfg.pass {
				c.Write([]byte{1, 1})
				return
			}
			c.Write([]byte{1, 0})
		case cfg.user == "" && offered(0):
			c.Write([]byte{5, 0})
		default:
			c.Write([]byte{5, 0xff})
			return
		}
		var req [4]byte
		if _, err := io.ReadFull(c, req[:]); err != nil || req[1] != 1 {
			return
		}
		var host string
		switch req[3] {
		case 1, 4:
			ip := make([]byte, map[byte]int{1: 4, 4: 16}[req[3]])
			io.ReadFull(c, ip)
			a, _ := netip.AddrFromSlice(ip)
			host = a.String()
		case 3:
			var n [1]byte
			io.ReadFull(c, n[:])
			name := make([]byte, n[0])
			io.ReadFull(c, name)
			host = string(name)
		}
		var port [2]byte
		if _, err := io.ReadFull(c, port[:]); err != nil {
			return
		}
		seen <- socksRequest{atyp: req[3], host: host, port: int(binary.BigEndian.Uint16(port[:]))}
		target, known := cfg.targets[host]
		if cfg.reply != 0 || !known {
			rep := cfg.reply
			if rep == 0 {
				rep = 4
			}
			c.Write([]byte{5, rep, 0, 1, 0, 0, 0, 0, 0, 0})
			return
		}
		tc, err := net.Dial("tcp", target)
		if err != nil {
			c.Write([]byte{5, 5, 0, 1, 0, 0, 0, 0, 0, 0})
			return
		}
		// A domain-name bound address, to exercise the variable-length reply.
		reply := []byte{5, 0, 0, 3, byte(len("bound.test"))}
		reply = append(reply, "bound.test"...)
		reply = append(reply, 0x1f, 0x90)
		reply = append(reply, cfg.early...)
		c.Write(reply)
		testkit.PipeConns(c, tc)
	})
	return addr, seen
}

func TestDialSOCKS5(t *testing.T) {
	echo := newEchoServer(t)
	targets := map[string]string{"target.test": echo, "192.0.2.1": echo, "2001:db8::1": echo}
	tests := []struct {
		name     string
		cfg      socks5Config
		cred     *auth.Credentials
		host     string
		wantErr  string // the neterr.Error name; "" tunnels
		wantAtyp byte
		wantHost string
	}{
		{name: "a name goes to the proxy unresolved", host: "target.test", wantAtyp: 3, wantHost: "target.test"},
		{name: "an IPv4 literal as an address", host: "192.0.2.1", wantAtyp: 1, wantHost: "192.0.2.1"},
		{name: "an IPv6 literal as an address", host: "[2001:db8::1]", wantAtyp: 4, wantHost: "2001:db8::1"},
		{name: "user and password", cfg: socks5Config{user: "u", pass: "p"}, cred: &auth.Credentials{Username: "u", Password: "p"},
			host: "target.test", wantAtyp: 3, wantHost: "target.test"},
		{name: "credentials not needed", cred: &auth.Credentials{Username: "u", Password: "p"}, host: "target.test", wantAtyp: 3, wantHost: "target.test"},
		{name: "wrong password", cfg: socks5Config{user: "u", pass: "p"}, cred: &auth.Credentials{Username: "u", Password: "x"},
			host: "target.test", wantErr: neterr.SOCKSConnectionFailed},
		{name: "credentials required but none given", cfg: socks5Config{user: "u", pass: "p"}, host: "target.test", wantErr: neterr.SOCKSConnectionFailed},
		{name: "host unreachable", cfg: socks5Config{reply: 4}, host: "target.test", wantErr: neterr.SOCKSConnectionHostUnreachable},
		{name: "network unreachable", cfg: socks5Config{reply: 3}, host: "target.test", wantErr: neterr.SOCKSConnectionHostUnreachable},
		{name: "connection refused", cfg: socks5Config{reply: 5}, host: "target.test", wantErr: neterr.SOCKSConnectionFailed},
		{name: "not allowed", cfg: socks5Config{reply: 2}, host: "target.test", wantErr: neterr.SOCKSConnectionFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.targets = targets
			addr, seen := newSOCKS5Server(t, tt.cfg)
			d := &Dialer{}
			c, err := d.DialSOCKS5(context.Background(), proxyAt(t, SchemeSOCKS5, addr), tt.host, "443", tt.cred)
			if tt.wantErr != "" {
				require.Nil(t, c)
				require.Equal(t, tt.wantErr, neterr.NameOf(err), "%v", err)
				return
			}
			require.NoError(t, err)
			defer c.Close()
			req := testkit.Recv(t, seen, "the SOCKS request")
			require.Equal(t, socksRequest{atyp: tt.wantAtyp, host: tt.wantHost, port: 443}, req)
			requireEcho(t, c)
		})
	}
}

func TestDialSOCKS5KeepsBytesAfterTheReply(t *testing.T) {
	addr, _ := newSOCKS5Server(t, socks5Config{early: "hello", targets: map[string]string{"target.test": newEchoServer(t)}})
	c, err := (&Dialer{}).DialSOCKS5(context.Background(), proxyAt(t, SchemeSOCKS5, addr), "target.test", "80", nil)
	require.NoError(t, err)
	defer c.Close()
	buf := make([]byte, 5)
	c.SetDeadline(time.Now().Add(testkit.WaitTimeout))
	_, err = io.ReadFull(c, buf)
	require.NoError(t, err)
	require.Equal(t, "hello", string(buf))
	requireEcho(t, c)
}

func TestDialSOCKS5Failures(t *testing.T) {
	tests := []struct {
		name    string
		proxy   func(t *testing.T) Server
		dialer  Dialer
		ctx     func() (context.Context, context.CancelFunc)
		host    string
		wantErr string
	}{
		{name: "unreachable proxy", proxy: func(t *testing.T) Server { return proxyAt(t, SchemeSOCKS5, closedPort(t)) },
			wantErr: neterr.ProxyConnectionFailed},
		{name: "proxy name that does not exist", proxy: func(t *testing.T) Server {
			return Server{Scheme: SchemeSOCKS5, Host: "socks.invalid", Port: "1080"}
		}, wantErr: neterr.ProxyConnectionFailed},
		{name: "closes after the greeting", proxy: func(t *testing.T) Server {
			return proxyAt(t, SchemeSOCKS5, testkit.NewTCPServer(t, func(c net.Conn) { io.ReadFull(c, make([]byte, 3)) }))
		}, wantErr: neterr.SOCKSConnectionFailed},
		{name: "not a SOCKS server", proxy: func(t *testing.T) Server {
			return proxyAt(t, SchemeSOCKS5, testkit.NewTCPServer(t, func(c net.Conn) {
				io.ReadFull(c, make([]byte, 3))
				io.WriteString(c, "HTTP/1.1 400 Bad Request\r\n\r\n")
			}))
		}, wantErr: neterr.SOCKSConnectionFailed},
		{name: "stalls past the handshake timeout", proxy: func(t *testing.T) Server { return proxyAt(t, SchemeSOCKS5, stallingProxy(t)) },
			dialer: Dialer{HandshakeTimeout: 100 * time.Millisecond}, wantErr: neterr.TimedOut},
		{name: "cancelled while the proxy stalls", proxy: func(t *testing.T) Server { return proxyAt(t, SchemeSOCKS5, stallingProxy(t)) },
			ctx: func() (context.Context, context.CancelFunc) {
				ctx, cancel := context.WithCancel(context.Background())
				time.AfterFunc(50*time.Millisecond, cancel)
				return ctx, cancel
			}, wantErr: neterr.Aborted},
		{name: "bad target port", proxy: func(t *testing.T) Server { return proxyAt(t, SchemeSOCKS5, stallingProxy(t)) },
			host: "target.test:0", wantErr: neterr.InvalidArgument},
		{name: "an HTTP proxy cannot SOCKS", proxy: func(t *testing.T) Server { return proxyAt(t, SchemeHTTP, stallingProxy(t)) },
			wantErr: neterr.InvalidArgument},
		{name: "name too long", proxy: func(t *testing.T) Server { return proxyAt(t, SchemeSOCKS5, stallingProxy(t)) },
			host: string(make256('a')), wantErr: neterr.SOCKSConnectionFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.Background(), context.CancelFunc(func() {})
			if tt.ctx != nil {
				ctx, cancel = tt.ctx()
			}
			defer cancel()
			host, port := "target.test", "443"
			if tt.host != "" {
				host = tt.host
				if h, p, err := net.SplitHostPort(tt.host); err == nil {
					host, port = h, p
				}
			}
			start := time.Now()
			c, err := tt.dialer.DialSOCKS5(ctx, tt.proxy(t), host, port, nil)
			require.Nil(t, c)
			require.Equal(t, tt.wantErr, neterr.NameOf(err), "%v", err)
			require.Less(t, time.Since(start), 5*time.Second)
		})
	}
}

// make256 is a host name one byte too long for SOCKS5.
func make256(c byte) []byte {
	b := make([]byte, 256)
	for i := range b {
		b[i] = c
	}
	return b
}

// newSOCKS4Server is a small SOCKS4/4a server answering code to every request.
func newSOCKS4Server(t *testing.T, code byte, target string) (addr string, seen chan socksRequest) {
	t.Helper()
	seen = make(chan socksRequest, 16)
	readString := func(br *bufio.Reader) string {
		s, _ := br.ReadString(0)
		if len(s) > 0 {
			s = s[:len(s)-1]
		}
		return s
	}
	addr = testkit.NewTCPServer(t, func(c net.Conn) {
		br := bufio.NewReader(c)
		var head [8]byte
		if _, err := io.ReadFull(br, head[:]); err != nil || head[0] != 4 || head[1] != 1 {
			return
		}
		readString(br) // user id
		req := socksRequest{port: int(binary.BigEndian.Uint16(head[2:4])), host: netip.AddrFrom4([4]byte(head[4:8])).String()}
		if head[4] == 0 && head[5] == 0 && head[6] == 0 && head[7] != 0 {
			req.atyp, req.host = 'a', readString(br)
		}
		seen <- req
		c.Write([]byte{0, code, 0, 0, 0, 0, 0, 0})
		if code != 0x5a {
			return
		}
		tc, err := net.Dial("tcp", target)
		if err != nil {
			return
		}
		testkit.PipeConns(testkit.ReplayConn(c, br), tc)
	})
	return addr, seen
}

func TestDialSOCKS4(t *testing.T) {
	echo := newEchoServer(t)
	t.Run("SOCKS4a for names", func(t *testing.T) {
		addr, seen := newSOCKS4Server(t, 0x5a, echo)
		c, err := (&Dialer{}).DialSOCKS4(context.Background(), proxyAt(t, SchemeSOCKS4, addr), "target.test", "8080")
		require.NoError(t, err)
		defer c.Close()
		require.Equal(t, socksRequest{atyp: 'a', host: "target.test", port: 8080}, testkit.Recv(t, seen, "the request"))
		requireEcho(t, c)
	})
	t.Run("SOCKS4 for IPv4 literals", func(t *testing.T) {
		addr, seen := newSOCKS4Server(t, 0x5a, echo)
		c, err := (&Dialer{}).DialSOCKS4(context.Background(), proxyAt(t, SchemeSOCKS4, addr), "192.0.2.1", "80")
		require.NoError(t, err)
		defer c.Close()
		require.Equal(t, socksRequest{host: "192.0.2.1", port: 80}, testkit.Recv(t, seen, "the request"))
		requireEcho(t, c)
	})
	t.Run("rejected", func(t *testing.T) {
		addr, _ := newSOCKS4Server(t, 0x5b, echo)
		_, err := (&Dialer{}).DialSOCKS4(context.Background(), proxyAt(t, SchemeSOCKS4, addr), "target.test", "80")
		require.Equal(t, neterr.SOCKSConnectionFailed, neterr.NameOf(err))
	})
	t.Run("IPv6 targets cannot be reached", func(t *testing.T) {
		addr, _ := newSOCKS4Server(t, 0x5a, echo)
		_, err := (&Dialer{}).DialSOCKS4(context.Background(), proxyAt(t, SchemeSOCKS4, addr), "::1", "80")
		require.Equal(t, neterr.SOCKSConnectionFailed, neterr.NameOf(err))
	})
	t.Run("unreachable proxy", func(t *testing.T) {
		_, err := (&Dialer{}).DialSOCKS4(context.Background(), proxyAt(t, SchemeSOCKS4, closedPort(t)), "target.test", "80")
		require.Equal(t, neterr.ProxyConnectionFailed, neterr.NameOf(err))
	})
}

func TestDialConnectTunnels(t *testing.T) {
	targets := map[string]string{"target.test:443": newEchoServer(t)}
	addr, seen := testkit.NewConnectProxy(t, testkit.Established, targets, nil)
	d := &Dialer{UserAgent: "gocore-test"}
	c, refusal, err := d.DialConnect(context.Background(), proxyAt(t, SchemeHTTP, addr), "target.test", "443", "")
	require.NoError(t, err)
	require.Nil(t, refusal)
	defer c.Close()
	req := testkit.Recv(t, seen, "the CONNECT")
	require.Equal(t, "CONNECT", req.Method)
	require.Equal(t, "target.test:443", req.Target)
	require.Equal(t, "target.test:443", req.Host)
	require.Equal(t, "keep-alive", req.Header.Get("Proxy-Connection"))
	require.Equal(t, "gocore-test", req.Header.Get("User-Agent"))
	require.Empty(t, req.Header.Values("Proxy-Authorization"))
	requireEcho(t, c)
}

func TestDialConnectToAnIPv6Target(t *testing.T) {
	targets := map[string]string{"[2001:db8::1]:8443": newEchoServer(t)}
	addr, seen := testkit.NewConnectProxy(t, testkit.Established, targets, nil)
	c, _, err := (&Dialer{}).DialConnect(context.Background(), proxyAt(t, SchemeHTTP, addr), "[2001:db8::1]", "8443", "")
	require.NoError(t, err)
	defer c.Close()
	require.Equal(t, "[2001:db8::1]:8443", testkit.Recv(t, seen, "the CONNECT").Target)
	requireEcho(t, c)
}

func TestDialConnectKeepsBytesAfterTheHead(t *testing.T) {
	targets := map[string]string{"target.test:443": newEchoServer(t)}
	addr, _ := testkit.NewConnectProxy(t, func(*http.Request) (string, bool) {
		return "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nX-Proxy: yes\r\n\r\nEARLY", true
	}, targets, nil)
	c, _, err := (&Dialer{}).DialConnect(context.Background(), proxyAt(t, SchemeHTTP, addr), "target.test", "443", "")
	require.NoError(t, err)
	defer c.Close()
	buf := make([]byte, 5)
	c.SetDeadline(time.Now().Add(testkit.WaitTimeout))
	_, err = io.ReadFull(c, buf)
	require.NoError(t, err)
	require.Equal(t, "EARLY", string(buf))
	requireEcho(t, c)
}

// basicProxy answers 407 unless the CONNECT carries user:pass.
func basicProxy(r *http.Request) (string, bool) {
	if r.Header.Get("Proxy-Authorization") == "Basic dXNlcjpwYXNz" {
		return "HTTP/1.1 200 OK\r\n\r\n", true
	}
	return "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"corp proxy\"\r\nContent-Length: 0\r\n\r\n", false
}

func TestDialConnectLogin(t *testing.T) {
	targets := map[string]string{"target.test:443": newEchoServer(t)}
	addr, seen := testkit.NewConnectProxy(t, basicProxy, targets, nil)
	proxy := proxyAt(t, SchemeHTTP, addr)
	d := &Dialer{}

	c, refusal, err := d.DialConnect(context.Background(), proxy, "target.test", "443", "")
	require.NoError(t, err)
	require.Nil(t, c)
	require.NotNil(t, refusal)
	require.Equal(t, 407, refusal.Status)
	require.Equal(t, "Proxy Authentication Required", refusal.StatusText)
	require.Equal(t, "Basic realm=\"corp proxy\"", httpwire.HeaderValue(refusal.Headers, "Proxy-Authenticate"))
	info, ok := refusal.AuthInfo(proxy)
	require.True(t, ok)
	port, _ := strconv.Atoi(proxy.Port)
	require.Equal(t, auth.Info{IsProxy: true, Scheme: "basic", Host: "127.0.0.1", Port: port, Realm: "corp proxy"}, info)
	testkit.Recv(t, seen, "the first CONNECT")

	// Wrong credentials: refused again (the caller gives up with
	// ERR_TUNNEL_CONNECTION_FAILED when the login is declined).
	_, refusal, err = d.DialConnect(context.Background(), proxy, "target.test", "443",
		refusal.Authorization(auth.Credentials{Username: "user", Password: "wrong"}, "target.test:443"))
	require.NoError(t, err)
	require.NotNil(t, refusal)
	testkit.Recv(t, seen, "the second CONNECT")

	auth := refusal.Authorization(auth.Credentials{Username: "user", Password: "pass"}, "target.test:443")
	require.Equal(t, "Basic dXNlcjpwYXNz", auth)
	c, refusal, err = d.DialConnect(context.Background(), proxy, "target.test", "443", auth)
	require.NoError(t, err)
	require.Nil(t, refusal)
	defer c.Close()
	require.Equal(t, auth, testkit.Recv(t, seen, "the third CONNECT").Header.Get("Proxy-Authorization"))
	requireEcho(t, c)
}

func TestDialConnectDigestLogin(t *testing.T) {
	addr, _ := testkit.NewConnectProxy(t, func(*http.Request) (string, bool) {
		return "HTTP/1.1 407 Proxy Authentication Required\r\n" +
			"Proxy-Authenticate: Basic realm=\"weak\"\r\n" +
			"Proxy-Authenticate: Digest realm=\"strong\", nonce=\"abc\", qop=\"auth\"\r\n\r\n", false
	}, nil, nil)
	proxy := proxyAt(t, SchemeHTTP, addr)
	_, refusal, err := (&Dialer{}).DialConnect(context.Background(), proxy, "target.test", "443", "")
	require.NoError(t, err)
	require.Len(t, refusal.Challenges, 2)
	info, ok := refusal.AuthInfo(proxy)
	require.True(t, ok)
	require.Equal(t, "digest", info.Scheme, "Digest before Basic")
	require.Equal(t, "strong", info.Realm)
	params, _ := testkit.ParseDigestAuthorization(t, refusal.Authorization(auth.Credentials{Username: "u", Password: "p"}, "target.test:443"))
	require.Equal(t, "target.test:443", params["uri"])
	require.Equal(t, testkit.DigestExpected("", "u", "strong", "p", "CONNECT", "target.test:443", "abc", params["nc"], params["cnonce"], "auth"), params["response"])
}

func TestDialConnectWithoutAnAnswerableChallenge(t *testing.T) {
	addr, _ := testkit.NewConnectProxy(t, func(*http.Request) (string, bool) {
		return "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Negotiate\r\n\r\n", false
	}, nil, nil)
	proxy := proxyAt(t, SchemeHTTP, addr)
	_, refusal, err := (&Dialer{}).DialConnect(context.Background(), proxy, "target.test", "443", "")
	require.NoError(t, err)
	_, ok := refusal.AuthInfo(proxy)
	require.False(t, ok)
	require.Empty(t, refusal.Authorization(auth.Credentials{Username: "u"}, "target.test:443"))
}

func TestDialConnectFailures(t *testing.T) {
	respond := func(resp string) func(t *testing.T) Server {
		return func(t *testing.T) Server {
			addr, _ := testkit.NewConnectProxy(t, func(*http.Request) (string, bool) { return resp, false }, nil, nil)
			return proxyAt(t, SchemeHTTP, addr)
		}
	}
	tests := []struct {
		name    string
		proxy   func(t *testing.T) Server
		dialer  Dialer
		ctx     func() (context.Context, context.CancelFunc)
		port    string
		auth    string
		wantErr string
	}{
		{name: "403", proxy: respond("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n"), wantErr: neterr.TunnelConnectionFailed},
		{name: "502", proxy: respond("HTTP/1.1 502 Bad Gateway\r\n\r\n"), wantErr: neterr.TunnelConnectionFailed},
		{name: "301 is not followed", proxy: respond("HTTP/1.1 301 Moved\r\nLocation: http://x/\r\n\r\n"), wantErr: neterr.TunnelConnectionFailed},
		{name: "not HTTP", proxy: respond("SSH-2.0-OpenSSH\r\n"), wantErr: neterr.TunnelConnectionFailed},
		{name: "closed without an answer", proxy: respond(""), wantErr: neterr.TunnelConnectionFailed},
		{name: "unreachable proxy", proxy: func(t *testing.T) Server { return proxyAt(t, SchemeHTTP, closedPort(t)) },
			wantErr: neterr.ProxyConnectionFailed},
		{name: "proxy name that does not exist", proxy: func(t *testing.T) Server {
			return Server{Scheme: SchemeHTTP, Host: "proxy.invalid", Port: "3128"}
		}, wantErr: neterr.ProxyConnectionFailed},
		{name: "stalls past the handshake timeout", proxy: func(t *testing.T) Server { return proxyAt(t, SchemeHTTP, stallingProxy(t)) },
			dialer: Dialer{HandshakeTimeout: 100 * time.Millisecond}, wantErr: neterr.TimedOut},
		{name: "cancelled while the proxy stalls", proxy: func(t *testing.T) Server { return proxyAt(t, SchemeHTTP, stallingProxy(t)) },
			ctx: func() (context.Context, context.CancelFunc) {
				ctx, cancel := context.WithCancel(context.Background())
				time.AfterFunc(50*time.Millisecond, cancel)
				return ctx, cancel
			}, wantErr: neterr.Aborted},
		{name: "a SOCKS proxy cannot CONNECT", proxy: func(t *testing.T) Server {
			return Server{Scheme: SchemeSOCKS5, Host: "127.0.0.1", Port: "1080"}
		}, wantErr: neterr.InvalidArgument},
		{name: "bad target port", proxy: respond(""), port: "https", wantErr: neterr.InvalidArgument},
		{name: "header injection", proxy: respond(""), auth: "Basic x\r\nX-Evil: 1", wantErr: neterr.InvalidArgument},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.Background(), context.CancelFunc(func() {})
			if tt.ctx != nil {
				ctx, cancel = tt.ctx()
			}
			defer cancel()
			port := "443"
			if tt.port != "" {
				port = tt.port
			}
			start := time.Now()
			c, refusal, err := tt.dialer.DialConnect(ctx, tt.proxy(t), "target.test", port, tt.auth)
			require.Nil(t, c)
			require.Nil(t, refusal)
			require.Equal(t, tt.wantErr, neterr.NameOf(err), "%v", err)
			require.Less(t, time.Since(start), 5*time.Second)
		})
	}
}

func TestDialConnectThroughAnHTTPSProxy(t *testing.T) {
	cert, leaf := testkit.SelfSignedCert(t, time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	serverTLS := &tls.Config{Certificates: []tls.Certificate{cert}}
	targets := map[string]string{"target.test:443": newEchoServer(t)}
	addr, seen := testkit.NewConnectProxy(t, testkit.Established, targets, func(c net.Conn) net.Conn { return tls.Server(c, serverTLS) })
	proxy := proxyAt(t, SchemeHTTPS, addr)

	roots := x509.NewCertPool()
	roots.AddCert(leaf)
	d := &Dialer{TLSConfig: &tls.Config{RootCAs: roots}}
	c, _, err := d.DialConnect(context.Background(), proxy, "target.test", "443", "")
	require.NoError(t, err)
	defer c.Close()
	require.Equal(t, "target.test:443", testkit.Recv(t, seen, "the CONNECT").Target)
	requireEcho(t, c)

	untrusting := &Dialer{TLSConfig: &tls.Config{RootCAs: x509.NewCertPool()}}
	_, _, err = untrusting.DialConnect(context.Background(), proxy, "target.test", "443", "")
	require.Equal(t, neterr.ProxyCertificateInvalid, neterr.NameOf(err), "%v", err)
}

func TestDialProxy(t *testing.T) {
	t.Run("plain HTTP proxy connection", func(t *testing.T) {
		c, err := (&Dialer{}).DialProxy(context.Background(), proxyAt(t, SchemeHTTP, newEchoServer(t)))
		require.NoError(t, err)
		defer c.Close()
		requireEcho(t, c)
	})
	t.Run("uses the given dialer", func(t *testing.T) {
		var dialed []string
		d := &Dialer{Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
			dialed = append(dialed, network+" "+addr)
			return nil, errors.New("no network here")
		}}
		_, err := d.DialProxy(context.Background(), Server{Scheme: SchemeHTTP, Host: "proxy.localhost", Port: "3128"})
		require.Equal(t, neterr.ProxyConnectionFailed, neterr.NameOf(err))
		require.Equal(t, []string{"tcp 127.0.0.1:3128"}, dialed, "*.localhost is this machine")
	})
	t.Run("DIRECT is not a proxy", func(t *testing.T) {
		_, err := (&Dialer{}).DialProxy(context.Background(), Server{Scheme: SchemeDirect})
		require.Equal(t, neterr.InvalidArgument, neterr.NameOf(err))
	})
}
