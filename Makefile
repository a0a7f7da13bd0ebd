.PHONY: test run bench generate lint

# staticcheck's release, pinned; run through go run so that nothing needs
# installing.
STATICCHECK = honnef.co/go/tools/cmd/staticcheck@v0.8.2

# Every test, on SQLite and on a throwaway PostgreSQL started by the script.
test:
	./scripts/test.sh

# The main job: the REST server on the embedded SQLite default.
run:
	go run ./examples/server

# The benchmarks of BENCHMARKS.md, from binaries built once; BASE=main runs
# main's beside the working tree's, interleaved (see scripts/bench.sh).
bench:
	./scripts/bench.sh $(BASE)

generate:
	go generate ./...

# vet, staticcheck and gofmt.
lint:
	go vet ./...
	go run $(STATICCHECK) ./...
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt would change: $$unformatted" >&2; exit 1; fi
