//go:build unix

package neterr

import (
	"fmt"
	"syscall"
)

// resetErrno is how a reset connection fails a read here.
const resetErrno = syscall.ECONNRESET

// socketErrorCases are the POSIX socket errors TestClassify names.
func socketErrorCases() []classifyCase {
	return []classifyCase{
		{"connection refused on dial", fmt.Errorf("dial 127.0.0.1:1: %w", sysErr("dial", "connect", syscall.ECONNREFUSED)), ConnectionRefused},
		{"connection reset on read", sysErr("read", "read", syscall.ECONNRESET), ConnectionReset},
		{"broken pipe on write", sysErr("write", "write", syscall.EPIPE), ConnectionReset},
		{"connection aborted", sysErr("read", "read", syscall.ECONNABORTED), ConnectionAborted},
		{"network unreachable", sysErr("dial", "connect", syscall.ENETUNREACH), AddressUnreachable},
		{"host unreachable", sysErr("dial", "connect", syscall.EHOSTUNREACH), AddressUnreachable},
		{"address not available", sysErr("dial", "connect", syscall.EADDRNOTAVAIL), AddressUnreachable},
		{"ETIMEDOUT while connecting", sysErr("dial", "connect", syscall.ETIMEDOUT), ConnectionTimedOut},
		{"ETIMEDOUT while reading", sysErr("read", "read", syscall.ETIMEDOUT), TimedOut},
	}
}
