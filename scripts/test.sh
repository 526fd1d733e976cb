#!/usr/bin/env bash
# `make test`: installs what is missing, then runs every check: formatting, clippy for the
# server build and the wasm build (warnings denied), the Rust tests, and the Playwright
# end-to-end tests against a release server on a free port. Every test is bounded in time.
source "$(dirname "$0")/lib.sh"

ensure_rust_tools
ensure_npm_tools
ensure_chromium

step "Formatting (cargo fmt --check)"
cargo fmt --all --check || fail "formatting differs: run 'cargo fmt --all'"

step "Clippy, server build (ssr)"
cargo clippy --workspace --exclude frontend --all-targets --features sks-api/client,sks-api/contract -- -D warnings

step "Clippy, browser build (hydrate, wasm32)"
cargo clippy -p frontend -p app -p portal-types -p sks-api --features app/hydrate --target wasm32-unknown-unknown -- -D warnings

# Each test in a process of its own, bounded by .config/nextest.toml: a test that hangs is
# killed and named (TIMEOUT) instead of holding the suite up; slow ones are named (SLOW).
step "Rust tests (cargo nextest)"
cargo nextest run --workspace --exclude frontend --features sks-api/client,sks-api/contract

build_release

step "End-to-end tests (Playwright in Chromium, hydrated and without JavaScript)"
CAPSTAN_E2E_PORT="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
CAPSTAN_E2E_DATA_DIR="$(mktemp -d)"
CLEANUP_PATHS+=("$CAPSTAN_E2E_DATA_DIR")
export CAPSTAN_E2E_PORT CAPSTAN_E2E_DATA_DIR
(cd end2end && npx playwright test)

CURRENT_STEP=""
printf '\n\033[32mAll checks passed.\033[0m\n'
