package main

// #include "bridge.h"
import "C"

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"path/filepath"
	"sync"
	"time"

	"github.com/go-net-request/go-net-request/gocore"
)

// A session is one partition's engine state: its client (connections, auth
// cache, user agent), cookie jar and HTTP cache. Sessions are process-wide
// and keyed by partition name, so the main thread and workers that name the
// same partition share one jar and one cache (two jars on one file would
// overwrite each other). JS environments refer to them by ids they allocate.
type session struct {
	partition  string
	persistent bool
	client     *gocore.Client
	jar        *gocore.CookieJar
	cache      *gocore.HTTPCache

	mu        sync.Mutex
	listeners map[listener]struct{} // JS cookie-change listeners
}

// listener is one JS Cookies object that wants `changed` events.
type listener struct {
	env uint64
	id  uint64
}

// memoryCacheBytes and diskCacheBytes bound the HTTP cache of in-memory and
// persistent sessions.
const (
	memoryCacheBytes = 32 << 20
	diskCacheBytes   = 256 << 20
)

var sessions = struct {
	sync.Mutex
	byID   map[uint64]*session
	byName map[string]*session
}{byID: map[uint64]*session{}, byName: map[string]*session{}}

// defaultSession serves requests whose session id is unknown (0 before JS
// registered its default session).
var defaultSession = newMemorySession("")

func newMemorySession(partition string) *session {
	s := &session{partition: partition, listeners: map[listener]struct{}{}}
	s.jar, _ = gocore.NewCookieJar("", s.cookieChanged)
	s.cache, _ = gocore.NewHTTPCache("", memoryCacheBytes)
	s.client = gocore.NewClient(gocore.Options{Jar: s.jar, Cache: s.cache})
	return s
}

// sessionFor returns the session JS calls id, or the default one.
func sessionFor(id uint64) *session {
	sessions.Lock()
	defer sessions.Unlock()
	if s := sessions.byID[id]; s != nil {
		return s
	}
	return defaultSession
}

// sessionOptions is what JS sends to create (or join) a session.
type sessionOptions struct {
	Partition  string `json:"partition"`
	Persistent bool   `json:"persistent"`
	Path       string `json:"path"`  // the partition's storage directory (persistent only)
	Cache      *bool  `json:"cache"` // false disables the HTTP cache
	UserAgent  string `json:"userAgent"`
}

// createSession binds id to the session of opts.Partition, making it on
// first use. A damaged cookie store is reported in the warning, never fatal.
func createSession(id uint64, opts sessionOptions) (warning string) {
	sessions.Lock()
	defer sessions.Unlock()
	if s := sessions.byName[opts.Partition]; s != nil {
		sessions.byID[id] = s
		return ""
	}
	var s *session
	if opts.Partition == "" && !opts.Persistent {
		s = defaultSession
	} else if !opts.Persistent {
		s = newMemorySession(opts.Partition)
	} else {
		s = &session{partition: opts.Partition, persistent: true, listeners: map[listener]struct{}{}}
		jar, err := gocore.NewCookieJar(filepath.Join(opts.Path, "Cookies"), s.cookieChanged)
		if err != nil {
			warning = fmt.Sprintf("cookie store of partition %q: %v", opts.Partition, err)
		}
		if jar == nil {
			jar, _ = gocore.NewCookieJar("", s.cookieChanged)
		}
		s.jar = jar
		cache, err := gocore.NewHTTPCache(filepath.Join(opts.Path, "Cache"), diskCacheBytes)
		if err != nil {
			warning = joinWarnings(warning, fmt.Sprintf("HTTP cache of partition %q: %v; using memory", opts.Partition, err))
			cache, _ = gocore.NewHTTPCache("", memoryCacheBytes)
		}
		s.cache = cache
		s.client = gocore.NewClient(gocore.Options{Jar: s.jar, Cache: s.cache})
	}
	if opts.Cache != nil && !*opts.Cache {
		s.client.DisableCache()
	}
	if opts.UserAgent != "" {
		s.client.SetUserAgent(opts.UserAgent)
	}
	sessions.byID[id] = s
	sessions.byName[opts.Partition] = s
	return warning
}

