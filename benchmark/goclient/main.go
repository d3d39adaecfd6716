// Command goclient is the pure-Go ceiling of `npm run bench`: the same
// scenarios as the JS clients, driven straight through gocore's public API
// (NewClient, Client.Start with a Sink, Grant, WriteBody/WriteReady/EndBody)
// with no JS and no bridge, so the difference to go-net-request is what the
// bridge and the JS layer cost.
//
//	goclient '{"kind":"small","base":"http://127.0.0.1:PORT","concurrency":16,"durationMs":3000,"warmupMs":500}'
//	goclient '{"kind":"download","base":"http://127.0.0.1:PORT","bytes":268435456}'
//	goclient '{"kind":"upload","base":"http://127.0.0.1:PORT","bytes":268435456,"chunk":65536}'
//
// HTTPS trusts the PEM file named by "ca". With "expectProto" ("2.0") it first
// checks the protocol the engine negotiates and answers {"na": why} when it
// differs. It prints one JSON object, with the field names of
// benchmark/clients/common.js.
package main

import (
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/go-net-request/go-net-request/gocore"
	"github.com/go-net-request/go-net-request/gocore/auth"
	"github.com/go-net-request/go-net-request/gocore/httpwire"
	"github.com/go-net-request/go-net-request/gocore/neterr"
)

// window is the response credit the host (lib/client-request.js) uses.
const window = 4 << 20

type scenario struct {
	Kind        string `json:"kind"`
	Base        string `json:"base"` // scheme://host:port
	ExpectProto string `json:"expectProto"`
	CA          string `json:"ca"`
	Concurrency int    `json:"concurrency"`
	DurationMs  int    `json:"durationMs"`
	WarmupMs    int    `json:"warmupMs"`
	Bytes       int64  `json:"bytes"`
	Chunk       int    `json:"chunk"`
}

// sink collects one exchange's events and grants credit back as the JS host
// does: whenever half the window has been consumed.
type sink struct {
	x        atomic.Pointer[gocore.Exchange]
	started  chan struct{} // closed once x is set
	status   int
	proto    string
	bytes    int64
	consumed int64
	err      *neterr.Error
	done     chan struct{}
	ready    chan struct{} // WriteReady, capacity 1
}

func newSink() *sink {
	return &sink{started: make(chan struct{}), done: make(chan struct{}), ready: make(chan struct{}, 1)}
}

func (s *sink) Redirect(*gocore.Redirect) {}
func (s *sink) Login(*auth.Info) {
	<-s.started
	s.x.Load().Login(nil)
}
func (s *sink) Response(h *httpwire.ResponseHead) {
	s.bytes += int64(len(h.Body))
	s.status = h.StatusCode
	s.proto = strconv.Itoa(h.Major) + "." + strconv.Itoa(h.Minor)
}
func (s *sink) Data(p []byte) {
	s.bytes += int64(len(p))
	s.consumed += int64(len(p))
	if s.consumed >= window/2 {
		<-s.started
		s.x.Load().Grant(s.consumed)
		s.consumed = 0
	}
}
func (s *sink) End()                        { close(s.done) }
func (s *sink) Fail(err *neterr.Error)      { s.err = err; close(s.done) }
func (s *sink) UploadProgress(int64, int64) {}
func (s *sink) WriteReady() {
	select {
	case s.ready <- struct{}{}:
	default:
	}
}

func start(c *gocore.Client, req *gocore.Request) (*sink, *gocore.Exchange) {
	s := newSink()
	x := c.Start(req, s)
	s.x.Store(x)
	close(s.started)
	return s, x
}

func (s *sink) wait() error {
	<-s.done
	if s.err != nil {
		return s.err
	}
	if s.status != 200 {
		return fmt.Errorf("status %d", s.status)
	}
	return nil
}

func get(u *url.URL) *gocore.Request {
	return &gocore.Request{Method: "GET", URL: u, ResponseWindow: window}
}

// --- measurements ---------------------------------------------------------

func cpuNow() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// rssSampler records the highest VmRSS seen every 50 ms.
type rssSampler struct {
	peak atomic.Int64
	stop chan struct{}
}

func sampleRSS() *rssSampler {
	r := &rssSampler{stop: make(chan struct{})}
	r.peak.Store(statusKB("VmRSS") * 1024)
	go func() {
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-r.stop:
				return
			case <-t.C:
				if v := statusKB("VmRSS") * 1024; v > r.peak.Load() {
					r.peak.Store(v)
				}
			}
		}
	}()
	return r
}

func statusKB(field string) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return n
		}
	}
	return 0
}

func percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p/100*float64(len(sorted))+0.5) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// --- scenarios ------------------------------------------------------------

