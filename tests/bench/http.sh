#!/usr/bin/env bash
# tests/bench/http.sh: dm.http throughput against the loopback page server.
#  1. small responses at concurrency 64 (goal >= 5,000 req/s on 2 cores)
#  2. 2,000 requests with 150 ms server latency, limit 64 (goal within 10 % of 4.7 s)
# usage: tests/bench/http.sh [BUILD_DIR]   (build first: cmake --build build)
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
tmp=$(mktemp -d)
"$build/tests/support/pageserver" --port 0 --port-file "$tmp/port" --max-seconds 300 \
  >"$tmp/log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.05; done
url="http://127.0.0.1:$(cat "$tmp/port")"
"$build/dmhost" tests/bench/http_load.lua "$url/bytes?n=100" 20000 64 "small responses"
"$build/dmhost" tests/bench/http_load.lua "$url/bytes?n=100&delay_ms=150" 2000 64 \
  "150 ms latency (ideal 4.69 s)"
