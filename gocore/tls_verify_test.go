package gocore

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/go-net-request/go-net-request/gocore/neterr"
	"github.com/go-net-request/go-net-request/gocore/proxy"
	"github.com/go-net-request/go-net-request/internal/testkit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// leafSpec describes a server certificate; the zero value is valid now
// for localhost and 127.0.0.1, for server authentication.
type leafSpec struct {
	dnsNames  []string // default: localhost
	ips       []net.IP // default: 127.0.0.1 (none when dnsNames is set)
	notBefore time.Time
	notAfter  time.Time
	usage     x509.ExtKeyUsage // default: server authentication
}

var (
	expired    = leafSpec{notBefore: time.Now().Add(-48 * time.Hour), notAfter: time.Now().Add(-24 * time.Hour)}
	notYet     = leafSpec{notBefore: time.Now().Add(24 * time.Hour), notAfter: time.Now().Add(48 * time.Hour)}
	otherHost  = leafSpec{dnsNames: []string{"wrong.example"}}
	expiredFor = func(names ...string) leafSpec { s := expired; s.dnsNames = names; return s }
)

// issueLeaf makes a leaf certificate signed by ca.
func issueLeaf(t *testing.T, ca *testkit.CA, spec leafSpec) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: "gocore test server"},
		DNSNames:              spec.dnsNames,
		IPAddresses:           spec.ips,
		NotBefore:             spec.notBefore,
		NotAfter:              spec.notAfter,
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{spec.usage},
		BasicConstraintsValid: true,
	}
	if spec.dnsNames == nil {
		tmpl.DNSNames = []string{"localhost"}
		if spec.ips == nil {
			tmpl.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1)}
		}
	}
	if spec.notAfter.IsZero() {
		tmpl.NotBefore, tmpl.NotAfter = time.Now().Add(-time.Hour), time.Now().Add(24*time.Hour)
	}
	if spec.usage == x509.ExtKeyUsageAny {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, &key.PublicKey, ca.Key)
	require.NoError(t, err)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// newServerWithCert starts a loopback HTTPS server (HTTP/2 offered when
// h2) that presents cert and answers "ok" with the protocol and whether
// the TLS session was resumed.
func newServerWithCert(t *testing.T, cert tls.Certificate, h2 bool) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "ok %s resumed=%v", r.Proto, r.TLS.DidResume)
	}))
	srv.Config.ErrorLog = quietLog
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"http/1.1"}}
	if h2 {
		srv.TLS.NextProtos = []string{"h2", "http/1.1"}
	}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

// urlFor is srv's https URL with host in place of 127.0.0.1.
func urlFor(srv *httptest.Server, host string) string {
	return fmt.Sprintf("https://%s/", net.JoinHostPort(host, fmt.Sprint(srv.Listener.Addr().(*net.TCPAddr).Port)))
}

// untrusting is a pool that trusts no test CA (the system's roots do not
// know them either).
func untrusting() *x509.CertPool { return x509.NewCertPool() }

