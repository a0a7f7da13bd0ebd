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

// TestMain lets the test binary stand in for the server: the tests below
// re-execute it with WAUSER_RUN_SERVER=1 and the server's arguments, so
// the real main runs in a real process that receives a real SIGINT. The
// binary is built once, by go test, and shared by every test.
func TestMain(m *testing.M) {
	if os.Getenv("WAUSER_RUN_SERVER") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// server is a running server process.
type server struct {
	cmd    *exec.Cmd
	base   string // http://host:port
	mu     sync.Mutex
	stdout bytes.Buffer
	logs   []string
}

// start runs the server in dir with args and the environment variables
// env ("NAME=value"), and waits until it listens.
func start(t *testing.T, dir string, env []string, args ...string) *server {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	t.Cleanup(cancel)
	s := &server{cmd: exec.CommandContext(ctx, os.Args[0], args...)}
	s.cmd.Dir = dir
	s.cmd.Env = append(append(cleanEnv(), "WAUSER_RUN_SERVER=1"), env...)
	stderr, err := s.cmd.StderrPipe()
	require.NoError(t, err)
	s.cmd.Stdout = s // Wait waits until everything printed is copied
	require.NoError(t, s.cmd.Start())
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("the server printed:\n%s\nand logged:\n%s", s.output(), strings.Join(s.logLines(), "\n"))
		}
	})

	// The server logs the health URL once it listens, as text or JSON.
	urlRE := regexp.MustCompile(`"?url"?[=:]"?(http://[^\s"]+)/healthz`)
	lines := bufio.NewScanner(stderr)
	for s.base == "" && lines.Scan() {
		s.log(lines.Text())
		if m := urlRE.FindStringSubmatch(lines.Text()); m != nil {
			s.base = m[1]
		}
	}
	require.NotEmpty(t, s.base, "server never logged its URL: %s", s.output())
	go func() { // keep draining the log so the server never blocks on it
		for lines.Scan() {
			s.log(lines.Text())
		}
	}()
	// What it printed before it logged may still be on its way through
	// the pipe.
	require.Eventually(t, func() bool { return strings.Contains(s.output(), "API reference: ") },
		10*time.Second, 5*time.Millisecond, "the server printed its addresses")
	return s
}

// cleanEnv is the test's environment without WAUSER_ variables, which
// would configure the server.
func cleanEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "WAUSER_") {
			out = append(out, kv)
		}
	}
	return out
}

func (s *server) log(line string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.logs = append(s.logs, line)
}

func (s *server) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stdout.Write(p)
}

// output returns what the server printed so far.
func (s *server) output() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stdout.String()
}

// logLines returns the lines the server logged so far.
func (s *server) logLines() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.logs...)
}

// stop sends SIGINT and returns what the server printed.
func (s *server) stop(t *testing.T) string {
	t.Helper()
	require.NoError(t, s.cmd.Process.Signal(syscall.SIGINT))
	require.NoError(t, s.cmd.Wait(), "clean exit on SIGINT")
	return s.output()
}

func (s *server) do(t *testing.T, method, path, body string, header map[string]string) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, s.base+path, rd)
	require.NoError(t, err)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, out
}

func (s *server) get(t *testing.T, path string, header map[string]string) (int, []byte) {
	t.Helper()
	return s.do(t, "GET", path, "", header)
}

var (
	keyRE      = regexp.MustCompile(`\b(wau_[a-z2-7]{52})\b`)
	passwordRE = regexp.MustCompile(`password: ([0-9a-f]{64})`)
	consoleRE  = regexp.MustCompile(`(http://admin:[0-9a-f]{64}@[^\s/]+)/pair`)
)

