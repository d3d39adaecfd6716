package cookies

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// newPersistentCookieJar opens a jar on path and closes it at the end of
// the test.
func newPersistentCookieJar(t *testing.T, path string) *Jar {
	t.Helper()
	j, err := NewJar(path, nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = j.Close() })
	return j
}

// writeTestCookieStore leaves a valid store with one persistent cookie at
// path and returns its bytes.
func writeTestCookieStore(t *testing.T, path string) []byte {
	t.Helper()
	j := newPersistentCookieJar(t, path)
	require.NoError(t, j.Set(Details{URL: "https://example.com", Name: "a", Value: "1",
		ExpirationDate: float64(time.Now().Add(time.Hour).Unix())}))
	require.NoError(t, j.Close())
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	return data
}

func TestCookieStoreRoundTripKeepsPersistentCookiesOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "Cookies")
	first := newPersistentCookieJar(t, path)
	first.SetFromResponse(cookieURL(t, "https://www.example.com/app/page"), []string{
		"persist=1; Max-Age=3600; Secure; HttpOnly; SameSite=Strict; Domain=example.com",
		"host=2; Max-Age=3600",
		"session=3",
	}, false)
	require.NoError(t, first.Set(Details{URL: "http://127.0.0.1/", Name: "ip", Value: "4",
		ExpirationDate: float64(time.Now().Add(time.Hour).UnixMilli()) / 1000}))
	before := first.Get(Filter{Session: boolPtr(false)})
	require.Len(t, before, 3)
	require.NoError(t, first.Close())

	second := newPersistentCookieJar(t, path)
	after := second.Get(Filter{})
	assert.Equal(t, 3, second.Len())
	require.Len(t, after, 3)
	for i := range before {
		assert.True(t, before[i].Creation.Equal(after[i].Creation), before[i].Name)
		assert.True(t, before[i].LastAccess.Equal(after[i].LastAccess), before[i].Name)
		assert.Equal(t, cookieWithoutTimes(before[i]), cookieWithoutTimes(after[i]))
	}
	assert.Equal(t, "persist=1; host=2", second.CookieHeader(cookieURL(t, "https://www.example.com/app/x"), false))
	assert.Empty(t, second.Get(Filter{Name: "session"}), "session cookies are not persisted")

	// A new cookie in the second jar is newer than everything loaded.
	second.SetFromResponse(cookieURL(t, "https://www.example.com/"), []string{"later=5; Max-Age=60"}, false)
	got := second.Get(Filter{Name: "later"})
	require.Len(t, got, 1)
	for _, c := range before {
		assert.True(t, got[0].Creation.After(c.Creation))
	}
}

func TestCookieStoreRemovalsAndClearArePersisted(t *testing.T) {
	path := filepath.Join(t.TempDir(), "Cookies")
	j := newPersistentCookieJar(t, path)
	u := cookieURL(t, "http://example.com/")
	j.SetFromResponse(u, []string{"a=1; Max-Age=60", "b=2; Max-Age=60"}, false)
	require.NoError(t, j.Remove(u.String(), "a"))
	require.NoError(t, j.Close())
	assert.Equal(t, "b=2", newPersistentCookieJar(t, path).CookieHeader(u, false))

	j = newPersistentCookieJar(t, path)
	j.Clear()
	require.NoError(t, j.Flush())
	assert.Zero(t, newPersistentCookieJar(t, path).Len())
}

func TestCookieStoreExpiredCookiesAreNotLoaded(t *testing.T) {
	path := filepath.Join(t.TempDir(), "Cookies")
	now := time.Now()
	require.NoError(t, writeCookieStore(path, []storedCookie{
		{Name: "old", Value: "1", Domain: "example.com", Path: "/", SameSite: SameSiteLax,
			Expires: now.Add(-time.Minute).UnixNano(), Creation: now.Add(-time.Hour).UnixNano(), LastAccess: now.Add(-time.Hour).UnixNano()},
		{Name: "new", Value: "2", Domain: ".example.com", Path: "/", SameSite: SameSiteLax,
			Expires: now.Add(time.Hour).UnixNano(), Creation: now.Add(-time.Hour).UnixNano(), LastAccess: now.Add(-time.Hour).UnixNano()},
	}))
	j := newPersistentCookieJar(t, path)
	got := j.Get(Filter{})
	require.Len(t, got, 1)
	assert.Equal(t, "new", got[0].Name)
	assert.False(t, got[0].HostOnly)
}

// flushTimers stands in for a jar's debounce timer: the test sees what was
// scheduled and fires it, so "not yet" and "never" need no sleep.
type flushTimers struct {
	mu      sync.Mutex
	started int
	pending []*flushTimer
}

type flushTimer struct {
	flush func()
	done  bool // fired or stopped
}

