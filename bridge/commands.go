package main

// #include <stdlib.h>
// #include "bridge.h"
import "C"

import (
	"fmt"
	"os"
	"strings"
	"time"
	"unsafe"

	"github.com/go-net-request/go-net-request/gocore"
)

// serveCommands takes the host's commands, in order, for as long as the
// process lives. The host's JS thread only queues them and rings the
// doorbell, so it never waits for Go's scheduler; between batches this
// goroutine waits in Go's network poller, which holds no thread of its own.
func serveCommands(take C.gnr_take_fn, doorbell *os.File) {
	var rung [8]byte
	for {
		list := C.gnr_call_take(take)
		if list == nil {
			if doorbell == nil {
				time.Sleep(time.Millisecond) // no eventfd could be made: poll
			} else if _, err := doorbell.Read(rung[:]); err != nil {
				doorbell = nil
			}
			continue
		}
		for cmd := list; cmd != nil; {
			next := cmd.next
			if !handleCommand(cmd) {
				C.gnr_command_free(cmd)
			}
			cmd = next
		}
	}
}

// commandText and commandData view a command's text and data; they are
// valid until the command is freed, so anything kept must be copied.
func commandText(cmd *C.gnr_command) string {
	if cmd.text == nil {
		return ""
	}
	return C.GoStringN(cmd.text, C.int(cmd.text_len))
}

func commandData(cmd *C.gnr_command) []byte {
	if cmd.data == nil || cmd.data_len == 0 {
		return nil
	}
	return C.GoBytes(unsafe.Pointer(cmd.data), C.int(cmd.data_len))
}

// handleCommand applies one command and reports whether it kept the
// command's memory (freed later by whoever it was handed to). A panic fails
// that request only.
func handleCommand(cmd *C.gnr_command) (kept bool) {
	id := uint64(cmd.request)
	defer func() {
		if r := recover(); r != nil {
			if x := requests.lookup(id); x != nil {
				x.Cancel(gocore.Failure(gocore.ErrFailed, fmt.Errorf("command panic: %v", r)))
			}
		}
	}()
	if requests.isClosed(uint64(cmd.env)) {
		return false // its environment went away before Go took the command
	}
	switch cmd.kind {
	case C.GNR_CMD_START:
		startRequest(uint64(cmd.env), id, commandText(cmd), commandData(cmd))
		return false
	case C.GNR_CMD_CALL:
		answerCall(uint64(cmd.env), id, commandText(cmd))
		return false
	}
	x := requests.lookup(id)
	if x == nil {
		return false // gone: the request ended before the command arrived
	}
	switch cmd.kind {
	case C.GNR_CMD_WRITE:
		if cmd.data_len == 0 {
			return false
		}
		// The chunk is sent straight from the command's C memory, which the
		// exchange frees once the chunk has gone to the socket.
		chunk := unsafe.Slice((*byte)(unsafe.Pointer(cmd.data)), int(cmd.data_len))
		x.WriteBodyOwned(chunk, func() { C.gnr_command_free(cmd) })
		return true
	case C.GNR_CMD_END_BODY:
		x.EndBody()
	case C.GNR_CMD_GRANT:
		x.Grant(int64(cmd.n))
	case C.GNR_CMD_CANCEL:
		x.Cancel(nil)
	case C.GNR_CMD_CERT_VERDICT:
		x.CertificateVerdict(int(cmd.n))
	case C.GNR_CMD_FOLLOW:
		x.FollowRedirect(cmd.flag != 0)
	case C.GNR_CMD_LOGIN:
		if cmd.flag == 0 {
			x.Login(nil)
			return false
		}
		user, pass, _ := strings.Cut(commandText(cmd), "\x00")
		x.Login(&gocore.Credentials{Username: user, Password: pass})
	}
	return false
}

// startRequest starts request id for env. Every outcome, a bad spec
// included, arrives as events.
func startRequest(env, id uint64, spec string, body []byte) {
	e := requests.reserve(env, id)
	if e == nil {
		return // the environment went away
	}
	s := &sink{env: env, id: id}
	req, sessionID, err := parseSpec(spec, body)
	if err != nil {
		s.Fail(gocore.Failure(gocore.ErrInvalidArgument, err))
		return
	}
	requests.attach(e, sessionFor(sessionID).client.Start(req, s))
}