// TestServerConfiguredByEnvironment: with no flags, the WAUSER_*
// variables configure the server (database, address, JSON logs); it
// serves liveness, readiness, the API's description and reference, and
// stops on SIGINT.
func TestServerConfiguredByEnvironment(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := start(t, dir, []string{"WAUSER_ADDR=127.0.0.1:0", "WAUSER_DB=env.db", "WAUSER_LOG_FORMAT=json", "WAUSER_ADMIN_FILE=env.admin"})

	status, body := s.get(t, "/healthz", nil)
	require.Equal(t, http.StatusOK, status)
	require.JSONEq(t, `{"status":"ok"}`, string(body), "a real server does not say demo")
	status, body = s.get(t, "/readyz", nil)
	require.Equal(t, http.StatusOK, status)
	var ready struct {
		Status   string `json:"status"`
		Accounts []struct {
			ID string `json:"id"`
		} `json:"accounts"`
	}
	require.NoError(t, json.Unmarshal(body, &ready))
	require.Equal(t, "ready", ready.Status)
	require.Len(t, ready.Accounts, 1)
	require.Equal(t, "default", ready.Accounts[0].ID, "a default account is created on first start")

	for _, f := range []string{"env.db", "env.admin"} {
		_, err := os.Stat(filepath.Join(dir, f))
		require.NoError(t, err, "%s comes from the environment", f)
	}
	status, _ = s.get(t, "/v1/accounts", nil)
	require.Equal(t, http.StatusUnauthorized, status, "the API needs a key")
	status, _ = s.get(t, "/openapi.json", nil)
	require.Equal(t, http.StatusOK, status)
	status, _ = s.get(t, "/docs", nil)
	require.Equal(t, http.StatusOK, status)
	out := s.stop(t)
	require.Contains(t, out, "API key")
	require.NotContains(t, out, "DEMO")
	for _, line := range s.logLines() {
		var v map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &v), "a JSON log line: %s", line)
	}
}

// TestServerPrintsCredentialsOnce: the first start prints the console's
// address with the admin credentials, the credentials and an API key, all
// working; a later start prints none, and only hashes were kept.
func TestServerPrintsCredentialsOnce(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := start(t, dir, nil, "-addr", "127.0.0.1:0")
	out := s.stop(t) // the credentials are printed before the server listens
	key := keyRE.FindString(out)
	require.NotEmpty(t, key, "an API key is printed: %s", out)
	password := passwordRE.FindStringSubmatch(out)
	require.Len(t, password, 2, "the admin password is printed: %s", out)
	require.Regexp(t, `http://admin:`+password[1]+`@127\.0\.0\.1:\d+/pair`, out, "the console's address holds them")

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
	s = start(t, dir, nil, "-addr", "127.0.0.1:0")
	status, body := s.get(t, "/v1/accounts", map[string]string{"Authorization": "Bearer " + key})
	require.Equal(t, http.StatusOK, status, "%s", body)
	require.Contains(t, string(body), `"id":"default"`)
	post := func(user, pass string) int {
		status, _ := s.do(t, "POST", "/v1/accounts", `{"id":"no spaces allowed"}`,
			map[string]string{"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))})
		return status
	}
	require.Equal(t, http.StatusUnauthorized, post("admin", "wrong"), "a wrong admin password is refused")
	require.Equal(t, http.StatusBadRequest, post("admin", password[1]), "the printed password passes (the body is then refused)")

	// The console is on, behind the admin credentials.
	admin := map[string]string{"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte("admin:"+password[1]))}
	status, _ = s.get(t, "/pair", nil)
	require.Equal(t, http.StatusUnauthorized, status, "the console needs the admin credentials")
	status, body = s.get(t, "/pair", admin)
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, string(body), "Link WhatsApp")
	// Open event streams of the console do not hold up Ctrl-C.
	for _, path := range []string{"/pair/accounts/default/events", "/pair/accounts/default/changes"} {
		req, err := http.NewRequestWithContext(t.Context(), "GET", s.base+path, nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", admin["Authorization"])
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode)
		first, err := bufio.NewReader(resp.Body).ReadString('}')
		require.NoError(t, err)
		require.Contains(t, first, "event: ", path)
	}
	stopped := time.Now()
	out = s.stop(t)
	require.Less(t, time.Since(stopped), 5*time.Second, "the server stops at once with the console open")
	require.Contains(t, out, "Console: "+s.base+"/pair (", "the console's address is printed on start")
	require.NotContains(t, out, "wau_", "no new key on later starts")
	require.NotContains(t, out, "password:", "no new admin password on later starts")
}
