package rest

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/internal/testdb"
	"github.com/wauser/wauser/watest"
)

// TestPairPageStreamTiming: a quiet event stream sends keep-alive comments
// (so that proxies keep it open), and ends after its lifetime (the browser
// then reconnects). Both are shortened here; the defaults are 25 s and
// 5 min.
func TestPairPageStreamTiming(t *testing.T) {
	t.Parallel()
	fake := watest.New()
	c, err := wauser.New(testdb.SQLite(t).Open(t), fake.Option())
	require.NoError(t, err)
	require.NoError(t, c.Start(t.Context()))
	t.Cleanup(func() {
		_ = c.Close()
		fake.Close()
	})
	_, err = c.CreateAccount(t.Context(), wauser.CreateAccountRequest{ID: "quiet"})
	require.NoError(t, err)

	const password = "correct-horse-battery-staple-0123456789"
	h := NewHandler(c, Options{AdminUser: "admin", AdminPasswordHash: HashAdminPassword(password), PairPage: true}).(*handler)
	h.streamKeepAlive = 20 * time.Millisecond
	h.streamLifetime = 300 * time.Millisecond
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)

	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", srv.URL+"/pair/accounts/quiet/events", nil)
	require.NoError(t, err)
	req.SetBasicAuth("admin", password)
	start := time.Now()
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)

	var lines []string
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	require.NoError(t, sc.Err(), "the stream ends cleanly")
	_, err = io.Copy(io.Discard, resp.Body)
	require.NoError(t, err)
	took := time.Since(start)

	require.Equal(t, "retry: 3000", lines[0], "the browser reconnects after 3 s")
	require.Contains(t, strings.Join(lines, "\n"), `"state":"unpaired"`)
	keepAlives := 0
	for _, l := range lines {
		if l == ": keep-alive" {
			keepAlives++
		}
	}
	require.GreaterOrEqual(t, keepAlives, 2, "a quiet stream sends comments: %q", lines)
	require.GreaterOrEqual(t, took, 300*time.Millisecond, "the stream lives its lifetime")
	require.Less(t, took, 5*time.Second, "and ends then")
}
