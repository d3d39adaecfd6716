package cookies

import (
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Set-Cookie lines and Electron's cookies.set details made into cookies:
// attribute parsing, the canonical cookie with its checks, expiry dates.

// cookieAttrs is a cookie as given: a parsed Set-Cookie line or the
// details of Set.
type cookieAttrs struct {
	name, value string
	domain      string // as given, without validation
	hasDomain   bool   // a non-empty Domain attribute
	path        string // as given; "" when absent
	hasPath     bool
	expires     time.Time
	hasExpires  bool
	maxAge      int64 // seconds
	hasMaxAge   bool
	secure      bool
	httpOnly    bool
	sameSite    string
}

// parseSetCookie splits a Set-Cookie line (RFC 6265bis §5.6). Unknown
// attributes, unparsable Expires and Max-Age values and attribute values
// over 1024 bytes are ignored; the last of a repeated attribute wins.
func parseSetCookie(line string) (cookieAttrs, cookieExclusion) {
	a := cookieAttrs{sameSite: SameSiteUnspecified}
	if cookieHasCTL(line) {
		return a, cookieExclDisallowedCharacter
	}
	pair, rest, _ := strings.Cut(line, ";")
	name, value, found := strings.Cut(pair, "=")
	if !found {
		name, value = "", pair
	}
	a.name, a.value = cookieTrim(name), cookieTrim(value)
	for rest != "" {
		var av string
		av, rest, _ = strings.Cut(rest, ";")
		k, v, _ := strings.Cut(av, "=")
		k, v = cookieTrim(k), cookieTrim(v)
		if len(v) > cookieMaxAttributeValueBytes {
			continue
		}
		switch strings.ToLower(k) {
		case "expires":
			if t, ok := parseCookieDate(v); ok {
				a.expires, a.hasExpires = t, true
			}
		case "max-age":
			if n, ok := parseCookieMaxAge(v); ok {
				a.maxAge, a.hasMaxAge = n, true
			}
		case "domain":
			a.domain, a.hasDomain = v, v != ""
		case "path":
			a.path, a.hasPath = v, true
		case "secure":
			a.secure = true
		case "httponly":
			a.httpOnly = true
		case "samesite":
			switch strings.ToLower(v) {
			case "none":
				a.sameSite = SameSiteNoRestriction
			case "lax":
				a.sameSite = SameSiteLax
			case "strict":
				a.sameSite = SameSiteStrict
			default:
				a.sameSite = SameSiteUnspecified
			}
		}
	}
	return a, 0
}

func cookieTrim(s string) string { return strings.Trim(s, " \t") }

// canonicalCookie checks a as Chromium's CanonicalCookie::Create (from a
// response) or CreateSanitizedCookie (from the API) and then
// IsSetPermittedInContext do, and builds the cookie to store. The first
// stage's reasons are returned alone, as Chromium stops there. It is long
// because it keeps Chromium's checks in Chromium's order, one after the
// other, so they can be compared side by side.
func canonicalCookie(u *url.URL, a cookieAttrs, now time.Time, api, crossSite bool) (*jarCookie, cookieExclusion) {
	var excl cookieExclusion
	host, ok := cookieHost(u)
	if !ok {
		return nil, cookieExclInvalidDomain
	}
	if api && (strings.ContainsAny(a.name, ";=") || cookieTrim(a.name) != a.name ||
		strings.Contains(a.value, ";") || cookieTrim(a.value) != a.value) {
		excl |= cookieExclDisallowedCharacter
	}
	if cookieHasCTL(a.name) || cookieHasCTL(a.value) {
		excl |= cookieExclDisallowedCharacter
	}
	if a.name == "" && a.value == "" {
		excl |= cookieExclNoCookieContent
	}
	if len(a.name)+len(a.value) > cookieMaxNameValueBytes {
		excl |= cookieExclNameValueTooBig
	}
	if api && (len(a.domain) > cookieMaxAttributeValueBytes || len(a.path) > cookieMaxAttributeValueBytes) {
		excl |= cookieExclAttributeTooBig
	}
	domain, hostOnly, dexcl := cookieDomainFor(host, a.domain)
	excl |= dexcl
	path := a.path
	switch {
	case api && path != "":
		if path[0] != '/' || strings.Contains(path, ";") || cookieHasCTL(path) || cookieTrim(path) != path {
			excl |= cookieExclFailureToStore
		}
	case path == "" || path[0] != '/':
		path = cookieDefaultPath(u)
	}
	lower := strings.ToLower(a.name)
	secureOrigin := isSecureScheme(u)
	if strings.HasPrefix(lower, cookieSecurePrefix) && !(a.secure && secureOrigin) {
		excl |= cookieExclInvalidPrefix
	}
	// __Host-: from the API the canonical path must be "/", from a response
	// the Path attribute itself.
	if strings.HasPrefix(lower, cookieHostPrefix) && !(a.secure && secureOrigin && !a.hasDomain &&
		(api && path == "/" || !api && a.hasPath && a.path == "/")) {
		excl |= cookieExclInvalidPrefix
	}
	if lowerValue := strings.ToLower(a.value); a.name == "" &&
		(strings.HasPrefix(lowerValue, cookieSecurePrefix) || strings.HasPrefix(lowerValue, cookieHostPrefix)) {
		excl |= cookieExclInvalidPrefix
	}
	if excl != 0 {
		return nil, excl
	}

	if !cookieableScheme(u) {
		excl |= cookieExclNonCookieableScheme
	}
	if a.secure && !cookieSecureAccess(u) {
		excl |= cookieExclSecureOnly
	}
	if crossSite {
		// A response to a cross-site request may set only SameSite=None.
		switch a.sameSite {
		case SameSiteStrict:
			excl |= cookieExclSameSiteStrict
		case SameSiteLax:
			excl |= cookieExclSameSiteLax
		case SameSiteUnspecified:
			excl |= cookieExclSameSiteUnspecifiedLax
		}
	}
	if a.sameSite == SameSiteNoRestriction && !a.secure {
		excl |= cookieExclSameSiteNoneInsecure
	}
	if excl != 0 {
		return nil, excl
	}

	var expires time.Time
	switch {
	case a.hasMaxAge && a.maxAge <= 0:
		expires = cookieExpiredTime
	case a.hasMaxAge:
		if a.maxAge > int64(cookieMaxLifetime/time.Second) {
			expires = now.Add(cookieMaxLifetime)
		} else {
			expires = now.Add(time.Duration(a.maxAge) * time.Second)
		}
	case a.hasExpires:
		expires = a.expires
	}
	if !expires.IsZero() && expires.After(now.Add(cookieMaxLifetime)) {
		expires = now.Add(cookieMaxLifetime)
	}
	c := &jarCookie{
		Cookie: Cookie{
			Name:     a.name,
			Value:    a.value,
			Domain:   domain,
			Path:     path,
			HostOnly: hostOnly,
			Secure:   a.secure,
			HTTPOnly: a.httpOnly,
			Session:  expires.IsZero(),
			SameSite: a.sameSite,
		},
		expires: expires,
	}
	c.ExpirationDate = cookieSeconds(expires)
	return c, 0
}

// cookieSeconds is t in Electron's expirationDate form: fractional seconds
// since the epoch, 0 for the zero time.
func cookieSeconds(t time.Time) float64 {
	if t.IsZero() {
		return 0
	}
	return float64(t.Unix()) + float64(t.Nanosecond())/1e9
}

// cookieTimeFromSeconds is the inverse of cookieSeconds; values too large
// for a time are capped (the lifetime cap applies afterwards anyway).
func cookieTimeFromSeconds(s float64, now time.Time) time.Time {
	limit := float64(now.Add(cookieMaxLifetime).Unix()) + 1
	switch {
	case s > limit:
		s = limit
	case s < 1:
		return cookieExpiredTime
	}
	sec, frac := math.Modf(s)
	return time.Unix(int64(sec), int64(frac*1e9))
}

// parseCookieMaxAge is RFC 6265's Max-Age: an optional '-' and digits;
// values too large saturate.
func parseCookieMaxAge(v string) (int64, bool) {
	digits := strings.TrimPrefix(v, "-")
	if digits == "" {
		return 0, false
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil { // out of range: the sign decides
		if v[0] == '-' {
			return math.MinInt64, true
		}
		return math.MaxInt64, true
	}
	return n, true
}

// parseCookieDate is RFC 6265 §5.1.1's lenient cookie-date algorithm.
func parseCookieDate(s string) (time.Time, bool) {
	var (
		hour, minute, second, day, month, year     int
		foundTime, foundDay, foundMonth, foundYear bool
	)
	for _, tok := range strings.FieldsFunc(s, cookieDateDelimiter) {
		if !foundTime {
			if h, m, sec, ok := cookieDateTime(tok); ok {
				hour, minute, second, foundTime = h, m, sec, true
				continue
			}
		}
		if !foundDay {
			if n, ok := cookieDateDigits(tok, 1, 2); ok {
				day, foundDay = n, true
				continue
			}
		}
		if !foundMonth && len(tok) >= 3 {
			if m := cookieMonth(tok[:3]); m > 0 {
				month, foundMonth = m, true
				continue
			}
		}
		if !foundYear {
			if n, ok := cookieDateDigits(tok, 2, 4); ok {
				year, foundYear = n, true
				continue
			}
		}
	}
	if !foundTime || !foundDay || !foundMonth || !foundYear {
		return time.Time{}, false
	}
	switch {
	case year >= 70 && year <= 99:
		year += 1900
	case year >= 0 && year <= 69:
		year += 2000
	}
	if day < 1 || day > 31 || year < 1601 || hour > 23 || minute > 59 || second > 59 {
		return time.Time{}, false
	}
	t := time.Date(year, time.Month(month), day, hour, minute, second, 0, time.UTC)
	if t.Day() != day { // no such day in that month
		return time.Time{}, false
	}
	return t, true
}

func cookieDateDelimiter(r rune) bool {
	return r == '\t' || r >= 0x20 && r <= 0x2f || r >= 0x3b && r <= 0x40 ||
		r >= 0x5b && r <= 0x60 || r >= 0x7b && r <= 0x7e
}

// cookieDateDigits reads min..max leading digits of tok (anything after
// them must start with a non-digit, which it does by construction).
func cookieDateDigits(tok string, min, max int) (int, bool) {
	n := 0
	for n < len(tok) && tok[n] >= '0' && tok[n] <= '9' {
		n++
	}
	if n < min || n > max {
		return 0, false
	}
	v, _ := strconv.Atoi(tok[:n])
	return v, true
}

// cookieDateTime reads hms-time: three 1-2 digit fields separated by ':'.
func cookieDateTime(tok string) (h, m, s int, ok bool) {
	var fields [3]int
	rest := tok
	for i := range fields {
		n := 0
		for n < len(rest) && n < 3 && rest[n] >= '0' && rest[n] <= '9' {
			n++
		}
		if n < 1 || n > 2 {
			return 0, 0, 0, false
		}
		fields[i], _ = strconv.Atoi(rest[:n])
		rest = rest[n:]
		if i < 2 {
			if rest == "" || rest[0] != ':' {
				return 0, 0, 0, false
			}
			rest = rest[1:]
		}
	}
	if rest != "" && rest[0] >= '0' && rest[0] <= '9' {
		return 0, 0, 0, false
	}
	return fields[0], fields[1], fields[2], true
}

func cookieMonth(s string) int {
	switch strings.ToLower(s) {
	case "jan":
		return 1
	case "feb":
		return 2
	case "mar":
		return 3
	case "apr":
		return 4
	case "may":
		return 5
	case "jun":
		return 6
	case "jul":
		return 7
	case "aug":
		return 8
	case "sep":
		return 9
	case "oct":
		return 10
	case "nov":
		return 11
	case "dec":
		return 12
	}
	return 0
}
