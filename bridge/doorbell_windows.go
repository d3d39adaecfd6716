package main

// #include "bridge.h"
import "C"

import (
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"time"
)

// Go's poller on Windows is an I/O completion port, which waits only on
// handles Go opened: so Go makes the command doorbell, a connected loopback
// TCP pair, and reads one end; the host sends a byte on the other to ring.
// Both ends live as long as the process (the host's end is used by C, so
// nothing may close it: they stay referenced here).
var doorbellRead, doorbellWrite net.Conn

// GnrOpenDoorbell makes the doorbell and returns the SOCKET the host rings
// it on, or INVALID_SOCKET (then Go polls). Call once, before GnrInit,
// whose doorbell argument is then unused.
//
//export GnrOpenDoorbell
func GnrOpenDoorbell() (sock C.uintptr_t) {
	sock = C.uintptr_t(syscall.InvalidHandle)
	defer func() { recover() }()
	read, write, err := loopbackPair(nil)
	if err != nil {
		return sock
	}
	raw, err := write.(*net.TCPConn).SyscallConn()
	if err != nil {
		return sock
	}
	var handle uintptr
	if raw.Control(func(fd uintptr) { handle = fd }) != nil {
		return sock
	}
	doorbellRead, doorbellWrite = read, write
	return C.uintptr_t(handle)
}

// loopbackPair connects two TCP sockets over 127.0.0.1. Another local
// process may connect to the listener first: only the connection whose far
// end is this dialer's socket is taken. beforeDial (tests) runs once the
// listener listens.
func loopbackPair(beforeDial func(addr string)) (read, write net.Conn, err error) {
	ln, err := net.ListenTCP("tcp4", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return nil, nil, fmt.Errorf("doorbell listen: %w", err)
	}
	defer ln.Close()
	if beforeDial != nil {
		beforeDial(ln.Addr().String())
	}
	write, err = net.DialTimeout("tcp4", ln.Addr().String(), 5*time.Second)
	if err != nil {
		return nil, nil, fmt.Errorf("doorbell dial: %w", err)
	}
	want := write.LocalAddr().String()
	for range 8 {
		if err := ln.SetDeadline(time.Now().Add(5 * time.Second)); err != nil {
			break
		}
		read, err := ln.Accept()
		if err != nil {
			break
		}
		if read.RemoteAddr().String() == want {
			write.(*net.TCPConn).SetNoDelay(true)
			return read, write, nil
		}
		read.Close()
	}
	write.Close()
	return nil, nil, errors.New("doorbell: the loopback connection was not accepted")
}

// openDoorbell returns the end GnrOpenDoorbell kept (nil when it made
// none); the host's argument is unused here.
func openDoorbell(C.int) io.Reader {
	if doorbellRead == nil {
		return nil
	}
	return doorbellRead
}
