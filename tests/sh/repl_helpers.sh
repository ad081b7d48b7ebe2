#!/usr/bin/env bash
# tests/sh/repl_helpers.sh: the REPL's diver helpers (profile, explain, rating, site) through a
# pseudo-terminal (tests/sh/repl.py --helpers), fetching from the page server on 127.0.0.1
# serving tests/fixtures/profiles (given to the REPL as DM_DIVEMEETS_URL).
set -euo pipefail
DMHOST=${DMHOST:-${DM_BUILD_DIR:-build}/dmhost}
BUILD=${DM_BUILD_DIR:-build}
tmp=$(mktemp -d)
"$BUILD/tests/support/pageserver" --port 0 --port-file "$tmp/port" --max-seconds 120 \
  --fixtures tests/fixtures/profiles --year 2026 >"$tmp/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 200); do [ -s "$tmp/port" ] && break; sleep 0.05; done
TMPDIR=$tmp timeout 60 python3 tests/sh/repl.py "$DMHOST" "http://127.0.0.1:$(cat "$tmp/port")" \
  --helpers