func joinWarnings(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// cookieChanged forwards a jar change to every JS listener of the session.
func (s *session) cookieChanged(change gocore.CookieChange) {
	s.mu.Lock()
	targets := make([]listener, 0, len(s.listeners))
	for l := range s.listeners {
		targets = append(targets, l)
	}
	s.mu.Unlock()
	if len(targets) == 0 {
		return
	}
	text, err := json.Marshal(struct {
		Cookie  cookieJSON `json:"cookie"`
		Cause   string     `json:"cause"`
		Removed bool       `json:"removed"`
	}{toCookieJSON(change.Cookie), change.Cause, change.Removed})
	if err != nil {
		return
	}
	for _, l := range targets {
		post(l.env, l.id, C.GNR_EV_COOKIE_CHANGED, 0, 0, 0, string(text), nil)
	}
}

// allSessions is every session of the process, the default one included,
// each once.
func allSessions() []*session {
	sessions.Lock()
	defer sessions.Unlock()
	all := []*session{defaultSession}
	for _, s := range sessions.byName {
		if s != defaultSession {
			all = append(all, s)
		}
	}
	return all
}

// forgetEnv drops the listeners of a JS environment that went away.
func forgetEnv(env uint64) {
	for _, s := range allSessions() {
		s.mu.Lock()
		for l := range s.listeners {
			if l.env == env {
				delete(s.listeners, l)
			}
		}
		s.mu.Unlock()
	}
}

// cookieJSON is Electron's Cookie object.
type cookieJSON struct {
	Name           string   `json:"name"`
	Value          string   `json:"value"`
	Domain         string   `json:"domain"`
	HostOnly       bool     `json:"hostOnly"`
	Path           string   `json:"path"`
	Secure         bool     `json:"secure"`
	HTTPOnly       bool     `json:"httpOnly"`
	Session        bool     `json:"session"`
	ExpirationDate *float64 `json:"expirationDate,omitempty"`
	SameSite       string   `json:"sameSite"`
}

func toCookieJSON(c gocore.Cookie) cookieJSON {
	j := cookieJSON{Name: c.Name, Value: c.Value, Domain: c.Domain, HostOnly: c.HostOnly, Path: c.Path,
		Secure: c.Secure, HTTPOnly: c.HTTPOnly, Session: c.Session, SameSite: c.SameSite}
	if !c.Session {
		exp := c.ExpirationDate
		j.ExpirationDate = &exp
	}
	return j
}

// callRequest is a GNR_CMD_CALL's JSON.
type callRequest struct {
	Op       string                 `json:"op"`
	Session  uint64                 `json:"session"`
	Options  *sessionOptions        `json:"options,omitempty"`
	Value    string                 `json:"value,omitempty"`
	Filter   *cookieFilterJSON      `json:"filter,omitempty"`
	Details  *cookieDetailsJSON     `json:"details,omitempty"`
	URL      string                 `json:"url,omitempty"`
	Name     string                 `json:"name,omitempty"`
	Listener uint64                 `json:"listener,omitempty"`
	Host     string                 `json:"host,omitempty"`
	Resolve  *gocore.ResolveOptions `json:"resolve,omitempty"`
	Proxy    *gocore.ProxyConfig    `json:"proxy,omitempty"`

	// AcceptLanguage is setUserAgent's Accept-Language value ("" for none).
	AcceptLanguage string `json:"acceptLanguage,omitempty"`
}

type cookieFilterJSON struct {
	URL      string `json:"url"`
	Name     string `json:"name"`
	Domain   string `json:"domain"`
	Path     string `json:"path"`
	Secure   *bool  `json:"secure"`
	Session  *bool  `json:"session"`
	HTTPOnly *bool  `json:"httpOnly"`
}

type cookieDetailsJSON struct {
	URL            string   `json:"url"`
	Name           string   `json:"name"`
	Value          string   `json:"value"`
	Domain         string   `json:"domain"`
	Path           string   `json:"path"`
	Secure         bool     `json:"secure"`
	HTTPOnly       bool     `json:"httpOnly"`
	ExpirationDate *float64 `json:"expirationDate"`
	SameSite       string   `json:"sameSite"`
}

var errUnknownOp = errors.New("unknown operation")

// serveCall runs one session operation and returns its JSON-able result.
func serveCall(env, id uint64, req *callRequest) (any, error) {
	if req.Op == "session.create" {
		if req.Options == nil {
			return nil, errors.New("session.create needs options")
		}
		return map[string]string{"warning": createSession(req.Session, *req.Options)}, nil
	}
	s := sessionFor(req.Session)
	switch req.Op {
	case "session.setUserAgent":
		// JS refuses these first; checked again so that no caller can
		// give a session a header that would split every request's head.
		if !gocore.ValidHeaderValue(req.Value) || !gocore.ValidHeaderValue(req.AcceptLanguage) {
			return nil, gocore.Failure(gocore.ErrInvalidArgument, errors.New("setUserAgent: CR, LF or NUL in a header value"))
		}
		s.client.SetUserAgent(req.Value)
		s.client.SetAcceptLanguage(req.AcceptLanguage)
		return nil, nil
	case "session.closeAllConnections":
		s.client.CloseIdleConnections()
		return nil, nil
	case "session.clearCache":
		return nil, s.cache.Clear()
	case "session.getCacheSize":
		return s.cache.Size(), nil
	case "session.clearStorageData":
		s.jar.Clear()
		return nil, s.jar.Flush()
	case "session.setCertificateVerifyProc":
		s.client.SetHostVerifiesCertificates(req.Value == "on")
		s.client.CloseIdleConnections() // connections verified the old way are not reused
		return nil, nil
	case "session.setCACertificates":
		err := s.client.SetExtraRootCAs(req.Value)
		s.client.CloseIdleConnections()
		return nil, err
	case "session.setProxy":
		if req.Proxy == nil {
			return nil, errors.New("setProxy needs a config")
		}
		return nil, s.client.SetProxy(*req.Proxy, gocore.WithPACFetch(fetchPAC))
	case "session.resolveProxy":
		target, err := url.Parse(req.URL)
		if err != nil || target.Host == "" {
			return nil, fmt.Errorf("resolveProxy needs an absolute URL, not %q", req.URL)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		return s.client.ResolveProxy(ctx, target), nil
	case "session.clearAuthCache":
		s.client.ClearAuthCache()
		return nil, nil
	case "net.resolveHost":
		opts := gocore.ResolveOptions{}
		if req.Resolve != nil {
			opts = *req.Resolve
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		endpoints, nerr := s.client.ResolveHost(ctx, req.Host, opts)
		if nerr != nil {
			return nil, nerr
		}
		return map[string]any{"endpoints": endpoints}, nil
	case "cookies.get":
		f := gocore.CookieFilter{}
		if req.Filter != nil {
			f = gocore.CookieFilter{URL: req.Filter.URL, Name: req.Filter.Name, Domain: req.Filter.Domain,
				Path: req.Filter.Path, Secure: req.Filter.Secure, Session: req.Filter.Session, HTTPOnly: req.Filter.HTTPOnly}
		}
		cookies := s.jar.Get(f)
		out := make([]cookieJSON, 0, len(cookies))
		for _, c := range cookies {
			out = append(out, toCookieJSON(c))
		}
		return out, nil
	case "cookies.set":
		if req.Details == nil {
			return nil, errors.New("cookies.set needs details")
		}
		d := req.Details
		details := gocore.CookieDetails{URL: d.URL, Name: d.Name, Value: d.Value, Domain: d.Domain, Path: d.Path,
			Secure: d.Secure, HTTPOnly: d.HTTPOnly, SameSite: d.SameSite}
		if d.ExpirationDate != nil && !math.IsNaN(*d.ExpirationDate) {
			details.ExpirationDate = *d.ExpirationDate
		}
		return nil, s.jar.Set(details)
	case "cookies.remove":
		return nil, s.jar.Remove(req.URL, req.Name)
	case "cookies.flushStore":
		return nil, s.jar.Flush()
	case "cookies.subscribe":
		s.mu.Lock()
		s.listeners[listener{env: env, id: req.Listener}] = struct{}{}
		s.mu.Unlock()
		return nil, nil
	case "cookies.unsubscribe":
		s.mu.Lock()
		delete(s.listeners, listener{env: env, id: req.Listener})
		s.mu.Unlock()
		return nil, nil
	}
	return nil, fmt.Errorf("%w %q", errUnknownOp, req.Op)
}

// slowCalls touch the disk: they run on their own goroutine so the command
// loop goes on. Every other call runs in order with the requests around it
// (a session is created before the requests that name it).
var slowCalls = map[string]bool{"cookies.flushStore": true, "session.clearCache": true,
	"session.clearStorageData": true, "net.resolveHost": true, "session.resolveProxy": true}

// fetchPAC loads a PAC script from an http(s) URL.
func fetchPAC(ctx context.Context, pacURL string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", pacURL, nil)
	if err != nil {
		return "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("fetch PAC script: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("fetch PAC script: status %d", resp.StatusCode)
	}
	script, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	return string(script), err
}

// answerCall runs a GNR_CMD_CALL and posts its one GNR_EV_RESULT.
func answerCall(env, id uint64, text string) {
	var req callRequest
	if err := json.Unmarshal([]byte(text), &req); err != nil {
		postFailedCall(env, id, "bad call: "+err.Error())
		return
	}
	run := func() {
		defer func() {
			if r := recover(); r != nil {
				postFailedCall(env, id, fmt.Sprintf("%s failed: %v", req.Op, r))
			}
		}()
		result, err := serveCall(env, id, &req)
		if err != nil {
			postFailedCall(env, id, err.Error())
			return
		}
		out, err := json.Marshal(result)
		if err != nil {
			postFailedCall(env, id, err.Error())
			return
		}
		post(env, id, C.GNR_EV_RESULT, C.GNR_EVENT_TERMINAL, 0, 0, string(out), nil)
	}
	if slowCalls[req.Op] {
		go run()
		return
	}
	run()
}

// postFailedCall answers a call with an error message.
func postFailedCall(env, id uint64, message string) {
	post(env, id, C.GNR_EV_RESULT, C.GNR_EVENT_TERMINAL|C.GNR_RESULT_ERROR, 0, 0, message, nil)
}
