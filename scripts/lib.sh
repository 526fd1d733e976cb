# Shared by the scripts behind `make run` and `make test`: pinned tool versions, step logging,
# and idempotent installs of what is missing. Sourced, not run.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="$HOME/.cargo/bin:$ROOT/node_modules/.bin:$PATH"

# Pinned tools. wasm-bindgen's CLI must match the crate version in Cargo.lock, so it is read there.
CARGO_LEPTOS_VERSION="0.3.10"
CARGO_NEXTEST_VERSION="0.9.143"
WASM_BINDGEN_VERSION="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)"
CHROMIUM_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}"
export CHROMIUM_PATH

CURRENT_STEP=""

step() {
  CURRENT_STEP="$1"
  printf '\n\033[1m==> %s\033[0m\n' "$1"
}

fail() {
  printf '\n\033[31mFAILED: %s\033[0m\n' "$*" >&2
  exit 1
}

# Temporary paths removed when the script ends, however it ends.
CLEANUP_PATHS=()

on_exit() {
  local status=$?
  if [ "${#CLEANUP_PATHS[@]}" -gt 0 ]; then
    rm -rf "${CLEANUP_PATHS[@]}"
  fi
  # Any command that fails names the step it failed in.
  if [ "$status" -ne 0 ] && [ -n "$CURRENT_STEP" ]; then
    printf '\n\033[31mFAILED at step: %s (exit %s)\033[0m\n' "$CURRENT_STEP" "$status" >&2
  fi
}
trap on_exit EXIT

# Installs in release mode without LTO: the tools build in minutes less, and run as fast.
cargo_install() {
  CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 cargo install "$@"
}

ensure_rust_tools() {
  command -v cargo >/dev/null || fail "cargo is not installed: install Rust with rustup (https://rustup.rs)"

  step "Rust target wasm32-unknown-unknown"
  if rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    echo "present"
  else
    rustup target add wasm32-unknown-unknown
  fi

  step "cargo-leptos $CARGO_LEPTOS_VERSION"
  if cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then
    echo "present"
  else
    echo "installing (about 12 minutes on two cores, once)"
    cargo_install cargo-leptos --locked --version "$CARGO_LEPTOS_VERSION"
  fi

  step "cargo-nextest (runs the Rust tests, each bounded in time)"
  if cargo nextest --version >/dev/null 2>&1; then
    echo "present"
  else
    cargo_install cargo-nextest --locked --version "$CARGO_NEXTEST_VERSION"
  fi

  step "wasm-bindgen-cli $WASM_BINDGEN_VERSION"
  [ -n "$WASM_BINDGEN_VERSION" ] || fail "cannot read the wasm-bindgen version from Cargo.lock"
  if wasm-bindgen --version 2>/dev/null | grep -q "$WASM_BINDGEN_VERSION"; then
    echo "present"
  else
    # Not --locked: the CLI's own lock file pins a crate version the index no longer has.
    cargo_install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
  fi
}

ensure_npm_tools() {
  command -v npm >/dev/null || fail "npm is not installed: install Node.js 20 or newer"
  step "npm tools (Tailwind, wasm-opt, Playwright runner, Lighthouse)"
  local stamp="node_modules/.capstan-lock-sha256"
  local want
  want="$(sha256sum package-lock.json | cut -d' ' -f1)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    echo "present"
  else
    PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund
    echo "$want" >"$stamp"
  fi
}

ensure_chromium() {
  step "Chromium for the browser tests"
  if [ -x "$CHROMIUM_PATH" ]; then
    echo "present: $CHROMIUM_PATH"
    return
  fi
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || fail "Chromium is missing and this user cannot install it: run 'apt-get install chromium' as root, or set CHROMIUM_PATH"
    sudo="sudo"
  fi
  command -v apt-get >/dev/null || fail "Chromium is missing: install it with your package manager, or set CHROMIUM_PATH"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium
  [ -x "$CHROMIUM_PATH" ] || fail "Chromium was installed but $CHROMIUM_PATH is missing: set CHROMIUM_PATH"
}

build_release() {
  step "Release build (server and wasm bundle)"
  # --split is required, not an optimisation: the lazy pages (app/src/pages/lazy.rs) become wasm
  # chunks of their own under target/site/pkg, and a bundle built without it cannot load them.
  SQLX_OFFLINE=true cargo leptos build --release --split
}
