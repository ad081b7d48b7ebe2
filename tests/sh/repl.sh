#!/usr/bin/env bash
# tests/sh/repl.sh: the REPL through a pseudo-terminal (tests/sh/repl.py), with the page
# server on 127.0.0.1 for HTTP at the prompt.
set -euo pipefail
DMHOST=${DMHOST:-build/dmhost}
BUILD=${DM_BUILD_DIR:-build}
tmp=$(mktemp -d)
"$BUILD/tests/support/pageserver" --port 0 --port-file "$tmp/port" --max-seconds 120 \
  >"$tmp/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 200); do [ -s "$tmp/port" ] && break; sleep 0.05; done
TMPDIR=$tmp timeout 60 python3 tests/sh/repl.py "$DMHOST" "http://127.0.0.1:$(cat "$tmp/port")"