func useFlushTimers(j *Jar) *flushTimers {
	ft := &flushTimers{}
	j.afterFunc = func(_ time.Duration, flush func()) func() bool {
		ft.mu.Lock()
		defer ft.mu.Unlock()
		ft.started++
		timer := &flushTimer{flush: flush}
		ft.pending = append(ft.pending, timer)
		return func() bool {
			ft.mu.Lock()
			defer ft.mu.Unlock()
			stopped := !timer.done
			timer.done = true
			return stopped
		}
	}
	return ft
}

// scheduled is how many flushes were scheduled so far.
func (ft *flushTimers) scheduled() int {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	return ft.started
}

// fire runs the pending flushes as their timers would, and reports how many.
func (ft *flushTimers) fire() int {
	ft.mu.Lock()
	var due []*flushTimer
	for _, timer := range ft.pending {
		if !timer.done {
			timer.done = true
			due = append(due, timer)
		}
	}
	ft.pending = nil
	ft.mu.Unlock()
	for _, timer := range due {
		timer.flush()
	}
	return len(due)
}

func TestCookieStoreWritesAreDebounced(t *testing.T) {
	path := filepath.Join(t.TempDir(), "Cookies")
	j, err := NewJar(path, nil)
	require.NoError(t, err)
	timers := useFlushTimers(j)
	j.SetFromResponse(cookieURL(t, "http://example.com/"), []string{"session=1"}, false)
	assert.Zero(t, timers.scheduled(), "a session cookie does not dirty the store")

	j.SetFromResponse(cookieURL(t, "http://example.com/"), []string{"a=1; Max-Age=60"}, false)
	j.SetFromResponse(cookieURL(t, "http://example.com/"), []string{"b=1; Max-Age=60"}, false)
	assert.Equal(t, 1, timers.scheduled(), "one flush for changes close together")
	assert.NoFileExists(t, path, "not written at once")
	require.Equal(t, 1, timers.fire())
	assert.Equal(t, 2, newPersistentCookieJar(t, path).Len(), "written by the timer")

	j.SetFromResponse(cookieURL(t, "http://example.com/"), []string{"c=1; Max-Age=60"}, false)
	assert.Equal(t, 2, timers.scheduled(), "a change after the flush schedules the next one")
	require.NoError(t, j.Close())
	assert.Zero(t, timers.fire(), "Close stopped the pending flush")
	assert.Equal(t, 3, newPersistentCookieJar(t, path).Len(), "and wrote the store itself")
}

func TestCookieStoreWriteIsAtomicAndLeavesNoTemporaryFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "Cookies")
	j := newPersistentCookieJar(t, path)
	for i := range 3 {
		j.SetFromResponse(cookieURL(t, "http://example.com/"), []string{"a=" + strings.Repeat("x", i+1) + "; Max-Age=60"}, false)
		require.NoError(t, j.Flush())
	}
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	assert.Equal(t, []string{"Cookies"}, names)
	info, err := os.Stat(path)
	require.NoError(t, err)
	if runtime.GOOS != "windows" {
		assert.Equal(t, os.FileMode(0o600), info.Mode().Perm(), "cookies are secrets")
	}
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.True(t, bytes.HasPrefix(data, []byte("go-net-request-cookies 1 sha256:")))
}

func TestCookieStoreFlushWithoutChangesWritesNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "Cookies")
	j := newPersistentCookieJar(t, path)
	require.NoError(t, j.Flush())
	assert.NoFileExists(t, path)
	mem, err := NewJar("", nil)
	require.NoError(t, err)
	mem.SetFromResponse(cookieURL(t, "http://example.com/"), []string{"a=1; Max-Age=60"}, false)
	assert.NoError(t, mem.Flush(), "an in-memory jar has nothing to write")
	assert.NoError(t, mem.Close())
}

func TestCookieStoreSaveFailureIsReportedAndRetried(t *testing.T) {
	blocker := filepath.Join(t.TempDir(), "sub")
	path := filepath.Join(blocker, "Cookies")
	j := newPersistentCookieJar(t, path)
	require.NoError(t, os.WriteFile(blocker, nil, 0o600)) // now the store's directory cannot be made
	j.SetFromResponse(cookieURL(t, "http://example.com/"), []string{"a=1; Max-Age=60"}, false)
	err := j.Flush()
	var storeErr *StoreError
	require.ErrorAs(t, err, &storeErr)
	assert.Equal(t, "save", storeErr.Op)
	assert.Equal(t, path, storeErr.Path)
	assert.Error(t, j.Flush(), "still dirty, so tried again")
}

