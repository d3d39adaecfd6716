package gocore

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"runtime/pprof"
	"strings"
	"testing"
	"time"

	"github.com/go-net-request/go-net-request/gocore/neterr"
	"github.com/go-net-request/go-net-request/internal/testkit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every way an exchange can end leaves no goroutine and no live count
// behind once its servers and idle connections are closed.
func TestExchangeLeavesNoGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	var clients []*Client

	t.Run("traffic", func(t *testing.T) {
		c := newClient(t, Options{})
		clients = append(clients, c)

		plain := newServer(t, func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			io.WriteString(w, strings.Repeat("z", 100<<10))
		})
		tlsSrv, pool := newTLSServer(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "tls") })
		tc := newClient(t, Options{RootCAs: pool})
		clients = append(clients, tc)

		// Concurrent successes, some bodies sent by the body sender.
		var xs []*Exchange
		var recs []*recorder
		for i := range 8 {
			rec := newRecorder()
			rec.autoGrant = true
			req := &Request{Method: "POST", URL: testkit.MustURL(t, fmt.Sprintf("%s/%d", plain.URL, i)), BodyMode: BodyBuffered, Body: bytes.Repeat([]byte("p"), i<<14)}
			xs = append(xs, start(t, c, req, rec))
			recs = append(recs, rec)
		}
		for i, x := range xs {
			requireEnd(t, waitDone(t, x, recs[i]))
		}
		evs, _ := get(t, tc, tlsSrv.URL)
		requireEnd(t, evs)

		// Ended by the host at different stages.
		serve, seen := requestSeen(t, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial")
		stall := newRawServer(t, serve)
		rec := newRecorder()
		x := start(t, c, &Request{Method: "GET", URL: testkit.MustURL(t, stall.url)}, rec)
		testkit.Recv(t, seen, "the GET")
		rec.waitBody(t, 7)
		x.Cancel(nil)
		requireFail(t, waitDone(t, x, rec), neterr.Aborted)

		rec = newRecorder()
		x = start(t, c, &Request{Method: "POST", URL: testkit.MustURL(t, stall.url), BodyMode: BodyStreaming}, rec)
		x.WriteBody([]byte("half"))
		testkit.Recv(t, seen, "the streamed request")
		x.Cancel(nil)
		requireFail(t, waitDone(t, x, rec), neterr.Aborted)

		redirects, _ := redirectServer(t)
		rec = newRecorder()
		x = start(t, c, &Request{Method: "GET", URL: testkit.MustURL(t, redirectURL(redirects.URL, 307, "/echo")), Redirect: RedirectManual}, rec)
		rec.waitKind(t, evRedirect)
		x.Cancel(nil)
		requireFail(t, waitDone(t, x, rec), neterr.Aborted)

		auth := newAuthServer(t, "digest", "")
		rec = newRecorder()
		x = start(t, c, &Request{Method: "GET", URL: testkit.MustURL(t, auth.URL)}, rec)
		rec.waitKind(t, evLogin)
		x.Cancel(nil)
		requireFail(t, waitDone(t, x, rec), neterr.Aborted)

		// Ended by the engine.
		rec = newRecorder()
		requireFail(t, run(t, c, &Request{Method: "GET", URL: testkit.MustURL(t, stallingServer(t, "").url), Timeout: 50 * time.Millisecond}, rec), neterr.TimedOut)
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		ln.Close()
		evs, _ = get(t, c, "http://"+ln.Addr().String())
		requireFail(t, evs, neterr.ConnectionRefused)
		evs, _ = get(t, c, newRawServer(t, respondWith("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nshort")).url)
		requireFail(t, evs, neterr.ContentLengthMismatch)
	})

	for _, c := range clients {
		assert.Zero(t, c.Live(), "no exchange in flight")
		c.CloseIdleConnections()
		assert.Zero(t, c.IdleConnections())
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		runtime.Gosched()
		time.Sleep(5 * time.Millisecond) // polling: goroutine exits have no event to wait on
	}
	if after := runtime.NumGoroutine(); after > before {
		var stacks bytes.Buffer
		pprof.Lookup("goroutine").WriteTo(&stacks, 1)
		t.Fatalf("%d goroutines before, %d after:\n%s", before, after, stacks.String())
	}
}
