//go:build unix

package gocore

import (
	"fmt"
	"syscall"
)

// resetErrno is how a reset connection fails a read here.
const resetErrno = syscall.ECONNRESET

// socketErrorCases are the POSIX socket errors TestClassify names.
func socketErrorCases() []classifyCase {
	return []classifyCase{
		{"connection refused on dial", fmt.Errorf("dial 127.0.0.1:1: %w", sysErr("dial", "connect", syscall.ECONNREFUSED)), ErrConnectionRefused},
		{"connection reset on read", sysErr("read", "read", syscall.ECONNRESET), ErrConnectionReset},
		{"broken pipe on write", sysErr("write", "write", syscall.EPIPE), ErrConnectionReset},
		{"connection aborted", sysErr("read", "read", syscall.ECONNABORTED), ErrConnectionAborted},
		{"network unreachable", sysErr("dial", "connect", syscall.ENETUNREACH), ErrAddressUnreachable},
		{"host unreachable", sysErr("dial", "connect", syscall.EHOSTUNREACH), ErrAddressUnreachable},
		{"address not available", sysErr("dial", "connect", syscall.EADDRNOTAVAIL), ErrAddressUnreachable},
		{"ETIMEDOUT while connecting", sysErr("dial", "connect", syscall.ETIMEDOUT), ErrConnectionTimedOut},
		{"ETIMEDOUT while reading", sysErr("read", "read", syscall.ETIMEDOUT), ErrTimedOut},
	}
}
