package main

// #include "bridge.h"
import "C"

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"sync"

	"github.com/go-net-request/go-net-request/gocore"
	"github.com/go-net-request/go-net-request/gocore/cookies"
	"github.com/go-net-request/go-net-request/gocore/httpcache"
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
	jar        *cookies.Jar
	cache      *httpcache.Cache

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
	s.jar, _ = cookies.NewJar("", s.cookieChanged)
	s.cache, _ = httpcache.New("", memoryCacheBytes)
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
		jar, err := cookies.NewJar(filepath.Join(opts.Path, "Cookies"), s.cookieChanged)
		if err != nil {
			warning = fmt.Sprintf("cookie store of partition %q: %v", opts.Partition, err)
		}
		if jar == nil {
			jar, _ = cookies.NewJar("", s.cookieChanged)
		}
		s.jar = jar
		cache, err := httpcache.New(filepath.Join(opts.Path, "Cache"), diskCacheBytes)
		if err != nil {
			warning = joinWarnings(warning, fmt.Sprintf("HTTP cache of partition %q: %v; using memory", opts.Partition, err))
			cache, _ = httpcache.New("", memoryCacheBytes)
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
func (s *session) cookieChanged(change cookies.Change) {
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

func toCookieJSON(c cookies.Cookie) cookieJSON {
	j := cookieJSON{Name: c.Name, Value: c.Value, Domain: c.Domain, HostOnly: c.HostOnly, Path: c.Path,
		Secure: c.Secure, HTTPOnly: c.HTTPOnly, Session: c.Session, SameSite: c.SameSite}
	if !c.Session {
		exp := c.ExpirationDate
		j.ExpirationDate = &exp
	}
	return j
}
