package proxy

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/go-net-request/go-net-request/gocore/auth"
	"github.com/go-net-request/go-net-request/gocore/httpwire"
	"github.com/go-net-request/go-net-request/gocore/neterr"
)

// Dialing through a proxy. Each Dial* returns a net.Conn that reaches the
// target (the proxy's own connection for DialProxy); the caller layers TLS
// for https targets on top. Failures are *neterr.Error values named as Chromium
// names them:
//
//	cannot reach the proxy (refused, unreachable, its name unknown) ERR_PROXY_CONNECTION_FAILED
//	HTTPS proxy's certificate not trusted                          ERR_PROXY_CERTIFICATE_INVALID
//	CONNECT answered with anything but 2xx or 407                  ERR_TUNNEL_CONNECTION_FAILED
//	SOCKS server refuses, or breaks the protocol                   ERR_SOCKS_CONNECTION_FAILED
//	SOCKS5 says the network or host is unreachable                 ERR_SOCKS_CONNECTION_HOST_UNREACHABLE
//	the proxy stalls past HandshakeTimeout                         ERR_TIMED_OUT
//	ctx ends                                                       its cause (ERR_ABORTED by default)

// Dialer opens connections through proxies.
type Dialer struct {
	// Dial opens TCP connections to proxies; net.Dialer's DialContext when nil.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// TLSConfig is the base configuration for HTTPS proxies (ServerName is
	// set to the proxy's host; the certificate is verified against RootCAs
	// by verifyServerCertificates).
	TLSConfig *tls.Config
	// VerifyTLS, when set, takes over the verification of an HTTPS proxy's
	// certificate in cfg (the engine's verifyServerCertificates).
	VerifyTLS func(cfg *tls.Config, host string)
	// UserAgent is sent with CONNECT when set, as Chromium does.
	UserAgent string
	// HandshakeTimeout bounds the exchange with the proxy after connecting
	// (TLS to an HTTPS proxy, CONNECT, the SOCKS negotiation); default 30 s.
	HandshakeTimeout time.Duration
}

// defaultProxyHandshakeTimeout bounds a proxy handshake when the dialer sets none.
const defaultProxyHandshakeTimeout = 30 * time.Second

// ConnectRefusal is a CONNECT the proxy answered with 407: the caller asks
// for a login (AuthInfo) and dials again with the Proxy-Authorization
// value Authorization builds.
type ConnectRefusal struct {
	Status     int
	StatusText string
	Headers    []httpwire.Header // the 407's headers, as received
	Challenges []auth.Challenge  // parsed from Proxy-Authenticate
}

// AuthInfo is the login event for this refusal's strongest answerable
// challenge (Digest before Basic); false when none can be answered.
func (r *ConnectRefusal) AuthInfo(proxy Server) (auth.Info, bool) {
	ch := auth.Pick(r.Challenges)
	if ch == nil {
		return auth.Info{}, false
	}
	port, _ := strconv.Atoi(proxy.Port)
	return auth.Info{IsProxy: true, Scheme: ch.Scheme, Host: proxy.Host, Port: port, Realm: ch.Params["realm"]}, true
}

// Authorization is the Proxy-Authorization value answering the strongest
// challenge with cred for a CONNECT to authority ("host:port"); "" when
// no challenge can be answered.
func (r *ConnectRefusal) Authorization(cred auth.Credentials, authority string) string {
	ch := auth.Pick(r.Challenges)
	if ch == nil {
		return ""
	}
	return auth.Authorization(ch, cred, "CONNECT", authority)
}

func (d *Dialer) handshakeTimeout() time.Duration {
	if d.HandshakeTimeout > 0 {
		return d.HandshakeTimeout
	}
	return defaultProxyHandshakeTimeout
}

