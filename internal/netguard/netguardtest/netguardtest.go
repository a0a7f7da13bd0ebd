// Package netguardtest counts TCP connections, for tests that a refused
// target is never connected to.
package netguardtest

import (
	"net"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"
)

// Listener is a loopback TCP listener that accepts every connection,
// closes it at once, and remembers its peer.
type Listener struct {
	ln    net.Listener
	mu    sync.Mutex
	peers []string        // remote addresses of the accepted connections, in order
	own   map[string]bool // peers that were Accepted's own connections
	wake  chan struct{}
}

// Listen starts a Listener on 127.0.0.1, closed when t ends.
func Listen(t testing.TB) *Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	l := &Listener{ln: ln, wake: make(chan struct{}, 1), own: map[string]bool{}}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			l.mu.Lock()
			l.peers = append(l.peers, c.RemoteAddr().String())
			l.mu.Unlock()
			_ = c.Close()
			select {
			case l.wake <- struct{}{}:
			default:
			}
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		<-done
	})
	return l
}

// Port is the listener's port.
func (l *Listener) Port() string { return strconv.Itoa(l.ln.Addr().(*net.TCPAddr).Port) }

// Accepted returns how many connections the listener accepted before this
// call. It connects once itself and waits until that connection is
// accepted: connections made earlier are queued before it, so all of them
// are counted; its own is left out.
func (l *Listener) Accepted(t testing.TB) int {
	t.Helper()
	c, err := net.DialTimeout("tcp", l.ln.Addr().String(), 5*time.Second)
	if err != nil {
		t.Fatalf("connect to the counting listener: %v", err)
	}
	defer c.Close()
	mine := c.LocalAddr().String()
	deadline := time.NewTimer(10 * time.Second)
	defer deadline.Stop()
	for {
		l.mu.Lock()
		i := slices.Index(l.peers, mine)
		n := 0
		if i >= 0 {
			l.own[mine] = true
			for _, p := range l.peers[:i] {
				if !l.own[p] {
					n++
				}
			}
		}
		l.mu.Unlock()
		if i >= 0 {
			return n
		}
		select {
		case <-l.wake:
		case <-deadline.C:
			t.Fatalf("the counting listener did not accept its own connection")
			return 0
		}
	}
}
