package cookies

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// The cookie store file is one header line and a JSON payload:
//
//	go-net-request-cookies 1 sha256:<hex of the payload's SHA-256> bytes:<payload length>\n
//	{"cookies":[{"name":...,"value":...,"domain":".example.com","path":"/",
//	  "secure":true,"httpOnly":false,"sameSite":"lax",
//	  "expires":<unix ns>,"creation":<unix ns>,"lastAccess":<unix ns>}, ...]}
//
// Only persistent (non-session) cookies are written. The file is replaced
// atomically (a temporary file in the same directory, fsync, rename, fsync
// of the directory), so a reader sees the old store or the new one; the
// length and checksum catch whatever else (a truncated copy, a flipped
// byte, a foreign file).
const (
	cookieStoreMagic   = "go-net-request-cookies"
	cookieStoreVersion = 1
	cookieStoreMaxSize = 64 << 20 // far above 3300 cookies of 4 KiB
)

// ErrStoreCorrupt is wrapped by a StoreError for a store file
// that is not a store this version can read.
var ErrStoreCorrupt = errors.New("corrupt cookie store")

// StoreError is a failure to load or save a cookie store. It never
// makes the jar unusable: a jar that failed to load starts empty.
type StoreError struct {
	Op    string // "load" or "save"
	Path  string // the store's file
	Moved string // on load, where a corrupt file was moved ("" when it was not)
	Err   error
}

func (e *StoreError) Error() string {
	msg := "cookie store " + e.Path + ": " + e.Op + ": " + e.Err.Error()
	if e.Moved != "" {
		msg += " (moved aside to " + e.Moved + ")"
	}
	return msg
}

func (e *StoreError) Unwrap() error { return e.Err }

// storedCookie is one cookie in the store file.
type storedCookie struct {
	Name       string `json:"name"`
	Value      string `json:"value"`
	Domain     string `json:"domain"`
	Path       string `json:"path"`
	Secure     bool   `json:"secure"`
	HTTPOnly   bool   `json:"httpOnly"`
	SameSite   string `json:"sameSite"`
	Expires    int64  `json:"expires"` // Unix nanoseconds
	Creation   int64  `json:"creation"`
	LastAccess int64  `json:"lastAccess"`
}

type storedCookies struct {
	Cookies []storedCookie `json:"cookies"`
}

// Flush writes the persistent cookies to the store now if they changed
// since the last write (Electron's flushStore). An in-memory jar has nothing
// to write.
func (j *Jar) Flush() error {
	if j.path == "" {
		return nil
	}
	j.writeMu.Lock()
	defer j.writeMu.Unlock()
	j.mu.Lock()
	if !j.dirty {
		j.mu.Unlock()
		return nil
	}
	snapshot := j.snapshotLocked(j.clock())
	j.dirty = false
	j.mu.Unlock()
	if err := writeCookieStore(j.path, snapshot); err != nil {
		j.mu.Lock()
		j.dirty = true // the next flush tries again
		j.mu.Unlock()
		return &StoreError{Op: "save", Path: j.path, Err: err}
	}
	return nil
}

// Close stops the debounced flush, waits for one already running and writes
// what is left. The jar stays usable in memory; later changes are written
// only by an explicit Flush.
func (j *Jar) Close() error {
	j.mu.Lock()
	j.closed = true
	stop := j.stopTimer
	j.stopTimer = nil
	j.mu.Unlock()
	if stop != nil && stop() {
		j.timerWG.Done() // its callback will never run
	}
	j.timerWG.Wait()
	return j.Flush()
}

// markDirtyLocked notes that the store is behind and schedules a flush.
func (j *Jar) markDirtyLocked() {
	if j.path == "" {
		return
	}
	j.dirty = true
	if j.stopTimer == nil && !j.closed {
		j.timerWG.Add(1)
		j.stopTimer = j.afterFunc(j.flushDelay, j.flushOnTimer)
	}
}

// flushOnTimer is the debounced flush. A failure leaves the jar dirty; the
// next change, Flush or Close tries again and reports it.
func (j *Jar) flushOnTimer() {
	defer j.timerWG.Done()
	j.mu.Lock()
	j.stopTimer = nil
	j.mu.Unlock()
	_ = j.Flush()
}

// snapshotLocked is the persistent, unexpired cookies in store form.
func (j *Jar) snapshotLocked(now time.Time) []storedCookie {
	out := []storedCookie{}
	for _, bucket := range j.byKey {
		for _, c := range bucket {
			if c.Session || c.expiredAt(now) {
				continue
			}
			out = append(out, storedCookie{
				Name: c.Name, Value: c.Value, Domain: c.Domain, Path: c.Path,
				Secure: c.Secure, HTTPOnly: c.HTTPOnly, SameSite: c.SameSite,
				Expires: c.expires.UnixNano(), Creation: c.Creation.UnixNano(), LastAccess: c.LastAccess.UnixNano(),
			})
		}
	}
	return out
}