// DialProxy connects to the proxy itself, with TLS for an HTTPS proxy; an
// HTTP proxy's plain-http requests go over this connection in absolute
// form.
func (d *Dialer) DialProxy(ctx context.Context, proxy Server) (net.Conn, error) {
	if proxy.IsDirect() || proxy.Host == "" || proxy.Port == "" {
		return nil, neterr.New(neterr.InvalidArgument, fmt.Errorf("dial proxy: %q is not a proxy", proxy.String()))
	}
	proxyFailed := func(err error) error {
		if ctx.Err() != nil {
			return neterr.Cause(ctx)
		}
		return neterr.New(neterr.ProxyConnectionFailed, fmt.Errorf("connecting to proxy %s: %w", proxy.Addr(), err))
	}
	dialAddr, err := httpwire.LocalAnswer(proxy.Host, proxy.Port)
	if err != nil {
		return nil, proxyFailed(err)
	}
	dial := d.Dial
	if dial == nil {
		dial = (&net.Dialer{}).DialContext
	}
	nc, err := dial(ctx, "tcp", dialAddr)
	if err != nil {
		return nil, proxyFailed(err)
	}
	if tcp, ok := nc.(*net.TCPConn); ok {
		tcp.SetNoDelay(true)
	}
	if proxy.Scheme != SchemeHTTPS {
		return nc, nil
	}
	cfg := &tls.Config{}
	if d.TLSConfig != nil {
		cfg = d.TLSConfig.Clone()
	}
	cfg.ServerName = proxy.Host
	if d.VerifyTLS != nil {
		d.VerifyTLS(cfg, proxy.Host)
	}
	cfg.NextProtos = []string{"http/1.1"}
	hctx, cancel := context.WithTimeout(ctx, d.handshakeTimeout())
	defer cancel()
	tc := tls.Client(nc, cfg)
	if err := tc.HandshakeContext(hctx); err != nil {
		nc.Close()
		if ctx.Err() != nil {
			return nil, neterr.Cause(ctx)
		}
		var verifyErr *tls.CertificateVerificationError
		var hostErr x509.HostnameError
		var unknownAuth x509.UnknownAuthorityError
		var invalidCert x509.CertificateInvalidError
		if errors.As(err, &verifyErr) || errors.As(err, &hostErr) || errors.As(err, &unknownAuth) || errors.As(err, &invalidCert) {
			return nil, neterr.New(neterr.ProxyCertificateInvalid, fmt.Errorf("TLS to proxy %s: %w", proxy.Addr(), err))
		}
		if hctx.Err() != nil {
			return nil, neterr.New(neterr.TimedOut, fmt.Errorf("TLS to proxy %s: %w", proxy.Addr(), err))
		}
		return nil, neterr.New(neterr.ProxyConnectionFailed, fmt.Errorf("TLS to proxy %s: %w", proxy.Addr(), err))
	}
	return tc, nil
}

// handshake bounds an exchange with the proxy on nc by ctx and the
// handshake timeout. end lifts the bounds; it reports ctx's cause when ctx
// ended meanwhile (the connection is then unusable).
func (d *Dialer) handshake(ctx context.Context, nc net.Conn) (end func() error) {
	deadline := time.Now().Add(d.handshakeTimeout())
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	nc.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { nc.SetDeadline(time.Unix(1, 0)) })
	return func() error {
		if !stop() && ctx.Err() != nil {
			return neterr.Cause(ctx)
		}
		nc.SetDeadline(time.Time{})
		return nil
	}
}

// validTarget checks a target host and port before they go on the wire.
func validTarget(host, port string) (string, uint16, error) {
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 {
		return "", 0, neterr.New(neterr.InvalidArgument, fmt.Errorf("bad target port %q", port))
	}
	if host == "" || strings.ContainsAny(host, " \t\r\n\x00/@") {
		return "", 0, neterr.New(neterr.InvalidArgument, fmt.Errorf("bad target host %q", host))
	}
	return host, uint16(n), nil
}

