package gocore

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"

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
// TLS handshakes, on top of the session's trust store (transport.SystemRoots, or
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

// CertificateVerdict answers a VerifyCertificate: VerdictTrust,
// VerdictFail or VerdictUseDefault. Late or repeated answers are ignored.
func (x *Exchange) CertificateVerdict(verdict int) {
	if x.asking.CompareAndSwap(askCert, askNone) {
		x.answer <- answer{verdict: verdict}
	}
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

// hostJudge lets the host's verify procedure decide about certificates
// for an exchange, when the session asks for that and the sink can;
// otherwise the engine's own verdict stands.
type hostJudge struct{ x *Exchange }

func (j hostJudge) JudgeCertificate(host string, chain []*x509.Certificate, own error) error {
	x := j.x
	sink, asks := x.sink.(CertSink)
	if !asks || !x.client.hostVerifies.Load() {
		return own
	}
	check := &CertificateCheck{Hostname: host, Chain: chain}
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
