// Package cookies is a session's cookie jar: Chromium's cookie monster
// semantics (RFC 6265bis: parsing, domain and path matching, SameSite,
// prefixes, limits and eviction) with Electron's Cookies API on top, and
// the file the jar persists to (store.go).
//
// The jar knows nothing of requests: the engine asks it for a Cookie
// header and hands it Set-Cookie lines, telling it whether the request is
// cross-site (the SameSite context is a property of the request's chain,
// which only the engine sees).
package cookies

import (
	"math"
	"net"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/go-net-request/go-net-request/gocore/httpwire"
	"golang.org/x/net/publicsuffix"
)

// Cookie is one cookie as Electron's Cookie object reports it.
type Cookie struct {
	Name  string
	Value string
	// Domain is ".example.com" for a domain cookie and the bare host for a
	// host-only one, as Electron (Chromium's CanonicalCookie) reports it.
	Domain   string
	Path     string
	HostOnly bool
	Secure   bool
	HTTPOnly bool
	Session  bool
	// ExpirationDate is in seconds since the epoch (fractional); 0 when Session.
	ExpirationDate float64
	SameSite       string // SameSiteUnspecified, SameSiteNoRestriction, SameSiteLax or SameSiteStrict
	// Creation and LastAccess order the Cookie header and choose what is
	// evicted; they are not part of Electron's object.
	Creation   time.Time
	LastAccess time.Time
}

// The SameSite values of Electron's Cookie object.
const (
	SameSiteUnspecified   = "unspecified"
	SameSiteNoRestriction = "no_restriction"
	SameSiteLax           = "lax"
	SameSiteStrict        = "strict"
)

// Filter is Electron's cookies.get filter. Empty strings and nil
// pointers match everything.
type Filter struct {
	URL                       string // cookies that would be sent to this URL (HttpOnly ones included)
	Name                      string // exact
	Domain                    string // the cookie's domain equals this domain or is a subdomain of it (Electron's MatchesDomain)
	Path                      string // exact
	Secure, Session, HTTPOnly *bool
}

// Details is Electron's cookies.set details.
//
// The zero values stand for Electron's absent fields: SameSite "" is
// Electron's default "lax"; ExpirationDate 0 makes a session cookie. Secure
// is taken as given: Electron's default for an absent secure (true when
// sameSite is "no_restriction") is applied by the caller, which alone can
// tell absent from false.
type Details struct {
	URL, Name, Value, Domain, Path string
	Secure, HTTPOnly               bool
	ExpirationDate                 float64
	SameSite                       string
}

// Change is one change to the jar, as Electron's `changed` event
// reports it.
type Change struct {
	Cookie  Cookie
	Cause   string // one of the CookieCause constants
	Removed bool
}

// The causes of Electron's Cookies `changed` event. Since Electron 41 an
// insertion is "inserted", or one of the two overwrite variants when it
// replaces an equivalent cookie (which is first reported removed with
// "overwrite"); removals keep their names.
const (
	CauseInserted              = "inserted"                           // a cookie was stored
	CauseInsertedNoChange      = "inserted-no-change-overwrite"       // the same cookie was stored again
	CauseInsertedNoValueChange = "inserted-no-value-change-overwrite" // same value, other attributes changed
	CauseExplicit              = "explicit"                           // removed by Remove or Clear
	CauseOverwrite             = "overwrite"                          // removed because a new cookie replaced it
	CauseExpired               = "expired"                            // removed because it expired
	CauseEvicted               = "evicted"                            // removed to keep the jar within its limits
	CauseExpiredOverwrite      = "expired-overwrite"                  // removed by a cookie set already expired
)

// Chromium's limits and timings.
const (
	cookieMaxNameValueBytes      = 4096                 // name + value
	cookieMaxAttributeValueBytes = 1024                 // a longer attribute is ignored
	cookieMaxPerDomain           = 180                  // per eTLD+1
	cookiePurgePerDomain         = 30                   // evicted past cookieMaxPerDomain: down to 150
	cookieMaxTotal               = 3300                 // in the whole jar
	cookiePurgeTotal             = 300                  // evicted past cookieMaxTotal: down to 3000
	cookieMaxLifetime            = 400 * 24 * time.Hour // RFC 6265bis caps every expiry
	cookieAccessPersistThreshold = time.Minute          // LastAccess moves this far before it is worth a write
	cookieSecurePrefix           = "__secure-"          // compared case-insensitively
	cookieHostPrefix             = "__host-"
)

// cookieDefaultFlushDelay is the persistent store's debounce: a burst of
// changes costs one write, and the disk is behind by a moment only (the
// host also writes at exit, and after the app's own changes).
const cookieDefaultFlushDelay = 100 * time.Millisecond

