package gocore

import (
	"net/url"
	"strings"

	"github.com/go-net-request/go-net-request/gocore/httpwire"
)

// The referrer policies (the fetch standard's names). The default is
// strict-origin-when-cross-origin, as in Chromium.
const (
	PolicyNoReferrer                  = "no-referrer"
	PolicyNoReferrerWhenDowngrade     = "no-referrer-when-downgrade"
	PolicyOrigin                      = "origin"
	PolicyOriginWhenCrossOrigin       = "origin-when-cross-origin"
	PolicySameOrigin                  = "same-origin"
	PolicyStrictOrigin                = "strict-origin"
	PolicyStrictOriginWhenCrossOrigin = "strict-origin-when-cross-origin"
	PolicyUnsafeURL                   = "unsafe-url"
)

// ValidReferrerPolicy reports whether p names a policy ("" is the default).
func ValidReferrerPolicy(p string) bool {
	switch p {
	case "", PolicyNoReferrer, PolicyNoReferrerWhenDowngrade, PolicyOrigin, PolicyOriginWhenCrossOrigin,
		PolicySameOrigin, PolicyStrictOrigin, PolicyStrictOriginWhenCrossOrigin, PolicyUnsafeURL:
		return true
	}
	return false
}

// referrerFor is the Referer a request to target carries when the app set
// referrer, under policy; "" sends none. Computed again on every redirect
// hop, as Chromium does. A downgrade is https to a non-https URL, as
// Chromium's network stack counts it (loopback included).
func referrerFor(referrer, policy string, target *url.URL) string {
	if referrer == "" {
		return ""
	}
	ref, err := url.Parse(referrer)
	if err != nil || (ref.Scheme != "http" && ref.Scheme != "https") || ref.Host == "" {
		return ""
	}
	ref.User, ref.Fragment, ref.RawFragment = nil, "", ""
	full := ref.String()
	origin := ref.Scheme + "://" + ref.Host + "/"
	sameOrigin := httpwire.Origin(ref) == httpwire.Origin(target)
	downgrade := ref.Scheme == "https" && target.Scheme != "https"
	switch strings.ToLower(policy) {
	case PolicyNoReferrer:
		return ""
	case PolicyUnsafeURL:
		return full
	case PolicyOrigin:
		return origin
	case PolicyStrictOrigin:
		if downgrade {
			return ""
		}
		return origin
	case PolicyNoReferrerWhenDowngrade:
		if downgrade {
			return ""
		}
		return full
	case PolicySameOrigin:
		if sameOrigin {
			return full
		}
		return ""
	case PolicyOriginWhenCrossOrigin:
		if sameOrigin {
			return full
		}
		return origin
	default: // strict-origin-when-cross-origin
		switch {
		case sameOrigin:
			return full
		case downgrade:
			return ""
		}
		return origin
	}
}
