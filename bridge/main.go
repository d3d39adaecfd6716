// Command bridge is the c-shared library that exposes gocore to the N-API
// shim through the small C ABI of bridge.h.
//
// The protocol is declared in bridge.h and explained, with its decisions,
// in docs/bridge-protocol.md. Ownership rules: requests are integer ids
// looked up in a table whose ids are never reused; Go copies every input
// during the call; events are single C blocks owned by the host once
// posted (freed with gnr_event_free; body chunks come from the recycled
// pool of chunks.c). No Go pointer is ever stored in C memory, and no panic
// crosses an export: each export and each goroutine recovers and turns a
// panic into a failure of that one request.
package main

// #cgo CFLAGS: -DGNR_BUILDING_LIBRARY
// #cgo windows LDFLAGS: -static
// #include "bridge.h"
import "C"

func main() {}