// cookieExpiredTime is the expiry given to a cookie set with Max-Age <= 0.
var cookieExpiredTime = time.Unix(0, 0)

// A Jar is one session's cookie store: Chromium's cookie monster
// semantics (RFC 6265bis) with Electron's Cookies API on top.
//
//	NewJar (file loaded, or empty) ──> changes ──> Close
//	                        every change to a persistent cookie:
//	                        clean ─mark dirty─> dirty ─flush (timer ~1 s, Flush, Close)─> clean
//
// Every change is reported to onChange, in order, outside the jar's lock.
// SameSite is enforced by CookieHeader and SetFromResponse, whose caller
// tells whether the request is cross-site (gocore's crossSiteForCookies,
// site.go); the API methods act in
// Chromium's inclusive (same-site) context. Secure cookies are set and sent
// over https and, as Chromium allows, over http to loopback hosts (which
// are potentially trustworthy).
// A Jar is safe for concurrent use.
type Jar struct {
	path       string           // the store's file; "" keeps the jar in memory
	onChange   func(Change)     // may be nil; called only by deliver
	now        func() time.Time // set before first use (tests replace it)
	flushDelay time.Duration    // set before first use

	mu           sync.Mutex
	byKey        map[string][]*jarCookie // guarded by mu; eTLD+1 (or host) of the domain -> its cookies
	count        int                     // guarded by mu; cookies in byKey
	lastCreation time.Time               // guarded by mu; creation times are unique and increasing
	queue        []Change                // guarded by mu; changes not yet delivered
	delivering   bool                    // guarded by mu; a goroutine is draining queue
	dirty        bool                    // guarded by mu; persistent cookies differ from the file
	timer        *time.Timer             // guarded by mu; the pending debounced flush
	closed       bool                    // guarded by mu; no more timers after Close

	writeMu sync.Mutex     // held while writing the file, so snapshots are written in order
	timerWG sync.WaitGroup // counts scheduled timer callbacks; Close waits for them
}

// jarCookie is a stored cookie: Electron's view plus its expiry as a time.
type jarCookie struct {
	Cookie
	expires time.Time // zero for a session cookie
}

func (c *jarCookie) expiredAt(now time.Time) bool {
	return !c.expires.IsZero() && !c.expires.After(now)
}

// NewJar opens a jar. With path "" it lives in memory; otherwise the
// persistent (non-session, unexpired) cookies are loaded from the file at
// path, if there is one, and written back there.
//
// A store that cannot be read or is corrupt never fails the jar: the jar is
// returned empty and usable, with a *StoreError for the caller to
// report. A corrupt file is moved aside to path + ".corrupt" and the jar
// writes a fresh store; a file that could not be read (or moved) stays
// where it is and the jar keeps to memory, so it is never overwritten.
func NewJar(path string, onChange func(Change)) (*Jar, error) {
	j := &Jar{
		path:       path,
		onChange:   onChange,
		now:        time.Now,
		flushDelay: cookieDefaultFlushDelay,
		byKey:      map[string][]*jarCookie{},
	}
	if path == "" {
		return j, nil
	}
	stored, err := loadCookieStore(path)
	if err != nil {
		if err.Moved == "" {
			j.path = "" // the file is still there: never overwrite what could not be read
		}
		return j, err
	}
	now := j.clock()
	j.mu.Lock()
	for _, c := range stored {
		if c.expiredAt(now) {
			continue
		}
		key := cookieDomainKey(c.Domain)
		bucket := j.byKey[key]
		if i := cookieIndex(bucket, c.Name, c.Domain, c.Path); i >= 0 {
			if bucket[i].Creation.After(c.Creation) {
				continue
			}
			bucket[i] = c
			continue
		}
		j.byKey[key] = append(bucket, c)
		j.count++
		if c.Creation.After(j.lastCreation) {
			j.lastCreation = c.Creation
		}
	}
	j.mu.Unlock()
	return j, nil
}

