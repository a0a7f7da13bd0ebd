package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
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

// server is a running server process.
type server struct {
	cmd    *exec.Cmd
	base   string // http://host:port
	mu     sync.Mutex
	stdout bytes.Buffer
}

// start runs the server in dir and waits until it listens.
func start(t *testing.T, dir string) *server {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	t.Cleanup(cancel)
	s := &server{cmd: exec.CommandContext(ctx, os.Args[0], "-test.run=^$")}
	s.cmd.Dir = dir
	s.cmd.Env = append(os.Environ(), "WAUSER_RUN_SERVER=1")
	stderr, err := s.cmd.StderrPipe()
	require.NoError(t, err)
	s.cmd.Stdout = s // Wait waits until everything printed is copied
	require.NoError(t, s.cmd.Start())

	// The server logs the health URL once it listens.
	urlRE := regexp.MustCompile(`url=(http://\S+)/healthz`)
	lines := bufio.NewScanner(stderr)
	for s.base == "" && lines.Scan() {
		if m := urlRE.FindStringSubmatch(lines.Text()); m != nil {
			s.base = m[1]
		}
	}
	require.NotEmpty(t, s.base, "server never logged its URL")
	go func() { // keep draining the log so the server never blocks on it
		for lines.Scan() {
		}
	}()
	return s
}

func (s *server) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stdout.Write(p)
}

// stop sends SIGINT and returns what the server printed.
func (s *server) stop(t *testing.T) string {
	t.Helper()
	require.NoError(t, s.cmd.Process.Signal(syscall.SIGINT))
	require.NoError(t, s.cmd.Wait(), "clean exit on SIGINT")
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stdout.String()
}

func (s *server) get(t *testing.T, path string, header map[string]string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), "GET", s.base+path, nil)
	require.NoError(t, err)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, body
}

func TestServerStartsServesHealthAndStopsOnSIGINT(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := start(t, dir)

	status, body := s.get(t, "/healthz", nil)
	var health struct {
		Status   string `json:"status"`
		Accounts []struct {
			ID    string `json:"id"`
			State string `json:"state"`
		} `json:"accounts"`
	}
	require.NoError(t, json.Unmarshal(body, &health))
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, "ok", health.Status)
	require.Len(t, health.Accounts, 1)
	require.Equal(t, "default", health.Accounts[0].ID, "a default account is created on first start")

	_, err := os.Stat(filepath.Join(dir, "wauser.db"))
	require.NoError(t, err, "the embedded database is created in the working directory")

	status, _ = s.get(t, "/v1/accounts", nil)
	require.Equal(t, http.StatusUnauthorized, status, "the API needs a key")
	status, _ = s.get(t, "/openapi.json", nil)
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, s.stop(t), "API key")
}

// TestServerPrintsCredentialsOnce: the first start prints the admin
// credentials and an API key, both working; a later start prints neither,
// and only hashes were kept.
func TestServerPrintsCredentialsOnce(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := start(t, dir)
	out := s.stop(t) // the credentials are printed before the server listens
	key := regexp.MustCompile(`\b(wau_[a-z2-7]{52})\b`).FindString(out)
	require.NotEmpty(t, key, "an API key is printed: %s", out)
	password := regexp.MustCompile(`password: ([0-9a-f]{64})`).FindStringSubmatch(out)
	require.Len(t, password, 2, "the admin password is printed: %s", out)

	adminFile, err := os.ReadFile(filepath.Join(dir, "wauser.admin"))
	require.NoError(t, err)
	require.NotContains(t, string(adminFile), password[1], "only the password's hash is kept")
	info, err := os.Stat(filepath.Join(dir, "wauser.admin"))
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	db, err := os.ReadFile(filepath.Join(dir, "wauser.db"))
	require.NoError(t, err)
	require.NotContains(t, string(db), key, "the key is not stored")

	// Second start: nothing printed again, and both credentials work.
	s = start(t, dir)
	status, body := s.get(t, "/v1/accounts", map[string]string{"Authorization": "Bearer " + key})
	require.Equal(t, http.StatusOK, status, "%s", body)
	require.Contains(t, string(body), `"id":"default"`)
	post := func(user, pass string) int {
		req, err := http.NewRequestWithContext(t.Context(), "POST", s.base+"/v1/accounts", strings.NewReader(`{"id":"no spaces allowed"}`))
		require.NoError(t, err)
		req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(user+":"+pass)))
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		_ = resp.Body.Close()
		return resp.StatusCode
	}
	require.Equal(t, http.StatusUnauthorized, post("admin", "wrong"), "a wrong admin password is refused")
	require.Equal(t, http.StatusBadRequest, post("admin", password[1]), "the printed password passes (the body is then refused)")

	// The pairing page is on, behind the admin credentials.
	admin := map[string]string{"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte("admin:"+password[1]))}
	status, _ = s.get(t, "/pair", nil)
	require.Equal(t, http.StatusUnauthorized, status, "the pairing page needs the admin credentials")
	status, body = s.get(t, "/pair", admin)
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, string(body), "Link WhatsApp")
	// An open event stream of the page does not hold up Ctrl-C.
	req, err := http.NewRequestWithContext(t.Context(), "GET", s.base+"/pair/accounts/default/events", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", admin["Authorization"])
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	first, err := bufio.NewReader(resp.Body).ReadString('}')
	require.NoError(t, err)
	require.Contains(t, first, `"account":"default"`)
	stopped := time.Now()
	out = s.stop(t)
	require.Less(t, time.Since(stopped), 5*time.Second, "the server stops at once with a pairing page open")
	require.Contains(t, out, "Pairing page (admin credentials): "+s.base+"/pair", "the page's URL is printed on start")
	require.NotContains(t, out, "wau_", "no new key on later starts")
	require.NotContains(t, out, "password:", "no new admin password on later starts")
}
