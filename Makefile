# The commands. Each installs what is missing and can be run again at any time.
#   make run    build in release mode and serve the portal on http://127.0.0.1:3000
#   make test   formatting, clippy (server and wasm), Rust tests, browser tests
#   make bench  figures measured on this machine (throughput, latency, memory, transfer), printed
# Arguments for the server: make run ARGS="--listen 0.0.0.0:3000"

.PHONY: run test bench

run:
	@scripts/run.sh $(ARGS)

test:
	@scripts/test.sh

bench:
	@scripts/bench.sh