// CookieHeader returns the Cookie header value for a request to u (""
// for none): the unexpired cookies whose domain and path match u, Secure
// ones only when u may have them (https, or a loopback host), only
// SameSite=None ones when the request is crossSite, longest path first then
// oldest first. Their LastAccess is updated; expired cookies met on the way
// are removed. A cookie that could not make a valid header line (a control
// character or ';', from wherever it came) is never sent.
func (j *Jar) CookieHeader(u *url.URL, crossSite bool) string {
	host, ok := cookieHost(u)
	if !ok || !cookieableScheme(u) {
		return ""
	}
	now := j.clock()
	j.mu.Lock()
	key := cookieDomainKey(host)
	j.deleteWhereLocked(key, func(c *jarCookie) bool { return c.expiredAt(now) }, CauseExpired)
	list := j.matchLocked(key, host, cookieRequestPath(u), cookieSecureAccess(u), crossSite)
	var b strings.Builder
	for _, c := range list {
		if !cookieSendable(&c.Cookie) {
			continue
		}
		if b.Len() > 0 {
			b.WriteString("; ")
		}
		if c.Name != "" {
			b.WriteString(c.Name)
			b.WriteByte('=')
		}
		b.WriteString(c.Value)
		if now.Sub(c.LastAccess) >= cookieAccessPersistThreshold && !c.Session {
			j.markDirtyLocked()
		}
		c.LastAccess = now
	}
	j.mu.Unlock()
	j.deliver()
	return b.String()
}

// SetFromResponse stores the Set-Cookie lines of a response from u to a
// request that is crossSite or not. Lines that are malformed or not allowed
// for u in that context are ignored, as Chromium does.
func (j *Jar) SetFromResponse(u *url.URL, setCookies []string, crossSite bool) {
	if len(setCookies) == 0 {
		return
	}
	now := j.clock()
	j.mu.Lock()
	for _, line := range setCookies {
		attrs, excl := parseSetCookie(line)
		if excl != 0 {
			continue
		}
		c, excl := canonicalCookie(u, attrs, now, false, crossSite)
		if excl != 0 {
			continue
		}
		j.setLocked(c, cookieSecureAccess(u), true, now)
	}
	j.mu.Unlock()
	j.deliver()
}

// Get returns the cookies matching f (Electron's cookies.get), longest path
// first then oldest first. Expired cookies are removed, not returned;
// LastAccess is not updated.
func (j *Jar) Get(f Filter) []Cookie {
	now := j.clock()
	j.mu.Lock()
	var list []*jarCookie
	if f.URL != "" {
		u, err := url.Parse(f.URL)
		if err == nil {
			if host, ok := cookieHost(u); ok && cookieableScheme(u) {
				key := cookieDomainKey(host)
				j.deleteWhereLocked(key, func(c *jarCookie) bool { return c.expiredAt(now) }, CauseExpired)
				list = j.matchLocked(key, host, cookieRequestPath(u), cookieSecureAccess(u), false)
			}
		}
	} else {
		j.deleteAllWhereLocked(func(c *jarCookie) bool { return c.expiredAt(now) }, CauseExpired)
		for _, bucket := range j.byKey {
			list = append(list, bucket...)
		}
		sortCookies(list)
	}
	out := make([]Cookie, 0, len(list))
	for _, c := range list {
		if f.matches(&c.Cookie) {
			out = append(out, c.Cookie)
		}
	}
	j.mu.Unlock()
	j.deliver()
	return out
}

// matches applies the filter's fields other than URL, as Electron's
// MatchesCookie does.
func (f *Filter) matches(c *Cookie) bool {
	return (f.Name == "" || f.Name == c.Name) &&
		(f.Path == "" || f.Path == c.Path) &&
		(f.Domain == "" || cookieIsSubdomain(strings.TrimPrefix(strings.ToLower(c.Domain), "."),
			strings.TrimPrefix(strings.ToLower(f.Domain), "."))) &&
		(f.Secure == nil || *f.Secure == c.Secure) &&
		(f.Session == nil || *f.Session == c.Session) &&
		(f.HTTPOnly == nil || *f.HTTPOnly == c.HTTPOnly)
}

// Set stores a cookie given through the API (Electron's cookies.set). The
// error, a *SetError, carries Electron's message.
func (j *Jar) Set(d Details) error {
	sameSite := d.SameSite
	switch sameSite {
	case "":
		sameSite = SameSiteLax
	case SameSiteUnspecified, SameSiteNoRestriction, SameSiteLax, SameSiteStrict:
	default:
		return &SetError{message: "Failed to convert '" + sameSite + "' to an appropriate cookie same site value"}
	}
	u, err := url.Parse(d.URL)
	if err != nil || !u.IsAbs() {
		return newSetError(cookieExclInvalidDomain)
	}
	now := j.clock()
	attrs := cookieAttrs{
		name:      d.Name,
		value:     d.Value,
		domain:    d.Domain,
		path:      d.Path,
		hasDomain: d.Domain != "",
		secure:    d.Secure,
		httpOnly:  d.HTTPOnly,
		sameSite:  sameSite,
	}
	if d.ExpirationDate != 0 && !math.IsNaN(d.ExpirationDate) {
		attrs.hasExpires = true
		attrs.expires = cookieTimeFromSeconds(d.ExpirationDate, now)
	}
	c, excl := canonicalCookie(u, attrs, now, true, false)
	if excl != 0 {
		return newSetError(excl)
	}
	j.mu.Lock()
	excl = j.setLocked(c, cookieSecureAccess(u), d.HTTPOnly, now)
	j.mu.Unlock()
	j.deliver()
	if excl != 0 {
		return newSetError(excl)
	}
	return nil
}

