package main

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/rest"
	"github.com/wauser/wauser/store/sqlite"
	"github.com/wauser/wauser/watest"
)

// env returns a getenv over vars.
func env(vars map[string]string) func(string) string {
	return func(name string) string { return vars[name] }
}

// TestConfigFromEnvironment: every flag reads its WAUSER_ variable, a flag
// on the command line wins, flags may follow the subcommand, a demo keeps
// its own files, and bad values are refused saying which variable.
func TestConfigFromEnvironment(t *testing.T) {
	t.Parallel()
	var stderr bytes.Buffer
	cfg, err := parseConfig(nil, env(map[string]string{
		"WAUSER_DB": "/data/w.db", "WAUSER_ADDR": "0.0.0.0:9000", "WAUSER_ACCOUNT": "sales",
		"WAUSER_ADMIN_FILE": "/data/admin", "WAUSER_PHONE": "+15551234567", "WAUSER_VERBOSE": "true",
		"WAUSER_LOG_FORMAT": "json", "WAUSER_DEMO": "1",
	}), &stderr)
	require.NoError(t, err)
	require.Equal(t, &config{db: "/data/w.db", addr: "0.0.0.0:9000", account: "sales", adminFile: "/data/admin",
		phone: "+15551234567", verbose: true, logFormat: "json", demo: true}, cfg)

	cfg, err = parseConfig([]string{"-db", "flag.db", "-log-format", "text"},
		env(map[string]string{"WAUSER_DB": "env.db", "WAUSER_LOG_FORMAT": "json", "WAUSER_ADDR": ":1"}), &stderr)
	require.NoError(t, err)
	require.Equal(t, "flag.db", cfg.db, "the flag wins")
	require.Equal(t, "text", cfg.logFormat)
	require.Equal(t, ":1", cfg.addr, "the environment fills in the rest")

	cfg, err = parseConfig([]string{"-demo"}, env(nil), &stderr)
	require.NoError(t, err)
	require.Equal(t, "wauser-demo.db", cfg.db, "a demo never opens wauser.db by default")
	require.Equal(t, "wauser-demo.admin", cfg.adminFile)
	cfg, err = parseConfig(nil, env(map[string]string{"WAUSER_DEMO": "true", "WAUSER_DB": "mine.db"}), &stderr)
	require.NoError(t, err)
	require.Equal(t, "mine.db", cfg.db)

	cfg, err = parseConfig([]string{"-db", "x.db", "keys", "create", "-v"}, env(nil), &stderr)
	require.NoError(t, err)
	require.Equal(t, []string{"keys", "create"}, cfg.command)
	require.True(t, cfg.verbose, "flags after the subcommand count too")
	require.Equal(t, "x.db", cfg.db)

	for _, tc := range []struct {
		args []string
		env  map[string]string
		msg  string
	}{
		{nil, map[string]string{"WAUSER_DEMO": "maybe"}, `WAUSER_DEMO="maybe": want true or false`},
		{nil, map[string]string{"WAUSER_LOG_FORMAT": "xml"}, `-log-format "xml": use text or json`},
		{[]string{"keys", "delete"}, nil, `unknown command "keys delete"`},
		{[]string{"-nope"}, nil, "flag provided but not defined: -nope"},
	} {
		_, err := parseConfig(tc.args, env(tc.env), &stderr)
		require.ErrorContains(t, err, tc.msg, "%v %v", tc.args, tc.env)
	}
}

// TestKeysCreateAndAdminReset: the two ways back in. keys create prints a
// new key with every scope for every account, which works, and leaves the
// other keys alone; admin reset prints a new admin password whose hash
// replaces the old one in the admin file, and nothing else changes.
func TestKeysCreateAndAdminReset(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	dir := t.TempDir()
	db := filepath.Join(dir, "w.db")
	adminFile := filepath.Join(dir, "w.admin")

	// The state a first start leaves: an account, a key, an admin file.
	c, err := wauser.Open(ctx, sqlite.File(db))
	require.NoError(t, err)
	_, err = c.CreateAccount(ctx, wauser.CreateAccountRequest{ID: "default"})
	require.NoError(t, err)
	old, err := c.CreateAPIKey(ctx, wauser.CreateAPIKeyRequest{Name: "first key", Scopes: wauser.AllScopes(), AllAccounts: true})
	require.NoError(t, err)
	require.NoError(t, c.Close())
	var out, stderr bytes.Buffer
	_, _, oldPassword, err := adminCredentials(adminFile, &out)
	require.NoError(t, err)

	out.Reset()
	require.Equal(t, 0, run(ctx, []string{"-db", db, "keys", "create"}, env(nil), &out, &stderr), "%s", stderr.String())
	key := keyRE.FindString(out.String())
	require.NotEmpty(t, key, "%s", out.String())
	require.Contains(t, out.String(), "shown once")

	c, err = wauser.Open(ctx, sqlite.File(db))
	require.NoError(t, err)
	defer c.Close()
	k, err := c.AuthenticateAPIKey(ctx, key)
	require.NoError(t, err, "the new key works")
	require.True(t, k.AllAccounts)
	require.ElementsMatch(t, wauser.AllScopes(), k.Scopes)
	_, err = c.AuthenticateAPIKey(ctx, old.Key)
	require.NoError(t, err, "the old key still works")
	accounts, err := c.ListAccounts(ctx)
	require.NoError(t, err)
	require.Len(t, accounts, 1, "nothing else changed")
	require.NotContains(t, readFile(t, db), key, "only the key's hash is stored")

	out.Reset()
	require.Equal(t, 0, run(ctx, []string{"admin", "reset"}, env(map[string]string{"WAUSER_ADMIN_FILE": adminFile}), &out, &stderr), "%s", stderr.String())
	password := passwordRE.FindStringSubmatch(out.String())
	require.Len(t, password, 2, "%s", out.String())
	require.NotEqual(t, oldPassword, password[1])
	require.Equal(t, "admin:"+rest.HashAdminPassword(password[1])+"\n", readFile(t, adminFile), "the file holds the new hash only")
	require.NotContains(t, readFile(t, adminFile), password[1])
	info, err := os.Stat(adminFile)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	user, hash, shown, err := adminCredentials(adminFile, &out)
	require.NoError(t, err)
	require.Equal(t, "admin", user)
	require.Equal(t, rest.HashAdminPassword(password[1]), hash, "the next start uses it")
	require.Empty(t, shown, "and prints nothing")
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(b)
}

