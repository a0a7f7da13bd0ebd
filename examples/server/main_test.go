package main

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestMain lets the test binary stand in for the server: the test below
// re-executes it with WAUSER_RUN_SERVER=1, so the real main runs in a real
// process that receives a real SIGINT.
func TestMain(m *testing.M) {
	if os.Getenv("WAUSER_RUN_SERVER") == "1" {
		os.Args = append([]string{os.Args[0]}, "-addr", "127.0.0.1:0")
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestServerStartsServesHealthAndStopsOnSIGINT(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "WAUSER_RUN_SERVER=1")
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())

	// The server logs the health URL once it listens.
	urlRE := regexp.MustCompile(`url=(http://\S+/healthz)`)
	lines := bufio.NewScanner(stderr)
	var url string
	for url == "" && lines.Scan() {
		if m := urlRE.FindStringSubmatch(lines.Text()); m != nil {
			url = m[1]
		}
	}
	require.NotEmpty(t, url, "server never logged its URL")
	go func() { // keep draining the log so the server never blocks on it
		for lines.Scan() {
		}
	}()

	resp, err := http.Get(url)
	require.NoError(t, err)
	var health struct {
		Status   string `json:"status"`
		Accounts []struct {
			ID    string `json:"id"`
			State string `json:"state"`
		} `json:"accounts"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&health))
	_ = resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "ok", health.Status)
	require.Len(t, health.Accounts, 1)
	require.Equal(t, "default", health.Accounts[0].ID, "a default account is created on first start")

	_, err = os.Stat(filepath.Join(dir, "wauser.db"))
	require.NoError(t, err, "the embedded database is created in the working directory")

	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	require.NoError(t, cmd.Wait(), "clean exit on SIGINT")
}
