#!/usr/bin/env bash
# Runs the benchmarks that BENCHMARKS.md reports, each from a test binary
# built once, so every run measures the same code.
#
#   scripts/bench.sh            the working tree
#   scripts/bench.sh main       the working tree and main side by side:
#                               both are built first, then each benchmark
#                               runs base, new, base, new (ROUNDS times), so
#                               that the machine's drift hits both alike
#
# PostgreSQL sub-benchmarks run when WAUSER_TEST_POSTGRES is set (see
# BENCHMARKS.md for the server settings); otherwise they are skipped.
# BENCH narrows the benchmarks (a -test.bench pattern), ROUNDS sets the
# rounds (default 2).
set -euo pipefail
cd "$(dirname "$0")/.."

base=${1:-}
rounds=${ROUNDS:-2}
out=$(mktemp -d /tmp/wauser-bench.XXXXXX)
trap 'rm -rf "$out"' EXIT

build() { # build <dir> <tree>
	(cd "$2" && go test -c -o "$1/wauser.test" . && go test -c -o "$1/rest.test" ./rest)
}

mkdir -p "$out/new"
build "$out/new" .
sides=(new)
if [ -n "$base" ]; then
	mkdir -p "$out/tree" "$out/base"
	git archive "$base" | tar -x -C "$out/tree"
	build "$out/base" "$out/tree"
	sides=(base new)
fi

# binary|directory to run in|-test.bench pattern (no "|" in it)|-test.benchtime
benchmarks=(
	"wauser.test|.|BenchmarkIngestHistorySync|1x"
	"wauser.test|.|BenchmarkFeedWalk|2s"
	"wauser.test|.|BenchmarkSyncPage|2s"
	"wauser.test|.|BenchmarkSendText|3s"
	"wauser.test|.|BenchmarkWebhookDelivery/.*/throughput|20000x"
	"wauser.test|.|BenchmarkWebhookDelivery/.*/latency|1x"
	"rest.test|rest|BenchmarkHandlerSync|5s"
	"rest.test|rest|BenchmarkSyncRoute|3000x"
	"rest.test|rest|BenchmarkHandlerStatus|5s"
)
for b in "${benchmarks[@]}"; do
	IFS='|' read -r bin dir pattern benchtime <<<"$b"
	if [ -n "${BENCH:-}" ] && ! [[ $pattern =~ $BENCH ]]; then
		continue
	fi
	for round in $(seq 1 "$rounds"); do
		for side in "${sides[@]}"; do
			echo "== $side round $round: $pattern ($(date -u +%H:%M:%S), load $(cut -d' ' -f1 /proc/loadavg))"
			(cd "$dir" && "$out/$side/$bin" -test.run '^$' -test.bench "$pattern" -test.benchtime "$benchtime" -test.benchmem) |
				grep -E '^Benchmark' || true
		done
	done
done