// TestExchangeCertificateVerdicts checks which error a certificate with
// one or more problems gets: Chromium's most serious first (invalid,
// unknown authority, wrong name, dates), whatever order x509 checks in.
func TestExchangeCertificateVerdicts(t *testing.T) {
	tests := []struct {
		name    string
		leaf    leafSpec
		trusted bool
		host    string
		wantErr string // "" for a response
	}{
		{name: "trusted, IP literal in the certificate", trusted: true, host: "127.0.0.1"},
		{name: "trusted, DNS name in the certificate", trusted: true, host: "localhost"},
		{name: "trusted, IP literal only in the certificate", leaf: leafSpec{dnsNames: []string{}, ips: []net.IP{net.IPv4(127, 0, 0, 1)}}, trusted: true, host: "127.0.0.1"},
		{name: "untrusted authority", host: "127.0.0.1", wantErr: neterr.CertAuthorityInvalid},
		{name: "untrusted authority, another host", leaf: otherHost, host: "127.0.0.1", wantErr: neterr.CertAuthorityInvalid},
		{name: "trusted, another host", leaf: otherHost, trusted: true, host: "127.0.0.1", wantErr: neterr.CertCommonNameInvalid},
		{name: "trusted, IP literal not in the certificate", leaf: leafSpec{dnsNames: []string{"localhost"}}, trusted: true, host: "127.0.0.1", wantErr: neterr.CertCommonNameInvalid},
		{name: "trusted, expired", leaf: expired, trusted: true, host: "127.0.0.1", wantErr: neterr.CertDateInvalid},
		{name: "trusted, not yet valid", leaf: notYet, trusted: true, host: "localhost", wantErr: neterr.CertDateInvalid},
		{name: "untrusted authority, expired", leaf: expired, host: "127.0.0.1", wantErr: neterr.CertAuthorityInvalid},
		{name: "trusted, expired, another host", leaf: expiredFor("wrong.example"), trusted: true, host: "127.0.0.1", wantErr: neterr.CertCommonNameInvalid},
		{name: "untrusted authority, expired, another host", leaf: expiredFor("wrong.example"), host: "127.0.0.1", wantErr: neterr.CertAuthorityInvalid},
		{name: "trusted, not for servers, another host", leaf: leafSpec{dnsNames: []string{"wrong.example"}, usage: x509.ExtKeyUsageClientAuth}, trusted: true, host: "127.0.0.1", wantErr: neterr.CertInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ca := testkit.NewCA(t, "gocore test CA")
			srv := newServerWithCert(t, issueLeaf(t, ca, tt.leaf), false)
			roots := untrusting()
			if tt.trusted {
				roots = ca.Pool
			}
			c := newClient(t, Options{RootCAs: roots})
			evs, rec := get(t, c, urlFor(srv, tt.host))
			if tt.wantErr == "" {
				requireEnd(t, evs)
				body, _ := rec.received()
				assert.Contains(t, body, "ok HTTP/1.1")
				return
			}
			requireFail(t, evs, tt.wantErr)
			body, _ := rec.received()
			assert.Empty(t, body)
		})
	}
}

// TestCertificateVerdictOnEveryPath checks that every TLS connection the
// engine opens is verified the same way: an untrusted certificate for
// another host is ERR_CERT_AUTHORITY_INVALID over HTTP/1.1, HTTP/2 and
// inside a CONNECT tunnel, and an HTTPS proxy reached by IP literal is
// verified against its IP address.
func TestCertificateVerdictOnEveryPath(t *testing.T) {
	ca := testkit.NewCA(t, "gocore test CA")
	wrongHost := issueLeaf(t, ca, otherHost)

	t.Run("HTTP/1.1", func(t *testing.T) {
		srv := newServerWithCert(t, wrongHost, false)
		evs, _ := get(t, newClient(t, Options{RootCAs: untrusting(), DisableHTTP2: true}), srv.URL)
		requireFail(t, evs, neterr.CertAuthorityInvalid)
	})
	t.Run("HTTP/2", func(t *testing.T) {
		srv := newServerWithCert(t, wrongHost, true)
		evs, _ := get(t, newClient(t, Options{RootCAs: untrusting()}), srv.URL)
		requireFail(t, evs, neterr.CertAuthorityInvalid)

		trusted := newServerWithCert(t, issueLeaf(t, ca, leafSpec{}), true)
		evs, rec := get(t, newClient(t, Options{RootCAs: ca.Pool}), trusted.URL)
		requireEnd(t, evs)
		body, _ := rec.received()
		assert.Contains(t, body, "ok HTTP/2.0", "an IP literal is verified over HTTP/2 too")
	})
	t.Run("inside a CONNECT tunnel", func(t *testing.T) {
		srv := newServerWithCert(t, wrongHost, false)
		targets := map[string]string{"target.test:443": srv.Listener.Addr().String()}
		addr, seen := testkit.NewConnectProxy(t, testkit.Established, targets, nil)
		c := newClient(t, Options{RootCAs: untrusting()})
		require.NoError(t, c.SetProxy(proxy.Config{Mode: proxy.ModeFixedServers, ProxyRules: addr}))
		evs, _ := get(t, c, "https://target.test/")
		requireFail(t, evs, neterr.CertAuthorityInvalid)
		assert.Equal(t, "target.test:443", testkit.Recv(t, seen, "the CONNECT").Target)

		trusting := newClient(t, Options{RootCAs: ca.Pool})
		require.NoError(t, trusting.SetProxy(proxy.Config{Mode: proxy.ModeFixedServers, ProxyRules: addr}))
		evs, _ = get(t, trusting, "https://target.test/")
		requireFail(t, evs, neterr.CertCommonNameInvalid)
	})
	t.Run("HTTPS proxy by IP literal", func(t *testing.T) {
		target := newServer(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "via proxy") })
		proxyCert := issueLeaf(t, ca, leafSpec{dnsNames: []string{}, ips: []net.IP{net.IPv4(127, 0, 0, 1)}})
		serverTLS := &tls.Config{Certificates: []tls.Certificate{proxyCert}}
		proxyAddr := testkit.NewTCPServer(t, func(c net.Conn) {
			tc := tls.Server(c, serverTLS)
			defer tc.Close()
			pc, err := net.Dial("tcp", target.Listener.Addr().String())
			if err != nil {
				return
			}
			testkit.PipeConns(tc, pc) // an http proxy that forwards everything to the target
		})
		for _, tc := range []struct {
			roots   *x509.CertPool
			wantErr string
		}{{ca.Pool, ""}, {untrusting(), neterr.ProxyCertificateInvalid}} {
			c := newClient(t, Options{RootCAs: tc.roots})
			require.NoError(t, c.SetProxy(proxy.Config{Mode: proxy.ModeFixedServers, ProxyRules: "https://" + proxyAddr}))
			evs, rec := get(t, c, "http://target.test/")
			if tc.wantErr != "" {
				requireFail(t, evs, tc.wantErr)
				continue
			}
			requireEnd(t, evs)
			body, _ := rec.received()
			assert.Equal(t, "via proxy", body)
		}
	})
}

