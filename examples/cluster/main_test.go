package main

import (
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// deps lists the packages pkg links, by go list -deps.
func deps(t *testing.T, pkg string) []string {
	t.Helper()
	gobin, err := exec.LookPath("go")
	require.NoError(t, err, "the go command runs this test; it lists the dependencies")
	out, err := exec.CommandContext(t.Context(), gobin, "list", "-deps", pkg).Output()
	require.NoError(t, err, "go list -deps %s", pkg)
	return strings.Fields(string(out))
}

func linksModule(list []string, module string) bool {
	return slices.ContainsFunc(list, func(p string) bool { return p == module || strings.HasPrefix(p, module+"/") })
}

// A program that opens only PostgreSQL links pgx and not SQLite, and one
// that opens only SQLite links SQLite and not pgx: the root package and
// package store import no SQL driver; each adapter imports its own.
func TestLinksOnlyItsDriver(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		pkg             string
		links, notLinks string
	}{
		{"github.com/wauser/wauser/examples/cluster", "github.com/jackc/pgx/v5", "modernc.org/sqlite"},
		{"github.com/wauser/wauser/examples/mount", "modernc.org/sqlite", "github.com/jackc/pgx/v5"},
		{"github.com/wauser/wauser/examples/echobot", "modernc.org/sqlite", "github.com/jackc/pgx/v5"},
	} {
		list := deps(t, tc.pkg)
		require.Contains(t, list, "github.com/wauser/wauser", tc.pkg)
		require.True(t, linksModule(list, tc.links), "%s links %s", tc.pkg, tc.links)
		require.False(t, linksModule(list, tc.notLinks), "%s does not link %s", tc.pkg, tc.notLinks)
	}
}

func TestRunNeedsDSN(t *testing.T) {
	t.Parallel()
	require.ErrorContains(t, run("", "127.0.0.1:0", nil), "WAUSER_DSN")
}