// Remove removes the cookies named name that would be sent to rawURL
// (HttpOnly ones included), each with cause "explicit". As in Electron, a
// URL that is not valid removes nothing and is not an error.
func (j *Jar) Remove(rawURL, name string) error {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil
	}
	host, ok := cookieHost(u)
	if !ok || !cookieableScheme(u) {
		return nil
	}
	path, secure := cookieRequestPath(u), cookieSecureAccess(u)
	j.mu.Lock()
	j.deleteWhereLocked(cookieDomainKey(host), func(c *jarCookie) bool {
		return c.Name == name && cookieIncluded(&c.Cookie, host, path, secure)
	}, CauseExplicit)
	j.mu.Unlock()
	j.deliver()
	return nil
}

// Clear removes every cookie with cause "explicit" (clearStorageData).
func (j *Jar) Clear() {
	j.mu.Lock()
	j.deleteAllWhereLocked(func(*jarCookie) bool { return true }, CauseExplicit)
	j.mu.Unlock()
	j.deliver()
}

// Len returns the number of cookies stored, expired ones not yet removed
// included.
func (j *Jar) Len() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.count
}

// setLocked stores c (already canonical) the way Chromium's
// SetCanonicalCookie does: an origin that may not access Secure cookies
// (secureOrigin false) may not shadow a Secure cookie, only an HTTP setter may replace an HttpOnly one, an equivalent
// cookie (same name, domain, path) is replaced ("overwrite", or
// "expired-overwrite" when c is already expired, and then c is not stored),
// and the limits are enforced afterwards.
func (j *Jar) setLocked(c *jarCookie, secureOrigin, httpOnlyAllowed bool, now time.Time) cookieExclusion {
	key := cookieDomainKey(c.Domain)
	bucket := j.byKey[key]
	if !secureOrigin {
		for _, old := range bucket {
			if old.Secure && cookieShadowsSecure(&c.Cookie, &old.Cookie) {
				return cookieExclOverwriteSecure
			}
		}
	}
	i := cookieIndex(bucket, c.Name, c.Domain, c.Path)
	if i >= 0 && bucket[i].HTTPOnly && !httpOnlyAllowed {
		return cookieExclOverwriteHTTPOnly
	}
	expired := c.expiredAt(now)
	cause := CauseInserted
	var inherited time.Time
	if i >= 0 {
		old := bucket[i]
		removal := CauseOverwrite
		if expired {
			removal = CauseExpiredOverwrite
		}
		j.removeAtLocked(key, i, removal)
		if old.Value == c.Value {
			inherited = old.Creation
			cause = CauseInsertedNoValueChange
			if old.Secure == c.Secure && old.HTTPOnly == c.HTTPOnly && old.SameSite == c.SameSite &&
				old.expires.Equal(c.expires) {
				cause = CauseInsertedNoChange
			}
		}
	}
	if expired {
		return 0
	}
	if inherited.IsZero() {
		inherited = j.creationTimeLocked(now)
	}
	c.Creation, c.LastAccess = inherited, now
	j.byKey[key] = append(j.byKey[key], c)
	j.count++
	j.recordLocked(c, cause, false)
	j.enforceLimitsLocked(key, now)
	return 0
}

// enforceLimitsLocked keeps the domain of key and the whole jar within
// Chromium's limits: past the limit, expired cookies go first ("expired"),
// then the least recently accessed, non-secure before secure ("evicted"),
// down to the limit minus the purge count.
func (j *Jar) enforceLimitsLocked(key string, now time.Time) {
	expired := func(c *jarCookie) bool { return c.expiredAt(now) }
	if len(j.byKey[key]) > cookieMaxPerDomain {
		j.deleteWhereLocked(key, expired, CauseExpired)
		if n := len(j.byKey[key]); n > cookieMaxPerDomain {
			j.evictLocked(append([]*jarCookie(nil), j.byKey[key]...), n-(cookieMaxPerDomain-cookiePurgePerDomain))
		}
	}
	if j.count > cookieMaxTotal {
		j.deleteAllWhereLocked(expired, CauseExpired)
		if j.count > cookieMaxTotal {
			all := make([]*jarCookie, 0, j.count)
			for _, bucket := range j.byKey {
				all = append(all, bucket...)
			}
			j.evictLocked(all, j.count-(cookieMaxTotal-cookiePurgeTotal))
		}
	}
}

