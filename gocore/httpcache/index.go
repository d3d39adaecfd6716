package httpcache

import (
	"container/list"
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/go-net-request/go-net-request/gocore/httpwire"
)

// cacheRecord is the index's view of one entry. Records are replaced, never
// changed, except for lastUse and elem (guarded by Cache.mu).
type cacheRecord struct {
	id      string        // see Cache.names: on disk the entry file's name, keyHash + "-" + variant hash
	keyHash string        // on disk hex SHA-256 of the key; in memory the key
	size    int64         // encoded size: header, meta and body
	lastUse int64         // Unix nanoseconds of the last Store or hit
	elem    *list.Element // in Cache.lru
	entry   *Entry        // the stored response, in memory mode only
}

// put stores e (owned by the cache from now on) under its id.
func (c *Cache) put(e *Entry) {
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
func (c *Cache) addLocked(r *cacheRecord, front bool) {
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
func (c *Cache) removeLocked(r *cacheRecord, removeFile bool) {
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

func (c *Cache) removeID(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if r := c.records[id]; r != nil {
		c.removeLocked(r, true)
	}
}

// dropIfCurrent removes r (an entry found unreadable or corrupt) unless it
// was replaced or removed meanwhile.
func (c *Cache) dropIfCurrent(r *cacheRecord) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.removeLocked(r, true)
}

func (c *Cache) touchLocked(r *cacheRecord) {
	r.lastUse = time.Now().UnixNano()
	c.lru.MoveToFront(r.elem)
}

// evictLocked removes the least recently used entries until the cache is
// within its bound.
func (c *Cache) evictLocked() {
	for c.size > c.maxBytes {
		back := c.lru.Back()
		if back == nil {
			return
		}
		c.removeLocked(back.Value.(*cacheRecord), true)
	}
}

func (c *Cache) resetLocked() {
	c.records = map[string]*cacheRecord{}
	c.byKey = map[string][]*cacheRecord{}
	c.lru.Init()
	c.size = 0
}

// id is the entry's name on disk: the key's hash and the variant's.
func (r *Entry) id() string { return entryID(r.key, r.vary) }

// names returns the index names of an entry: its id and its key's. On disk
// they are the hashes that name its file; in memory the key and variant
// themselves serve, as hashing them cost more than the rest of a lookup.
func (c *Cache) names(key string, vary []varyField) (id, keyName string) {
	if c.dir != "" {
		id = entryID(key, vary)
		return id, id[:sha256.Size*2]
	}
	return key + "\x00" + varyData(vary), key
}

// keyName is the index name of a key (see names).
func (c *Cache) keyName(key string) string {
	if c.dir != "" {
		return hashHex(key)
	}
	return key
}

// clone copies the head, so the caller may change it; the body is shared.
func (r *Entry) clone() *Entry {
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
