package httpcache

import (
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/go-net-request/go-net-request/gocore/httpwire"
)

// storedFacts are the parts of a stored head the freshness rules use.
type storedFacts struct {
	date           time.Time     // Date, or ResponseTime when absent or invalid (RFC 9110 section 6.6.1)
	ageValue       time.Duration // the Age header
	lifetime       time.Duration // FreshnessLifetime
	noCache        bool
	mustRevalidate bool
	etag           string
	lastModified   string
}

// parseHTTPDate reads an HTTP date (RFC 9110 section 5.6.7). The preferred
// IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT", which nearly every server
// sends, is read by hand (time.Parse cost more than the rest of storing a
// response); the obsolete forms go to http.ParseTime.
func parseHTTPDate(s string) (time.Time, error) {
	if len(s) == 29 && s[3] == ',' && s[4] == ' ' && s[7] == ' ' && s[11] == ' ' && s[16] == ' ' &&
		s[19] == ':' && s[22] == ':' && s[25:] == " GMT" {
		day, ok1 := digits(s[5:7])
		year, ok2 := digits(s[12:16])
		hour, ok3 := digits(s[17:19])
		minute, ok4 := digits(s[20:22])
		second, ok5 := digits(s[23:25])
		month := strings.Index("JanFebMarAprMayJunJulAugSepOctNovDec", s[8:11])
		weekday := strings.Index("MonTueWedThuFriSatSun", s[:3])
		if ok1 && ok2 && ok3 && ok4 && ok5 && month >= 0 && month%3 == 0 && weekday >= 0 && weekday%3 == 0 &&
			day >= 1 && day <= 31 && hour < 24 && minute < 60 && second < 60 {
			t := time.Date(year, time.Month(month/3+1), day, hour, minute, second, 0, time.UTC)
			if t.Day() == day { // not 31 Feb
				return t, nil
			}
		}
	}
	return http.ParseTime(s)
}

// digits reads s as a decimal number of ASCII digits only.
func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// facts returns r's storedFacts, working them out on first use.
func (r *Entry) facts() *storedFacts {
	if r.known != nil {
		return r.known
	}
	hs := r.Head.Headers
	cc := parseDirectives(hs)
	f := &storedFacts{
		date:         r.ResponseTime,
		noCache:      cc.has("no-cache") || pragmaNoCache(hs),
		etag:         httpwire.HeaderValue(hs, "ETag"),
		lastModified: httpwire.HeaderValue(hs, "Last-Modified"),
	}
	if d, err := parseHTTPDate(httpwire.HeaderValue(hs, "Date")); err == nil {
		f.date = d
	}
	f.ageValue, _ = deltaSeconds(firstMember(httpwire.HeaderValue(hs, "Age")))
	f.mustRevalidate = cc.has("must-revalidate") || f.noCache
	f.lifetime = freshnessLifetime(r.Head.StatusCode, hs, cc, f.date, f.lastModified)
	r.known = f
	return f
}

// Storable reports whether a response may be stored by a private cache
// (RFC 9111 section 3): the request is a GET, the status is final and
// neither 206 (ranges are not cached) nor 304, neither request nor
// response says no-store, the response has no Vary: * (it could never be
// selected), a request with Authorization is answered with public,
// s-maxage or must-revalidate, and the response either has a heuristically
// cacheable status (200, 203, 204, 300, 301, 308, 404, 405, 410, 414, 501)
// or says how long it stays fresh (max-age, Expires) or public or private.
// private is allowed (this is a private cache) and Set-Cookie is kept, as
// browsers do.
func Storable(method string, reqHeaders []httpwire.Header, head *httpwire.ResponseHead) bool {
	if method != "GET" || head == nil {
		return false
	}
	code := head.StatusCode
	if code < 200 || code == 206 || code == 304 {
		return false
	}
	if parseDirectives(reqHeaders).has("no-store") {
		return false
	}
	cc := parseDirectives(head.Headers)
	if cc.has("no-store") {
		return false
	}
	if _, star := varyNames(head.Headers); star {
		return false
	}
	if httpwire.HeaderIndex(reqHeaders, "Authorization") >= 0 &&
		!cc.has("public") && !cc.has("s-maxage") && !cc.has("must-revalidate") {
		return false
	}
	return heuristicallyCacheable(code) ||
		cc.has("max-age") || cc.has("public") || cc.has("private") ||
		httpwire.HeaderIndex(head.Headers, "Expires") >= 0
}

