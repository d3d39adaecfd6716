package httpcache

import (
	"bytes"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// entryFiles lists the entry files in dir.
func entryFiles(t *testing.T, dir string) []string {
	t.Helper()
	des, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, de := range des {
		if validEntryID(de.Name()) {
			names = append(names, de.Name())
		}
	}
	return names
}

func entryFilesSize(t *testing.T, dir string) int64 {
	t.Helper()
	var sum int64
	for _, name := range entryFiles(t, dir) {
		info, err := os.Stat(filepath.Join(dir, name))
		require.NoError(t, err)
		sum += info.Size()
	}
	return sum
}

func TestDiskCacheSurvivesARestart(t *testing.T) {
	dir := t.TempDir()
	c := openTestCache(t, dir, 1<<20)
	reqTime := time.Date(2025, 3, 1, 11, 59, 59, 123456789, time.UTC)
	respTime := time.Date(2025, 3, 1, 12, 0, 0, 987654321, time.UTC)
	head := cacheHead(200, "Cache-Control", "max-age=60", "Vary", "Accept-Language", "X-Latin1", "caf\xe9", "Set-Cookie", "a=1", "Set-Cookie", "b=2")
	head.StatusText = "Fine"
	head.URL = "http://p.test/final"
	u := cacheURL(t, "http://p.test/page")
	c.Store("GET", u, cacheHeaders("Accept-Language", "en"), head, []byte("english"), reqTime, respTime)
	c.Store("GET", u, cacheHeaders("Accept-Language", "fr"), head, []byte("français"), reqTime, respTime)
	cacheStore(t, c, "http://p.test/empty", nil, cacheHead(204), "")
	size := c.Size()
	assert.Equal(t, entryFilesSize(t, dir), size, "Size is what the files take")
	require.NoError(t, c.Close())
	assert.FileExists(t, filepath.Join(dir, indexName))

	again := openTestCache(t, dir, 1<<20)
	assert.Equal(t, size, again.Size())
	got := again.Lookup("GET", u, cacheHeaders("Accept-Language", "en"))
	require.NotNil(t, got)
	assert.Equal(t, "english", string(got.Body))
	assert.Equal(t, head.Headers, got.Head.Headers, "bytes kept exactly, not only UTF-8")
	assert.Equal(t, "Fine", got.Head.StatusText)
	assert.Equal(t, "http://p.test/final", got.Head.URL)
	assert.Equal(t, 1, got.Head.Major)
	assert.Equal(t, 1, got.Head.Minor)
	assert.True(t, got.RequestTime.Equal(reqTime))
	assert.True(t, got.ResponseTime.Equal(respTime))
	fr := again.Lookup("GET", u, cacheHeaders("Accept-Language", "fr"))
	require.NotNil(t, fr)
	assert.Equal(t, "français", string(fr.Body))
	assert.Nil(t, again.Lookup("GET", u, cacheHeaders("Accept-Language", "de")))
	empty := again.Lookup("GET", cacheURL(t, "http://p.test/empty"), nil)
	require.NotNil(t, empty)
	assert.Equal(t, 204, empty.Head.StatusCode)
	assert.Empty(t, empty.Body)
}

func TestDiskCacheKeepsTheLRUOrderAcrossARestart(t *testing.T) {
	one := entrySizeOf(t, "http://o.test/0", "x")
	entry := func(i int) *url.URL { return cacheURL(t, fmt.Sprintf("http://o.test/%d", i)) }
	for _, withIndex := range []bool{true, false} {
		t.Run(fmt.Sprintf("index %v", withIndex), func(t *testing.T) {
			dir := t.TempDir()
			c := openTestCache(t, dir, 8*one)
			for i := range 8 {
				cacheStore(t, c, entry(i).String(), nil, cacheHead(200), "x")
			}
			require.NotNil(t, c.Lookup("GET", entry(0), nil)) // 1 is now the least recent
			require.NoError(t, c.Close())
			if !withIndex {
				// Without the index the modification times order the
				// entries: make them unambiguous (1, 2, ..., 7, then 0).
				require.NoError(t, os.Remove(filepath.Join(dir, indexName)))
				base := time.Now().Add(-time.Hour)
				for i := range 8 {
					mt := base.Add(time.Duration((i+7)%8) * time.Minute)
					require.NoError(t, os.Chtimes(filepath.Join(dir, entryID(cacheKey(entry(i)), nil)), mt, mt))
				}
			}

			again := openTestCache(t, dir, 8*one)
			assert.Equal(t, 8*one, again.Size())
			cacheStore(t, again, entry(8).String(), nil, cacheHead(200), "x")
			assert.Nil(t, again.Lookup("GET", entry(1), nil), "1 was the least recently used")
			for _, i := range []int{0, 2, 3, 4, 5, 6, 7, 8} {
				assert.NotNil(t, again.Lookup("GET", entry(i), nil), i)
			}
			assert.Equal(t, 8*one, again.Size())
			assert.Len(t, entryFiles(t, dir), 8)
		})
	}
}

func TestDiskCacheIgnoresACorruptIndex(t *testing.T) {
	dir := t.TempDir()
	c := openTestCache(t, dir, 1<<20)
	cacheStore(t, c, "http://x.test/", nil, cacheHead(200), "x")
	require.NoError(t, c.Close())
	index := filepath.Join(dir, indexName)
	data, err := os.ReadFile(index)
	require.NoError(t, err)
	data[len(data)/2] ^= 0xff
	require.NoError(t, os.WriteFile(index, data, 0o600))

	again := openTestCache(t, dir, 1<<20)
	assert.NotNil(t, again.Lookup("GET", cacheURL(t, "http://x.test/"), nil))
	assert.Nil(t, readIndex(index))
}

func TestDiskCacheCorruptEntryIsAMissAndIsRemoved(t *testing.T) {
	tests := []struct {
		name    string
		corrupt func(data []byte) []byte
	}{
		{"truncated to half", func(d []byte) []byte { return d[:len(d)/2] }},
		{"truncated by one byte", func(d []byte) []byte { return d[:len(d)-1] }},
		{"truncated inside the header", func(d []byte) []byte { return d[:10] }},
		{"empty", func(d []byte) []byte { return nil }},
		{"one byte appended", func(d []byte) []byte { return append(d, 0) }},
		{"a flipped body byte", func(d []byte) []byte { d[len(d)-1] ^= 1; return d }},
		{"a flipped meta byte", func(d []byte) []byte { d[entryHeaderLen+3] ^= 0x40; return d }},
		{"a flipped length byte", func(d []byte) []byte { d[11] ^= 1; return d }},
		{"a flipped checksum byte", func(d []byte) []byte { d[21] ^= 0x80; return d }},
		{"another magic", func(d []byte) []byte { copy(d, "XXXX"); return d }},
		{"another version", func(d []byte) []byte { d[7] = 9; return d }},
		{"garbage", func(d []byte) []byte { return bytes.Repeat([]byte{0xa5}, len(d)) }},
	}
	for _, restart := range []bool{false, true} {
		for _, tt := range tests {
			t.Run(fmt.Sprintf("%s restart=%v", tt.name, restart), func(t *testing.T) {
				dir := t.TempDir()
				c := openTestCache(t, dir, 1<<20)
				u := cacheURL(t, "http://bad.test/")
				cacheStore(t, c, u.String(), nil, cacheHead(200, "Cache-Control", "max-age=60"), "the body of the entry")
				cacheStore(t, c, "http://good.test/", nil, cacheHead(200), "fine")
				good := entrySizeOf(t, "http://good.test/", "fine")
				files := entryFiles(t, dir)
				require.Len(t, files, 2)
				path := filepath.Join(dir, entryID(cacheKey(u), nil))
				data, err := os.ReadFile(path)
				require.NoError(t, err)
				require.NoError(t, os.WriteFile(path, tt.corrupt(data), 0o600))
				if restart {
					require.NoError(t, c.Close())
					c = openTestCache(t, dir, 1<<20)
				}

				assert.Nil(t, c.Lookup("GET", u, nil))
				assert.NoFileExists(t, path)
				assert.Equal(t, good, c.Size(), "only the good entry is counted")
				assert.NotNil(t, c.Lookup("GET", cacheURL(t, "http://good.test/"), nil))
				cacheStore(t, c, u.String(), nil, cacheHead(200), "stored again")
				assert.NotNil(t, c.Lookup("GET", u, nil))
			})
		}
	}
}

// An entry file under another entry's name (copied, renamed) is corrupt.
func TestDiskCacheEntryUnderAnotherNameIsAMissAndIsRemoved(t *testing.T) {
	dir := t.TempDir()
	c := openTestCache(t, dir, 1<<20)
	a, b := cacheURL(t, "http://a.test/"), cacheURL(t, "http://b.test/")
	cacheStore(t, c, a.String(), nil, cacheHead(200), "a")
	cacheStore(t, c, b.String(), nil, cacheHead(200), "b")
	pathA := filepath.Join(dir, entryID(cacheKey(a), nil))
	pathB := filepath.Join(dir, entryID(cacheKey(b), nil))
	data, err := os.ReadFile(pathA)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(pathB, data, 0o600))

	assert.Nil(t, c.Lookup("GET", b, nil))
	assert.NoFileExists(t, pathB)
	assert.NotNil(t, c.Lookup("GET", a, nil))
}

