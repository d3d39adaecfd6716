//go:build unix

package main

// #include "bridge.h"
import "C"

import (
	"io"
	"os"
)

// openDoorbell wraps the descriptor the host made (an eventfd or a pipe's
// read end, non-blocking, so that Go's poller waits on it without a
// thread), or returns nil for -1.
func openDoorbell(fd C.int) io.Reader {
	if fd < 0 {
		return nil
	}
	return os.NewFile(uintptr(fd), "go-net-request doorbell")
}
