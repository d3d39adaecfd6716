package gocore

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/go-net-request/go-net-request/gocore/auth"
	"github.com/go-net-request/go-net-request/gocore/httpwire"
)

// requestTarget is u's origin-form target. Bytes a request line cannot
// carry (controls, spaces, non-ASCII) are percent-encoded, so no URL can
// split the request line.
func requestTarget(u *url.URL) string {
	t := u.RequestURI()
	if t == "" {
		return "/"
	}
	for i := 0; i < len(t); i++ {
		if t[i] <= ' ' || t[i] >= 0x7f {
			return escapeTarget(t)
		}
	}
	return t
}

func escapeTarget(t string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(t); i++ {
		if c := t[i]; c <= ' ' || c >= 0x7f {
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
			continue
		}
		b.WriteByte(t[i])
	}
	return b.String()
}

// hostHeader is host[:port], the port omitted when it is the scheme's default.
func hostHeader(u *url.URL) string {
	host := u.Hostname()
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if p := u.Port(); p != "" && p != map[string]string{"http": "80", "https": "443"}[u.Scheme] {
		return host + ":" + p
	}
	return host
}

// requestHeaders is the head we send: Host and framing first, then the
// app's headers in its order and case, then the defaults it did not set.
func (x *Exchange) requestHeaders(h *hop) []httpwire.Header {
	hs := make([]httpwire.Header, 0, len(h.header)+10)
	hs = append(hs, httpwire.Header{Name: "Host", Value: hostHeader(h.url)})
	if httpwire.HeaderIndex(h.header, "Connection") < 0 {
		hs = append(hs, httpwire.Header{Name: "Connection", Value: "keep-alive"})
	}
	switch {
	case h.hasBody:
		hs = append(hs, httpwire.Header{Name: "Content-Length", Value: strconv.Itoa(len(h.body))})
	case h.streaming:
		hs = append(hs, httpwire.Header{Name: "Transfer-Encoding", Value: "chunked"})
	case h.method == "POST" || h.method == "PUT":
		hs = append(hs, httpwire.Header{Name: "Content-Length", Value: "0"})
	}
	for _, hd := range h.header {
		if strings.EqualFold(hd.Name, "Referer") {
			// The app's Referer, filtered by the policy for this hop's URL.
			if ref := referrerFor(hd.Value, x.req.ReferrerPolicy, h.url); ref != "" {
				hs = append(hs, httpwire.Header{Name: hd.Name, Value: ref})
			}
			continue
		}
		hs = append(hs, hd)
	}
	if x.req.Initiator != "" && httpwire.HeaderIndex(h.header, "Origin") < 0 && h.method != "GET" && h.method != "HEAD" {
		// Chromium sends the initiator as Origin on requests that are not GET or HEAD.
		hs = append(hs, httpwire.Header{Name: "Origin", Value: x.req.Initiator})
	}
	if cookie := x.cookieHeader(h); cookie != "" {
		hs = append(hs, httpwire.Header{Name: "Cookie", Value: cookie})
	}
	hs = append(hs, conditionalHeaders(h)...)
	if sent := h.login.Sent; sent != nil && httpwire.HeaderIndex(h.header, "Authorization") < 0 {
		// Computed per hop: a Digest answer covers one method and URI.
		if value := auth.Authorization(&sent.Challenge, sent.Cred, h.method, requestTarget(h.url)); httpwire.ValidHeaderValue(value) {
			hs = append(hs, httpwire.Header{Name: "Authorization", Value: value})
		}
	}
	if httpwire.HeaderIndex(h.header, "User-Agent") < 0 {
		hs = append(hs, httpwire.Header{Name: "User-Agent", Value: x.client.UserAgent()})
	}
	if httpwire.HeaderIndex(h.header, "Accept-Encoding") < 0 {
		hs = append(hs, httpwire.Header{Name: "Accept-Encoding", Value: httpwire.DefaultAcceptEncoding})
	}
	if lang := x.client.AcceptLanguage(); lang != "" && httpwire.HeaderIndex(h.header, "Accept-Language") < 0 {
		hs = append(hs, httpwire.Header{Name: "Accept-Language", Value: lang})
	}
	initiator := x.req.Initiator
	if initiator == "" {
		initiator = httpwire.HeaderValue(h.header, "Origin")
	}
	// Every URL of the redirect chain counts, sent Fetch Metadata or not.
	h.fetchSite = leastSameFetchSite(h.fetchSite, fetchSite(initiator, h.url))
	if h.url.Scheme == "https" || httpwire.IsLoopbackHost(h.url.Hostname()) {
		// Chromium sends Fetch Metadata to potentially trustworthy origins only.
		if httpwire.HeaderIndex(h.header, "Sec-Fetch-Site") < 0 {
			hs = append(hs, httpwire.Header{Name: "Sec-Fetch-Site", Value: h.fetchSite})
		}
		if httpwire.HeaderIndex(h.header, "Sec-Fetch-Mode") < 0 {
			hs = append(hs, httpwire.Header{Name: "Sec-Fetch-Mode", Value: "no-cors"})
		}
		if httpwire.HeaderIndex(h.header, "Sec-Fetch-Dest") < 0 {
			hs = append(hs, httpwire.Header{Name: "Sec-Fetch-Dest", Value: "empty"})
		}
	}
	return hs
}

// fetchSite computes Sec-Fetch-Site from the initiator's origin: "none"
// without one (a browser-initiated request, as the main process's are).
func fetchSite(initiator string, target *url.URL) string {
	if initiator == "" {
		return "none"
	}
	o, err := url.Parse(initiator)
	if err != nil || o.Host == "" {
		return "cross-site"
	}
	if httpwire.Origin(o) == httpwire.Origin(target) {
		return "same-origin"
	}
	if sameSite(o, target) {
		return "same-site"
	}
	return "cross-site"
}

// absoluteTarget is the request target sent to an http proxy.
func absoluteTarget(u *url.URL) string {
	v := *u
	v.User, v.Fragment, v.RawFragment = nil, "", ""
	return strings.TrimSuffix(v.Scheme+"://"+v.Host, "/") + requestTarget(u)
}
