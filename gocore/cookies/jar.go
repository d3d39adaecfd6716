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
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"
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
//	                        clean ─mark dirty─> dirty ─flush (timer 100 ms, Flush, Close)─> clean
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
	// afterFunc schedules the debounced flush: time.AfterFunc, which tests
	// replace to fire (or not) the flush themselves. Set before first use.
	afterFunc func(d time.Duration, f func()) (stop func() bool)

	mu           sync.Mutex
	byKey        map[string][]*jarCookie // guarded by mu; eTLD+1 (or host) of the domain -> its cookies
	count        int                     // guarded by mu; cookies in byKey
	lastCreation time.Time               // guarded by mu; creation times are unique and increasing
	queue        []Change                // guarded by mu; changes not yet delivered
	delivering   bool                    // guarded by mu; a goroutine is draining queue
	dirty        bool                    // guarded by mu; persistent cookies differ from the file
	stopTimer    func() bool             // guarded by mu; stops the pending debounced flush; nil when none
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
		afterFunc: func(d time.Duration, f func()) func() bool {
			return time.AfterFunc(d, f).Stop
		},
		byKey: map[string][]*jarCookie{},
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
