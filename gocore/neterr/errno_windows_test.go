package neterr

import "fmt"

// resetErrno is how a reset connection fails a read here.
const resetErrno = wsaeConnReset

// socketErrorCases are the Winsock errors (and the Win32 errors of
// overlapped socket I/O) TestClassify names: the same names as the POSIX
// errnos of the same conditions.
func socketErrorCases() []classifyCase {
	return []classifyCase{
		{"WSAECONNREFUSED on dial", fmt.Errorf("dial 127.0.0.1:1: %w", sysErr("dial", "connectex", wsaeConnRefused)), ConnectionRefused},
		{"ERROR_CONNECTION_REFUSED on dial", sysErr("dial", "connectex", errorConnectionRefused), ConnectionRefused},
		{"WSAECONNRESET on read", sysErr("read", "wsarecv", wsaeConnReset), ConnectionReset},
		{"WSAENETRESET on read", sysErr("read", "wsarecv", wsaeNetReset), ConnectionReset},
		{"ERROR_NETNAME_DELETED on read", sysErr("read", "wsarecv", errorNetnameDeleted), ConnectionReset},
		{"WSAECONNABORTED on write", sysErr("write", "wsasend", wsaeConnAborted), ConnectionAborted},
		{"ERROR_CONNECTION_ABORTED on read", sysErr("read", "wsarecv", errorConnectionAborted), ConnectionAborted},
		{"WSAENETUNREACH", sysErr("dial", "connectex", wsaeNetUnreach), AddressUnreachable},
		{"WSAEHOSTUNREACH", sysErr("dial", "connectex", wsaeHostUnreach), AddressUnreachable},
		{"WSAEADDRNOTAVAIL", sysErr("dial", "connectex", wsaeAddrNotAvail), AddressUnreachable},
		{"ERROR_NETWORK_UNREACHABLE", sysErr("dial", "connectex", errorNetworkUnreachable), AddressUnreachable},
		{"ERROR_HOST_UNREACHABLE", sysErr("dial", "connectex", errorHostUnreachable), AddressUnreachable},
		{"WSAETIMEDOUT while connecting", sysErr("dial", "connectex", wsaeTimedOut), ConnectionTimedOut},
		{"WSAETIMEDOUT while reading", sysErr("read", "wsarecv", wsaeTimedOut), TimedOut},
	}
}
