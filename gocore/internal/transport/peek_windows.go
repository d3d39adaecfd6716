package transport

import (
	"syscall"
	"unsafe"
)

// Go's sockets on Windows are in blocking mode (their I/O is overlapped),
// so a peeking recv would wait for data: peekFD asks WSAPoll, with no
// timeout, whether the socket is readable, and ioctlsocket(FIONREAD) whether
// that means bytes or the end of the stream.
var (
	ws2           = syscall.NewLazyDLL("ws2_32.dll")
	procWSAPoll   = ws2.NewProc("WSAPoll")
	procIoctlsock = ws2.NewProc("ioctlsocket")
)

// wsaPollFD is WSAPOLLFD.
type wsaPollFD struct {
	fd      syscall.Handle
	events  int16
	revents int16
}

const (
	pollRdNorm = 0x0100
	pollErr    = 0x0001
	pollHup    = 0x0002
	pollNval   = 0x0004
	fionread   = 0x4004667f
	socketErr  = ^uintptr(0) // SOCKET_ERROR (-1)
)

func peekFD(fd uintptr) socketState {
	pfd := wsaPollFD{fd: syscall.Handle(fd), events: pollRdNorm}
	ready, _, _ := procWSAPoll.Call(uintptr(unsafe.Pointer(&pfd)), 1, 0)
	switch {
	case ready == socketErr:
		return socketClosed
	case ready == 0 || pfd.revents&(pollRdNorm|pollErr|pollHup|pollNval) == 0:
		return socketIdle
	}
	var pending uint32
	r, _, _ := procIoctlsock.Call(fd, fionread, uintptr(unsafe.Pointer(&pending)))
	if r == 0 && pending > 0 {
		return socketReadable
	}
	return socketClosed // readable with nothing to read: EOF, or an error
}
