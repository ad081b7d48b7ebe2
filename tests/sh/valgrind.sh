#!/usr/bin/env bash
# tests/sh/valgrind.sh: runs a small real job (tests/jobs/smoke.lua, HTTP against the
# loopback page server) under valgrind: any memory error or definite leak fails the test.
set -euo pipefail
DMHOST=${DMHOST:-build/dmhost}
BUILD=${DM_BUILD_DIR:-build}
if ! command -v valgrind >/dev/null; then echo "valgrind not installed"; exit 1; fi
tmp=$(mktemp -d)
"$BUILD/tests/support/pageserver" --port 0 --port-file "$tmp/port" --max-seconds 300 \
  >"$tmp/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 200); do [ -s "$tmp/port" ] && break; sleep 0.05; done
timeout 300 valgrind -q --error-exitcode=1 --leak-check=full --show-leak-kinds=definite \
  --errors-for-leak-kinds=definite "$DMHOST" tests/jobs/smoke.lua "http://127.0.0.1:$(cat "$tmp/port")"
echo "valgrind: 1 passed, 0 failed"
