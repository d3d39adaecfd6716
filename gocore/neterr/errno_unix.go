//go:build unix

package neterr

import "syscall"

// errnoNames names the socket errors by their POSIX numbers; ERR_TIMED_OUT
// becomes ERR_CONNECTION_TIMED_OUT while dialing (see Classify).
var errnoNames = map[syscall.Errno]string{
	syscall.ECONNREFUSED:  ConnectionRefused,
	syscall.ECONNRESET:    ConnectionReset,
	syscall.EPIPE:         ConnectionReset,
	syscall.ECONNABORTED:  ConnectionAborted,
	syscall.ENETUNREACH:   AddressUnreachable,
	syscall.EHOSTUNREACH:  AddressUnreachable,
	syscall.EADDRNOTAVAIL: AddressUnreachable,
	syscall.ETIMEDOUT:     TimedOut,
}
