// Command testcert writes a fresh test PKI for the TLS tests.
//
//	go run ./internal/testcert -out DIR
//
// writes into DIR (created if missing):
//
//	ca.pem                              a self-signed CA
//	server.pem, server-key.pem          signed by the CA, valid now
//	expired.pem, expired-key.pem        signed by the CA, expired yesterday
//	wronghost.pem, wronghost-key.pem    signed by the CA, SAN wrong.example only
//	selfsigned.pem, selfsigned-key.pem  a self-signed leaf, not from the CA
//
// Every leaf except wronghost names localhost, 127.0.0.1 and ::1. Keys are
// ECDSA P-256 in PKCS#8 ("PRIVATE KEY") PEM. Nothing is reused between runs:
// each run makes new keys and new certificates. It prints nothing on success.
package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// loopbackIPs are the addresses every valid leaf is issued for.
var loopbackIPs = []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}

func main() {
	out := flag.String("out", "", "directory to write the certificates into (required)")
	flag.Parse()
	if *out == "" || flag.NArg() != 0 {
		fmt.Fprintln(os.Stderr, "usage: testcert -out DIR")
		os.Exit(2)
	}
	if err := writePKI(*out, time.Now()); err != nil {
		fmt.Fprintf(os.Stderr, "testcert: %v\n", err)
		os.Exit(1)
	}
}

// A keyPair is a certificate and the private key it certifies.
type keyPair struct {
	cert *x509.Certificate
	der  []byte // cert in DER, as written to the .pem file
	key  *ecdsa.PrivateKey
}

// writePKI issues the CA and the leaves relative to now and writes them to dir.
func writePKI(dir string, now time.Time) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}

	ca, err := issue(&x509.Certificate{
		Subject:               pkix.Name{CommonName: "go-net-request test CA"},
		NotBefore:             now.Add(-7 * 24 * time.Hour),
		NotAfter:              now.Add(7 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}, nil)
	if err != nil {
		return fmt.Errorf("CA: %w", err)
	}
	if err := writeCert(filepath.Join(dir, "ca.pem"), ca); err != nil {
		return err
	}

	leaves := []struct {
		name     string // file stem
		parent   *keyPair
		template *x509.Certificate
	}{
		{"server", ca, leaf("localhost", now.Add(-time.Hour), now.Add(7*24*time.Hour))},
		{"expired", ca, leaf("localhost", now.Add(-7*24*time.Hour), now.Add(-24*time.Hour))},
		{"wronghost", ca, &x509.Certificate{
			Subject:               pkix.Name{CommonName: "wrong.example"},
			DNSNames:              []string{"wrong.example"},
			NotBefore:             now.Add(-time.Hour),
			NotAfter:              now.Add(7 * 24 * time.Hour),
			KeyUsage:              x509.KeyUsageDigitalSignature,
			ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
			BasicConstraintsValid: true,
		}},
		{"selfsigned", nil, leaf("127.0.0.1", now.Add(-time.Hour), now.Add(7*24*time.Hour))},
	}
	for _, l := range leaves {
		kp, err := issue(l.template, l.parent)
		if err != nil {
			return fmt.Errorf("%s: %w", l.name, err)
		}
		if err := writeCert(filepath.Join(dir, l.name+".pem"), kp); err != nil {
			return err
		}
		if err := writeKey(filepath.Join(dir, l.name+"-key.pem"), kp); err != nil {
			return err
		}
	}
	return nil
}

// leaf returns a server certificate template for the loopback names.
func leaf(commonName string, notBefore, notAfter time.Time) *x509.Certificate {
	return &x509.Certificate{
		Subject:               pkix.Name{CommonName: commonName},
		DNSNames:              []string{"localhost"},
		IPAddresses:           loopbackIPs,
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
	}
}

// issue makes a new key and signs template with parent's key, or with the
// new key itself when parent is nil (a self-signed certificate).
func issue(template *x509.Certificate, parent *keyPair) (*keyPair, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	// A positive serial of up to 128 random bits, as RFC 5280 allows.
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, err
	}
	template.SerialNumber = serial.Add(serial, big.NewInt(1))

	signerCert, signerKey := template, key
	if parent != nil {
		signerCert, signerKey = parent.cert, parent.key
	}
	der, err := x509.CreateCertificate(rand.Reader, template, signerCert, &key.PublicKey, signerKey)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &keyPair{cert: cert, der: der, key: key}, nil
}

// writeCert writes kp's certificate as a PEM "CERTIFICATE" block.
func writeCert(path string, kp *keyPair) error {
	return writePEM(path, 0o644, &pem.Block{Type: "CERTIFICATE", Bytes: kp.der})
}

// writeKey writes kp's private key as a PKCS#8 PEM "PRIVATE KEY" block.
func writeKey(path string, kp *keyPair) error {
	der, err := x509.MarshalPKCS8PrivateKey(kp.key)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return writePEM(path, 0o600, &pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

// writePEM writes one PEM block to path, replacing any file already there.
func writePEM(path string, perm os.FileMode, block *pem.Block) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, perm)
	if err != nil {
		return err
	}
	err = pem.Encode(f, block)
	return errors.Join(err, f.Close())
}
