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
	"time"

	"github.com/go-net-request/go-net-request/gocore"
	"github.com/go-net-request/go-net-request/gocore/cookies"
	"github.com/go-net-request/go-net-request/gocore/httpwire"
	"github.com/go-net-request/go-net-request/gocore/neterr"
	"github.com/go-net-request/go-net-request/gocore/proxy"
)

// A sessionOp is one session operation JS calls with GNR_CMD_CALL.
type sessionOp struct {
	name string // as JS names the method, for messages
	// slow operations touch the disk or the network: they run on their own
	// goroutine so the command loop goes on. Every other one runs in order
	// with the requests around it (a session is created before the
	// requests that name it).
	slow bool
	run  func(c *call, args []byte) (any, error)
}

// call is one GNR_CMD_CALL being answered.
type call struct {
	env       uint64 // the JS environment that called
	sessionID uint64 // the session JS named (an unknown one: the default session)
}

func (c *call) session() *session { return sessionFor(c.sessionID) }

// op makes a sessionOp whose arguments, the call's JSON fields besides op
// and session, decode into an A.
func op[A any](name string, slow bool, run func(c *call, args A) (any, error)) sessionOp {
	return sessionOp{name: name, slow: slow, run: func(c *call, text []byte) (any, error) {
		var args A
		if err := json.Unmarshal(text, &args); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		return run(c, args)
	}}
}

// noArgs is the arguments of an operation that takes none.
type noArgs struct{}

