#!/usr/bin/env bash
# Runs server test binaries again and again beside busy loops, each run bounded, and counts the
# runs that hung (did not end within the bound) or failed. For concurrency bugs that show only
# under load: issue 13 (a page that never answered, one run in twenty) was found this way.
#
#   scripts/stress.sh [RUNS] [TEST ...]      default: 200 runs each of `auth` and `http`
#
# The binaries run as libtest runs them (all tests of a binary in one process, in parallel),
# not one test per process as `make test` does: that is where tests share process-wide state.
# Environment:
#   CAPSTAN_STRESS_ENGINES   portal stores to run on: "sqlite", "postgres" or "sqlite postgres"
#                            (default "sqlite"; PostgreSQL at CAPSTAN_TEST_POSTGRES_URL or
#                            127.0.0.1:5432)
#   CAPSTAN_STRESS_BOUND     seconds one run may take before it counts as hung (default 120)
#   CAPSTAN_STRESS_HOGS      busy loops beside the runs (default 2)
#   CAPSTAN_STRESS_PARALLEL  runs at once (default 2)
# The output of every run that hung or failed is kept in target/stress/.
source "$(dirname "$0")/lib.sh"

RUNS="${1:-200}"
shift || true
TESTS=("$@")
[ "${#TESTS[@]}" -gt 0 ] || TESTS=(auth http)
ENGINES="${CAPSTAN_STRESS_ENGINES:-sqlite}"
BOUND="${CAPSTAN_STRESS_BOUND:-120}"
HOGS="${CAPSTAN_STRESS_HOGS:-2}"
PARALLEL="${CAPSTAN_STRESS_PARALLEL:-2}"
OUT="${CARGO_TARGET_DIR:-$ROOT/target}/stress"
mkdir -p "$OUT"

step "Building the test binaries: ${TESTS[*]}"
declare -A BINARY
for test in "${TESTS[@]}"; do
  BINARY[$test]="$(cargo test -p server --features sks-api/client,sks-api/contract --test "$test" \
    --no-run --message-format=json | grep -o '"executable":"[^"]*"' | tail -1 | cut -d'"' -f4)"
  [ -x "${BINARY[$test]}" ] || fail "no test binary for $test"
done

HOG_PIDS=()
stop_hogs() {
  if [ "${#HOG_PIDS[@]}" -gt 0 ]; then
    kill "${HOG_PIDS[@]}" 2>/dev/null || true
  fi
}
trap 'status=$?; stop_hogs; (exit "$status"); on_exit' EXIT
for _ in $(seq "$HOGS"); do
  (while :; do :; done) &
  HOG_PIDS+=("$!")
done

# One bounded run: prints ok, failed or hung; keeps the output of the last two.
one_run() {
  local test="$1" engine="$2" binary="$3" n="$4"
  local log="$OUT/$test-$engine-$n.log" status=0
  CAPSTAN_TEST_STORE="$engine" timeout --signal=KILL "$BOUND" "$binary" >"$log" 2>&1 || status=$?
  case "$status" in
    0) rm -f "$log"; echo ok ;;
    137) echo hung ;;
    *) echo failed ;;
  esac
}
export -f one_run
export OUT BOUND

step "$RUNS runs each of ${TESTS[*]} on $ENGINES: $PARALLEL at once, $HOGS busy loops beside, ${BOUND} s a run at most"
for engine in $ENGINES; do
  for test in "${TESTS[@]}"; do
    started=$(date +%s)
    results="$(seq "$RUNS" | xargs -P "$PARALLEL" -I{} bash -c 'one_run "$@"' _ "$test" "$engine" "${BINARY[$test]}" {})"
    printf '%-5s %-9s runs %4d   ok %4d   failed %3d   hung %3d   (%d s)\n' "$test" "$engine" "$RUNS" \
      "$(grep -c '^ok$' <<<"$results" || true)" "$(grep -c '^failed$' <<<"$results" || true)" \
      "$(grep -c '^hung$' <<<"$results" || true)" "$(($(date +%s) - started))"
  done
done
if compgen -G "$OUT/*.log" >/dev/null; then
  echo "The output of the runs that hung or failed: $OUT"
fi