// evictLocked removes n of candidates: non-secure before secure, least
// recently accessed first.
func (j *Jar) evictLocked(candidates []*jarCookie, n int) {
	sort.SliceStable(candidates, func(a, b int) bool {
		ca, cb := candidates[a], candidates[b]
		if ca.Secure != cb.Secure {
			return !ca.Secure
		}
		if !ca.LastAccess.Equal(cb.LastAccess) {
			return ca.LastAccess.Before(cb.LastAccess)
		}
		return ca.Creation.Before(cb.Creation)
	})
	for _, victim := range candidates[:n] {
		key := cookieDomainKey(victim.Domain)
		for i, c := range j.byKey[key] {
			if c == victim {
				j.removeAtLocked(key, i, CauseEvicted)
				break
			}
		}
	}
}

// matchLocked returns the cookies of key that would be sent to host and
// path, in header order: Secure ones only with secure access, and only
// SameSite=None ones in a crossSite context (Strict, Lax and unspecified,
// which Chromium treats as Lax, stay home).
func (j *Jar) matchLocked(key, host, path string, secure, crossSite bool) []*jarCookie {
	var list []*jarCookie
	for _, c := range j.byKey[key] {
		if crossSite && c.SameSite != SameSiteNoRestriction {
			continue
		}
		if cookieIncluded(&c.Cookie, host, path, secure) {
			list = append(list, c)
		}
	}
	sortCookies(list)
	return list
}

// deleteWhereLocked removes the cookies of key for which del is true.
func (j *Jar) deleteWhereLocked(key string, del func(*jarCookie) bool, cause string) {
	for i := 0; i < len(j.byKey[key]); {
		if del(j.byKey[key][i]) {
			j.removeAtLocked(key, i, cause)
			continue
		}
		i++
	}
}

// deleteAllWhereLocked removes every cookie for which del is true, in
// header order, so the changes come out in a stable order.
func (j *Jar) deleteAllWhereLocked(del func(*jarCookie) bool, cause string) {
	var victims []*jarCookie
	for _, bucket := range j.byKey {
		for _, c := range bucket {
			if del(c) {
				victims = append(victims, c)
			}
		}
	}
	sortCookies(victims)
	for _, victim := range victims {
		key := cookieDomainKey(victim.Domain)
		j.deleteWhereLocked(key, func(c *jarCookie) bool { return c == victim }, cause)
	}
}

// removeAtLocked removes the i-th cookie of key and records the change.
func (j *Jar) removeAtLocked(key string, i int, cause string) {
	bucket := j.byKey[key]
	c := bucket[i]
	bucket = append(bucket[:i], bucket[i+1:]...)
	if len(bucket) == 0 {
		delete(j.byKey, key)
	} else {
		j.byKey[key] = bucket
	}
	j.count--
	j.recordLocked(c, cause, true)
}

// recordLocked queues a change for deliver and marks the store dirty when
// the change concerns a persistent cookie.
func (j *Jar) recordLocked(c *jarCookie, cause string, removed bool) {
	if !c.Session {
		j.markDirtyLocked()
	}
	if j.onChange != nil {
		j.queue = append(j.queue, Change{Cookie: c.Cookie, Cause: cause, Removed: removed})
	}
}

// deliver calls onChange for the queued changes, outside the lock and in
// the order they were made. One goroutine delivers at a time; a goroutine
// that finds another delivering leaves its changes to it, so onChange may
// itself use the jar.
func (j *Jar) deliver() {
	j.mu.Lock()
	if j.delivering {
		j.mu.Unlock()
		return
	}
	j.delivering = true
	defer func() {
		j.delivering = false
		j.mu.Unlock()
	}()
	for len(j.queue) > 0 {
		batch := j.queue
		j.queue = nil
		j.emitUnlocked(batch)
	}
}

// emitUnlocked calls onChange for batch with mu released (it is held on
// entry and on return, panics included).
func (j *Jar) emitUnlocked(batch []Change) {
	j.mu.Unlock()
	defer j.mu.Lock()
	for _, change := range batch {
		j.onChange(change)
	}
}

// creationTimeLocked returns now, or just after the last creation time when
// the clock has not moved, so creation times order cookies strictly.
func (j *Jar) creationTimeLocked(now time.Time) time.Time {
	if !now.After(j.lastCreation) {
		now = j.lastCreation.Add(time.Nanosecond)
	}
	j.lastCreation = now
	return now
}

