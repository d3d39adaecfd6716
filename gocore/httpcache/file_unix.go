//go:build unix

package httpcache

import "os"

// A Unix file's name can be removed or replaced while it is open; readers
// keep reading what they opened (see file_windows.go for Windows).

// openEntryFile opens an entry file for reading.
func openEntryFile(name string) (*os.File, error) { return os.Open(name) }

// removeEntryFile deletes an entry file.
func removeEntryFile(name string) error { return os.Remove(name) }

// replaceEntryFile renames tmp to name, replacing the entry file there at once.
func replaceEntryFile(tmp, name string) error { return os.Rename(tmp, name) }
