package main

import (
	"os"
	"regexp"
	"strconv"
	"testing"
)

// Every session operation bridge.h declares has its entry in sessionOps,
// and the table has no entry bridge.h does not declare.
func TestSessionOpsCoverTheHeader(t *testing.T) {
	header, err := os.ReadFile("bridge.h")
	if err != nil {
		t.Fatal(err)
	}
	declared := regexp.MustCompile(`(?m)^\s*GNR_OP_(\w+) = (\d+)`).FindAllStringSubmatch(string(header), -1)
	if len(declared) == 0 {
		t.Fatal("bridge.h declares no GNR_OP_ constant")
	}
	for _, d := range declared {
		n, _ := strconv.Atoi(d[2])
		if _, ok := sessionOps[n]; !ok {
			t.Errorf("GNR_OP_%s (%d) has no entry in sessionOps", d[1], n)
		}
	}
	if len(sessionOps) != len(declared) {
		t.Errorf("sessionOps has %d entries, bridge.h declares %d operations", len(sessionOps), len(declared))
	}
}