// DialConnect opens an HTTP CONNECT tunnel to targetHost:targetPort
// through an http or https proxy, sending proxyAuthorization when it is
// not empty. A 407 gives (nil, refusal, nil): ask for a login and dial
// again. Bytes the proxy sent after its 2xx head are kept and read first
// from the returned connection. It is one function written in protocol
// order (head checked, dial, request, interim answers, verdict) under one
// handshake deadline.
func (d *Dialer) DialConnect(ctx context.Context, proxy Server, targetHost, targetPort string, proxyAuthorization string) (net.Conn, *ConnectRefusal, error) {
	host, port, err := validTarget(targetHost, targetPort)
	if err != nil {
		return nil, nil, err
	}
	if proxy.Scheme != SchemeHTTP && proxy.Scheme != SchemeHTTPS {
		return nil, nil, neterr.New(neterr.InvalidArgument, fmt.Errorf("CONNECT through %q", proxy.String()))
	}
	authority := net.JoinHostPort(host, strconv.Itoa(int(port)))
	hs := []httpwire.Header{{Name: "Host", Value: authority}, {Name: "Proxy-Connection", Value: "keep-alive"}}
	if d.UserAgent != "" {
		hs = append(hs, httpwire.Header{Name: "User-Agent", Value: d.UserAgent})
	}
	if proxyAuthorization != "" {
		hs = append(hs, httpwire.Header{Name: "Proxy-Authorization", Value: proxyAuthorization})
	}
	if err := httpwire.CheckRequestHead("CONNECT", authority, hs); err != nil {
		return nil, nil, err // before dialing: the proxy need not see a head we will not send
	}
	nc, err := d.DialProxy(ctx, proxy)
	if err != nil {
		return nil, nil, err
	}
	end := d.handshake(ctx, nc)
	tunnelFailed := func(err error) error {
		if cerr := end(); cerr != nil {
			return cerr
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return neterr.New(neterr.TimedOut, fmt.Errorf("CONNECT %s via %s: %w", authority, proxy.Addr(), err))
		}
		return neterr.New(neterr.TunnelConnectionFailed, fmt.Errorf("CONNECT %s via %s: %w", authority, proxy.Addr(), err))
	}

	bw := bufio.NewWriterSize(nc, 1024)
	if err := httpwire.WriteRequestHead(bw, "CONNECT", authority, hs); err != nil {
		end()
		nc.Close()
		return nil, nil, err
	}
	if err := bw.Flush(); err != nil {
		nc.Close()
		return nil, nil, tunnelFailed(err)
	}
	br := bufio.NewReaderSize(nc, 4096)
	var head *httpwire.ResponseHead
	for {
		head, err = httpwire.ReadResponseHead(br)
		if err != nil {
			nc.Close()
			return nil, nil, tunnelFailed(err)
		}
		if head.StatusCode >= 200 || head.StatusCode == 101 {
			break // 1xx other than 101 are interim: the real answer follows
		}
	}
	if err := end(); err != nil {
		nc.Close()
		return nil, nil, err
	}
	switch {
	case head.StatusCode >= 200 && head.StatusCode < 300:
		if n := br.Buffered(); n > 0 {
			early, _ := br.Peek(n)
			return &replayConn{Conn: nc, pending: append([]byte(nil), early...)}, nil, nil
		}
		return nc, nil, nil
	case head.StatusCode == 407:
		nc.Close() // the retry dials again rather than draining the 407's body

		return nil, &ConnectRefusal{
			Status:     head.StatusCode,
			StatusText: head.StatusText,
			Headers:    head.Headers,
			Challenges: auth.ParseChallenges(head.Headers, "Proxy-Authenticate"),
		}, nil
	}
	nc.Close()
	return nil, nil, neterr.New(neterr.TunnelConnectionFailed,
		fmt.Errorf("CONNECT %s via %s: the proxy answered %d %s", authority, proxy.Addr(), head.StatusCode, head.StatusText))
}

// replayConn reads bytes that arrived with the tunnel's response head
// before reading the socket again.
type replayConn struct {
	net.Conn
	pending []byte
}

func (c *replayConn) Read(p []byte) (int, error) {
	if len(c.pending) > 0 {
		n := copy(p, c.pending)
		c.pending = c.pending[n:]
		return n, nil
	}
	return c.Conn.Read(p)
}

