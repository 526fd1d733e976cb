#!/usr/bin/env bash
# `make run`: installs what is missing, builds in release mode, and serves the portal.
# Arguments are passed to the server (e.g. --listen 0.0.0.0:3000); see `capstan --help`.
source "$(dirname "$0")/lib.sh"

ensure_rust_tools
ensure_npm_tools
build_release

step "Serving Capstan (Ctrl-C to stop)"
CURRENT_STEP=""
exec target/release/capstan "$@"
