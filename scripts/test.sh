#!/usr/bin/env bash
# Runs every test of the module with the race detector, on SQLite and on a
# throwaway PostgreSQL that this script starts and stops itself.
#
#   scripts/test.sh [go test flags...]      e.g. scripts/test.sh -run TestAccount ./store/...
#
# PostgreSQL: initdb and pg_ctl are looked up on PATH and in
# /usr/lib/postgresql/*/bin. The server runs on a temp directory and a free
# loopback port, as the invoking user, or as "postgres" when run as root
# (initdb refuses root). Without the binaries the PostgreSQL subtests are
# skipped and this script says so. WAUSER_TEST_POSTGRES already set means: use
# that server instead of starting one.
set -euo pipefail
cd "$(dirname "$0")/.."

pg_bin() {
	local name=$1 p
	if p=$(command -v "$name" 2>/dev/null); then echo "$p"; return 0; fi
	for p in /usr/lib/postgresql/*/bin/"$name"; do
		[ -x "$p" ] && { echo "$p"; return 0; }
	done
	return 1
}

free_port() {
	local port
	for _ in $(seq 1 50); do
		port=$((20000 + RANDOM % 30000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			echo "$port"; return 0
		fi
	done
	return 1
}

pgdir=""
stop_pg() {
	if [ -n "$pgdir" ]; then
		as_pg "$PG_CTL" -D "$pgdir/data" -m immediate -w stop >/dev/null 2>&1 || true
		rm -rf "$pgdir"
	fi
}

as_pg() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

if [ -z "${WAUSER_TEST_POSTGRES:-}" ]; then
	if INITDB=$(pg_bin initdb) && PG_CTL=$(pg_bin pg_ctl); then
		pgdir=$(mktemp -d "${TMPDIR:-/tmp}/wauser-pg.XXXXXX")
		trap stop_pg EXIT
		chmod 755 "$pgdir"
		[ "$(id -u)" = 0 ] && chown postgres "$pgdir"
		port=$(free_port)
		as_pg "$INITDB" -D "$pgdir/data" -U postgres --auth=trust -E UTF8 --no-locale >"$pgdir/initdb.log" 2>&1 ||
			{ cat "$pgdir/initdb.log"; exit 1; }
		# A throwaway server: durability off for speed, enough connections for
		# parallel test packages.
		as_pg "$PG_CTL" -D "$pgdir/data" -l "$pgdir/server.log" -w -o \
			"-p $port -k $pgdir -c listen_addresses=127.0.0.1 -c max_connections=400 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
			start >/dev/null || { cat "$pgdir/server.log"; exit 1; }
		export WAUSER_TEST_POSTGRES="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
		echo "test: PostgreSQL $("$PG_CTL" --version | awk '{print $3}') on 127.0.0.1:$port (throwaway, $pgdir)"
	else
		echo "test: PostgreSQL binaries (initdb, pg_ctl) not found: running SQLite only; the postgres subtests will be skipped"
	fi
fi

if [ $# -eq 0 ]; then
	set -- ./...
fi
go build -o "${TMPDIR:-/tmp}/wauser-testreport" ./internal/tools/testreport
set +e
# -timeout guards against hangs, not slowness: the whole run takes about
# 10 minutes on an idle 2-core machine (the root and rest packages most of
# it, next to each other), and twice that when other work shares the
# machine; 30 minutes per package lets a loaded machine finish without
# letting a hang run on. A -timeout among the arguments wins. The report
# ends with the slowest tests: keep them lean.
go test -race -shuffle=on -timeout 30m -json "$@" | "${TMPDIR:-/tmp}/wauser-testreport"
codes=("${PIPESTATUS[@]}")
set -e
[ "${codes[0]}" -eq 0 ] && [ "${codes[1]}" -eq 0 ]
