package httpcache

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
)

// On Windows a file open without FILE_SHARE_DELETE can be neither deleted
// nor renamed, nor replaced by a rename ("sharing violation"), and os.Open
// does not share delete: a Lookup reading an entry made Clear, Invalidate,
// eviction and Store's replacing rename fail, and a failed delete left the
// file to come back after a restart. So entry files are opened sharing
// delete. And where a deleted file that is still open keeps its name
// until its last handle closes (the classic semantics: Windows before 10
// 1809, FAT and network volumes, wine), a new entry could not take the
// name meanwhile: so an entry file is first renamed to a temporary name,
// which frees its name at once on every volume, and deleted under that.
// A file left under it (a crash, another program holding it) is a
// leftover temporary file, which openDir deletes.

// removedSeq makes the temporary names of removed entry files unique.
var removedSeq atomic.Uint64

// openEntryFile opens an entry file for reading, sharing delete.
func openEntryFile(name string) (*os.File, error) {
	p, err := syscall.UTF16PtrFromString(extendedPath(name))
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: name, Err: err}
	}
	h, err := syscall.CreateFile(p, syscall.GENERIC_READ,
		syscall.FILE_SHARE_READ|syscall.FILE_SHARE_WRITE|syscall.FILE_SHARE_DELETE,
		nil, syscall.OPEN_EXISTING, syscall.FILE_ATTRIBUTE_NORMAL, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: name, Err: err}
	}
	return os.NewFile(uintptr(h), name), nil
}

// removeEntryFile deletes an entry file; its name is free when it returns,
// even while the file is still open.
func removeEntryFile(name string) error {
	aside := filepath.Join(filepath.Dir(name), fmt.Sprintf("%sremoved-%d-%d", tempPrefix, os.Getpid(), removedSeq.Add(1)))
	if err := os.Rename(name, aside); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return err
		}
		// Held by a program that does not share delete (a virus
		// scanner, an indexer): a plain delete says so, or succeeds.
		return os.Remove(name)
	}
	// Deleted now, or at its reader's last close; a failure leaves a
	// temporary file for the next openDir.
	os.Remove(aside)
	return nil
}

// replaceEntryFile renames tmp to name, replacing the entry file there
// even while it is open.
func replaceEntryFile(tmp, name string) error {
	if err := removeEntryFile(name); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("replacing a cache entry: %w", err)
	}
	return os.Rename(tmp, name)
}

// extendedPath makes a path of any length usable by CreateFile: plain
// paths stop at 260 characters unless long paths are enabled system-wide
// (os.Open does the same inside).
func extendedPath(name string) string {
	if len(name) < 248 || strings.HasPrefix(name, `\\?\`) {
		return name
	}
	abs, err := filepath.Abs(name)
	if err != nil {
		return name
	}
	if strings.HasPrefix(abs, `\\`) {
		return `\\?\UNC\` + abs[2:]
	}
	return `\\?\` + abs
}