// sessionOps is every session operation, by its number in bridge.h
// (enum gnr_call_op): what it takes, what it answers.
var sessionOps = map[int]sessionOp{
	C.GNR_OP_SESSION_CREATE: op("session.create", false, func(c *call, a struct {
		Options *sessionOptions `json:"options"`
	}) (any, error) {
		if a.Options == nil {
			return nil, errors.New("session.create needs options")
		}
		return map[string]string{"warning": createSession(c.sessionID, *a.Options)}, nil
	}),
	C.GNR_OP_SET_USER_AGENT: op("session.setUserAgent", false, func(c *call, a struct {
		UserAgent string `json:"userAgent"`
		// AcceptLanguage is the Accept-Language value ("" for none).
		AcceptLanguage string `json:"acceptLanguage"`
	}) (any, error) {
		// JS refuses these first; checked again so that no caller can
		// give a session a header that would split every request's head.
		if !httpwire.ValidHeaderValue(a.UserAgent) || !httpwire.ValidHeaderValue(a.AcceptLanguage) {
			return nil, neterr.New(neterr.InvalidArgument, errors.New("setUserAgent: CR, LF or NUL in a header value"))
		}
		s := c.session()
		s.client.SetUserAgent(a.UserAgent)
		s.client.SetAcceptLanguage(a.AcceptLanguage)
		return nil, nil
	}),
	C.GNR_OP_CLOSE_ALL_CONNECTIONS: op("session.closeAllConnections", false, func(c *call, _ noArgs) (any, error) {
		c.session().client.CloseIdleConnections()
		return nil, nil
	}),
	C.GNR_OP_CLEAR_CACHE: op("session.clearCache", true, func(c *call, _ noArgs) (any, error) {
		return nil, c.session().cache.Clear()
	}),
	C.GNR_OP_GET_CACHE_SIZE: op("session.getCacheSize", false, func(c *call, _ noArgs) (any, error) {
		return c.session().cache.Size(), nil
	}),
	C.GNR_OP_CLEAR_STORAGE_DATA: op("session.clearStorageData", true, func(c *call, _ noArgs) (any, error) {
		jar := c.session().jar
		jar.Clear()
		return nil, jar.Flush()
	}),
	C.GNR_OP_SET_CERTIFICATE_VERIFY_PROC: op("session.setCertificateVerifyProc", false, func(c *call, a struct {
		// HostVerifies: JS has a verify procedure that decides about
		// every certificate (false: the engine's verification alone).
		HostVerifies bool `json:"hostVerifies"`
	}) (any, error) {
		s := c.session()
		s.client.SetHostVerifiesCertificates(a.HostVerifies)
		s.client.CloseIdleConnections() // connections verified the old way are not reused
		return nil, nil
	}),
	C.GNR_OP_SET_CA_CERTIFICATES: op("session.setCACertificates", false, func(c *call, a struct {
		PEMs string `json:"pems"` // "" goes back to the system store alone
	}) (any, error) {
		s := c.session()
		err := s.client.SetExtraRootCAs(a.PEMs)
		s.client.CloseIdleConnections()
		return nil, err
	}),
	C.GNR_OP_SET_PROXY: op("session.setProxy", false, func(c *call, a struct {
		Proxy *proxy.Config `json:"proxy"`
	}) (any, error) {
		if a.Proxy == nil {
			return nil, errors.New("setProxy needs a config")
		}
		return nil, c.session().client.SetProxy(*a.Proxy, proxy.WithPACFetch(fetchPAC))
	}),
	C.GNR_OP_RESOLVE_PROXY: op("session.resolveProxy", true, func(c *call, a struct {
		URL string `json:"url"`
	}) (any, error) {
		target, err := url.Parse(a.URL)
		if err != nil || target.Host == "" {
			return nil, fmt.Errorf("resolveProxy needs an absolute URL, not %q", a.URL)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		return c.session().client.ResolveProxy(ctx, target), nil
	}),
	C.GNR_OP_CLEAR_AUTH_CACHE: op("session.clearAuthCache", false, func(c *call, _ noArgs) (any, error) {
		c.session().client.ClearAuthCache()
		return nil, nil
	}),
	C.GNR_OP_RESOLVE_HOST: op("net.resolveHost", true, func(c *call, a struct {
		Host    string                 `json:"host"`
		Resolve *gocore.ResolveOptions `json:"resolve"`
	}) (any, error) {
		opts := gocore.ResolveOptions{}
		if a.Resolve != nil {
			opts = *a.Resolve
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		endpoints, nerr := c.session().client.ResolveHost(ctx, a.Host, opts)
		if nerr != nil {
			return nil, nerr
		}
		return map[string]any{"endpoints": endpoints}, nil
	}),
	C.GNR_OP_COOKIES_GET: op("cookies.get", false, func(c *call, a struct {
		Filter *cookieFilterJSON `json:"filter"`
	}) (any, error) {
		f := cookies.Filter{}
		if a.Filter != nil {
			f = cookies.Filter{URL: a.Filter.URL, Name: a.Filter.Name, Domain: a.Filter.Domain,
				Path: a.Filter.Path, Secure: a.Filter.Secure, Session: a.Filter.Session, HTTPOnly: a.Filter.HTTPOnly}
		}
		found := c.session().jar.Get(f)
		out := make([]cookieJSON, 0, len(found))
		for _, cookie := range found {
			out = append(out, toCookieJSON(cookie))
		}
		return out, nil
	}),
	C.GNR_OP_COOKIES_SET: op("cookies.set", false, func(c *call, a struct {
		Details *cookieDetailsJSON `json:"details"`
	}) (any, error) {
		if a.Details == nil {
			return nil, errors.New("cookies.set needs details")
		}
		d := a.Details
		details := cookies.Details{URL: d.URL, Name: d.Name, Value: d.Value, Domain: d.Domain, Path: d.Path,
			Secure: d.Secure, HTTPOnly: d.HTTPOnly, SameSite: d.SameSite}
		if d.ExpirationDate != nil && !math.IsNaN(*d.ExpirationDate) {
			details.ExpirationDate = *d.ExpirationDate
		}
		return nil, c.session().jar.Set(details)
	}),
	C.GNR_OP_COOKIES_REMOVE: op("cookies.remove", false, func(c *call, a struct {
		URL  string `json:"url"`
		Name string `json:"name"`
	}) (any, error) {
		return nil, c.session().jar.Remove(a.URL, a.Name)
	}),
	C.GNR_OP_COOKIES_FLUSH_STORE: op("cookies.flushStore", true, func(c *call, _ noArgs) (any, error) {
		return nil, c.session().jar.Flush()
	}),
	C.GNR_OP_COOKIES_SUBSCRIBE: op("cookies.subscribe", false, func(c *call, a struct {
		Listener uint64 `json:"listener"` // the id (from JS's newId) the changes are posted to
	}) (any, error) {
		s := c.session()
		s.mu.Lock()
		s.listeners[listener{env: c.env, id: a.Listener}] = struct{}{}
		s.mu.Unlock()
		return nil, nil
	}),
	C.GNR_OP_COOKIES_UNSUBSCRIBE: op("cookies.unsubscribe", false, func(c *call, a struct {
		Listener uint64 `json:"listener"`
	}) (any, error) {
		s := c.session()
		s.mu.Lock()
		delete(s.listeners, listener{env: c.env, id: a.Listener})
		s.mu.Unlock()
		return nil, nil
	}),
}

// cookieFilterJSON is the filter of Electron's cookies.get.
type cookieFilterJSON struct {
	URL      string `json:"url"`
	Name     string `json:"name"`
	Domain   string `json:"domain"`
	Path     string `json:"path"`
	Secure   *bool  `json:"secure"`
	Session  *bool  `json:"session"`
	HTTPOnly *bool  `json:"httpOnly"`
}

// cookieDetailsJSON is the details of Electron's cookies.set.
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
	var head struct {
		Op      int    `json:"op"`
		Session uint64 `json:"session"`
	}
	if err := json.Unmarshal([]byte(text), &head); err != nil {
		postFailedCall(env, id, "bad call: "+err.Error())
		return
	}
	sop, known := sessionOps[head.Op]
	if !known {
		postFailedCall(env, id, fmt.Sprintf("unknown operation %d", head.Op))
		return
	}
	c := &call{env: env, sessionID: head.Session}
	run := func() {
		defer func() {
			if r := recover(); r != nil {
				postFailedCall(env, id, fmt.Sprintf("%s failed: %v", sop.name, r))
			}
		}()
		result, err := sop.run(c, []byte(text))
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
	if sop.slow {
		go run()
		return
	}
	run()
}

// postFailedCall answers a call with an error message.
func postFailedCall(env, id uint64, message string) {
	post(env, id, C.GNR_EV_RESULT, C.GNR_EVENT_TERMINAL|C.GNR_RESULT_ERROR, 0, 0, message, nil)
}
