package gocore

import (
	"container/list"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"math"
	"net/http"
	"net/url"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/go-net-request/go-net-request/gocore/httpwire"
)

// The session's HTTP cache: a private (browser) cache as RFC 9111 describes
// it and Chromium's HTTP cache behaves. This file holds the cache itself
// (the index, LRU bound, Vary selection) and the freshness rules;
// cache_disk.go holds the on-disk format.
//
// Deciding what to do with a request (serve, revalidate, bypass, the fetch
// cache modes) is the exchange's business; the cache answers questions:
// is this storable, what is stored for this request, is it fresh for it,
// what are its validators, and takes the answers (Store, Update, Invalidate).

// DefaultCacheBytes bounds a cache whose bound is not given (Chromium's
// smallest default disk cache).
const DefaultCacheBytes = 80 << 20

// An HTTPCache is one session's HTTP cache, in memory or on disk. It is
// safe for concurrent use and starts no goroutine.
//
//	NewHTTPCache -> open: Lookup, Store, Update, Invalidate, Clear -> Close -> closed (every call a no-op)
//
// Entries are keyed by "GET " + the URL (canonicalised, without fragment
// or credentials) and, within a key, by the request's values of the
// response's Vary names (one variant per combination). The total size of
// the entries (heads and bodies, as encoded on disk) never exceeds the
// bound: the least recently used entries are evicted to make room.
type HTTPCache struct {
	dir      string // "" keeps everything in memory; fixed at creation
	maxBytes int64  // the bound on size; fixed at creation

	mu      sync.Mutex
	closed  bool                      // guarded by mu
	records map[string]*cacheRecord   // by entry id; guarded by mu
	byKey   map[string][]*cacheRecord // by key hash, oldest stored first; guarded by mu
	lru     *list.List                // of *cacheRecord, most recently used first; guarded by mu
	size    int64                     // sum of the records' sizes; guarded by mu
}

// cacheRecord is the index's view of one entry. Records are replaced, never
// changed, except for lastUse and elem (guarded by HTTPCache.mu).
type cacheRecord struct {
	id      string          // see HTTPCache.names: on disk the entry file's name, keyHash + "-" + variant hash
	keyHash string          // on disk hex SHA-256 of the key; in memory the key
	size    int64           // encoded size: header, meta and body
	lastUse int64           // Unix nanoseconds of the last Store or hit
	elem    *list.Element   // in HTTPCache.lru
	entry   *CachedResponse // the stored response, in memory mode only
}