// syncBuffer is a log destination shared with the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// count returns how many lines hold every one of subs.
func (s *syncBuffer) count(subs ...string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
lines:
	for line := range strings.SplitSeq(s.b.String(), "\n") {
		for _, sub := range subs {
			if !strings.Contains(line, sub) {
				continue lines
			}
		}
		n++
	}
	return n
}

// TestPairingLoopLogsAtGrowingIntervals: without network, the server's
// pairing loop fails every 10 s; in 10 minutes (about 60 failures) it logs
// the failure once, then after 1, 3 and 7 minutes with the number of
// repeats, not 60 times.
func TestPairingLoopLogsAtGrowingIntervals(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	fake := watest.New()
	clock := watest.NewClock(time.Date(2026, 12, 3, 15, 0, 0, 0, time.UTC))
	var logs syncBuffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	c, err := wauser.Open(ctx, sqlite.File(filepath.Join(t.TempDir(), "w.db")), fake.Option(), wauser.WithClock(clock), wauser.WithLogger(log))
	require.NoError(t, err)
	require.NoError(t, c.Start(ctx))
	_, err = c.CreateAccount(ctx, wauser.CreateAccountRequest{ID: "default"})
	require.NoError(t, err)
	fake.SetOffline(true)

	loop, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		keepPairedWith(loop, c.WithAccount("default"), "", log, &bytes.Buffer{}, clock)
	}()
	t.Cleanup(func() {
		stop()
		<-done
		_ = c.Close()
		fake.Close()
	})
	const failures = 60
	for range failures {
		require.NoError(t, clock.Wait(ctx, func(p []time.Duration) bool { return len(p) == 1 && p[0] == pairRetry }))
		clock.Advance(pairRetry)
	}
	require.NoError(t, clock.Wait(ctx, func(p []time.Duration) bool { return len(p) == 1 && p[0] == pairRetry }))
	require.Equal(t, 4, logs.count("pairing failed; retrying"), "logged at once, then after 1, 3 and 7 minutes")
	require.Equal(t, 3, logs.count("pairing failed; retrying", "repeated="), "the later lines say how often it failed meanwhile")
	require.Contains(t, readLogs(&logs), "network is unreachable", "with the reason")
	require.LessOrEqual(t, logs.count("wauser: account state"), 8, "the account's own state changes are limited too")
}

func readLogs(s *syncBuffer) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// FuzzParseConfig: any arguments and any WAUSER_DEMO/WAUSER_LOG_FORMAT
// values either configure the server or are refused, never panic, and a
// configuration is always one the server can use.
func FuzzParseConfig(f *testing.F) {
	f.Add("-demo keys create", "true", "json")
	f.Add("-db x.db admin reset -v", "", "")
	f.Add("-addr", "0", "text")
	f.Add("-h", "maybe", "xml")
	f.Add("keys", "", "")
	f.Fuzz(func(t *testing.T, args, demo, format string) {
		var stderr bytes.Buffer
		cfg, err := parseConfig(strings.Fields(args), env(map[string]string{"WAUSER_DEMO": demo, "WAUSER_LOG_FORMAT": format}), &stderr)
		if err != nil {
			return
		}
		if cfg.logFormat != "text" && cfg.logFormat != "json" {
			t.Fatalf("log format %q accepted", cfg.logFormat)
		}
		switch strings.Join(cfg.command, " ") {
		case "", "keys create", "admin reset":
		default:
			t.Fatalf("command %q accepted", cfg.command)
		}
		if cfg.demo && cfg.db == defaultDB && !strings.Contains(args, "-db") {
			t.Fatal("a demo would open wauser.db")
		}
	})
}