func small(c *gocore.Client, sc scenario, u *url.URL) (map[string]any, error) {
	var (
		mu        sync.Mutex
		latencies []float64 // ms, requests started in the measured window
		measuring atomic.Bool
		completed atomic.Int64
		failure   atomic.Pointer[error]
	)
	warmEnd := time.Now().Add(time.Duration(sc.WarmupMs) * time.Millisecond)
	end := warmEnd.Add(time.Duration(sc.DurationMs) * time.Millisecond)
	var wg sync.WaitGroup
	for range sc.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := make([]float64, 0, 4096)
			for time.Now().Before(end) && failure.Load() == nil {
				in := measuring.Load()
				t := time.Now()
				s, _ := start(c, get(u))
				if err := s.wait(); err != nil {
					failure.Store(&err)
					return
				}
				if s.bytes != 100 {
					err := fmt.Errorf("small body of %d bytes", s.bytes)
					failure.Store(&err)
					return
				}
				if in {
					local = append(local, float64(time.Since(t).Nanoseconds())/1e6)
				}
				if measuring.Load() {
					completed.Add(1)
				}
			}
			mu.Lock()
			latencies = append(latencies, local...)
			mu.Unlock()
		}()
	}
	time.Sleep(time.Until(warmEnd))
	t0 := time.Now()
	cpu0 := cpuNow()
	measuring.Store(true)
	wg.Wait()
	if p := failure.Load(); p != nil {
		return nil, *p
	}
	elapsed := time.Since(t0).Seconds()
	cpu := (cpuNow() - cpu0).Seconds()
	n := completed.Load()
	slices.Sort(latencies)
	return map[string]any{
		"requests":      n,
		"seconds":       elapsed,
		"rps":           float64(n) / elapsed,
		"p50Ms":         percentile(latencies, 50),
		"p99Ms":         percentile(latencies, 99),
		"cpuUsPerReq":   cpu * 1e6 / float64(n),
		"jsCpuUsPerReq": nil,
	}, nil
}

func download(c *gocore.Client, sc scenario, u *url.URL) (map[string]any, error) {
	t := time.Now()
	cpu0 := cpuNow()
	s, _ := start(c, get(u))
	if err := s.wait(); err != nil {
		return nil, err
	}
	elapsed := time.Since(t).Seconds()
	if s.bytes != sc.Bytes {
		return nil, fmt.Errorf("downloaded %d bytes, want %d", s.bytes, sc.Bytes)
	}
	return map[string]any{
		"bytes":   s.bytes,
		"seconds": elapsed,
		"mbps":    float64(s.bytes) / 1e6 / elapsed,
		"cpuSec":  (cpuNow() - cpu0).Seconds(),
		"proto":   s.proto,
	}, nil
}

func upload(c *gocore.Client, sc scenario, u *url.URL) (map[string]any, error) {
	chunk := make([]byte, sc.Chunk)
	for i := range chunk {
		chunk[i] = byte(i)
	}
	t := time.Now()
	cpu0 := cpuNow()
	s, x := start(c, &gocore.Request{Method: "POST", URL: u, BodyMode: gocore.BodyStreaming, ResponseWindow: window})
	// The engine keeps the slice it is given; this one is never changed.
	for sent := int64(0); sent < sc.Bytes; {
		p := chunk[:min(int64(len(chunk)), sc.Bytes-sent)]
		sent += int64(len(p))
		if !x.WriteBody(p) {
			select {
			case <-s.ready:
			case <-s.done:
				return nil, errors.Join(errors.New("exchange ended during the upload"), s.wait())
			}
		}
	}
	x.EndBody()
	if err := s.wait(); err != nil {
		return nil, err
	}
	elapsed := time.Since(t).Seconds()
	return map[string]any{
		"bytes":   sc.Bytes,
		"seconds": elapsed,
		"mbps":    float64(sc.Bytes) / 1e6 / elapsed,
		"cpuSec":  (cpuNow() - cpu0).Seconds(),
	}, nil
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: goclient SCENARIO_JSON")
		os.Exit(2)
	}
	var sc scenario
	if err := json.Unmarshal([]byte(os.Args[1]), &sc); err != nil {
		fail(err)
	}
	opts := gocore.Options{}
	if sc.CA != "" {
		pem, err := os.ReadFile(sc.CA)
		if err != nil {
			fail(err)
		}
		opts.RootCAs = x509.NewCertPool()
		if !opts.RootCAs.AppendCertsFromPEM(pem) {
			fail(errors.New("no certificate in " + sc.CA))
		}
	}
	c := gocore.NewClient(opts)
	rss := sampleRSS()
	if sc.ExpectProto != "" {
		s, _ := start(c, get(mustURL(sc.Base+"/proto")))
		if err := s.wait(); err != nil {
			fail(err)
		}
		if s.proto != sc.ExpectProto {
			notApplicable(fmt.Sprintf("asked for %s, the connection spoke %s", sc.ExpectProto, s.proto))
		}
	}
	var out map[string]any
	var err error
	switch sc.Kind {
	case "small":
		out, err = small(c, sc, mustURL(sc.Base+"/small"))
	case "download":
		out, err = download(c, sc, mustURL(sc.Base+"/bytes?n="+strconv.FormatInt(sc.Bytes, 10)))
	case "upload":
		out, err = upload(c, sc, mustURL(sc.Base+"/upload"))
	default:
		notApplicable(fmt.Sprintf("scenario %s is not implemented by the pure-Go client", sc.Kind))
	}
	if err != nil {
		fail(err)
	}
	close(rss.stop)
	out["peakRss"] = max(rss.peak.Load(), statusKB("VmHWM")*1024)
	out["gomaxprocs"] = runtime.GOMAXPROCS(0)
	b, _ := json.Marshal(out)
	fmt.Println(string(b))
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		fail(err)
	}
	return u
}

func notApplicable(why string) {
	b, _ := json.Marshal(map[string]string{"na": why})
	fmt.Println(string(b))
	os.Exit(0)
}

func fail(err error) {
	b, _ := json.Marshal(map[string]string{"error": err.Error()})
	fmt.Println(string(b))
	os.Exit(1)
}