// socksError names a failure of the SOCKS exchange: a stall is
// ERR_TIMED_OUT, anything else ERR_SOCKS_CONNECTION_FAILED.
func socksError(proxy Server, err error) *neterr.Error {
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return neterr.New(neterr.TimedOut, fmt.Errorf("SOCKS proxy %s: %w", proxy.Addr(), err))
	}
	return neterr.New(neterr.SOCKSConnectionFailed, fmt.Errorf("SOCKS proxy %s: %w", proxy.Addr(), err))
}

// socks5Replies are RFC 1928's reply codes.
var socks5Replies = map[byte]string{
	1: "general SOCKS server failure",
	2: "connection not allowed by ruleset",
	3: "network unreachable",
	4: "host unreachable",
	5: "connection refused",
	6: "TTL expired",
	7: "command not supported",
	8: "address type not supported",
}

// DialSOCKS5 connects to targetHost:targetPort through a SOCKS5 proxy (RFC
// 1928). Names go to the proxy unresolved (ATYP 3, the proxy resolves
// them); IP literals as addresses. With cred, username/password
// authentication (RFC 1929) is offered besides none.
func (d *Dialer) DialSOCKS5(ctx context.Context, proxy Server, targetHost, targetPort string, cred *auth.Credentials) (net.Conn, error) {
	host, port, err := validTarget(targetHost, targetPort)
	if err != nil {
		return nil, err
	}
	if proxy.Scheme != SchemeSOCKS5 {
		return nil, neterr.New(neterr.InvalidArgument, fmt.Errorf("SOCKS5 through %q", proxy.String()))
	}
	req := []byte{5, 1, 0} // VER, CMD=CONNECT, RSV
	if ip, err := netip.ParseAddr(host); err == nil {
		if ip = ip.Unmap(); ip.Is4() {
			req = append(req, 1)
		} else {
			req = append(req, 4)
		}
		req = append(req, ip.AsSlice()...)
	} else {
		if len(host) > 255 {
			return nil, neterr.New(neterr.SOCKSConnectionFailed, fmt.Errorf("SOCKS5: host name longer than 255 bytes"))
		}
		req = append(req, 3, byte(len(host)))
		req = append(req, host...)
	}
	req = binary.BigEndian.AppendUint16(req, port)
	if cred != nil && (len(cred.Username) > 255 || len(cred.Password) > 255) {
		return nil, neterr.New(neterr.SOCKSConnectionFailed, errors.New("SOCKS5: user name or password longer than 255 bytes"))
	}

	nc, err := d.DialProxy(ctx, proxy)
	if err != nil {
		return nil, err
	}
	end := d.handshake(ctx, nc)
	err = socks5Handshake(nc, req, cred)
	if cerr := end(); cerr != nil {
		nc.Close()
		return nil, cerr
	}
	if err != nil {
		nc.Close()
		var ne *neterr.Error
		if errors.As(err, &ne) {
			ne.Err = fmt.Errorf("SOCKS proxy %s: %w", proxy.Addr(), ne.Err)
			return nil, ne
		}
		return nil, socksError(proxy, err)
	}
	return nc, nil
}

