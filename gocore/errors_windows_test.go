package gocore

import "fmt"

// resetErrno is how a reset connection fails a read here.
const resetErrno = wsaeConnReset

// socketErrorCases are the Winsock errors (and the Win32 errors of
// overlapped socket I/O) TestClassify names: the same names as the POSIX
// errnos of the same conditions.
func socketErrorCases() []classifyCase {
	return []classifyCase{
		{"WSAECONNREFUSED on dial", fmt.Errorf("dial 127.0.0.1:1: %w", sysErr("dial", "connectex", wsaeConnRefused)), ErrConnectionRefused},
		{"ERROR_CONNECTION_REFUSED on dial", sysErr("dial", "connectex", errorConnectionRefused), ErrConnectionRefused},
		{"WSAECONNRESET on read", sysErr("read", "wsarecv", wsaeConnReset), ErrConnectionReset},
		{"WSAENETRESET on read", sysErr("read", "wsarecv", wsaeNetReset), ErrConnectionReset},
		{"ERROR_NETNAME_DELETED on read", sysErr("read", "wsarecv", errorNetnameDeleted), ErrConnectionReset},
		{"WSAECONNABORTED on write", sysErr("write", "wsasend", wsaeConnAborted), ErrConnectionAborted},
		{"ERROR_CONNECTION_ABORTED on read", sysErr("read", "wsarecv", errorConnectionAborted), ErrConnectionAborted},
		{"WSAENETUNREACH", sysErr("dial", "connectex", wsaeNetUnreach), ErrAddressUnreachable},
		{"WSAEHOSTUNREACH", sysErr("dial", "connectex", wsaeHostUnreach), ErrAddressUnreachable},
		{"WSAEADDRNOTAVAIL", sysErr("dial", "connectex", wsaeAddrNotAvail), ErrAddressUnreachable},
		{"ERROR_NETWORK_UNREACHABLE", sysErr("dial", "connectex", errorNetworkUnreachable), ErrAddressUnreachable},
		{"ERROR_HOST_UNREACHABLE", sysErr("dial", "connectex", errorHostUnreachable), ErrAddressUnreachable},
		{"WSAETIMEDOUT while connecting", sysErr("dial", "connectex", wsaeTimedOut), ErrConnectionTimedOut},
		{"WSAETIMEDOUT while reading", sysErr("read", "wsarecv", wsaeTimedOut), ErrTimedOut},
	}
}
