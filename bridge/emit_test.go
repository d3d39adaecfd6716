package main

import (
	"testing"

	"github.com/go-net-request/go-net-request/gocore"
)

// Every body chunk the engine reads must fit a pooled block, or each one
// falls back to a fresh allocation (and its page faults).
func TestChunkBlocksHoldABodyChunk(t *testing.T) {
	if gocore.BodyChunk > chunkCapacity {
		t.Fatalf("gocore.BodyChunk %d exceeds the chunk block capacity %d", gocore.BodyChunk, chunkCapacity)
	}
}
