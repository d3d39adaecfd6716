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
	closed  map[uint64]bool // host environments that went away (ids are never reused)
}

type entry struct {
	env uint64
	x   *gocore.Exchange // set right after Start; nil until then
}

var requests = &registry{entries: map[uint64]*entry{}, closed: map[uint64]bool{}}

// reserve records request id (allocated by the host) for env; nil when
// env has gone away, so nothing starts for it.
func (r *registry) reserve(env, id uint64) *entry {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed[env] {
		return nil
	}
	e := &entry{env: env}
	r.entries[id] = e
	return e
}

// attach binds e to its exchange, cancelling it at once if its environment
// closed meanwhile (closeEnv could not see an exchange not attached yet).
func (r *registry) attach(e *entry, x *gocore.Exchange) {
	r.mu.Lock()
	e.x = x
	closed := r.closed[e.env]
	r.mu.Unlock()
	if closed {
		x.Cancel(nil)
	}
}

// closeEnv marks env gone and returns its live exchanges, in one step with
// reserve and attach.
func (r *registry) closeEnv(env uint64) []*gocore.Exchange {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed[env] = true
	var xs []*gocore.Exchange
	for _, e := range r.entries {
		if e.env == env && e.x != nil {
			xs = append(xs, e.x)
		}
	}
	return xs
}

// isClosed reports whether env went away.
func (r *registry) isClosed(env uint64) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.closed[env]
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

func (r *registry) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.entries)
}
