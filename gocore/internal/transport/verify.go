package transport

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"os"
	"runtime"
	"time"

	"github.com/go-net-request/go-net-request/gocore/neterr"
)

// certFileEnv names a PEM file of trusted certificates, as for OpenSSL.
const certFileEnv = "SSL_CERT_FILE"

// SystemRoots is the trust store of a session that is given none: nil
// (crypto/x509's system pool) where crypto/x509 reads SSL_CERT_FILE
// itself (Linux and the other Unixes, where the file replaces the default
// bundle, as with OpenSSL); on Windows and macOS, whose stores x509 asks
// the platform about, the system store plus the certificates in
// SSL_CERT_FILE, so a corporate CA can be trusted without installing it.
func SystemRoots() *x509.CertPool {
	if runtime.GOOS != "windows" && runtime.GOOS != "darwin" && runtime.GOOS != "ios" {
		return nil
	}
	return rootsWithCertFile(os.Getenv(certFileEnv), x509.SystemCertPool)
}

// rootsWithCertFile is system() plus the PEM certificates in file; nil
// (the system store alone) when file is empty, cannot be read or holds no
// certificate, as a bad SSL_CERT_FILE adds nothing on Linux either.
func rootsWithCertFile(file string, system func() (*x509.CertPool, error)) *x509.CertPool {
	if file == "" {
		return nil
	}
	pems, err := os.ReadFile(file)
	if err != nil {
		return nil
	}
	pool, err := system()
	if err != nil {
		return nil
	}
	if !pool.AppendCertsFromPEM(pems) {
		return nil
	}
	return pool
}

// A Judge decides about a server's certificate in the engine's place (the
// host's verify procedure). own is the engine's verdict, nil when it
// trusts the chain; the handshake goes on when JudgeCertificate returns
// nil and fails with the error it returns otherwise.
type Judge interface {
	JudgeCertificate(host string, chain []*x509.Certificate, own error) error
}

// verifyServerCertificates makes cfg's handshakes verify the server with
// verifyServer, for host, against cfg.RootCAs, and lets judge, when not
// nil, decide on that verdict. Every TLS connection the engine opens (to
// origins, over HTTP/1.1 and HTTP/2, inside CONNECT tunnels, to HTTPS
// proxies) is verified there, so the same certificate gets the same
// verdict on every platform. crypto/tls's own verification is off because
// it asks the platform's verifier (Windows, macOS) about the name as well,
// and wine's does not match IP addresses; SNI and session resumption still
// follow cfg.ServerName.
func verifyServerCertificates(cfg *tls.Config, host string, judge Judge) {
	roots := cfg.RootCAs
	cfg.InsecureSkipVerify = true // verified by VerifyConnection, on resumption too
	cfg.VerifyConnection = func(cs tls.ConnectionState) error {
		own := verifyServer(cs.PeerCertificates, host, roots, time.Now())
		if judge == nil {
			return own
		}
		return judge.JudgeCertificate(host, cs.PeerCertificates, own)
	}
}

// verifyServer verifies a server's chain (leaf first) for host as
// Chromium does: the chain against roots (nil: the system store, through
// the platform's verifier on Windows and macOS), then the name, and
// reports the most serious problem in Chromium's order
// (MapCertStatusToNetError): an invalid certificate, an unknown
// authority, a wrong name, then dates. An untrusted certificate for
// another host is thus ERR_CERT_AUTHORITY_INVALID, an expired one for
// another host ERR_CERT_COMMON_NAME_INVALID. The NetError wraps a
// *tls.CertificateVerificationError.
func verifyServer(chain []*x509.Certificate, host string, roots *x509.CertPool, now time.Time) error {
	if len(chain) == 0 {
		return neterr.New(neterr.CertInvalid, errors.New("the server sent no certificate"))
	}
	chainErr, dateErr := verifyChain(chain, roots, now)
	nameErr := chain[0].VerifyHostname(host)
	var name string
	var worst error
	var invalid x509.CertificateInvalidError
	switch {
	case chainErr != nil && errors.As(chainErr, &invalid):
		name, worst = neterr.CertInvalid, chainErr
	case chainErr != nil && isUnknownAuthority(chainErr):
		name, worst = neterr.CertAuthorityInvalid, chainErr
	case chainErr != nil:
		name, worst = neterr.CertInvalid, chainErr // the platform verifier's other refusals
	case nameErr != nil:
		name, worst = neterr.CertCommonNameInvalid, nameErr
	case dateErr != nil:
		name, worst = neterr.CertDateInvalid, dateErr
	default:
		return nil
	}
	return neterr.New(name, &tls.CertificateVerificationError{UnverifiedCertificates: chain, Err: worst})
}

// verifyChain verifies chain without a name and returns the date problem
// apart from any other. x509 stops at the first certificate out of its
// dates, while Chromium ranks an unknown authority above dates: the chain
// is verified again at a time when that certificate was valid, until it
// passes or fails for another reason.
func verifyChain(chain []*x509.Certificate, roots *x509.CertPool, now time.Time) (chainErr, dateErr error) {
	opts := x509.VerifyOptions{Roots: roots, Intermediates: x509.NewCertPool(), CurrentTime: now}
	for _, c := range chain[1:] {
		opts.Intermediates.AddCert(c)
	}
	for range len(chain) + 1 { // each round moves into one certificate's dates
		_, err := chain[0].Verify(opts)
		var invalid x509.CertificateInvalidError
		if !errors.As(err, &invalid) || invalid.Reason != x509.Expired {
			return err, dateErr
		}
		if dateErr == nil {
			dateErr = err
		}
		at, ok := withinDates(invalid.Cert, opts.CurrentTime)
		if !ok {
			break // the verifier names no certificate out of its dates at this time
		}
		opts.CurrentTime = at
	}
	return nil, dateErr
}

// withinDates is the time nearest to t at which c is valid; false when c
// is nil or already valid at t.
func withinDates(c *x509.Certificate, t time.Time) (time.Time, bool) {
	switch {
	case c == nil:
		return t, false
	case t.After(c.NotAfter):
		return c.NotAfter, true
	case t.Before(c.NotBefore):
		return c.NotBefore, true
	}
	return t, false
}

// isUnknownAuthority reports whether err says the chain leads to no
// trusted root.
func isUnknownAuthority(err error) bool {
	var unknown x509.UnknownAuthorityError
	var noRoots x509.SystemRootsError
	return errors.As(err, &unknown) || errors.As(err, &noRoots)
}

// certificateHost is the name a certificate must match: IP literals
// without brackets.
func certificateHost(host string) string {
	if ip := net.ParseIP(host); ip != nil {
		return ip.String()
	}
	return host
}