// A file removed behind the cache's back is a miss and leaves the index.
func TestDiskCacheMissingFileIsAMiss(t *testing.T) {
	dir := t.TempDir()
	c := openTestCache(t, dir, 1<<20)
	u := cacheURL(t, "http://gone.test/")
	cacheStore(t, c, u.String(), nil, cacheHead(200), "x")
	require.NoError(t, os.Remove(filepath.Join(dir, entryID(cacheKey(u), nil))))
	assert.Nil(t, c.Lookup("GET", u, nil))
	assert.Zero(t, c.Size())
}

func TestDiskCacheOpenRemovesLeftoverTempFilesAndIgnoresOthers(t *testing.T) {
	dir := t.TempDir()
	temp := filepath.Join(dir, tempPrefix+"123")
	other := filepath.Join(dir, "README")
	require.NoError(t, os.WriteFile(temp, []byte("half an entry"), 0o600))
	require.NoError(t, os.WriteFile(other, []byte("not ours"), 0o600))
	require.NoError(t, os.Mkdir(filepath.Join(dir, entryID("GET http://d.test/", nil)), 0o700))

	c := openTestCache(t, dir, 1<<20)
	assert.NoFileExists(t, temp)
	assert.FileExists(t, other)
	assert.Zero(t, c.Size())
	require.NoError(t, c.Clear())
	assert.FileExists(t, other, "Clear removes only the cache's files")
}

