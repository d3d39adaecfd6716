//go:build unix

package gocore

import "syscall"

// errnoNames names the socket errors by their POSIX numbers; ERR_TIMED_OUT
// becomes ERR_CONNECTION_TIMED_OUT while dialing (see Classify).
var errnoNames = map[syscall.Errno]string{
	syscall.ECONNREFUSED:  ErrConnectionRefused,
	syscall.ECONNRESET:    ErrConnectionReset,
	syscall.EPIPE:         ErrConnectionReset,
	syscall.ECONNABORTED:  ErrConnectionAborted,
	syscall.ENETUNREACH:   ErrAddressUnreachable,
	syscall.EHOSTUNREACH:  ErrAddressUnreachable,
	syscall.EADDRNOTAVAIL: ErrAddressUnreachable,
	syscall.ETIMEDOUT:     ErrTimedOut,
}
