package neterr

import "syscall"

// Winsock's error numbers (winerror.h), most of which package syscall does
// not name, and the Win32 errors that overlapped socket I/O reports for the
// same conditions (a reset during an overlapped receive is
// ERROR_NETNAME_DELETED, a refused ConnectEx may be ERROR_CONNECTION_REFUSED).
const (
	errorNetnameDeleted     syscall.Errno = 64
	errorConnectionRefused  syscall.Errno = 1225
	errorNetworkUnreachable syscall.Errno = 1231
	errorHostUnreachable    syscall.Errno = 1232
	errorConnectionAborted  syscall.Errno = 1236
	wsaeAddrNotAvail        syscall.Errno = 10049
	wsaeNetUnreach          syscall.Errno = 10051
	wsaeNetReset            syscall.Errno = 10052
	wsaeConnAborted         syscall.Errno = 10053
	wsaeConnReset           syscall.Errno = 10054
	wsaeTimedOut            syscall.Errno = 10060
	wsaeConnRefused         syscall.Errno = 10061
	wsaeHostUnreach         syscall.Errno = 10065
)

// errnoNames names the socket errors by their Windows numbers with the
// names the same conditions get from POSIX errnos (errno_unix.go);
// ERR_TIMED_OUT becomes ERR_CONNECTION_TIMED_OUT while dialing (Classify).
var errnoNames = map[syscall.Errno]string{
	wsaeConnRefused:         ConnectionRefused,
	errorConnectionRefused:  ConnectionRefused,
	wsaeConnReset:           ConnectionReset,
	wsaeNetReset:            ConnectionReset,
	errorNetnameDeleted:     ConnectionReset,
	wsaeConnAborted:         ConnectionAborted,
	errorConnectionAborted:  ConnectionAborted,
	wsaeNetUnreach:          AddressUnreachable,
	wsaeHostUnreach:         AddressUnreachable,
	wsaeAddrNotAvail:        AddressUnreachable,
	errorNetworkUnreachable: AddressUnreachable,
	errorHostUnreachable:    AddressUnreachable,
	wsaeTimedOut:            TimedOut,
}