func TestDiskCacheOpenEvictsDownToASmallerBound(t *testing.T) {
	one := entrySizeOf(t, "http://e.test/0", "x")
	dir := t.TempDir()
	c := openTestCache(t, dir, 1<<20)
	for i := range 4 {
		cacheStore(t, c, fmt.Sprintf("http://e.test/%d", i), nil, cacheHead(200), "x")
	}
	require.NoError(t, c.Close())

	small := openTestCache(t, dir, 2*one)
	assert.Equal(t, 2*one, small.Size())
	assert.Len(t, entryFiles(t, dir), 2)
	assert.NotNil(t, small.Lookup("GET", cacheURL(t, "http://e.test/3"), nil))
	assert.NotNil(t, small.Lookup("GET", cacheURL(t, "http://e.test/2"), nil))
}

func TestDiskCacheClearRemovesTheFilesAndTheIndex(t *testing.T) {
	dir := t.TempDir()
	c := openTestCache(t, dir, 1<<20)
	cacheStore(t, c, "http://k.test/1", nil, cacheHead(200), "x")
	cacheStore(t, c, "http://k.test/2", nil, cacheHead(200), "x")
	require.NoError(t, c.Close())
	c = openTestCache(t, dir, 1<<20)
	require.NoError(t, c.Clear())
	assert.Empty(t, entryFiles(t, dir))
	assert.NoFileExists(t, filepath.Join(dir, indexName))
	require.NoError(t, c.Close())
	assert.Zero(t, openTestCache(t, dir, 1<<20).Size())
}