// writeCookieStore replaces the file at path with cookies, atomically.
func writeCookieStore(path string, cookies []storedCookie) error {
	payload, err := json.Marshal(storedCookies{Cookies: cookies})
	if err != nil {
		return err
	}
	sum := sha256.Sum256(payload)
	header := fmt.Sprintf("%s %d sha256:%x bytes:%d\n", cookieStoreMagic, cookieStoreVersion, sum, len(payload))
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	if _, err = f.WriteString(header); err == nil {
		_, err = f.Write(payload)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return err
	}
	syncCookieStoreDir(dir)
	return nil
}

// syncCookieStoreDir makes the rename durable where directories can be
// synced (not on Windows, where the rename is already durable enough).
func syncCookieStoreDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}

// loadCookieStore reads the store at path. A missing file is an empty
// store; a corrupt one is moved to path + ".corrupt" and reported.
func loadCookieStore(path string) ([]*jarCookie, *StoreError) {
	data, err := readCookieStoreFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, &StoreError{Op: "load", Path: path, Err: err}
	}
	cookies, err := decodeCookieStore(data)
	if err == nil {
		return cookies, nil
	}
	storeErr := &StoreError{Op: "load", Path: path, Err: err}
	aside := path + ".corrupt"
	if rerr := os.Rename(path, aside); rerr != nil {
		storeErr.Err = fmt.Errorf("%w; not moved aside: %v", err, rerr)
	} else {
		storeErr.Moved = aside
	}
	return nil, storeErr
}

// readCookieStoreFile reads at most one byte more than a store may hold,
// so a runaway file is refused as corrupt without being read whole.
func readCookieStoreFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, cookieStoreMaxSize+1))
}

// decodeCookieStore checks the header, length and checksum and decodes the
// cookies. Every failure wraps ErrStoreCorrupt.
func decodeCookieStore(data []byte) ([]*jarCookie, error) {
	corrupt := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrStoreCorrupt, fmt.Sprintf(format, args...))
	}
	if len(data) > cookieStoreMaxSize {
		return nil, corrupt("larger than %d bytes", cookieStoreMaxSize)
	}
	line, payload, ok := bytes.Cut(data, []byte{'\n'})
	if !ok {
		return nil, corrupt("no header line")
	}
	fields := strings.Fields(string(line))
	if len(fields) != 4 || fields[0] != cookieStoreMagic {
		return nil, corrupt("not a cookie store header")
	}
	if fields[1] != strconv.Itoa(cookieStoreVersion) {
		return nil, corrupt("unsupported version %q", fields[1])
	}
	wantSum, ok1 := strings.CutPrefix(fields[2], "sha256:")
	lengthText, ok2 := strings.CutPrefix(fields[3], "bytes:")
	length, err := strconv.Atoi(lengthText)
	if !ok1 || !ok2 || err != nil || len(wantSum) != 2*sha256.Size {
		return nil, corrupt("malformed header")
	}
	if len(payload) != length {
		return nil, corrupt("payload is %d bytes, header says %d (truncated?)", len(payload), length)
	}
	sum := sha256.Sum256(payload)
	if hex.EncodeToString(sum[:]) != strings.ToLower(wantSum) {
		return nil, corrupt("checksum mismatch")
	}
	var stored storedCookies
	if err := json.Unmarshal(payload, &stored); err != nil {
		return nil, corrupt("payload: %v", err)
	}
	out := make([]*jarCookie, 0, len(stored.Cookies))
	for i, s := range stored.Cookies {
		c, err := s.jarCookie()
		if err != nil {
			return nil, corrupt("cookie %d: %v", i, err)
		}
		out = append(out, c)
	}
	return out, nil
}

// jarCookie validates a stored cookie and rebuilds it.
func (s storedCookie) jarCookie() (*jarCookie, error) {
	host := strings.TrimPrefix(s.Domain, ".")
	switch {
	case host == "":
		return nil, errors.New("no domain")
	case s.Path == "" || s.Path[0] != '/':
		return nil, errors.New("path does not start with /")
	case !cookieSendable(&Cookie{Name: s.Name, Value: s.Value}) || cookieHasCTL(s.Domain) || cookieHasCTL(s.Path):
		// Such a cookie could never have been stored: it would break the Cookie line.
		return nil, errors.New("control character or ';' in the cookie")
	case s.Expires == 0:
		return nil, errors.New("no expiry")
	case s.SameSite != SameSiteUnspecified && s.SameSite != SameSiteNoRestriction &&
		s.SameSite != SameSiteLax && s.SameSite != SameSiteStrict:
		return nil, fmt.Errorf("sameSite %q", s.SameSite)
	}
	expires := time.Unix(0, s.Expires)
	c := &jarCookie{
		Cookie: Cookie{
			Name: s.Name, Value: s.Value, Domain: s.Domain, Path: s.Path,
			HostOnly: s.Domain[0] != '.', Secure: s.Secure, HTTPOnly: s.HTTPOnly,
			ExpirationDate: cookieSeconds(expires), SameSite: s.SameSite,
			Creation: time.Unix(0, s.Creation), LastAccess: time.Unix(0, s.LastAccess),
		},
		expires: expires,
	}
	return c, nil
}
