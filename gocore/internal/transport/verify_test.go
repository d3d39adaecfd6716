package transport

import (
	"crypto/x509"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-net-request/go-net-request/gocore/neterr"
	"github.com/go-net-request/go-net-request/internal/testkit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

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
	fileCA, systemCA := testkit.NewCA(t, "transport test CA"), testkit.NewCA(t, "transport test CA")
	write := func(name, content string) string {
		path := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
		return path
	}
	system := func() (*x509.CertPool, error) { return systemCA.Pool.Clone(), nil }
	trusts := func(pool *x509.CertPool, ca *testkit.CA) bool {
		_, err := ca.Cert.Verify(x509.VerifyOptions{Roots: pool})
		return err == nil
	}

	pool := rootsWithCertFile(write("ca.PEM", "a comment\n"+fileCA.PEM), system)
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
	assert.Nil(t, rootsWithCertFile(write("ca2.pem", fileCA.PEM), noSystem), "the system store alone when it cannot be extended")
}