// CachedResponse is a stored response.
type CachedResponse struct {
	Head         *httpwire.ResponseHead // a copy: status and headers as stored (Complete false, Body nil)
	Body         []byte                 // the whole body; may be shared with the cache, never modify it
	RequestTime  time.Time              // when the request that got the response (or its last 304) was sent
	ResponseTime time.Time              // when that response arrived

	key  string      // "GET " + canonical URL; "" when the response is not from a cache
	vary []varyField // the request's values of the response's Vary names, sorted by name

	// known is what the freshness rules read from Head, worked out once
	// (parsing dates and directives on every lookup cost more than the
	// lookup): set before a stored entry is shared, lazily on others.
	known *storedFacts
}

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
func (r *CachedResponse) facts() *storedFacts {
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

// varyField is one request header the stored response varies on.
type varyField struct {
	name    string // lower-case
	value   string // every value of the request's header, trimmed, joined with ", "
	present bool   // whether the request had the header at all
}

// NewHTTPCache opens a cache bounded to maxBytes (DefaultCacheBytes when
// not positive). With dir "" the cache lives in memory; otherwise entries
// live under dir (created if needed) and survive a restart: the index is
// rebuilt from the directory and the index file Close writes.
func NewHTTPCache(dir string, maxBytes int64) (*HTTPCache, error) {
	if maxBytes <= 0 {
		maxBytes = DefaultCacheBytes
	}
	c := &HTTPCache{
		dir:      dir,
		maxBytes: maxBytes,
		records:  map[string]*cacheRecord{},
		byKey:    map[string][]*cacheRecord{},
		lru:      list.New(),
	}
	if dir != "" {
		if err := c.openDir(); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// Lookup returns the stored response for a request, or nil on a miss.
// Only GET is answered. Among the stored variants of the URL, the most
// recently stored one whose Vary request headers match reqHeaders (the
// headers the request is sent with) is returned; a response with Vary: *
// never matches. A hit counts as a use for the LRU order. Whether the
// response may be used without revalidation is Fresh's question.
func (c *HTTPCache) Lookup(method string, u *url.URL, reqHeaders []httpwire.Header) *CachedResponse {
	if method != "GET" || u == nil {
		return nil
	}
	key := cacheKey(u)
	kh := c.keyName(key)

	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	if c.dir == "" {
		defer c.mu.Unlock()
		candidates := c.byKey[kh]
		for i := len(candidates) - 1; i >= 0; i-- {
			r := candidates[i]
			if r.entry.key == key && varyMatches(r.entry.vary, reqHeaders) {
				c.touchLocked(r)
				return r.entry.clone()
			}
		}
		return nil
	}
	candidates := slices.Clone(c.byKey[kh])
	c.mu.Unlock()

	// On disk: read outside the lock. A file replaced meanwhile is read
	// whole or not at all (rename); one evicted meanwhile is a miss.
	for i := len(candidates) - 1; i >= 0; i-- {
		r := candidates[i]
		e, err := c.readEntry(r.id)
		if err != nil {
			c.dropIfCurrent(r)
			continue
		}
		if e.key != key || !varyMatches(e.vary, reqHeaders) {
			continue
		}
		c.mu.Lock()
		if c.records[r.id] == r {
			c.touchLocked(r)
		}
		c.mu.Unlock()
		return e
	}
	return nil
}

// Store keeps a response when Storable allows it, replacing what is stored
// for the same URL and Vary variant (a response without Vary replaces every
// variant). A response that may not be stored because it says no-store
// removes what is stored for the URL, which it makes outdated. Responses
// whose encoded size passes an eighth of the bound are not kept. head and
// body are copied.
func (c *HTTPCache) Store(method string, u *url.URL, reqHeaders []httpwire.Header, head *httpwire.ResponseHead, body []byte, requestTime, responseTime time.Time) {
	if u == nil || head == nil {
		return
	}
	if !Storable(method, reqHeaders, head) {
		if method == "GET" && parseDirectives(head.Headers).has("no-store") {
			c.Invalidate(u)
		}
		return
	}
	names, _ := varyNames(head.Headers)
	e := &CachedResponse{
		Head:         copyHead(head),
		Body:         body,
		RequestTime:  requestTime,
		ResponseTime: responseTime,
		key:          cacheKey(u),
		vary:         varyFieldsOf(names, reqHeaders),
	}
	if c.dir == "" {
		e.Body = slices.Clone(body) // the disk writes it instead
	}
	c.put(e)
}

// Update applies a 304 (Not Modified) answer to a revalidated entry, as
// RFC 9111 section 4.3.4 says: the 304's header fields replace the stored
// ones of the same name, except the hop-by-hop fields, Content-Length and
// the fields that describe the stored body (Content-Encoding, Content-Type,
// Content-Range), which Chromium keeps too. A stored Age the 304 lacks is
// dropped, and a 304 without Date refreshes the stored Date to
// responseTime, so the age restarts from the revalidation. The body is
// kept, the times become the revalidation's, and the result is stored
// again (or removed, if the 304 says no-store) and returned.
func (c *HTTPCache) Update(entry *CachedResponse, notModified *httpwire.ResponseHead, requestTime, responseTime time.Time) *CachedResponse {
	if entry == nil || entry.Head == nil {
		return nil
	}
	head := copyHead(entry.Head)
	if notModified != nil {
		head.Headers = mergeHeaders(entry.Head.Headers, notModified.Headers, responseTime)
	}
	updated := &CachedResponse{
		Head:         head,
		Body:         entry.Body,
		RequestTime:  requestTime,
		ResponseTime: responseTime,
		key:          entry.key,
		vary:         entry.vary,
	}
	if updated.key == "" {
		return updated
	}
	_, star := varyNames(head.Headers)
	if star || parseDirectives(head.Headers).has("no-store") {
		id, _ := c.names(updated.key, updated.vary)
		c.removeID(id)
		return updated
	}
	c.put(updated.clone())
	return updated
}

// Invalidate removes every stored variant of u.
func (c *HTTPCache) Invalidate(u *url.URL) {
	if u == nil {
		return
	}
	kh := c.keyName(cacheKey(u))
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	for _, r := range slices.Clone(c.byKey[kh]) {
		c.removeLocked(r, true)
	}
}

// InvalidateUnsafe does what RFC 9111 section 4.4 asks after a response to
// an unsafe method (anything but GET, HEAD, OPTIONS and TRACE) with a
// non-error status (2xx or 3xx): it invalidates the request's URL and the
// URLs of Location and Content-Location when they share its origin.
func (c *HTTPCache) InvalidateUnsafe(method string, u *url.URL, head *httpwire.ResponseHead) {
	if u == nil || head == nil || safeMethod(method) || head.StatusCode < 200 || head.StatusCode >= 400 {
		return
	}
	c.Invalidate(u)
	for _, name := range []string{"Location", "Content-Location"} {
		v := httpwire.HeaderValue(head.Headers, name)
		if v == "" {
			continue
		}
		if ref, err := u.Parse(v); err == nil && ref.Host != "" && httpwire.Origin(ref) == httpwire.Origin(u) {
			c.Invalidate(ref)
		}
	}
}

func safeMethod(m string) bool {
	switch m {
	case "GET", "HEAD", "OPTIONS", "TRACE":
		return true
	}
	return false
}

// Clear removes every entry (and, on disk, the index file).
func (c *HTTPCache) Clear() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	var errs []error
	for _, r := range c.records {
		if err := c.removeFile(r.id); err != nil {
			errs = append(errs, err)
		}
	}
	c.resetLocked()
	if c.dir != "" {
		if err := os.Remove(c.indexPath()); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Size returns the bytes the entries use (heads and bodies as encoded, the
// size of their files on disk); 0 once closed.
func (c *HTTPCache) Size() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.size
}

// Close writes the index file (on disk) and closes the cache; later calls
// do nothing. The entries on disk stay for the next NewHTTPCache.
func (c *HTTPCache) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	c.closed = true
	var err error
	if c.dir != "" {
		err = c.writeIndexLocked()
	}
	c.resetLocked()
	return err
}

// put stores e (owned by the cache from now on) under its id.
func (c *HTTPCache) put(e *CachedResponse) {
	id, kh := c.names(e.key, e.vary)
	e.facts() // before the entry is shared
	meta := encodeMeta(e)
	size := entrySize(meta, e.Body)
	if size > c.maxBytes/8 {
		c.removeID(id) // a newer response outdates it, and this one is not kept
		return
	}
	tmp := ""
	if c.dir != "" {
		var err error
		if tmp, err = c.writeTemp(meta, e.Body); err != nil {
			c.removeID(id)
			return
		}
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		if tmp != "" {
			os.Remove(tmp)
		}
		return
	}
	old := c.records[id]
	if tmp != "" {
		if err := replaceEntryFile(tmp, c.entryPath(id)); err != nil {
			os.Remove(tmp)
			if old != nil {
				c.removeLocked(old, true)
			}
			return
		}
	}
	if old != nil {
		c.removeLocked(old, false) // its file was just replaced
	}
	if len(e.vary) == 0 {
		// A response without Vary matches every request: the other
		// variants could never be selected again.
		for _, r := range slices.Clone(c.byKey[kh]) {
			c.removeLocked(r, true)
		}
	}
	r := &cacheRecord{id: id, keyHash: kh, size: size, lastUse: time.Now().UnixNano()}
	if c.dir == "" {
		r.entry = e
	}
	c.addLocked(r, true)
	c.evictLocked()
}

// addLocked indexes r; front says whether it is the most recently used.
func (c *HTTPCache) addLocked(r *cacheRecord, front bool) {
	c.records[r.id] = r
	c.byKey[r.keyHash] = append(c.byKey[r.keyHash], r)
	if front {
		r.elem = c.lru.PushFront(r)
	} else {
		r.elem = c.lru.PushBack(r)
	}
	c.size += r.size
}

// removeLocked forgets r and, when removeFile, deletes its file.
func (c *HTTPCache) removeLocked(r *cacheRecord, removeFile bool) {
	if c.records[r.id] != r {
		return
	}
	delete(c.records, r.id)
	variants := slices.DeleteFunc(c.byKey[r.keyHash], func(v *cacheRecord) bool { return v == r })
	if len(variants) == 0 {
		delete(c.byKey, r.keyHash)
	} else {
		c.byKey[r.keyHash] = variants
	}
	c.lru.Remove(r.elem)
	c.size -= r.size
	if removeFile {
		c.removeFile(r.id)
	}
}

func (c *HTTPCache) removeID(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if r := c.records[id]; r != nil {
		c.removeLocked(r, true)
	}
}

// dropIfCurrent removes r (an entry found unreadable or corrupt) unless it
// was replaced or removed meanwhile.
func (c *HTTPCache) dropIfCurrent(r *cacheRecord) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.removeLocked(r, true)
}

func (c *HTTPCache) touchLocked(r *cacheRecord) {
	r.lastUse = time.Now().UnixNano()
	c.lru.MoveToFront(r.elem)
}

// evictLocked removes the least recently used entries until the cache is
// within its bound.
func (c *HTTPCache) evictLocked() {
	for c.size > c.maxBytes {
		back := c.lru.Back()
		if back == nil {
			return
		}
		c.removeLocked(back.Value.(*cacheRecord), true)
	}
}

func (c *HTTPCache) resetLocked() {
	c.records = map[string]*cacheRecord{}
	c.byKey = map[string][]*cacheRecord{}
	c.lru.Init()
	c.size = 0
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
func (r *CachedResponse) Age(now time.Time) time.Duration {
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
func (r *CachedResponse) FreshnessLifetime() time.Duration { return r.facts().lifetime }

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
func (r *CachedResponse) Fresh(now time.Time, reqHeaders []httpwire.Header) bool {
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
func (r *CachedResponse) Validators() (etag, lastModified string) {
	f := r.facts()
	return f.etag, f.lastModified
}

// MustRevalidate reports whether the response may never be used stale:
// it says must-revalidate, or no-cache (which forbids any use without
// revalidation).
func (r *CachedResponse) MustRevalidate() bool { return r.facts().mustRevalidate }

// noCache reports a response no-cache (with or without field names, as
// Chromium treats it) or a response Pragma: no-cache (Chromium honours it).
func (r *CachedResponse) noCache() bool { return r.facts().noCache }

// id is the entry's name on disk: the key's hash and the variant's.
func (r *CachedResponse) id() string { return entryID(r.key, r.vary) }

// names returns the index names of an entry: its id and its key's. On disk
// they are the hashes that name its file; in memory the key and variant
// themselves serve, as hashing them cost more than the rest of a lookup.
func (c *HTTPCache) names(key string, vary []varyField) (id, keyName string) {
	if c.dir != "" {
		id = entryID(key, vary)
		return id, id[:sha256.Size*2]
	}
	return key + "\x00" + varyData(vary), key
}

// keyName is the index name of a key (see names).
func (c *HTTPCache) keyName(key string) string {
	if c.dir != "" {
		return hashHex(key)
	}
	return key
}

// clone copies the head, so the caller may change it; the body is shared.
func (r *CachedResponse) clone() *CachedResponse {
	c := *r
	c.Head = copyHead(r.Head)
	return &c
}

func copyHead(h *httpwire.ResponseHead) *httpwire.ResponseHead {
	c := *h
	c.Headers = slices.Clone(h.Headers)
	c.Reused = false
	c.Complete = false
	c.Body = nil
	return &c
}

// cacheKey is "GET " + u canonicalised: without fragment and credentials,
// host lower-cased, default port dropped, empty path as "/".
func cacheKey(u *url.URL) string {
	v := *u
	v.Fragment, v.RawFragment = "", ""
	v.User = nil
	v.Scheme = strings.ToLower(v.Scheme)
	v.Host = strings.ToLower(v.Host)
	if p := v.Port(); (v.Scheme == "http" && p == "80") || (v.Scheme == "https" && p == "443") {
		v.Host = strings.TrimSuffix(v.Host, ":"+p)
	}
	if v.Opaque == "" && v.Path == "" {
		v.Path, v.RawPath = "/", ""
	}
	return "GET " + v.String()
}

func hashHex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// variantHexLen is how much of the variant's hash names an entry file.
const variantHexLen = 16

// entryID is hex SHA-256 of the key, "-", and the first 16 hex digits of
// the SHA-256 of the canonical Vary data.
func entryID(key string, vary []varyField) string {
	return hashHex(key) + "-" + hashHex(varyData(vary))[:variantHexLen]
}

// varyData is the canonical text of a variant's request fields.
func varyData(vary []varyField) string {
	var b strings.Builder
	for _, f := range vary {
		b.WriteString(f.name)
		b.WriteByte(0)
		if f.present {
			b.WriteByte(1)
		} else {
			b.WriteByte(0)
		}
		b.WriteString(f.value)
		b.WriteByte(0)
	}
	return b.String()
}

// varyNames returns the response's Vary names, lower-cased, sorted and
// without duplicates, and whether one of them is "*".
func varyNames(hs []httpwire.Header) (names []string, star bool) {
	for _, h := range hs {
		if !strings.EqualFold(h.Name, "Vary") {
			continue
		}
		for _, n := range strings.Split(h.Value, ",") {
			n = strings.ToLower(strings.TrimSpace(n))
			switch n {
			case "":
			case "*":
				star = true
			default:
				names = append(names, n)
			}
		}
	}
	sort.Strings(names)
	return slices.Compact(names), star
}

// varyFieldsOf records the request's values of names.
func varyFieldsOf(names []string, reqHeaders []httpwire.Header) []varyField {
	if len(names) == 0 {
		return nil
	}
	fields := make([]varyField, len(names))
	for i, n := range names {
		fields[i] = varyValue(n, reqHeaders)
	}
	return fields
}

func varyValue(name string, reqHeaders []httpwire.Header) varyField {
	f := varyField{name: name}
	var values []string
	for _, h := range reqHeaders {
		if strings.EqualFold(h.Name, name) {
			f.present = true
			values = append(values, strings.TrimSpace(h.Value))
		}
	}
	f.value = strings.Join(values, ", ")
	return f
}

// varyMatches reports whether a request with reqHeaders has the stored
// request's values for every Vary name (absent matches only absent).
func varyMatches(vary []varyField, reqHeaders []httpwire.Header) bool {
	for _, f := range vary {
		if varyValue(f.name, reqHeaders) != f {
			return false
		}
	}
	return true
}

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