// An entry file a Lookup is still reading (held open here as readEntry
// holds it) can be removed or replaced at once, on Windows too, where a
// file opened without FILE_SHARE_DELETE can be neither ("sharing
// violation") and a deleted file keeps its name while it is open: the
// reader still reads the whole old entry, the cache answers with the new
// state, and neither the directory nor a restart brings the old entry back.
func TestDiskCacheEntryBeingReadCanBeRemovedOrReplaced(t *testing.T) {
	one := entrySizeOf(t, "http://h.test/0", "old")
	tests := []struct {
		name   string
		change func(t *testing.T, c *Cache, u *url.URL)
		after  string // what a Lookup of u returns afterwards; "" for a miss
	}{
		{"Clear", func(t *testing.T, c *Cache, u *url.URL) { require.NoError(t, c.Clear()) }, ""},
		{"Invalidate", func(t *testing.T, c *Cache, u *url.URL) { c.Invalidate(u) }, ""},
		{"Store of a newer response", func(t *testing.T, c *Cache, u *url.URL) {
			cacheStore(t, c, u.String(), nil, cacheHead(200), "new")
		}, "new"},
		{"Store of the same response twice", func(t *testing.T, c *Cache, u *url.URL) {
			cacheStore(t, c, u.String(), nil, cacheHead(200), "new")
			cacheStore(t, c, u.String(), nil, cacheHead(200), "newer")
		}, "newer"},
		{"Update after a 304", func(t *testing.T, c *Cache, u *url.URL) {
			entry := c.Lookup("GET", u, nil)
			require.NotNil(t, entry)
			require.NotNil(t, c.Update(entry, cacheHead(304, "ETag", `"2"`), cacheT0, cacheT0))
		}, "old"},
		{"eviction", func(t *testing.T, c *Cache, u *url.URL) {
			for i := 1; i <= 16; i++ {
				cacheStore(t, c, fmt.Sprintf("http://h.test/%d", i), nil, cacheHead(200), "old")
			}
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			c := openTestCache(t, dir, 16*one)
			u := cacheURL(t, "http://h.test/0")
			cacheStore(t, c, u.String(), nil, cacheHead(200), "old")
			reader, err := openEntryFile(filepath.Join(dir, entryID(cacheKey(u), nil)))
			require.NoError(t, err)
			defer reader.Close()

			tt.change(t, c, u)

			data, err := io.ReadAll(reader)
			require.NoError(t, err)
			held, err := decodeEntry(data)
			require.NoError(t, err, "the reader reads the whole old entry")
			assert.Equal(t, "old", string(held.Body))
			lookupBody := func(c *Cache) string {
				if e := c.Lookup("GET", u, nil); e != nil {
					return string(e.Body)
				}
				return ""
			}
			assert.Equal(t, tt.after, lookupBody(c))
			require.NoError(t, reader.Close())
			assert.Equal(t, c.Size(), entryFilesSize(t, dir), "the files on disk are the entries the cache counts")
			names, err := os.ReadDir(dir)
			require.NoError(t, err)
			for _, de := range names {
				assert.True(t, validEntryID(de.Name()), "%s left in the directory", de.Name())
			}
			require.NoError(t, c.Close())
			assert.Equal(t, tt.after, lookupBody(openTestCache(t, dir, 16*one)), "after a restart")
		})
	}
}

