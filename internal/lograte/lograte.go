// Package lograte keeps a loop that keeps failing from writing the same log
// line every few seconds: a line is written the first time it is seen, then
// again only after growing intervals (1 min, 2 min, 4 min... up to 1 h by
// default), with how many times it repeated in between. Reset, called once
// the loop succeeds, starts every line over.
package lograte

import (
	"sync"
	"time"
)

// Default intervals of New: a repeated line is written again after First,
// then after twice as long each time, up to Max.
const (
	DefaultFirst = time.Minute
	DefaultMax   = time.Hour
)

// Limiter decides which repeated lines to write, each line named by a key
// of type K (the line's text, or a struct of what makes it). It is safe for
// concurrent use. The zero Limiter is not usable; use New.
type Limiter[K comparable] struct {
	now        func() time.Time
	first, max time.Duration

	mu    sync.Mutex
	lines map[K]*line
}

// line is what the Limiter remembers of one line.
type line struct {
	next       time.Time     // written again at or after this
	interval   time.Duration // the wait after the next write
	suppressed int           // times seen since it was last written
}

// maxLines bounds what a Limiter remembers: lines beyond it (a loop whose
// errors differ every time) are all written.
const maxLines = 64

// New returns a Limiter reading time from now (the wall clock when nil),
// with intervals growing from first to max (DefaultFirst and DefaultMax
// when zero).
func New[K comparable](now func() time.Time, first, max time.Duration) *Limiter[K] {
	if now == nil {
		now = time.Now
	}
	if first <= 0 {
		first = DefaultFirst
	}
	if max < first {
		max = DefaultMax
	}
	return &Limiter[K]{now: now, first: first, max: max, lines: map[K]*line{}}
}

// Allow reports whether the line key (say, a state and its error) should be
// written now, and, when it should, how many times it was left out since it
// was last written.
func (l *Limiter[K]) Allow(key K) (write bool, suppressed int) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	ln := l.lines[key]
	if ln == nil {
		if len(l.lines) >= maxLines {
			return true, 0
		}
		l.lines[key] = &line{next: now.Add(l.first), interval: min(2*l.first, l.max)}
		return true, 0
	}
	if now.Before(ln.next) {
		ln.suppressed++
		return false, 0
	}
	suppressed = ln.suppressed
	ln.suppressed = 0
	ln.next = now.Add(ln.interval)
	ln.interval = min(2*ln.interval, l.max)
	return true, suppressed
}

// Reset forgets every line: the loop succeeded, and its next failure is
// news again.
func (l *Limiter[K]) Reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	clear(l.lines)
}
