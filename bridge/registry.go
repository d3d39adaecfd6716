package main

import (
	"sync"

	"github.com/go-net-request/go-net-request/gocore"
)

// registry maps request ids to exchanges. Entries leave when the terminal
// event is posted, so a late call from JS finds nothing and does nothing.
type registry struct {
	mu      sync.Mutex
	entries map[uint64]*entry
}

type entry struct {
	env uint64
	x   *gocore.Exchange // set right after Start; nil until then
}

var requests = &registry{entries: map[uint64]*entry{}}

// reserve records request id (allocated by the host) for env.
func (r *registry) reserve(env, id uint64) *entry {
	e := &entry{env: env}
	r.mu.Lock()
	r.entries[id] = e
	r.mu.Unlock()
	return e
}

func (r *registry) attach(e *entry, x *gocore.Exchange) {
	r.mu.Lock()
	e.x = x
	r.mu.Unlock()
}

// lookup returns the exchange for id, or nil when it is gone.
func (r *registry) lookup(id uint64) *gocore.Exchange {
	r.mu.Lock()
	defer r.mu.Unlock()
	if e := r.entries[id]; e != nil {
		return e.x
	}
	return nil
}

func (r *registry) remove(id uint64) {
	r.mu.Lock()
	delete(r.entries, id)
	r.mu.Unlock()
}

// ofEnv returns the live exchanges started by env.
func (r *registry) ofEnv(env uint64) []*gocore.Exchange {
	r.mu.Lock()
	defer r.mu.Unlock()
	var xs []*gocore.Exchange
	for _, e := range r.entries {
		if e.env == env && e.x != nil {
			xs = append(xs, e.x)
		}
	}
	return xs
}

func (r *registry) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.entries)
}
