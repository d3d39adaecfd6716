package main

// #include "bridge.h"
import "C"

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-net-request/go-net-request/gocore"
	"github.com/go-net-request/go-net-request/gocore/httpwire"
)

// Every export recovers: a panic must fail one request, never abort the
// host process (a Go panic that reaches C kills the whole Electron app).

// GnrInit registers the host's event sink and command source (with its
// doorbell: see openDoorbell; -1 to poll), and starts the goroutine
// that serves commands. Only the first call counts: a second host (another
// copy of the addon) would otherwise get a second command server and reuse
// ids the first one holds.
//
//export GnrInit
func GnrInit(post C.gnr_post_fn, take C.gnr_take_fn, doorbell C.int) {
	defer func() { recover() }()
	initOnce.Do(func() {
		postFn.Store(&post)
		takeFn = take
		go serveCommands(openDoorbell(doorbell))
	})
}

// initOnce guards GnrInit.
var initOnce sync.Once

// spec field positions: "flags\0session\0method\0url\0redirect\0window\0timeoutMs\0origin\0cacheMode\0referrerPolicy\0priority\0name\0value\0..."
const (
	specFlags = iota
	specSession
	specMethod
	specURL
	specRedirect
	specWindow
	specTimeout
	specOrigin
	specCache
	specReferrerPolicy
	specPriority
	specHeaders
)

// parseSpec decodes the request spec the shim passes to GnrStart.
func parseSpec(spec string, body []byte) (req *gocore.Request, sessionID uint64, err error) {
	f := strings.Split(spec, "\x00")
	if len(f) < specHeaders || (len(f)-specHeaders)%2 != 0 {
		return nil, 0, fmt.Errorf("request spec has %d fields", len(f))
	}
	sessionID, err = strconv.ParseUint(f[specSession], 10, 64)
	if err != nil {
		return nil, 0, fmt.Errorf("request spec session: %w", err)
	}
	flags, err := strconv.Atoi(f[specFlags])
	if err != nil {
		return nil, 0, fmt.Errorf("request spec flags: %w", err)
	}
	u, err := url.Parse(f[specURL])
	if err != nil {
		return nil, 0, fmt.Errorf("request url: %w", err)
	}
	redirect, err := strconv.Atoi(f[specRedirect])
	if err != nil || redirect < 0 || redirect > int(gocore.RedirectManual) {
		return nil, 0, errors.New("request spec redirect mode")
	}
	window, err := strconv.ParseInt(f[specWindow], 10, 64)
	if err != nil {
		return nil, 0, fmt.Errorf("request spec window: %w", err)
	}
	timeoutMs, err := strconv.ParseInt(f[specTimeout], 10, 64)
	if err != nil {
		return nil, 0, fmt.Errorf("request spec timeout: %w", err)
	}
	req = &gocore.Request{
		Method:         f[specMethod],
		URL:            u,
		Redirect:       gocore.RedirectMode(redirect),
		NoLogin:        flags&C.GNR_SPEC_NO_LOGIN != 0,
		ResponseWindow: window,
		Timeout:        time.Duration(timeoutMs) * time.Millisecond,
		Initiator:      f[specOrigin],
		Cookies:        flags&C.GNR_SPEC_COOKIES != 0,
	}
	cacheMode, err := strconv.Atoi(f[specCache])
	if err != nil || cacheMode < 0 || cacheMode > int(gocore.CacheOnlyIfCached) {
		return nil, 0, errors.New("request spec cache mode")
	}
	req.CacheMode = gocore.CacheMode(cacheMode)
	if !gocore.ValidReferrerPolicy(f[specReferrerPolicy]) {
		return nil, 0, errors.New("request spec referrer policy")
	}
	req.ReferrerPolicy = f[specReferrerPolicy]
	req.Priority = f[specPriority]
	switch {
	case flags&C.GNR_SPEC_BODY_STREAMING != 0:
		req.BodyMode = gocore.BodyStreaming
	case flags&C.GNR_SPEC_BODY_BUFFERED != 0:
		req.BodyMode = gocore.BodyBuffered
		req.Body = body
	}
	for i := specHeaders; i+1 < len(f); i += 2 {
		req.Header = append(req.Header, httpwire.Header{Name: f[i], Value: f[i+1]})
	}
	return req, sessionID, nil
}

// GnrCloseEnv cancels every request of a host environment that is going away.
//
//export GnrCloseEnv
func GnrCloseEnv(env C.uint64_t) {
	defer func() { recover() }()
	for _, x := range requests.closeEnv(uint64(env)) {
		x.Cancel(nil)
	}
	forgetEnv(uint64(env))
}

// GnrLiveRequests reports how many requests the registry holds (diagnostics).
//
//export GnrLiveRequests
func GnrLiveRequests() C.int64_t {
	defer func() { recover() }()
	return C.int64_t(requests.count())
}

// GnrFlushStores writes every persistent session's cookies and cache index
// now. The host calls it synchronously when the process exits, so cookies
// changed in the jar's debounce (a moment before they are written) are not lost.
//
//export GnrFlushStores
func GnrFlushStores() {
	defer func() { recover() }()
	for _, s := range allSessions() {
		if s.persistent {
			s.jar.Flush()
			s.cache.Close()
		}
	}
}

// GnrStats returns diagnostic counters as JSON in malloc'd memory that the
// caller frees: live requests, goroutines, sessions and their idle
// connections. A direct call into Go, for tests and soaks, not the hot path.
//
//export GnrStats
func GnrStats() (out *C.char) {
	defer func() {
		if recover() != nil {
			out = C.CString("{}")
		}
	}()
	all := allSessions()
	idle, live := 0, int64(0)
	for _, s := range all {
		idle += s.client.IdleConnections()
		live += s.client.Live()
	}
	stats, _ := json.Marshal(map[string]any{
		"liveRequests":    requests.count(),
		"liveExchanges":   live,
		"goroutines":      runtime.NumGoroutine(),
		"sessions":        len(all),
		"idleConnections": idle,
	})
	return C.CString(string(stats))
}
