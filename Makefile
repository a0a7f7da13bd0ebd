.PHONY: test run bench generate lint

# Every test, on SQLite and on a throwaway PostgreSQL started by the script.
test:
	./scripts/test.sh

# The main job: the REST server on the embedded SQLite default.
run:
	go run ./examples/server

generate:
	go generate ./...
