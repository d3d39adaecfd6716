package testkit

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// Raw loopback servers for the tests of several packages: a TCP server,
// and a CONNECT proxy that tunnels to the targets it is given.

// NewTCPServer accepts on 127.0.0.1 and runs handle for each connection
// (which it closes afterwards). Cleanup closes the listener and every
// connection, and waits for the handlers.
func NewTCPServer(t *testing.T, handle func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var wg sync.WaitGroup
	var mu sync.Mutex
	conns := map[net.Conn]bool{}
	closed := false
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			if closed {
				mu.Unlock()
				c.Close()
				continue
			}
			conns[c] = true
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				handle(c)
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		closed = true
		for c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return ln.Addr().String()
}

// PipeConns copies both ways until either side ends, then closes both.
func PipeConns(a, b net.Conn) {
	done := make(chan struct{}, 2)
	go func() { io.Copy(a, b); done <- struct{}{} }()
	go func() { io.Copy(b, a); done <- struct{}{} }()
	<-done
	a.Close()
	b.Close()
	<-done
}

// ConnectRequest is a CONNECT a test proxy received.
type ConnectRequest struct {
	Method, Target, Host string
	Header               http.Header // without Host, which is in Host
}

// NewConnectProxy is a small HTTP proxy: answer gives the raw response
// to a CONNECT and whether to tunnel to targets[authority] afterwards.
// wrap (optional) wraps each accepted connection, for TLS.
func NewConnectProxy(t *testing.T, answer func(r *http.Request) (string, bool), targets map[string]string, wrap func(net.Conn) net.Conn) (addr string, seen chan ConnectRequest) {
	t.Helper()
	seen = make(chan ConnectRequest, 16)
	addr = NewTCPServer(t, func(c net.Conn) {
		if wrap != nil {
			c = wrap(c)
			defer c.Close()
		}
		br := bufio.NewReader(c)
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		seen <- ConnectRequest{Method: req.Method, Target: req.RequestURI, Host: req.Host, Header: req.Header.Clone()}
		resp, tunnel := answer(req)
		if _, err := io.WriteString(c, resp); err != nil || !tunnel {
			return
		}
		tc, err := net.Dial("tcp", targets[req.RequestURI])
		if err != nil {
			return
		}
		PipeConns(ReplayConn(c, br), tc)
	})
	return addr, seen
}

// Established is a CONNECT success.
func Established(*http.Request) (string, bool) {
	return "HTTP/1.1 200 Connection established\r\n\r\n", true
}

// ReplayConn is c read through br: what br took ahead of the protocol it
// served comes first, then the rest of the connection.
func ReplayConn(c net.Conn, br *bufio.Reader) net.Conn { return &replayConn{Conn: c, r: br} }

type replayConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *replayConn) Read(p []byte) (int, error) { return c.r.Read(p) }
