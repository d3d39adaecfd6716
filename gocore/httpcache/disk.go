package httpcache

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/go-net-request/go-net-request/gocore/httpwire"
)

// The on-disk HTTP cache: one file per entry, named by its id (entryID:
// hex SHA-256 of the key, "-", 16 hex digits of the SHA-256 of its Vary
// data), written to a temporary file and renamed into place, so a reader
// sees a whole file or none. Entry files are opened, removed and replaced
// through file_*.go, so that on Windows too an entry can be removed
// or replaced while a Lookup still reads it. An entry file is
//
//	offset  size  field
//	0       4     magic "GNRC"
//	4       4     format version (1), big-endian
//	8       4     meta length M, big-endian
//	12      8     body length B, big-endian
//	20      4     CRC-32C (Castagnoli) of bytes 0-19, the meta and the body
//	24      M     meta
//	24+M    B     body
//
// and is exactly 24+M+B bytes long. Any other length, magic, version or
// checksum, a meta that does not parse, or a name that is not the id of the
// key and Vary data inside is a corrupt entry (torn, truncated, altered),
// which Lookup treats as a miss and deletes. The meta is uvarint-prefixed
// strings and varints:
//
//	key; the Vary field count, then per field: name, present (1 byte), value;
//	request time, response time (each Unix seconds as varint, nanoseconds as uvarint);
//	status, major, minor (uvarints); status text; URL;
//	the header count, then per header: name, value.
//
// The index file ("index") keeps what a directory scan cannot tell, the
// last use of each entry; Close writes it (temporary file and rename):
//
//	"GNRI", version (4 bytes), count (uvarint), then per entry: id, last use
//	(Unix nanoseconds, varint); then the CRC-32C of all of it (4 bytes).
//
// Opening a directory lists its entry files (sizes from the file system,
// store order from modification times), takes each one's last use from the
// index when it is there and valid (else the modification time), deletes
// leftover temporary files and evicts down to the bound. One directory
// serves one open Cache at a time.

const (
	entryMagic     = "GNRC"
	indexMagic     = "GNRI"
	formatVersion  = 1
	entryHeaderLen = 24
	indexName      = "index"
	tempPrefix     = ".tmp-"
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

var errCorruptEntry = errors.New("httpcache: corrupt cache entry")

func (c *Cache) entryPath(id string) string { return filepath.Join(c.dir, id) }

func (c *Cache) indexPath() string { return filepath.Join(c.dir, indexName) }

// openDir builds the index from the directory (see above).
func (c *Cache) openDir() error {
	if err := os.MkdirAll(c.dir, 0o700); err != nil {
		return err
	}
	dirents, err := os.ReadDir(c.dir)
	if err != nil {
		return err
	}
	lastUse := readIndex(c.indexPath())
	type found struct {
		r      *cacheRecord
		stored time.Time
	}
	var all []found
	for _, de := range dirents {
		name := de.Name()
		if strings.HasPrefix(name, tempPrefix) {
			os.Remove(filepath.Join(c.dir, name)) // a write cut short
			continue
		}
		if !de.Type().IsRegular() || !validEntryID(name) {
			continue
		}
		info, err := de.Info()
		if err != nil {
			continue
		}
		mtime := info.ModTime()
		r := &cacheRecord{
			id:      name,
			keyHash: name[:len(name)-variantHexLen-1],
			size:    info.Size(),
			lastUse: max(lastUse[name], mtime.UnixNano()),
		}
		all = append(all, found{r, mtime})
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	sort.SliceStable(all, func(i, j int) bool { return all[i].stored.Before(all[j].stored) })
	for _, f := range all {
		c.addLocked(f.r, false) // byKey in store order
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].r.lastUse > all[j].r.lastUse })
	c.lru.Init()
	for _, f := range all {
		f.r.elem = c.lru.PushBack(f.r)
	}
	c.evictLocked()
	return nil
}

