package gocore

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"os"
	"runtime"
	"time"

	"github.com/go-net-request/go-net-request/gocore/neterr"
)

// CertificateCheck is what the host's verify procedure is asked about
// (Electron's setCertificateVerifyProc request).
type CertificateCheck struct {
	Hostname string
	Chain    []*x509.Certificate // the server's chain, leaf first
	Verdict  *neterr.Error       // the engine's own verification; nil when it trusts the chain
}

// CertSink is a Sink that can verify certificates itself. When the session
// asks for it (Client.SetHostVerifiesCertificates), the handshake waits for
// Exchange.CertificateVerdict after VerifyCertificate.
type CertSink interface {
	Sink
	VerifyCertificate(check *CertificateCheck)
}

// The verdicts of Electron's verify procedure.
const (
	VerdictTrust      = 0  // trust the certificate
	VerdictFail       = -2 // fail the request
	VerdictUseDefault = -3 // use the engine's own verification
)

// SetHostVerifiesCertificates makes every TLS handshake of the session ask
// the host (through CertSink) whether to trust the server's certificate.
func (c *Client) SetHostVerifiesCertificates(on bool) { c.hostVerifies.Store(on) }

// SetExtraRootCAs trusts the PEM certificates in pems for this session's
// TLS handshakes, on top of the session's trust store (systemRoots, or
// Options.RootCAs). An empty pems goes back to that store alone.
func (c *Client) SetExtraRootCAs(pems string) error {
	var pool *x509.CertPool
	if c.roots != nil {
		pool = c.roots.Clone()
	} else if system, err := x509.SystemCertPool(); err == nil {
		pool = system
	} else {
		pool = x509.NewCertPool()
	}
	if pems != "" && !pool.AppendCertsFromPEM([]byte(pems)) {
		return errors.New("no PEM certificate found in the CA certificates given")
	}
	cfg := c.tlsConfig.Load().Clone()
	cfg.RootCAs = pool
	if pems == "" {
		cfg.RootCAs = c.roots
	}
	c.tlsConfig.Store(cfg)
	return nil
}

// certFileEnv names a PEM file of trusted certificates, as for OpenSSL.
const certFileEnv = "SSL_CERT_FILE"

// systemRoots is the trust store of a session that is given none: nil
// (crypto/x509's system pool) where crypto/x509 reads SSL_CERT_FILE
// itself (Linux and the other Unixes, where the file replaces the default
// bundle, as with OpenSSL); on Windows and macOS, whose stores x509 asks
// the platform about, the system store plus the certificates in
// SSL_CERT_FILE, so a corporate CA can be trusted without installing it.
func systemRoots() *x509.CertPool {
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

// CertificateVerdict answers a VerifyCertificate: VerdictTrust,
// VerdictFail or VerdictUseDefault. Late or repeated answers are ignored.
func (x *Exchange) CertificateVerdict(verdict int) {
	if x.asking.CompareAndSwap(askCert, askNone) {
		x.answer <- answer{verdict: verdict}
	}
}

// hostVerification sets cfg up so that the host decides about host's
// certificate, when the session asks for that and the sink can; otherwise
// it leaves the engine's own verification (verifyServerCertificates) in
// place.
func (x *Exchange) hostVerification(cfg *tls.Config, host string) {
	sink, asks := x.sink.(CertSink)
	if !asks || !x.client.hostVerifies.Load() {
		return
	}
	roots := cfg.RootCAs
	cfg.InsecureSkipVerify = true // verified below, with the host's say
	cfg.VerifyConnection = func(cs tls.ConnectionState) error {
		own := verifyServer(cs.PeerCertificates, host, roots, time.Now())
		check := &CertificateCheck{Hostname: host, Chain: cs.PeerCertificates}
		if own != nil {
			check.Verdict = neterr.Classify(own)
		}
		a, err := x.ask(askCert, func() { sink.VerifyCertificate(check) })
		if err != nil {
			return err
		}
		switch a.verdict {
		case VerdictTrust:
			return nil
		case VerdictUseDefault:
			return own
		}
		return neterr.New(neterr.Failed, errors.New("the certificate verify procedure refused the certificate"))
	}
}

// verifyServerCertificates makes cfg's handshakes verify the server with
// verifyServer, for host, against cfg.RootCAs. Every TLS connection the
// engine opens (to origins, over HTTP/1.1 and HTTP/2, inside CONNECT
// tunnels, to HTTPS proxies) is verified there, so the same certificate
// gets the same verdict on every platform. crypto/tls's own verification
// is off because it asks the platform's verifier (Windows, macOS) about
// the name as well, and wine's does not match IP addresses; SNI and
// session resumption still follow cfg.ServerName.
func verifyServerCertificates(cfg *tls.Config, host string) {
	roots := cfg.RootCAs
	cfg.InsecureSkipVerify = true // verified by VerifyConnection, on resumption too
	cfg.VerifyConnection = func(cs tls.ConnectionState) error {
		return verifyServer(cs.PeerCertificates, host, roots, time.Now())
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

// CertificateJSON is Electron's Certificate object.
type CertificateJSON struct {
	Data         string `json:"data"` // PEM
	IssuerName   string `json:"issuerName"`
	SubjectName  string `json:"subjectName"`
	SerialNumber string `json:"serialNumber"`
	ValidStart   int64  `json:"validStart"`  // seconds since the epoch
	ValidExpiry  int64  `json:"validExpiry"` // seconds since the epoch
	Fingerprint  string `json:"fingerprint"` // "sha256/" + base64 of the certificate's SHA-256
}

// DescribeCertificate returns Electron's view of c.
func DescribeCertificate(c *x509.Certificate) CertificateJSON {
	sum := sha256.Sum256(c.Raw)
	return CertificateJSON{
		Data:         string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})),
		IssuerName:   c.Issuer.CommonName,
		SubjectName:  c.Subject.CommonName,
		SerialNumber: fmt.Sprintf("%x", c.SerialNumber),
		ValidStart:   c.NotBefore.Unix(),
		ValidExpiry:  c.NotAfter.Unix(),
		Fingerprint:  "sha256/" + base64.StdEncoding.EncodeToString(sum[:]),
	}
}

// CertErrorCode is Chromium's number for a certificate error name (0 for none).
func CertErrorCode(e *neterr.Error) int {
	if e == nil {
		return 0
	}
	switch e.Name {
	case neterr.CertCommonNameInvalid:
		return -200
	case neterr.CertDateInvalid:
		return -201
	case neterr.CertAuthorityInvalid:
		return -202
	case neterr.CertInvalid:
		return -207
	}
	return -2
}

// hostForCertificate is the name a certificate must match: IP literals
// without brackets.
func hostForCertificate(host string) string {
	if ip := net.ParseIP(host); ip != nil {
		return ip.String()
	}
	return host
}
