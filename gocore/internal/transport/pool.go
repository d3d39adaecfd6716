package transport

import (
	"sync"
	"time"
)

// A Pool keeps idle keep-alive HTTP/1.1 connections per key, most recent
// last. It is safe for concurrent use.
type Pool struct {
	mu          sync.Mutex
	idle        map[string][]*Conn
	maxPerHost  int
	idleTimeout time.Duration
}

// NewPool keeps at most maxPerHost idle connections per key, each for at
// most idleTimeout.
func NewPool(maxPerHost int, idleTimeout time.Duration) *Pool {
	return &Pool{idle: map[string][]*Conn{}, maxPerHost: maxPerHost, idleTimeout: idleTimeout}
}

// Get returns an idle connection for key that still looks usable, or nil.
func (p *Pool) Get(key string) *Conn {
	for {
		p.mu.Lock()
		list := p.idle[key]
		if len(list) == 0 {
			p.mu.Unlock()
			return nil
		}
		c := list[len(list)-1]
		p.idle[key] = list[:len(list)-1]
		p.mu.Unlock()
		if time.Since(c.idleSince) < p.idleTimeout && c.healthy() {
			return c
		}
		c.Net.Close()
	}
}

// Put keeps c idle for another request, or closes it when its key has
// enough idle connections.
func (p *Pool) Put(c *Conn) {
	c.idleSince = time.Now()
	p.mu.Lock()
	list := p.idle[c.Key]
	if len(list) >= p.maxPerHost {
		p.mu.Unlock()
		c.Net.Close()
		return
	}
	p.idle[c.Key] = append(list, c)
	p.mu.Unlock()
}

// CloseAll closes every idle connection.
func (p *Pool) CloseAll() {
	p.mu.Lock()
	idle := p.idle
	p.idle = map[string][]*Conn{}
	p.mu.Unlock()
	for _, list := range idle {
		for _, c := range list {
			c.Net.Close()
		}
	}
}

// Count is the number of idle connections.
func (p *Pool) Count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, list := range p.idle {
		n += len(list)
	}
	return n
}
