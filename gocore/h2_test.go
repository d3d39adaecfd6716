package gocore

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-net-request/go-net-request/internal/testkit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// newH2Server starts a loopback HTTPS server offering h2 (and http/1.1) and
// returns a pool that trusts it.
func newH2Server(t *testing.T, h http.HandlerFunc) (*httptest.Server, *x509.CertPool) {
	t.Helper()
	cert, parsed := testkit.SelfSignedCert(t, time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = quietLog
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"h2", "http/1.1"}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	pool := x509.NewCertPool()
	pool.AddCert(parsed)
	return srv, pool
}

func TestH2SmallBodiesComeWithTheirHead(t *testing.T) {
	srv, pool := newH2Server(t, func(w http.ResponseWriter, r *http.Request) {
		body := strings.Repeat("x", len(r.URL.Path)*1000)
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.Write([]byte(body))
	})
	c := newClient(t, Options{RootCAs: pool})
	// Under load (-race, a busy machine) a body in the head's read can still
	// come later than the engine's 500 us: the head never goes alone here,
	// so the test sees the join itself, not the machine's speed.
	defer func(headAlone func(func()) func() bool) { h2HeadAlone = headAlone }(h2HeadAlone)
	h2HeadAlone = func(func()) func() bool { return func() bool { return true } }
	for _, tt := range []struct {
		path  string
		whole bool
	}{
		{"/a", true},                           // 1,000 bytes
		{"/" + strings.Repeat("a", 15), true},  // 16,000: within one DATA frame
		{"/" + strings.Repeat("a", 40), false}, // 41,000: streamed
	} {
		evs, rec := get(t, c, srv.URL+tt.path)
		head := requireEnd(t, evs)
		assert.Equal(t, 2, head.Major)
		assert.Equal(t, tt.whole, head.Complete, "%d bytes", len(tt.path)*1000)
		_, n := rec.received()
		assert.EqualValues(t, len(tt.path)*1000, n)
		rec.checkContract(t)
	}
}

func TestH2SlowBodyDoesNotHoldItsHead(t *testing.T) {
	release := make(chan struct{})
	srv, pool := newH2Server(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "5")
		w.WriteHeader(200)
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-time.After(testkit.WaitTimeout):
		}
		w.Write([]byte("hello"))
	})
	c := newClient(t, Options{RootCAs: pool})
	rec := newRecorder()
	x := start(t, c, &Request{Method: "GET", URL: testkit.MustURL(t, srv.URL)}, rec)
	head := rec.waitKind(t, evResponse).head // before the body exists
	assert.False(t, head.Complete)
	close(release)
	evs := waitDone(t, x, rec)
	requireEnd(t, evs)
	body, _ := rec.received()
	require.Equal(t, "hello", body)
	rec.checkContract(t)
}