// TestResumedSessionIsVerifiedAgain checks that TLS session resumption
// skips no verification: after the session stops trusting a CA, a
// connection that could resume a session made while it did still fails.
func TestResumedSessionIsVerifiedAgain(t *testing.T) {
	ca := testkit.NewCA(t, "gocore test CA")
	srv := newServerWithCert(t, issueLeaf(t, ca, leafSpec{}), false)
	c := newClient(t, Options{RootCAs: untrusting()})
	require.NoError(t, c.SetExtraRootCAs(ca.PEM))
	for i, want := range []string{"resumed=false", "resumed=true"} {
		evs, rec := get(t, c, srv.URL)
		requireEnd(t, evs)
		body, _ := rec.received()
		assert.Contains(t, body, want, "request %d", i)
		c.CloseIdleConnections()
	}
	require.NoError(t, c.SetExtraRootCAs(""))
	evs, _ := get(t, c, srv.URL)
	requireFail(t, evs, neterr.CertAuthorityInvalid)
}

// TestSSLCertFileTrustedBySessions checks a session made while
// SSL_CERT_FILE names a CA trusts that CA, for an IP literal too. On
// Linux crypto/x509 reads the file itself, once per process: the test
// runs where the engine adds it (Windows, macOS).
func TestSSLCertFileTrustedBySessions(t *testing.T) {
	if runtime.GOOS != "windows" && runtime.GOOS != "darwin" {
		t.Skip("crypto/x509 reads SSL_CERT_FILE itself here, once per process")
	}
	ca := testkit.NewCA(t, "gocore test CA")
	file := filepath.Join(t.TempDir(), "ca.PEM")
	require.NoError(t, os.WriteFile(file, []byte(ca.PEM), 0o644))
	srv := newServerWithCert(t, issueLeaf(t, ca, leafSpec{}), false)

	evs, _ := get(t, newClient(t, Options{}), srv.URL)
	requireFail(t, evs, neterr.CertAuthorityInvalid)
	t.Setenv("SSL_CERT_FILE", file)
	for _, host := range []string{"127.0.0.1", "localhost"} {
		evs, _ = get(t, newClient(t, Options{}), urlFor(srv, host))
		requireEnd(t, evs)
	}
}
