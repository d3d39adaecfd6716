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
// TLS handshakes, on top of the system store (or Options.RootCAs). An
// empty pems goes back to the system store alone.
func (c *Client) SetExtraRootCAs(pems string) error {
	var pool *x509.CertPool
	if c.opts.RootCAs != nil {
		pool = c.opts.RootCAs.Clone()
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
		cfg.RootCAs = c.opts.RootCAs
	}
	c.tlsConfig.Store(cfg)
	return nil
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
// it leaves the engine's own verification in place.
func (x *Exchange) hostVerification(cfg *tls.Config, host string) {
	sink, asks := x.sink.(CertSink)
	if !asks || !x.client.hostVerifies.Load() {
		return
	}
	roots := cfg.RootCAs
	cfg.InsecureSkipVerify = true // verified below, with the host's say
	cfg.VerifyConnection = func(cs tls.ConnectionState) error {
		own := verifyChain(cs.PeerCertificates, host, roots)
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

// verifyChain is Go's default verification of a server chain for host.
func verifyChain(chain []*x509.Certificate, host string, roots *x509.CertPool) error {
	if len(chain) == 0 {
		return errors.New("the server sent no certificate")
	}
	intermediates := x509.NewCertPool()
	for _, c := range chain[1:] {
		intermediates.AddCert(c)
	}
	_, err := chain[0].Verify(x509.VerifyOptions{DNSName: host, Roots: roots, Intermediates: intermediates, CurrentTime: time.Now()})
	if err != nil {
		return &tls.CertificateVerificationError{UnverifiedCertificates: chain, Err: err}
	}
	return nil
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
