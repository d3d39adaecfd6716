package gocore

import (
	"errors"
	"net/url"

	"github.com/go-net-request/go-net-request/gocore/httpwire"
	"github.com/go-net-request/go-net-request/gocore/neterr"
)

// maxRedirects is Chromium's limit.
const maxRedirects = 20

func isRedirect(code int) bool {
	switch code {
	case 301, 302, 303, 307, 308:
		return true
	}
	return false
}

// displayURL is u without credentials, as reported to the host.
func displayURL(u *url.URL) string {
	if u.User == nil {
		return u.String()
	}
	v := *u
	v.User = nil
	return v.String()
}

// redirect handles one 3xx hop: checks, policy, the host's decision, and
// the request changes Chromium makes.
func (x *Exchange) redirect(h *hop, c *hopConn, head *httpwire.ResponseHead, f httpwire.Framing, loc string, count int) error {
	next, err := h.url.Parse(loc)
	if err != nil {
		x.closeConn(c)
		return neterr.New(neterr.InvalidRedirect, err)
	}
	if next.Scheme != "http" && next.Scheme != "https" {
		x.closeConn(c)
		return neterr.New(neterr.UnsafeRedirect, nil)
	}
	if next.Host == "" {
		x.closeConn(c)
		return neterr.New(neterr.InvalidRedirect, nil)
	}
	if count > maxRedirects {
		x.closeConn(c)
		return neterr.New(neterr.TooManyRedirects, nil)
	}
	if x.req.Redirect == RedirectError {
		x.closeConn(c)
		return &neterr.Error{Name: neterr.RedirectPolicy, Detail: "Attempted to redirect, but redirect policy was 'error'"}
	}
	if next.Fragment == "" && h.url.Fragment != "" {
		next.Fragment = h.url.Fragment
	}
	method := h.method
	switch {
	case head.StatusCode == 303 && method != "HEAD":
		method = "GET"
	case (head.StatusCode == 301 || head.StatusCode == 302) && method == "POST":
		method = "GET"
	}
	x.discard(c, f)
	if x.ctx.Err() != nil {
		return neterr.Cause(x.ctx)
	}

	r := &Redirect{StatusCode: head.StatusCode, Method: method, URL: displayURL(next), Headers: head.Headers}
	if x.req.Redirect == RedirectManual {
		a, err := x.ask(askRedirect, func() { x.sink.Redirect(r) })
		if err != nil {
			return err
		}
		if !a.follow {
			return &neterr.Error{Name: neterr.RedirectCancelled, Detail: "Redirect was cancelled"}
		}
	} else {
		x.sink.Redirect(r)
	}

	if method != h.method && method == "GET" {
		h.hasBody, h.streaming, h.body = false, false, nil
		h.header = httpwire.WithoutHeaders(h.header, "Content-Type", "Content-Encoding", "Content-Language", "Content-Location")
	} else if h.streaming {
		return neterr.New(neterr.Failed, errors.New("a streamed body cannot be sent again after a redirect"))
	}
	if i := httpwire.HeaderIndex(h.header, "Referer"); i >= 0 {
		// Chromium reduces the referrer hop by hop: what one hop cut stays cut.
		ref := referrerFor(referrerFor(h.header[i].Value, x.req.ReferrerPolicy, h.url), x.req.ReferrerPolicy, next)
		if ref == "" {
			h.header = httpwire.WithoutHeaders(h.header, "Referer")
		} else {
			h.header = append([]httpwire.Header(nil), h.header...) // the app's list is shared: copy before changing
			h.header[i].Value = ref
		}
	}
	if httpwire.Origin(next) != httpwire.Origin(h.url) {
		h.header = httpwire.WithoutHeaders(h.header, "Authorization", "Proxy-Authorization")
		h.login.Reset()
	}
	h.method = method
	h.url = next
	return nil
}