// heuristicallyCacheable is RFC 9110's list of statuses cacheable by
// default, without 206.
func heuristicallyCacheable(code int) bool {
	switch code {
	case 200, 203, 204, 300, 301, 308, 404, 405, 410, 414, 501:
		return true
	}
	return false
}

// Age returns the response's current age at now (RFC 9111 section 4.2.3):
// the larger of the apparent age (ResponseTime - Date) and the Age header
// corrected by the request's delay, plus the time spent in the cache.
func (r *Entry) Age(now time.Time) time.Duration {
	f := r.facts()
	apparent := max(0, r.ResponseTime.Sub(f.date))
	corrected := f.ageValue + max(0, r.ResponseTime.Sub(r.RequestTime))
	resident := max(0, now.Sub(r.ResponseTime))
	return max(apparent, corrected) + resident
}

// FreshnessLifetime returns how long the response stays fresh (RFC 9111
// section 4.2.1, for a private cache, so s-maxage is ignored): max-age,
// else Expires - Date (an invalid Expires means already expired), else, as
// Chromium does, forever for 300, 301, 308 and 410, else a tenth of
// Date - Last-Modified for the other heuristically cacheable statuses,
// else zero. no-cache is Fresh's business, not this one's.
func (r *Entry) FreshnessLifetime() time.Duration { return r.facts().lifetime }

func freshnessLifetime(code int, hs []httpwire.Header, cc directives, date time.Time, lastModified string) time.Duration {
	if v, ok := cc["max-age"]; ok {
		d, _ := deltaSeconds(v) // an invalid max-age means stale
		return d
	}
	if i := httpwire.HeaderIndex(hs, "Expires"); i >= 0 {
		expires, err := parseHTTPDate(hs[i].Value)
		if err != nil {
			return 0
		}
		return max(0, expires.Sub(date))
	}
	switch {
	case code == 300 || code == 301 || code == 308 || code == 410:
		return time.Duration(math.MaxInt64)
	case heuristicallyCacheable(code):
		lm, err := parseHTTPDate(lastModified)
		if err != nil {
			return 0
		}
		return max(0, date.Sub(lm)/10)
	}
	return 0
}

// Fresh reports whether the response may be used for a request with
// reqHeaders without revalidation: never when the response says no-cache
// (or Pragma: no-cache) or the request does (Cache-Control: no-cache or
// Pragma: no-cache); otherwise when its age is below its freshness
// lifetime, by at least the request's min-fresh, and within the request's
// max-age. A request's max-stale (any staleness when it has no value)
// allows a stale response unless MustRevalidate.
func (r *Entry) Fresh(now time.Time, reqHeaders []httpwire.Header) bool {
	if r.noCache() {
		return false
	}
	req := parseDirectives(reqHeaders)
	if req.has("no-cache") || pragmaNoCache(reqHeaders) {
		return false
	}
	age := r.Age(now)
	if v, ok := req["max-age"]; ok {
		limit, _ := deltaSeconds(v) // an invalid max-age asks for revalidation
		if age > limit {
			return false
		}
	}
	lifetime := r.FreshnessLifetime()
	if v, ok := req["min-fresh"]; ok {
		if d, valid := deltaSeconds(v); valid {
			lifetime = max(0, lifetime-d)
		}
	}
	if lifetime > age {
		return true
	}
	if v, ok := req["max-stale"]; ok && !r.MustRevalidate() {
		if v == "" {
			return true
		}
		if d, valid := deltaSeconds(v); valid && age-lifetime <= d {
			return true
		}
	}
	return false
}

// Validators returns the ETag and Last-Modified values for If-None-Match
// and If-Modified-Since ("" when absent).
func (r *Entry) Validators() (etag, lastModified string) {
	f := r.facts()
	return f.etag, f.lastModified
}

// MustRevalidate reports whether the response may never be used stale:
// it says must-revalidate, or no-cache (which forbids any use without
// revalidation).
func (r *Entry) MustRevalidate() bool { return r.facts().mustRevalidate }

// noCache reports a response no-cache (with or without field names, as
// Chromium treats it) or a response Pragma: no-cache (Chromium honours it).
func (r *Entry) noCache() bool { return r.facts().noCache }