func (j *Jar) clock() time.Time { return j.now().Round(0) }

// cookieIndex returns the index of the cookie equivalent to (name, domain,
// path) in bucket, or -1.
func cookieIndex(bucket []*jarCookie, name, domain, path string) int {
	for i, c := range bucket {
		if c.Name == name && c.Domain == domain && c.Path == path {
			return i
		}
	}
	return -1
}

// sortCookies orders cookies as Chromium's CookieSorter: longest path
// first, then oldest first.
func sortCookies(list []*jarCookie) {
	sort.SliceStable(list, func(a, b int) bool {
		if len(list[a].Path) != len(list[b].Path) {
			return len(list[a].Path) > len(list[b].Path)
		}
		return list[a].Creation.Before(list[b].Creation)
	})
}

// cookieIncluded says whether c would be sent to host and path by a URL
// that may (secure) or may not access Secure cookies. HttpOnly does not
// matter to HTTP.
func cookieIncluded(c *Cookie, host, path string, secure bool) bool {
	if c.Secure && !secure {
		return false
	}
	if c.HostOnly {
		if host != c.Domain {
			return false
		}
	} else if host != c.Domain[1:] && !strings.HasSuffix(host, c.Domain) {
		return false
	}
	return cookiePathMatch(path, c.Path)
}

// cookieIsDomainMatch is Chromium's cookie_util::IsDomainMatch: whether a
// request to host would match a cookie of domain (used by the Domain
// filter, which is not canonicalized, as in Electron).
func cookieIsDomainMatch(domain, host string) bool {
	if host == domain {
		return true
	}
	if domain == "" || domain[0] != '.' {
		return false
	}
	return domain[1:] == host || strings.HasSuffix(host, domain)
}

// cookieShadowsSecure is Chromium's IsEquivalentForSecureCookieMatching: c
// (from a non-secure origin) would shadow the Secure cookie s when they
// share a name, their domains domain-match either way and c's path is on
// s's path.
func cookieShadowsSecure(c, s *Cookie) bool {
	cd, sd := strings.TrimPrefix(c.Domain, "."), strings.TrimPrefix(s.Domain, ".")
	return c.Name == s.Name &&
		(cookieIsSubdomain(cd, sd) || cookieIsSubdomain(sd, cd)) &&
		cookiePathMatch(c.Path, s.Path)
}

func cookieIsSubdomain(sub, parent string) bool {
	return sub == parent || strings.HasSuffix(sub, "."+parent)
}

// cookiePathMatch is RFC 6265's path-match of a request path against a
// cookie path.
func cookiePathMatch(reqPath, cookiePath string) bool {
	if reqPath == cookiePath {
		return true
	}
	if !strings.HasPrefix(reqPath, cookiePath) {
		return false
	}
	return strings.HasSuffix(cookiePath, "/") || reqPath[len(cookiePath)] == '/'
}

// cookieRequestPath is the path cookies are matched against.
func cookieRequestPath(u *url.URL) string {
	if p := u.EscapedPath(); p != "" {
		return p
	}
	return "/"
}

// cookieDefaultPath is RFC 6265's default-path of u: its directory.
func cookieDefaultPath(u *url.URL) string {
	p := u.EscapedPath()
	if p == "" || p[0] != '/' {
		return "/"
	}
	i := strings.LastIndexByte(p, '/')
	if i == 0 {
		return "/"
	}
	return p[:i]
}

func cookieableScheme(u *url.URL) bool {
	s := strings.ToLower(u.Scheme)
	return s == "http" || s == "https"
}

func isSecureScheme(u *url.URL) bool { return strings.EqualFold(u.Scheme, "https") }

// cookieSecureAccess is Chromium's cookie access scheme: a URL may set and
// receive Secure cookies when it is cryptographic (https) or trustworthy,
// which http to a loopback host (127.0.0.0/8, ::1, localhost, *.localhost)
// is (cookie_util::ProvisionalAccessScheme). Cookie prefixes still need
// https (isSecureScheme).
func cookieSecureAccess(u *url.URL) bool {
	return isSecureScheme(u) || cookieableScheme(u) && httpwire.IsLoopbackHost(u.Hostname())
}

// cookieSendable reports whether c can go on a Cookie line as it is: no
// control character, and no ';' that would split it. The jar never stores
// such a cookie; this guards the header whatever filled the jar.
func cookieSendable(c *Cookie) bool {
	return !cookieHasCTL(c.Name) && !cookieHasCTL(c.Value) &&
		!strings.ContainsAny(c.Name, ";=") && !strings.Contains(c.Value, ";")
}

