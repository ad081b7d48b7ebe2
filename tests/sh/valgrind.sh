#!/usr/bin/env bash
# tests/sh/valgrind.sh: runs a small real job (tests/jobs/smoke.lua, HTTP against the
# loopback page server) under valgrind: any memory error or definite leak fails the test.
set -eo pipefail
source tests/support/pageserver.bash
if ! command -v valgrind >/dev/null; then echo "valgrind not installed"; exit 1; fi
pageserver_start smoke
timeout 300 valgrind -q --error-exitcode=1 --leak-check=full --show-leak-kinds=definite \
  --errors-for-leak-kinds=definite "$DMHOST" tests/jobs/smoke.lua "$URL"
echo "valgrind: 1 passed, 0 failed"
