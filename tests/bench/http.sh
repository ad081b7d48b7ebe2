#!/usr/bin/env bash
# tests/bench/http.sh: dm.http throughput against the loopback page server.
#  1. small responses at concurrency 64 (goal >= 5,000 req/s on 2 cores)
#  2. 2,000 requests with 150 ms server latency, limit 64 (goal within 10 % of 4.7 s)
# usage: tests/bench/http.sh [BUILD_DIR]   (build first: cmake --build build)
set -eo pipefail
cd "$(dirname "$0")/../.."
DM_BUILD_DIR=${1:-${DM_BUILD_DIR:-build}}
DMHOST=$DM_BUILD_DIR/dmhost
PAGESERVER_NOLOG=1
source tests/support/pageserver.bash
pageserver_start bench
"$DMHOST" tests/bench/http_load.lua "$URL/bytes?n=100" 20000 64 "small responses"
"$DMHOST" tests/bench/http_load.lua "$URL/bytes?n=100&delay_ms=150" 2000 64 \
  "150 ms latency (ideal 4.69 s)"
