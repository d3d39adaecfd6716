package transport

import (
	"errors"
	"net"
	"syscall"
)

type socketState int

const (
	socketIdle     socketState = iota // nothing to read: the peer is quiet
	socketReadable                    // bytes are waiting
	socketClosed                      // EOF or an error: the peer is gone
)

// peekSocket looks at a connection's socket without reading from it or
// blocking (peekFD, per platform), to tell an idle keep-alive connection
// that the server closed from one still open.
func peekSocket(nc net.Conn) (socketState, error) {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return socketIdle, errors.New("connection has no socket")
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return socketIdle, err
	}
	state := socketIdle
	err = rc.Read(func(fd uintptr) bool {
		state = peekFD(fd)
		return true // never wait for readiness
	})
	return state, err
}
