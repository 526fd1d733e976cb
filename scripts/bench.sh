#!/usr/bin/env bash
# `make bench`: measures the figures of issue 7 on this machine and prints them as one Markdown
# table at the end. Benchmarks print; nothing here passes or fails on a speed.
#   1. Release build (the first-load figures need its site files).
#   2. The local orchestrator with 10,000 clusters    (orchestrator/benches/orchestrator.rs)
#   3. The portal: cluster list under load beside a static file, live fan-out over SSE
#                                                      (server/benches/portal.rs)
#   4. First-load transfer of three pages, from the release server (server/benches/first_load.rs)
#   5. Lighthouse scores of the cluster list and the wizard, mobile and desktop presets, in
#      Debian's Chromium (end2end/lighthouse.mjs, on a release server of its own).
# Shorter or longer runs: CAPSTAN_BENCH_SECONDS, CAPSTAN_BENCH_WINDOW_SECONDS, …; see the
# benches' module docs. Defaults take about twelve minutes on two cores, once built.
source "$(dirname "$0")/lib.sh"

export SQLX_OFFLINE=true
# cargo-leptos compiles Leptos with LEPTOS_OUTPUT_NAME set; a `cargo bench` without it rebuilds
# Leptos and overwrites target/release/capstan with a server whose pages ask for
# /pkg/capstan_bg.wasm (a 404). The same value keeps both builds identical.
export LEPTOS_OUTPUT_NAME=capstan
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
ROWS="$(mktemp)"
CLEANUP_PATHS+=("$ROWS")
SERVER_PID=""

stop_server() {
  if [ -n "$SERVER_PID" ]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
  fi
}
# Stop the release server however the script ends, then lib.sh's own clean-up (status kept).
trap 'status=$?; stop_server; (exit "$status"); on_exit' EXIT

ensure_rust_tools
ensure_npm_tools
build_release

step "Benchmark: the local orchestrator with 10,000 clusters"
cargo bench -p orchestrator --bench orchestrator | tee -a "$ROWS"

step "Benchmark: the portal (cluster list under load, live fan-out)"
cargo bench -p server --bench portal | tee -a "$ROWS"

# The release server again: quick when the benches left it as it was, a rebuild if not.
build_release

step "Benchmark: first-load transfer from the release server"
PORT="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
BENCH_URL="http://127.0.0.1:$PORT"
DATA_DIR="$(mktemp -d)"
CLEANUP_PATHS+=("$DATA_DIR")
# From the workspace root: the site files are under target/site, the catalog under catalog/.
"$TARGET_DIR/release/capstan" --listen "127.0.0.1:$PORT" --data-dir "$DATA_DIR" --log-filter warn \
  >"$DATA_DIR/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 300); do
  if curl -fsS "$BENCH_URL/readyz" >/dev/null 2>&1; then break; fi
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$DATA_DIR/server.log" >&2; fail "the release server stopped"; }
  sleep 0.1
done
curl -fsS "$BENCH_URL/readyz" >/dev/null || fail "the release server did not get ready: $(cat "$DATA_DIR/server.log")"
CAPSTAN_BENCH_URL="$BENCH_URL" cargo bench -p server --bench first_load | tee -a "$ROWS"

stop_server

# end2end/lighthouse.mjs starts the release binary itself (a fresh data directory, the
# orchestrator fifty times faster so that its clusters are up before it measures), signs up,
# creates five clusters, measures each page three times per preset, and prints the median run
# as rows `| figure | value | unit | notes |` for the table below. Its HTML reports are kept in
# target/lighthouse/.
step "Benchmark: Lighthouse (cluster list and wizard, mobile and desktop)"
ensure_chromium
CAPSTAN_BIN="$TARGET_DIR/release/capstan" node end2end/lighthouse.mjs | tee -a "$ROWS"

step "Results"
CURRENT_STEP=""
printf '\nMeasured on %s cores (%s), %s, commit %s.\n\n' \
  "$(nproc)" "$(uname -m)" "$(date -u +%Y-%m-%dT%H:%MZ)" "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
echo "| figure | value | unit | notes |"
echo "| --- | ---: | --- | --- |"
grep '^| ' "$ROWS"
