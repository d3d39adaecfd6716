package transport

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-net-request/go-net-request/gocore/neterr"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A testCA is a certificate authority made for one test.
type testCA struct {
	cert *x509.Certificate
	pem  string
	pool *x509.CertPool // trusts this CA alone
}

func newTestCA(t *testing.T) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "transport test CA"},
		NotBefore:             time.Now().Add(-30 * 24 * time.Hour),
		NotAfter:              time.Now().Add(30 * 24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &testCA{cert: cert, pool: pool,
		pem: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))}
}

func TestVerifyServerWithoutCertificates(t *testing.T) {
	err := verifyServer(nil, "localhost", x509.NewCertPool(), time.Now())
	assert.Equal(t, neterr.CertInvalid, neterr.NameOf(err))
}

// TestRootsWithCertFile checks how SSL_CERT_FILE adds to the system store
// on Windows and macOS (SystemRoots): its certificates on top of the
// system's, and nothing (the system store alone) when the file cannot be
// read or holds no certificate.
func TestRootsWithCertFile(t *testing.T) {
	dir := t.TempDir()
	fileCA, systemCA := newTestCA(t), newTestCA(t)
	write := func(name, content string) string {
		path := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
		return path
	}
	system := func() (*x509.CertPool, error) { return systemCA.pool.Clone(), nil }
	trusts := func(pool *x509.CertPool, ca *testCA) bool {
		_, err := ca.cert.Verify(x509.VerifyOptions{Roots: pool})
		return err == nil
	}

	pool := rootsWithCertFile(write("ca.pem", "a comment\n"+fileCA.pem), system)
	require.NotNil(t, pool)
	assert.True(t, trusts(pool, fileCA), "the file's CA")
	assert.True(t, trusts(pool, systemCA), "the system's CAs stay")

	for name, file := range map[string]string{
		"unset":          "",
		"missing file":   filepath.Join(dir, "none.pem"),
		"a directory":    dir,
		"no certificate": write("empty.pem", "-----BEGIN NOTHING-----\n-----END NOTHING-----\n"),
	} {
		assert.Nil(t, rootsWithCertFile(file, system), name)
	}
	noSystem := func() (*x509.CertPool, error) { return nil, errors.New("no system store") }
	assert.Nil(t, rootsWithCertFile(write("ca2.pem", fileCA.pem), noSystem), "the system store alone when it cannot be extended")
}
