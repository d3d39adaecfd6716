package main

// #include <stdlib.h>
// #include "bridge.h"
import "C"

import (
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/go-net-request/go-net-request/gocore/auth"
	"github.com/go-net-request/go-net-request/gocore/neterr"
)

// takeFn is the host's command source, registered once by GnrInit.
var takeFn C.gnr_take_fn

// commandMu makes taking and handling one batch a single step, so batches
// are handled in the host's order whichever goroutine takes them.
var commandMu sync.Mutex

// serveCommands takes the host's commands, in order, for as long as the
// process lives. The host's JS thread only queues them and rings the
// doorbell, so it never waits for Go's scheduler; between batches this
// goroutine waits in Go's network poller, which holds no thread of its own.
func serveCommands(doorbell io.Reader) {
	var rung [64]byte
	for {
		commandMu.Lock()
		took := takeAndHandleLocked(false)
		commandMu.Unlock()
		if took {
			continue
		}
		if doorbell == nil {
			time.Sleep(time.Millisecond) // no doorbell could be made: poll
		} else if _, err := doorbell.Read(rung[:]); err != nil {
			doorbell = nil
		}
	}
}

// takeAndHandleLocked handles the commands queued now, reporting whether
// there were any; poll tells the host that Go will look again without a
// ring. commandMu is held.
func takeAndHandleLocked(poll bool) bool {
	flag := C.int(0)
	if poll {
		flag = 1
	}
	list := C.gnr_call_take(takeFn, flag)
	for cmd := list; cmd != nil; {
		next := cmd.next
		if !handleCommand(cmd) {
			C.gnr_command_free(cmd)
		}
		cmd = next
	}
	return list != nil
}

// lingerTime is how long Go keeps looking for the host's next command after
// the last request in flight ended. An app that makes one request after
// another sends the next some 50-300 µs later (its own thread's wake-up and
// work); found by polling, it starts without the thread wake-up its
// doorbell would cost. Measured at concurrency 1: p50 0.143 ms without,
// 0.140 with 100 µs, 0.111 with 300 µs, 0.103 with 500 µs. The price is at
// most this much CPU of one core after a burst of requests ends.
const lingerTime = 500 * time.Microsecond

// lingering admits one lingering goroutine at a time.
var lingering atomic.Bool

// lingerForCommands polls for the host's next command for lingerTime, when
// no request is in flight (under load the engine is awake anyway, and
// polling would take CPU from the work).
func lingerForCommands() {
	if requests.count() > 0 || !lingering.CompareAndSwap(false, true) {
		return
	}
	defer lingering.Store(false)
	// Whoever holds commandMu handles commands and takes once more without
	// polling before it sleeps (it may be this very goroutine, ending a
	// request inside a command): a failed TryLock leaves it to them.
	for deadline := time.Now().Add(lingerTime); time.Now().Before(deadline); runtime.Gosched() {
		if !commandMu.TryLock() {
			return
		}
		took := takeAndHandleLocked(true)
		commandMu.Unlock()
		if took {
			break
		}
	}
	// A take that does not poll: the host rings again from now on.
	if commandMu.TryLock() {
		takeAndHandleLocked(false)
		commandMu.Unlock()
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
				x.Cancel(neterr.New(neterr.Failed, fmt.Errorf("command panic: %v", r)))
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
		x.Login(&auth.Credentials{Username: user, Password: pass})
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
	s := &sink{env: env, id: id, alone: requests.count() == 1}
	req, sessionID, err := parseSpec(spec, body)
	if err != nil {
		s.Fail(neterr.New(neterr.InvalidArgument, err))
		return
	}
	requests.attach(e, sessionFor(sessionID).client.Start(req, s))
}