// validEntryID reports whether name has the form of an entry id.
func validEntryID(name string) bool {
	if len(name) != 64+1+variantHexLen || name[64] != '-' {
		return false
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; i != 64 && !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// removeFile deletes an entry's file; one already gone is not an error.
func (c *Cache) removeFile(id string) error {
	if c.dir == "" {
		return nil
	}
	if err := removeEntryFile(c.entryPath(id)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// writeTemp writes an entry file under a temporary name and returns it.
func (c *Cache) writeTemp(meta, body []byte) (string, error) {
	f, err := c.createTemp()
	if err != nil {
		return "", err
	}
	_, err = f.Write(entryHeader(meta, body))
	if err == nil {
		_, err = f.Write(meta)
	}
	if err == nil {
		_, err = f.Write(body)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}

// createTemp creates a temporary file in the directory, making the
// directory again if it was removed under us (a storage wipe).
func (c *Cache) createTemp() (*os.File, error) {
	f, err := os.CreateTemp(c.dir, tempPrefix+"*")
	if errors.Is(err, os.ErrNotExist) {
		if err = os.MkdirAll(c.dir, 0o700); err == nil {
			f, err = os.CreateTemp(c.dir, tempPrefix+"*")
		}
	}
	return f, err
}

// readEntry reads and checks an entry file.
func (c *Cache) readEntry(id string) (*Entry, error) {
	f, err := openEntryFile(c.entryPath(id))
	if err != nil {
		return nil, err
	}
	data, err := readWhole(f)
	f.Close()
	if err != nil {
		return nil, err
	}
	e, err := decodeEntry(data)
	if err != nil {
		return nil, err
	}
	if e.id() != id {
		return nil, errCorruptEntry // renamed, or a hash collision
	}
	return e, nil
}

// readWhole reads an open file to its end into a buffer sized by its
// length, as os.ReadFile does (entries reach an eighth of the bound).
func readWhole(f *os.File) ([]byte, error) {
	size := 0
	if info, err := f.Stat(); err == nil && info.Size() < math.MaxInt32 {
		size = int(info.Size())
	}
	buf := bytes.NewBuffer(make([]byte, 0, size+bytes.MinRead))
	_, err := buf.ReadFrom(f)
	return buf.Bytes(), err
}

// entrySize is the size of an entry file.
func entrySize(meta, body []byte) int64 {
	return entryHeaderLen + int64(len(meta)) + int64(len(body))
}

// entryHeader is an entry file's fixed header.
func entryHeader(meta, body []byte) []byte {
	h := make([]byte, entryHeaderLen)
	copy(h, entryMagic)
	binary.BigEndian.PutUint32(h[4:], formatVersion)
	binary.BigEndian.PutUint32(h[8:], uint32(len(meta)))
	binary.BigEndian.PutUint64(h[12:], uint64(len(body)))
	crc := crc32.Update(0, castagnoli, h[:20])
	crc = crc32.Update(crc, castagnoli, meta)
	crc = crc32.Update(crc, castagnoli, body)
	binary.BigEndian.PutUint32(h[20:], crc)
	return h
}

// decodeEntry parses an entry file; the body shares data.
func decodeEntry(data []byte) (*Entry, error) {
	if len(data) < entryHeaderLen || string(data[:4]) != entryMagic ||
		binary.BigEndian.Uint32(data[4:]) != formatVersion {
		return nil, errCorruptEntry
	}
	metaLen := uint64(binary.BigEndian.Uint32(data[8:]))
	bodyLen := binary.BigEndian.Uint64(data[12:])
	rest := uint64(len(data) - entryHeaderLen)
	if bodyLen > rest || metaLen != rest-bodyLen {
		return nil, errCorruptEntry
	}
	meta := data[entryHeaderLen : entryHeaderLen+metaLen]
	body := data[entryHeaderLen+metaLen:]
	crc := crc32.Update(0, castagnoli, data[:20])
	crc = crc32.Update(crc, castagnoli, meta)
	crc = crc32.Update(crc, castagnoli, body)
	if crc != binary.BigEndian.Uint32(data[20:]) {
		return nil, errCorruptEntry
	}
	e, err := decodeMeta(meta)
	if err != nil {
		return nil, err
	}
	e.Body = body
	return e, nil
}

// encodeMeta encodes everything of an entry but its body.
func encodeMeta(e *Entry) []byte {
	h := e.Head
	size := 64 + len(e.key) + len(h.StatusText) + len(h.URL)
	for _, f := range e.vary {
		size += 8 + len(f.name) + len(f.value)
	}
	for _, x := range h.Headers {
		size += 8 + len(x.Name) + len(x.Value)
	}
	b := make([]byte, 0, size)
	b = appendString(b, e.key)
	b = binary.AppendUvarint(b, uint64(len(e.vary)))
	for _, f := range e.vary {
		b = appendString(b, f.name)
		if f.present {
			b = append(b, 1)
		} else {
			b = append(b, 0)
		}
		b = appendString(b, f.value)
	}
	b = appendTime(b, e.RequestTime)
	b = appendTime(b, e.ResponseTime)
	b = binary.AppendUvarint(b, uint64(max(0, h.StatusCode)))
	b = binary.AppendUvarint(b, uint64(max(0, h.Major)))
	b = binary.AppendUvarint(b, uint64(max(0, h.Minor)))
	b = appendString(b, h.StatusText)
	b = appendString(b, h.URL)
	b = binary.AppendUvarint(b, uint64(len(h.Headers)))
	for _, x := range h.Headers {
		b = appendString(b, x.Name)
		b = appendString(b, x.Value)
	}
	return b
}

func decodeMeta(p []byte) (*Entry, error) {
	r := &metaReader{p: p}
	e := &Entry{Head: &httpwire.ResponseHead{}}
	e.key = r.str()
	if n := r.count(); n > 0 {
		e.vary = make([]varyField, n)
		for i := range e.vary {
			e.vary[i] = varyField{name: r.str(), present: r.byte() == 1, value: r.str()}
		}
	}
	e.RequestTime = r.time()
	e.ResponseTime = r.time()
	e.Head.StatusCode = r.small(999)
	e.Head.Major = r.small(9)
	e.Head.Minor = r.small(9)
	e.Head.StatusText = r.str()
	e.Head.URL = r.str()
	if n := r.count(); n > 0 {
		e.Head.Headers = make([]httpwire.Header, n)
		for i := range e.Head.Headers {
			e.Head.Headers[i] = httpwire.Header{Name: r.str(), Value: r.str()}
		}
	}
	if r.bad || len(r.p) != 0 || !strings.HasPrefix(e.key, "GET ") {
		return nil, errCorruptEntry
	}
	return e, nil
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendTime(b []byte, t time.Time) []byte {
	b = binary.AppendVarint(b, t.Unix())
	return binary.AppendUvarint(b, uint64(t.Nanosecond()))
}

// metaReader decodes what encodeMeta wrote. Every read is bounds-checked:
// the first fault sets bad and later reads return zero values.
type metaReader struct {
	p   []byte
	bad bool
}

func (r *metaReader) uvarint() uint64 {
	if r.bad {
		return 0
	}
	v, n := binary.Uvarint(r.p)
	if n <= 0 {
		r.bad = true
		return 0
	}
	r.p = r.p[n:]
	return v
}

func (r *metaReader) varint() int64 {
	if r.bad {
		return 0
	}
	v, n := binary.Varint(r.p)
	if n <= 0 {
		r.bad = true
		return 0
	}
	r.p = r.p[n:]
	return v
}

func (r *metaReader) byte() byte {
	if r.bad || len(r.p) == 0 {
		r.bad = true
		return 0
	}
	b := r.p[0]
	r.p = r.p[1:]
	return b
}

func (r *metaReader) str() string {
	n := r.uvarint()
	if r.bad || n > uint64(len(r.p)) {
		r.bad = true
		return ""
	}
	s := string(r.p[:n])
	r.p = r.p[n:]
	return s
}

// count reads an element count, which cannot exceed the bytes left.
func (r *metaReader) count() int {
	n := r.uvarint()
	if n > uint64(len(r.p)) {
		r.bad = true
		return 0
	}
	return int(n)
}

// small reads an unsigned number no larger than limit.
func (r *metaReader) small(limit uint64) int {
	n := r.uvarint()
	if n > limit {
		r.bad = true
		return 0
	}
	return int(n)
}

func (r *metaReader) time() time.Time {
	sec := r.varint()
	nsec := r.uvarint()
	if nsec >= uint64(time.Second) {
		r.bad = true
		return time.Time{}
	}
	return time.Unix(sec, int64(nsec))
}

// writeIndexLocked writes the index file: every entry's last use, most
// recent first.
func (c *Cache) writeIndexLocked() error {
	b := []byte(indexMagic)
	b = binary.BigEndian.AppendUint32(b, formatVersion)
	b = binary.AppendUvarint(b, uint64(c.lru.Len()))
	for el := c.lru.Front(); el != nil; el = el.Next() {
		r := el.Value.(*cacheRecord)
		b = appendString(b, r.id)
		b = binary.AppendVarint(b, r.lastUse)
	}
	b = binary.BigEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))

	f, err := c.createTemp()
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), c.indexPath())
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}

// readIndex returns the last uses an index file records, or nil when it is
// missing or corrupt.
func readIndex(path string) map[string]int64 {
	data, err := os.ReadFile(path)
	if err != nil || len(data) < 12 || string(data[:4]) != indexMagic ||
		binary.BigEndian.Uint32(data[4:]) != formatVersion {
		return nil
	}
	body, sum := data[:len(data)-4], data[len(data)-4:]
	if crc32.Checksum(body, castagnoli) != binary.BigEndian.Uint32(sum) {
		return nil
	}
	r := &metaReader{p: body[8:]}
	n := r.count()
	lastUse := make(map[string]int64, n)
	for range n {
		id := r.str()
		lastUse[id] = r.varint()
	}
	if r.bad || len(r.p) != 0 {
		return nil
	}
	return lastUse
}
