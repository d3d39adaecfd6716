package httpwire

import "strings"

// Header is one request or response header line, with the name's case kept.
type Header struct {
	Name  string
	Value string
}

// ValidToken reports whether s is a non-empty RFC 9110 token, the grammar
// of methods and header names.
func ValidToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isTokenByte(s[i]) {
			return false
		}
	}
	return true
}

func isTokenByte(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// ValidHeaderValue reports whether v can be sent as a header value: no CR,
// LF or NUL, which is exactly Chromium's (and Electron's) rule.
func ValidHeaderValue(v string) bool {
	return strings.IndexAny(v, "\r\n\x00") < 0
}

// HeaderIndex returns the index of the first header named name
// (case-insensitively), or -1.
func HeaderIndex(hs []Header, name string) int {
	for i, h := range hs {
		if strings.EqualFold(h.Name, name) {
			return i
		}
	}
	return -1
}

// HeaderValue returns the first value of name, or "".
func HeaderValue(hs []Header, name string) string {
	if i := HeaderIndex(hs, name); i >= 0 {
		return hs[i].Value
	}
	return ""
}

// WithoutHeaders returns hs minus every header whose lower-cased name is in drop.
func WithoutHeaders(hs []Header, drop ...string) []Header {
	out := make([]Header, 0, len(hs))
next:
	for _, h := range hs {
		for _, d := range drop {
			if strings.EqualFold(h.Name, d) {
				continue next
			}
		}
		out = append(out, h)
	}
	return out
}