// Entry paths past Windows' 260 characters are opened too (openEntryFile
// makes them extended-length paths there).
func TestDiskCacheInADirectoryWithALongPath(t *testing.T) {
	dir := filepath.Join(t.TempDir(), strings.Repeat("d", 100), strings.Repeat("e", 100))
	c := openTestCache(t, dir, 1<<20)
	u := cacheURL(t, "http://long.test/")
	cacheStore(t, c, u.String(), nil, cacheHead(200), "x")
	require.Greater(t, len(filepath.Join(dir, entryID(cacheKey(u), nil))), 260)
	got := c.Lookup("GET", u, nil)
	require.NotNil(t, got)
	assert.Equal(t, "x", string(got.Body))
	require.NoError(t, c.Clear())
	assert.Empty(t, entryFiles(t, dir))
}

func TestDiskCacheStoreRecreatesARemovedDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cache", "nested")
	c := openTestCache(t, dir, 1<<20)
	require.DirExists(t, dir, "New creates the directory")
	require.NoError(t, os.RemoveAll(dir))
	cacheStore(t, c, "http://r.test/", nil, cacheHead(200), "x")
	assert.NotNil(t, c.Lookup("GET", cacheURL(t, "http://r.test/"), nil))
	assert.NoError(t, c.Close())
}

func TestNewHTTPCacheFailsOnAFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(file, nil, 0o600))
	_, err := New(file, 1<<20)
	assert.Error(t, err)
}

// encodedEntry is an entry file's bytes.
func encodedEntry(e *Entry) []byte {
	meta := encodeMeta(e)
	return append(append(entryHeader(meta, e.Body), meta...), e.Body...)
}

func sampleEntry() *Entry {
	return &Entry{
		Head:         cacheHead(200, "Content-Type", "text/plain", "Vary", "Accept"),
		Body:         []byte("hello, cache"),
		RequestTime:  cacheT0.Add(-time.Second),
		ResponseTime: cacheT0,
		key:          "GET http://s.test/",
		vary:         []varyField{{name: "accept", value: "*/*", present: true}},
	}
}

func TestDecodeEntryRoundTrips(t *testing.T) {
	e := sampleEntry()
	got, err := decodeEntry(encodedEntry(e))
	require.NoError(t, err)
	assert.Equal(t, e.key, got.key)
	assert.Equal(t, e.vary, got.vary)
	assert.Equal(t, e.Head, got.Head)
	assert.Equal(t, e.Body, got.Body)
	assert.True(t, e.RequestTime.Equal(got.RequestTime))
	assert.True(t, e.ResponseTime.Equal(got.ResponseTime))
	assert.Equal(t, e.id(), got.id())

	zero := sampleEntry()
	zero.RequestTime, zero.ResponseTime = time.Time{}, time.Time{}
	got, err = decodeEntry(encodedEntry(zero))
	require.NoError(t, err)
	assert.True(t, got.RequestTime.IsZero())
}

// Every single-byte change and every truncation of an entry file is
// detected (CRC-32C catches every burst of up to 32 bits).
func TestDecodeEntryDetectsEveryByteChangeAndTruncation(t *testing.T) {
	data := encodedEntry(sampleEntry())
	for i := range data {
		for _, flip := range []byte{0x01, 0x80, 0xff} {
			bad := bytes.Clone(data)
			bad[i] ^= flip
			_, err := decodeEntry(bad)
			require.Error(t, err, "byte %d ^ %#x", i, flip)
		}
	}
	for n := range len(data) {
		_, err := decodeEntry(data[:n])
		require.Error(t, err, "truncated to %d", n)
	}
}

func FuzzDecodeEntry(f *testing.F) {
	f.Add(encodedEntry(sampleEntry()))
	f.Add(encodeMeta(sampleEntry()))
	f.Add([]byte(entryMagic + "\x00\x00\x00\x01\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"))
	f.Fuzz(func(t *testing.T, data []byte) {
		decodeEntry(data) // never panics
		decodeMeta(data)
		path := filepath.Join(t.TempDir(), indexName)
		require.NoError(t, os.WriteFile(path, data, 0o600))
		readIndex(path)
	})
}
