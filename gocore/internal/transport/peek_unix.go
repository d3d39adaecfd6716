//go:build unix

package transport

import "syscall"

// peekFD peeks at one byte with MSG_PEEK|MSG_DONTWAIT: it neither consumes
// it nor waits.
func peekFD(fd uintptr) socketState {
	var buf [1]byte
	n, _, err := syscall.Recvfrom(int(fd), buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
	switch {
	case n > 0:
		return socketReadable
	case err == syscall.EAGAIN || err == syscall.EINTR:
		return socketIdle
	default:
		return socketClosed
	}
}
