package scaletest_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// child is one process of the test binary in a child mode.
type child struct {
	name   string
	cmd    *exec.Cmd
	eof    chan struct{} // stdout closed: the process is gone or closing
	stderr *lockedBuffer

	started time.Time

	mu     sync.Mutex
	lines  []string
	news   chan struct{} // closed and replaced on every line
	diedAt time.Time
	exit   error
	waited bool
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startChild starts the test binary in mode, named name, on dsn; onLine
// (if set) sees every line it reports, in order, as it arrives. When the
// test fails, the child's stderr is logged. The child is killed at the end
// of the test if it still runs.
func startChild(t *testing.T, name, mode, dsn string, env map[string]string, onLine func(line string)) *child {
	t.Helper()
	exe, err := os.Executable()
	require.NoError(t, err)
	cmd := exec.Command(exe, "-test.run=^$") // runs no test: TestMain dispatches on the environment
	cmd.Env = append(os.Environ(), envMode+"="+mode, envName+"="+name, envDSN+"="+dsn)
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	c := &child{name: name, cmd: cmd, eof: make(chan struct{}), stderr: &lockedBuffer{}, news: make(chan struct{})}
	cmd.Stderr = c.stderr
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	c.started = time.Now()
	go func() {
		defer close(c.eof)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			line := sc.Text()
			if onLine != nil {
				onLine(line)
			}
			c.mu.Lock()
			c.lines = append(c.lines, line)
			close(c.news)
			c.news = make(chan struct{})
			c.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		if !c.isWaited() {
			_ = cmd.Process.Kill()
			c.wait()
		}
		if t.Failed() {
			t.Logf("child %s stderr:\n%s", name, c.stderr.String())
		}
	})
	return c
}

// waitLine waits until the child reported a line for which match is true,
// and returns it.
func (c *child) waitLine(ctx context.Context, match func(string) bool) (string, error) {
	seen := 0
	for {
		c.mu.Lock()
		lines, news := c.lines, c.news
		c.mu.Unlock()
		for ; seen < len(lines); seen++ {
			if match(lines[seen]) {
				return lines[seen], nil
			}
		}
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("child %s: %w; stderr:\n%s", c.name, ctx.Err(), c.stderr.String())
		case <-c.eof:
			c.mu.Lock()
			more := len(c.lines) > seen
			c.mu.Unlock()
			if !more {
				return "", fmt.Errorf("child %s ended; stderr:\n%s", c.name, c.stderr.String())
			}
		case <-news:
		}
	}
}

func (c *child) waitReady(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	_, err := c.waitLine(ctx, func(l string) bool { return l == "ready" })
	require.NoError(t, err)
}

// kill sends SIGKILL and returns once the process is gone and every line it
// wrote was read; the returned time is after its death.
func (c *child) kill(t *testing.T) time.Time {
	t.Helper()
	require.NoError(t, c.cmd.Process.Signal(syscall.SIGKILL))
	c.wait()
	return c.diedAt
}

// stop sends SIGTERM (the child closes its Client) and requires a clean
// exit.
func (c *child) stop(t *testing.T) {
	t.Helper()
	require.NoError(t, c.cmd.Process.Signal(syscall.SIGTERM))
	c.wait()
	require.NoError(t, c.exit, "child %s exit; stderr:\n%s", c.name, c.stderr.String())
}

// finish waits for the child to end by itself and requires a clean exit.
func (c *child) finish(t *testing.T) {
	t.Helper()
	c.wait()
	require.NoError(t, c.exit, "child %s exit; stderr:\n%s", c.name, c.stderr.String())
}

func (c *child) wait() {
	<-c.eof
	err := c.cmd.Wait()
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.waited {
		c.waited, c.exit, c.diedAt = true, err, time.Now()
	}
}

func (c *child) isWaited() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.waited
}

// startedAt returns when the child was started.
func (c *child) startedAt() time.Time { return c.started }
