// Package pacing meters how fast each account uses a rate (sends,
// contact lookups) with the generic cell rate algorithm.
package pacing

import (
	"sync"
	"time"
)

// Rate lets Burst units go at once, after which one more becomes
// available every Interval.
type Rate struct {
	Burst    int
	Interval time.Duration
}

// Kind names what is paced.
type Kind uint8

// What is paced.
const (
	Send Kind = iota + 1
	ContactCheck
)

// Key names one account's use of one kind.
type Key struct {
	Kind    Kind
	Account string
}

// Pacers holds a pacer per key. The zero value is ready for use.
type Pacers struct {
	mu sync.Mutex
	m  map[Key]*pacer
}

// pacer meters one key's use of a Rate: tat is when the bucket would be
// full again.
type pacer struct {
	mu  sync.Mutex
	tat time.Time
}

// Reserve takes n units of k at now and returns how long to wait before
// using them; with refuse set, units that are not available now are not
// taken and the wait is returned alone.
func (ps *Pacers) Reserve(k Key, r Rate, now time.Time, n int, refuse bool) time.Duration {
	pc := ps.get(k)
	pc.mu.Lock()
	defer pc.mu.Unlock()
	tat := pc.tat
	if tat.Before(now) {
		tat = now
	}
	next := tat.Add(time.Duration(n) * r.Interval)
	wait := next.Sub(now) - time.Duration(r.Burst)*r.Interval
	if wait > 0 && refuse {
		return wait
	}
	pc.tat = next
	return max(wait, 0)
}

func (ps *Pacers) get(k Key) *pacer {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if ps.m == nil {
		ps.m = map[Key]*pacer{}
	}
	pc := ps.m[k]
	if pc == nil {
		pc = &pacer{}
		ps.m[k] = pc
	}
	return pc
}