// socks5Handshake negotiates a method, authenticates and sends the
// CONNECT request req, reading exactly the bytes the protocol defines so
// that none of the tunnel's is consumed. It follows RFC 1928 and RFC 1929
// message by message, which is why it is one function.
func socks5Handshake(nc net.Conn, req []byte, cred *auth.Credentials) error {
	greeting := []byte{5, 1, 0}
	if cred != nil {
		greeting = []byte{5, 2, 0, 2}
	}
	if _, err := nc.Write(greeting); err != nil {
		return err
	}
	var choice [2]byte
	if _, err := io.ReadFull(nc, choice[:]); err != nil {
		return err
	}
	if choice[0] != 5 {
		return fmt.Errorf("not a SOCKS5 server (version %d)", choice[0])
	}
	switch choice[1] {
	case 0:
	case 2:
		if cred == nil {
			return errors.New("the server asks for a user name and password")
		}
		auth := []byte{1, byte(len(cred.Username))}
		auth = append(auth, cred.Username...)
		auth = append(auth, byte(len(cred.Password)))
		auth = append(auth, cred.Password...)
		if _, err := nc.Write(auth); err != nil {
			return err
		}
		var status [2]byte
		if _, err := io.ReadFull(nc, status[:]); err != nil {
			return err
		}
		if status[1] != 0 {
			return errors.New("the server refused the user name and password")
		}
	case 0xff:
		if cred == nil {
			return errors.New("the server accepts none of our methods (it may want a user name and password)")
		}
		return errors.New("the server accepts none of our methods")
	default:
		return fmt.Errorf("the server chose method %d, which was not offered", choice[1])
	}

	if _, err := nc.Write(req); err != nil {
		return err
	}
	var reply [4]byte // VER, REP, RSV, ATYP
	if _, err := io.ReadFull(nc, reply[:]); err != nil {
		return err
	}
	if reply[0] != 5 {
		return fmt.Errorf("bad reply version %d", reply[0])
	}
	if rep := reply[1]; rep != 0 {
		why := socks5Replies[rep]
		if why == "" {
			why = "reply " + strconv.Itoa(int(rep))
		}
		name := neterr.SOCKSConnectionFailed
		if rep == 3 || rep == 4 {
			name = neterr.SOCKSConnectionHostUnreachable
		}
		return neterr.New(name, errors.New(why))
	}
	var addrLen int
	switch reply[3] {
	case 1:
		addrLen = 4
	case 4:
		addrLen = 16
	case 3:
		var n [1]byte
		if _, err := io.ReadFull(nc, n[:]); err != nil {
			return err
		}
		addrLen = int(n[0])
	default:
		return fmt.Errorf("bad address type %d in the reply", reply[3])
	}
	bound := make([]byte, addrLen+2) // BND.ADDR, BND.PORT: read and dropped
	_, err := io.ReadFull(nc, bound)
	return err
}

// DialSOCKS4 connects to targetHost:targetPort through a SOCKS4 proxy:
// SOCKS4a for names (the proxy resolves them), plain SOCKS4 for IPv4
// literals. IPv6 targets cannot be reached over SOCKS4.
func (d *Dialer) DialSOCKS4(ctx context.Context, proxy Server, targetHost, targetPort string) (net.Conn, error) {
	host, port, err := validTarget(targetHost, targetPort)
	if err != nil {
		return nil, err
	}
	if proxy.Scheme != SchemeSOCKS4 {
		return nil, neterr.New(neterr.InvalidArgument, fmt.Errorf("SOCKS4 through %q", proxy.String()))
	}
	req := []byte{4, 1} // VN, CD=CONNECT
	req = binary.BigEndian.AppendUint16(req, port)
	name := ""
	if ip, err := netip.ParseAddr(host); err == nil {
		if ip = ip.Unmap(); !ip.Is4() {
			return nil, neterr.New(neterr.SOCKSConnectionFailed, fmt.Errorf("SOCKS4 cannot reach the IPv6 address %s", host))
		}
		req = append(req, ip.AsSlice()...)
	} else {
		req = append(req, 0, 0, 0, 1) // SOCKS4a: 0.0.0.x, the name follows
		name = host
	}
	req = append(req, 0) // empty USERID
	if name != "" {
		req = append(req, name...)
		req = append(req, 0)
	}

	nc, err := d.DialProxy(ctx, proxy)
	if err != nil {
		return nil, err
	}
	end := d.handshake(ctx, nc)
	var reply [8]byte
	_, err = nc.Write(req)
	if err == nil {
		_, err = io.ReadFull(nc, reply[:])
	}
	if cerr := end(); cerr != nil {
		nc.Close()
		return nil, cerr
	}
	if err != nil {
		nc.Close()
		return nil, socksError(proxy, err)
	}
	if reply[0] != 0 || reply[1] != 0x5a {
		nc.Close()
		return nil, socksError(proxy, fmt.Errorf("request rejected (reply %d, code 0x%02x)", reply[0], reply[1]))
	}
	return nc, nil
}