// cookieHost is u's host as cookies see it: lower case, IPv6 in brackets
// (as Chromium's GURL host). Internationalized names are expected in their
// ASCII (punycode) form, as JavaScript's URL parser gives them.
func cookieHost(u *url.URL) (string, bool) {
	h := u.Hostname()
	if h == "" {
		return "", false
	}
	if ip := net.ParseIP(h); ip != nil {
		if ip.To4() == nil {
			return "[" + ip.String() + "]", true
		}
		return ip.String(), true
	}
	return strings.ToLower(h), true
}

func cookieIsIP(host string) bool {
	return strings.HasPrefix(host, "[") || net.ParseIP(host) != nil
}

// cookieDomainKey groups cookies as Chromium's cookie monster does: by the
// eTLD+1 of their domain, or the domain itself when it has none (IP
// addresses, public suffixes, intranet names). Every cookie that could be
// sent to a host is under the key of that host.
func cookieDomainKey(domain string) string {
	d := strings.TrimPrefix(domain, ".")
	if cookieIsIP(d) {
		return d
	}
	if k, err := publicsuffix.EffectiveTLDPlusOne(d); err == nil {
		return k
	}
	return d
}

// cookieDomainFor is Chromium's GetCookieDomainWithString: the domain of a
// cookie set from host with the Domain attribute attr. No attribute makes
// a host-only cookie; an attribute must name host or a parent of it that
// is not a public suffix, except that an attribute equal to a host that
// has no registrable domain (an IP address, a public suffix, an intranet
// name) makes a host-only cookie.
func cookieDomainFor(host, attr string) (domain string, hostOnly bool, excl cookieExclusion) {
	if attr == "" {
		return host, true, 0
	}
	if !cookieASCII(attr) {
		return "", false, cookieExclDomainNonASCII
	}
	d := strings.ToLower(strings.TrimPrefix(attr, "."))
	if cookieIsIP(host) {
		if d == host || "["+d+"]" == host {
			return host, true, 0
		}
		return "", false, cookieExclInvalidDomain
	}
	if !cookieValidHostname(d) {
		return "", false, cookieExclInvalidDomain
	}
	hostKey, err := publicsuffix.EffectiveTLDPlusOne(host)
	if err != nil {
		if d == host {
			return host, true, 0
		}
		return "", false, cookieExclInvalidDomain
	}
	if dKey, err := publicsuffix.EffectiveTLDPlusOne(d); err != nil || dKey != hostKey {
		return "", false, cookieExclInvalidDomain
	}
	if !cookieIsSubdomain(host, d) {
		return "", false, cookieExclInvalidDomain
	}
	return "." + d, false, 0
}

// cookieValidHostname accepts dot-separated non-empty labels of letters,
// digits, '-' and '_' (lower case).
func cookieValidHostname(d string) bool {
	if d == "" {
		return false
	}
	for _, label := range strings.Split(d, ".") {
		if label == "" {
			return false
		}
		for i := 0; i < len(label); i++ {
			ch := label[i]
			if !(ch >= 'a' && ch <= 'z' || ch >= '0' && ch <= '9' || ch == '-' || ch == '_') {
				return false
			}
		}
	}
	return true
}

func cookieASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// cookieHasCTL reports ASCII control characters other than HTAB, which
// Chromium refuses anywhere in a cookie.
func cookieHasCTL(s string) bool {
	for i := 0; i < len(s); i++ {
		if ch := s[i]; ch < 0x20 && ch != '\t' || ch == 0x7f {
			return true
		}
	}
	return false
}

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
// stage's reasons are returned alone, as Chromium stops there.
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

// cookieExclusion is a set of Chromium's CookieInclusionStatus exclusion
// reasons; the bit of each is its position in Chromium's enum, which is the
// order Electron lists them in its messages.
type cookieExclusion uint32

const (
	cookieExclSecureOnly             cookieExclusion = 1 << 2
	cookieExclSameSiteStrict         cookieExclusion = 1 << 5
	cookieExclSameSiteLax            cookieExclusion = 1 << 6
	cookieExclSameSiteUnspecifiedLax cookieExclusion = 1 << 7
	cookieExclSameSiteNoneInsecure   cookieExclusion = 1 << 8
	cookieExclFailureToStore         cookieExclusion = 1 << 10
	cookieExclNonCookieableScheme    cookieExclusion = 1 << 11
	cookieExclOverwriteSecure        cookieExclusion = 1 << 12
	cookieExclOverwriteHTTPOnly      cookieExclusion = 1 << 13
	cookieExclInvalidDomain          cookieExclusion = 1 << 14
	cookieExclInvalidPrefix          cookieExclusion = 1 << 15
	cookieExclNameValueTooBig        cookieExclusion = 1 << 17
	cookieExclAttributeTooBig        cookieExclusion = 1 << 18
	cookieExclDomainNonASCII         cookieExclusion = 1 << 19
	cookieExclDisallowedCharacter    cookieExclusion = 1 << 24
	cookieExclNoCookieContent        cookieExclusion = 1 << 26
)

