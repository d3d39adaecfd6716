// Package httpcache is the session's HTTP cache: a private (browser) cache
// as RFC 9111 describes it and Chromium's HTTP cache behaves. By file:
// cache.go (the Cache and its calls), index.go (the entries by id and key,
// the LRU bound), vary.go (selecting a variant by the request's Vary
// fields), freshness.go (storable, age, freshness, validators, the 304
// merge), disk.go with file_*.go (the on-disk format).
//
// Deciding what to do with a request (serve, revalidate, bypass, the fetch
// cache modes) is the exchange's business; the cache answers questions:
// is this storable, what is stored for this request, is it fresh for it,
// what are its validators, and takes the answers (Store, Update, Invalidate).
package httpcache

import (
	"container/list"
	"errors"
	"net/url"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/go-net-request/go-net-request/gocore/httpwire"
)

// DefaultMaxBytes bounds a cache whose bound is not given (Chromium's
// smallest default disk cache).
const DefaultMaxBytes = 80 << 20

// A Cache is one session's HTTP cache, in memory or on disk. It is
// safe for concurrent use and starts no goroutine.
//
//	New -> open: Lookup, Store, Update, Invalidate, Clear -> Close -> closed (every call a no-op)
//
// Entries are keyed by "GET " + the URL (canonicalised, without fragment
// or credentials) and, within a key, by the request's values of the
// response's Vary names (one variant per combination). The total size of
// the entries (heads and bodies, as encoded on disk) never exceeds the
// bound: the least recently used entries are evicted to make room.
type Cache struct {
	dir      string // "" keeps everything in memory; fixed at creation
	maxBytes int64  // the bound on size; fixed at creation

	mu      sync.Mutex
	closed  bool                      // guarded by mu
	records map[string]*cacheRecord   // by entry id; guarded by mu
	byKey   map[string][]*cacheRecord // by key hash, oldest stored first; guarded by mu
	lru     *list.List                // of *cacheRecord, most recently used first; guarded by mu
	size    int64                     // sum of the records' sizes; guarded by mu
}

// Entry is a stored response.
type Entry struct {
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

// New opens a cache bounded to maxBytes (DefaultMaxBytes when
// not positive). With dir "" the cache lives in memory; otherwise entries
// live under dir (created if needed) and survive a restart: the index is
// rebuilt from the directory and the index file Close writes.
func New(dir string, maxBytes int64) (*Cache, error) {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	c := &Cache{
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
func (c *Cache) Lookup(method string, u *url.URL, reqHeaders []httpwire.Header) *Entry {
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
func (c *Cache) Store(method string, u *url.URL, reqHeaders []httpwire.Header, head *httpwire.ResponseHead, body []byte, requestTime, responseTime time.Time) {
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
	e := &Entry{
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
func (c *Cache) Update(entry *Entry, notModified *httpwire.ResponseHead, requestTime, responseTime time.Time) *Entry {
	if entry == nil || entry.Head == nil {
		return nil
	}
	head := copyHead(entry.Head)
	if notModified != nil {
		head.Headers = mergeHeaders(entry.Head.Headers, notModified.Headers, responseTime)
	}
	updated := &Entry{
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
func (c *Cache) Invalidate(u *url.URL) {
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
func (c *Cache) InvalidateUnsafe(method string, u *url.URL, head *httpwire.ResponseHead) {
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
func (c *Cache) Clear() error {
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
func (c *Cache) Size() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.size
}

// Close writes the index file (on disk) and closes the cache; later calls
// do nothing. The entries on disk stay for the next New.
func (c *Cache) Close() error {
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