// mergeHeaders returns stored updated by a 304's headers (see Update).
func mergeHeaders(stored, fresh []httpwire.Header, responseTime time.Time) []httpwire.Header {
	keep := map[string]bool{
		"connection": true, "proxy-connection": true, "keep-alive": true, "te": true,
		"transfer-encoding": true, "trailer": true, "upgrade": true,
		"content-length": true, "content-encoding": true, "content-type": true, "content-range": true,
	}
	for _, h := range fresh {
		if strings.EqualFold(h.Name, "Connection") {
			for _, n := range strings.Split(h.Value, ",") {
				keep[strings.ToLower(strings.TrimSpace(n))] = true
			}
		}
	}
	updated := map[string][]httpwire.Header{}
	var order []string
	for _, h := range fresh {
		n := strings.ToLower(h.Name)
		if keep[n] {
			continue
		}
		if _, seen := updated[n]; !seen {
			order = append(order, n)
		}
		updated[n] = append(updated[n], h)
	}
	_, freshAge := updated["age"]
	_, freshDate := updated["date"]

	out := make([]httpwire.Header, 0, len(stored)+len(fresh))
	done := map[string]bool{}
	for _, h := range stored {
		n := strings.ToLower(h.Name)
		switch {
		case updated[n] != nil:
			if !done[n] {
				out = append(out, updated[n]...)
				done[n] = true
			}
		case n == "age" && !freshAge:
			// The age restarts with the revalidation.
		case n == "date" && !freshDate:
			out = append(out, httpwire.Header{Name: h.Name, Value: responseTime.UTC().Format(http.TimeFormat)})
		default:
			out = append(out, h)
		}
	}
	for _, n := range order {
		if !done[n] {
			out = append(out, updated[n]...)
		}
	}
	return out
}

// directives are Cache-Control directives: lower-cased names to their
// (unquoted) values, the first occurrence of each kept.
type directives map[string]string

func (d directives) has(name string) bool {
	_, ok := d[name]
	return ok
}

// parseDirectives reads every Cache-Control line of hs.
func parseDirectives(hs []httpwire.Header) directives {
	var d directives // nil reads as empty: most heads have no Cache-Control
	for _, h := range hs {
		if strings.EqualFold(h.Name, "Cache-Control") {
			if d == nil {
				d = directives{}
			}
			splitDirectives(h.Value, func(name, value string) {
				if _, seen := d[name]; !seen {
					d[name] = value
				}
			})
		}
	}
	return d
}

// splitDirectives calls f for each comma-separated name[=value], with
// commas inside quoted strings kept.
func splitDirectives(v string, f func(name, value string)) {
	for v != "" {
		i, quoted := 0, false
	scan:
		for ; i < len(v); i++ {
			switch c := v[i]; {
			case quoted && c == '\\':
				i++
			case c == '"':
				quoted = !quoted
			case !quoted && c == ',':
				break scan
			}
		}
		part := v[:min(i, len(v))]
		if i < len(v) {
			v = v[i+1:]
		} else {
			v = ""
		}
		name, value, _ := strings.Cut(part, "=")
		name = strings.ToLower(strings.TrimSpace(name))
		value = strings.TrimSpace(value)
		if len(value) >= 2 && value[0] == '"' && value[len(value)-1] == '"' {
			value = value[1 : len(value)-1]
		}
		if name != "" {
			f(name, value)
		}
	}
}

// pragmaNoCache reports a Pragma: no-cache.
func pragmaNoCache(hs []httpwire.Header) bool {
	for _, h := range hs {
		if strings.EqualFold(h.Name, "Pragma") {
			for _, tok := range strings.Split(h.Value, ",") {
				if strings.EqualFold(strings.TrimSpace(tok), "no-cache") {
					return true
				}
			}
		}
	}
	return false
}

// maxDeltaSeconds is RFC 9111's cap on delta-seconds (section 1.2.2).
const maxDeltaSeconds = 1 << 31

// deltaSeconds parses a non-negative number of seconds, capped at 2^31.
func deltaSeconds(s string) (time.Duration, bool) {
	if s == "" {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		if n < maxDeltaSeconds {
			n = n*10 + int64(c-'0')
		}
	}
	return time.Duration(min(n, maxDeltaSeconds)) * time.Second, true
}

// firstMember is the first comma-separated member of a list value.
func firstMember(v string) string {
	first, _, _ := strings.Cut(v, ",")
	return strings.TrimSpace(first)
}