// cookieExclusionReasons names each reason and gives Electron's text for
// it, in enum order.
var cookieExclusionReasons = []struct {
	bit        cookieExclusion
	name, text string
}{
	{cookieExclSecureOnly, "EXCLUDE_SECURE_ONLY", "The cookie was Secure, but the URL was not allowed to access Secure cookies."},
	{cookieExclSameSiteStrict, "EXCLUDE_SAMESITE_STRICT", "The cookie had SameSite=Strict, and the attempted access did not have an appropriate SameSiteCookieContext"},
	{cookieExclSameSiteLax, "EXCLUDE_SAMESITE_LAX", "The cookie had SameSite=Lax, and the attempted access did not have an appropriate SameSiteCookieContext"},
	{cookieExclSameSiteUnspecifiedLax, "EXCLUDE_SAMESITE_UNSPECIFIED_TREATED_AS_LAX", "The cookie did not specify a SameSite attribute, and therefore was treated as if it were SameSite=Lax, and the attempted access did not have an appropriate SameSiteCookieContext."},
	{cookieExclSameSiteNoneInsecure, "EXCLUDE_SAMESITE_NONE_INSECURE", "The cookie specified SameSite=None, but it was not Secure."},
	{cookieExclFailureToStore, "EXCLUDE_FAILURE_TO_STORE", "The cookie was malformed and could not be stored"},
	{cookieExclNonCookieableScheme, "EXCLUDE_NONCOOKIEABLE_SCHEME", "Attempted to set a cookie from a scheme that does not support cookies."},
	{cookieExclOverwriteSecure, "EXCLUDE_OVERWRITE_SECURE", "The cookie would have overwritten a Secure cookie, and was not allowed to do so."},
	{cookieExclOverwriteHTTPOnly, "EXCLUDE_OVERWRITE_HTTP_ONLY", "The cookie would have overwritten an HttpOnly cookie, and was not allowed to do so."},
	{cookieExclInvalidDomain, "EXCLUDE_INVALID_DOMAIN", "The cookie was set with an invalid Domain attribute."},
	{cookieExclInvalidPrefix, "EXCLUDE_INVALID_PREFIX", "The cookie was set with an invalid __Host- or __Secure- prefix."},
	{cookieExclNameValueTooBig, "EXCLUDE_NAME_VALUE_PAIR_EXCEEDS_MAX_SIZE", "The cookie exceeded the name/value pair size limit."},
	{cookieExclAttributeTooBig, "EXCLUDE_ATTRIBUTE_VALUE_EXCEEDS_MAX_SIZE", "Cookie exceeded the attribute size limit."},
	{cookieExclDomainNonASCII, "EXCLUDE_DOMAIN_NON_ASCII", "The cookie was set with a Domain attribute containing non ASCII characters."},
	{cookieExclDisallowedCharacter, "EXCLUDE_DISALLOWED_CHARACTER", "The cookie contains ASCII control characters"},
	{cookieExclNoCookieContent, "EXCLUDE_NO_COOKIE_CONTENT", "The cookie contains no content or only whitespace."},
}

// SetError is why Set refused a cookie. Its message is Electron's:
// "Failed to set cookie - " then the text of each reason, then Chromium's
// debug string of the status (e.g. "EXCLUDE_INVALID_DOMAIN, DO_NOT_WARN,
// NO_EXEMPTION"), or Electron's message for a bad sameSite value.
type SetError struct {
	Reasons []string // Chromium's exclusion reasons, e.g. "EXCLUDE_INVALID_DOMAIN"
	message string
}

func (e *SetError) Error() string { return e.message }

func newSetError(excl cookieExclusion) *SetError {
	e := &SetError{}
	var text strings.Builder
	text.WriteString("Failed to set cookie - ")
	for _, r := range cookieExclusionReasons {
		if excl&r.bit != 0 {
			e.Reasons = append(e.Reasons, r.name)
			text.WriteString(r.text)
		}
	}
	text.WriteString(strings.Join(append(append([]string(nil), e.Reasons...), "DO_NOT_WARN", "NO_EXEMPTION"), ", "))
	e.message = text.String()
	return e
}
