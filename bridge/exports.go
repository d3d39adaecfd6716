package main

// #include "bridge.h"
import "C"

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"github.com/go-net-request/go-net-request/gocore"
)

// Every export recovers: a panic must fail one request, never abort the
// host process (a Go panic that reaches C kills the whole Electron app).

// defaultClient is the default session's engine state.
var defaultClient = gocore.NewClient(gocore.Options{})

//export GnrInit
func GnrInit(post C.gnr_post_fn) {
	postFn.Store(&post)
}

// spec field positions: "flags\0session\0method\0url\0redirect\0window\0timeoutMs\0origin\0name\0value\0..."
const (
	specFlags = iota
	specSession
	specMethod
	specURL
	specRedirect
	specWindow
	specTimeout
	specOrigin
	specHeaders
)

// parseSpec decodes the request spec the shim passes to GnrStart.
func parseSpec(spec string, body []byte) (*gocore.Request, error) {
	f := strings.Split(spec, "\x00")
	if len(f) < specHeaders || (len(f)-specHeaders)%2 != 0 {
		return nil, fmt.Errorf("request spec has %d fields", len(f))
	}
	flags, err := strconv.Atoi(f[specFlags])
	if err != nil {
		return nil, fmt.Errorf("request spec flags: %w", err)
	}
	u, err := url.Parse(f[specURL])
	if err != nil {
		return nil, fmt.Errorf("request url: %w", err)
	}
	redirect, err := strconv.Atoi(f[specRedirect])
	if err != nil || redirect < 0 || redirect > int(gocore.RedirectManual) {
		return nil, errors.New("request spec redirect mode")
	}
	window, err := strconv.ParseInt(f[specWindow], 10, 64)
	if err != nil {
		return nil, fmt.Errorf("request spec window: %w", err)
	}
	timeoutMs, err := strconv.ParseInt(f[specTimeout], 10, 64)
	if err != nil {
		return nil, fmt.Errorf("request spec timeout: %w", err)
	}
	req := &gocore.Request{
		Method:         f[specMethod],
		URL:            u,
		Redirect:       gocore.RedirectMode(redirect),
		NoLogin:        flags&C.GNR_SPEC_NO_LOGIN != 0,
		ResponseWindow: window,
		Timeout:        time.Duration(timeoutMs) * time.Millisecond,
		Initiator:      f[specOrigin],
	}
	switch {
	case flags&C.GNR_SPEC_BODY_STREAMING != 0:
		req.BodyMode = gocore.BodyStreaming
	case flags&C.GNR_SPEC_BODY_BUFFERED != 0:
		req.BodyMode = gocore.BodyBuffered
		req.Body = body
	}
	for i := specHeaders; i+1 < len(f); i += 2 {
		req.Header = append(req.Header, gocore.Header{Name: f[i], Value: f[i+1]})
	}
	return req, nil
}

// GnrStart starts a request for host environment env and returns its id.
// Every outcome, a bad spec included, arrives later as events.
//
//export GnrStart
func GnrStart(env C.uint64_t, spec *C.char, specLen C.size_t, body *C.char, bodyLen C.size_t) (id C.uint64_t) {
	rid, e := requests.reserve(uint64(env))
	id = C.uint64_t(rid)
	s := &sink{env: uint64(env), id: rid}
	defer func() {
		if r := recover(); r != nil {
			s.Fail(gocore.Failure(gocore.ErrFailed, fmt.Errorf("start panic: %v", r)))
		}
	}()
	var bodyBytes []byte
	if body != nil && bodyLen > 0 {
		bodyBytes = C.GoBytes(unsafe.Pointer(body), C.int(bodyLen))
	}
	req, err := parseSpec(C.GoStringN(spec, C.int(specLen)), bodyBytes)
	if err != nil {
		s.Fail(gocore.Failure(gocore.ErrInvalidArgument, err))
		return id
	}
	requests.attach(e, defaultClient.Start(req, s))
	return id
}

// GnrWrite queues a chunk of a streamed body (copied).
//
//export GnrWrite
func GnrWrite(id C.uint64_t, p *C.char, n C.size_t) (answer C.int) {
	defer func() {
		if r := recover(); r != nil {
			answer = C.GNR_WRITE_GONE
		}
	}()
	x := requests.lookup(uint64(id))
	if x == nil {
		return C.GNR_WRITE_GONE
	}
	if x.WriteBody(C.GoBytes(unsafe.Pointer(p), C.int(n))) {
		return C.GNR_WRITE_MORE
	}
	return C.GNR_WRITE_WAIT
}

// withExchange runs fn on id's exchange if it is still live.
func withExchange(id C.uint64_t, fn func(*gocore.Exchange)) {
	defer func() { recover() }()
	if x := requests.lookup(uint64(id)); x != nil {
		fn(x)
	}
}

//export GnrEndBody
func GnrEndBody(id C.uint64_t) { withExchange(id, (*gocore.Exchange).EndBody) }

//export GnrGrant
func GnrGrant(id C.uint64_t, n C.int64_t) {
	withExchange(id, func(x *gocore.Exchange) { x.Grant(int64(n)) })
}

//export GnrCancel
func GnrCancel(id C.uint64_t) {
	withExchange(id, func(x *gocore.Exchange) { x.Cancel(nil) })
}

//export GnrFollowRedirect
func GnrFollowRedirect(id C.uint64_t, follow C.int) {
	withExchange(id, func(x *gocore.Exchange) { x.FollowRedirect(follow != 0) })
}

// GnrLogin answers a login; hasCredentials 0 cancels it.
//
//export GnrLogin
func GnrLogin(id C.uint64_t, hasCredentials C.int, user *C.char, userLen C.size_t, pass *C.char, passLen C.size_t) {
	withExchange(id, func(x *gocore.Exchange) {
		if hasCredentials == 0 {
			x.Login(nil)
			return
		}
		x.Login(&gocore.Credentials{Username: C.GoStringN(user, C.int(userLen)), Password: C.GoStringN(pass, C.int(passLen))})
	})
}

// GnrCloseEnv cancels every request of a host environment that is going away.
//
//export GnrCloseEnv
func GnrCloseEnv(env C.uint64_t) {
	defer func() { recover() }()
	for _, x := range requests.ofEnv(uint64(env)) {
		x.Cancel(nil)
	}
}

// GnrLiveRequests reports how many requests the registry holds (diagnostics).
//
//export GnrLiveRequests
func GnrLiveRequests() C.int64_t {
	defer func() { recover() }()
	return C.int64_t(requests.count())
}