func TestCookieStoreCorruptFileGivesAnEmptyJarAndIsKeptAside(t *testing.T) {
	tests := []struct {
		name    string
		corrupt func(data []byte) []byte
		want    string
	}{
		{name: "truncated", corrupt: func(d []byte) []byte { return d[:len(d)-5] }, want: "truncated"},
		{name: "truncated inside the header", corrupt: func(d []byte) []byte { return d[:10] }, want: "no header line"},
		{name: "a flipped byte in the payload", corrupt: func(d []byte) []byte {
			d[len(d)-3] ^= 0x20
			return d
		}, want: "checksum mismatch"},
		{name: "a flipped byte in the checksum", corrupt: func(d []byte) []byte {
			i := bytes.Index(d, []byte("sha256:")) + len("sha256:")
			d[i] ^= 0x01
			return d
		}, want: "checksum mismatch"},
		{name: "another version", corrupt: func(d []byte) []byte {
			return bytes.Replace(d, []byte("go-net-request-cookies 1 "), []byte("go-net-request-cookies 9 "), 1)
		}, want: "unsupported version"},
		{name: "empty", corrupt: func([]byte) []byte { return []byte{} }, want: "no header line"},
		{name: "not a store", corrupt: func([]byte) []byte { return []byte("SQLite format 3\x00\n...") }, want: "not a cookie store header"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "Cookies")
			bad := tt.corrupt(writeTestCookieStore(t, path))
			require.NoError(t, os.WriteFile(path, bad, 0o600))

			j, err := NewJar(path, nil)
			require.NotNil(t, j)
			t.Cleanup(func() { _ = j.Close() })
			var storeErr *StoreError
			require.ErrorAs(t, err, &storeErr)
			assert.ErrorIs(t, err, ErrStoreCorrupt)
			assert.Equal(t, "load", storeErr.Op)
			assert.Equal(t, path+".corrupt", storeErr.Moved)
			assert.Contains(t, err.Error(), tt.want)

			kept, rerr := os.ReadFile(path + ".corrupt")
			require.NoError(t, rerr)
			assert.Equal(t, bad, kept, "the corrupt file is kept as it was")
			assert.NoFileExists(t, path)

			assert.Zero(t, j.Len())
			require.NoError(t, j.Set(Details{URL: "http://example.com", Name: "b", Value: "2", ExpirationDate: float64(time.Now().Add(time.Hour).Unix())}))
			require.NoError(t, j.Flush())
			assert.Equal(t, 1, newPersistentCookieJar(t, path).Len(), "the jar writes a fresh store")
		})
	}
}

func TestCookieStoreUnreadableFileIsReportedWithoutMovingIt(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "Cookies")
	require.NoError(t, os.Mkdir(path, 0o700)) // a directory cannot be read as a store
	j, err := NewJar(path, nil)
	require.NotNil(t, j)
	t.Cleanup(func() { _ = j.Close() })
	var storeErr *StoreError
	require.ErrorAs(t, err, &storeErr)
	assert.Empty(t, storeErr.Moved)
	assert.False(t, errors.Is(err, ErrStoreCorrupt))
	require.NoError(t, j.Set(Details{URL: "http://example.com", Name: "a", Value: "1", ExpirationDate: float64(time.Now().Add(time.Hour).Unix())}))
	assert.NoError(t, j.Flush(), "the jar keeps to memory")
	assert.Equal(t, 1, j.Len())
	assert.DirExists(t, path, "what could not be read is left alone")
}

func TestCookieJarCloseLeavesNoTimerOrGoroutine(t *testing.T) {
	before := runtime.NumGoroutine()
	path := filepath.Join(t.TempDir(), "Cookies")
	for range 20 {
		j, err := NewJar(path, func(Change) {})
		require.NoError(t, err)
		j.flushDelay = time.Millisecond // some timers fire during Close
		j.SetFromResponse(cookieURL(t, "http://example.com/"), []string{"a=1; Max-Age=60"}, false)
		require.NoError(t, j.Close())
		j.mu.Lock()
		assert.Nil(t, j.stopTimer)
		j.mu.Unlock()
	}

	j, err := NewJar(path, nil)
	require.NoError(t, err)
	timers := useFlushTimers(j)
	require.NoError(t, j.Close())
	j.SetFromResponse(cookieURL(t, "http://example.com/"), []string{"b=1; Max-Age=60"}, false)
	assert.Zero(t, timers.scheduled(), "no flush is scheduled after Close")

	// Polled by hand: assert.Eventually runs its condition on goroutines of its own.
	deadline := time.Now().Add(time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	assert.LessOrEqual(t, runtime.NumGoroutine(), before)
}

func TestCookieStoreWithAControlCharacterIsCorrupt(t *testing.T) {
	expires := time.Now().Add(time.Hour).UnixNano()
	for _, c := range []storedCookie{
		{Name: "a", Value: "1\r\nX-Injected: 1"},
		{Name: "a\x00", Value: "1"},
		{Name: "a", Value: "1;b=2"},
		{Name: "a", Value: "1", Path: "/\n"},
	} {
		t.Run(fmt.Sprintf("%q=%q", c.Name, c.Value), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "Cookies")
			c.Domain, c.SameSite, c.Expires = "example.com", SameSiteLax, expires
			if c.Path == "" {
				c.Path = "/"
			}
			require.NoError(t, writeCookieStore(path, []storedCookie{c}))
			j, err := NewJar(path, nil)
			t.Cleanup(func() { _ = j.Close() })
			assert.ErrorIs(t, err, ErrStoreCorrupt)
			assert.Contains(t, err.Error(), "control character")
			assert.Zero(t, j.Len())
		})
	}
}
