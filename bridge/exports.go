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

// specHeaders is the spec's first header field (see enum gnr_spec_field).
const specHeaders = C.GNR_SPEC_FIELD_HEADERS

// parseSpec decodes the request spec of a GNR_CMD_START (enum gnr_spec_field).
func parseSpec(spec string, body []byte) (req *gocore.Request, sessionID uint64, err error) {
	f := strings.Split(spec, "\x00")
	if len(f) < specHeaders || (len(f)-specHeaders)%2 != 0 {
		return nil, 0, fmt.Errorf("request spec has %d fields", len(f))
	}
	sessionID, err = strconv.ParseUint(f[C.GNR_SPEC_FIELD_SESSION], 10, 64)
	if err != nil {
		return nil, 0, fmt.Errorf("request spec session: %w", err)
	}
	flags, err := strconv.Atoi(f[C.GNR_SPEC_FIELD_FLAGS])
	if err != nil {
		return nil, 0, fmt.Errorf("request spec flags: %w", err)
	}
	u, err := url.Parse(f[C.GNR_SPEC_FIELD_URL])
	if err != nil {
		return nil, 0, fmt.Errorf("request url: %w", err)
	}
	redirect, err := strconv.Atoi(f[C.GNR_SPEC_FIELD_REDIRECT])
	if err != nil || redirect < 0 || redirect > C.GNR_REDIRECT_MANUAL {
		return nil, 0, errors.New("request spec redirect mode")
	}
	window, err := strconv.ParseInt(f[C.GNR_SPEC_FIELD_WINDOW], 10, 64)
	if err != nil {
		return nil, 0, fmt.Errorf("request spec window: %w", err)
	}
	timeoutMs, err := strconv.ParseInt(f[C.GNR_SPEC_FIELD_TIMEOUT], 10, 64)
	if err != nil {
		return nil, 0, fmt.Errorf("request spec timeout: %w", err)
	}
	req = &gocore.Request{
		Method:         f[C.GNR_SPEC_FIELD_METHOD],
		URL:            u,
		Redirect:       gocore.RedirectMode(redirect),
		NoLogin:        flags&C.GNR_SPEC_NO_LOGIN != 0,
		ResponseWindow: window,
		Timeout:        time.Duration(timeoutMs) * time.Millisecond,
		Initiator:      f[C.GNR_SPEC_FIELD_ORIGIN],
		Cookies:        flags&C.GNR_SPEC_COOKIES != 0,
	}
	cacheMode, err := strconv.Atoi(f[C.GNR_SPEC_FIELD_CACHE])
	if err != nil || cacheMode < 0 || cacheMode > C.GNR_CACHE_ONLY_IF_CACHED {
		return nil, 0, errors.New("request spec cache mode")
	}
	req.CacheMode = gocore.CacheMode(cacheMode)
	if !gocore.ValidReferrerPolicy(f[C.GNR_SPEC_FIELD_REFERRER_POLICY]) {
		return nil, 0, errors.New("request spec referrer policy")
	}
	req.ReferrerPolicy = f[C.GNR_SPEC_FIELD_REFERRER_POLICY]
	req.Priority = f[C.GNR_SPEC_FIELD_PRIORITY]
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
