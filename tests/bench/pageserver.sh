#!/usr/bin/env bash
# Benchmark: requests/s of tests/support/pageserver with wrk (64 connections, ~5 s, one
# wrk thread) on a small generated profile page (served from the page cache), on
# /bytes?n=100, and on a scan of consecutive ids (every page generated).
# Usage: tests/bench/pageserver.sh [BUILD_DIR]   (default: build; needs Debian's wrk)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-${DM_BUILD_DIR:-$root/build}}
server=${PAGESERVER:-$build/tests/support/pageserver}
duration=${DURATION:-5s}
conns=${CONNECTIONS:-64}

if [ ! -x "$server" ]; then
  echo "pageserver not found at $server (build first: cmake --build $build)" >&2
  exit 2
fi
if ! command -v wrk >/dev/null; then
  echo "wrk not found (apt-get install wrk)" >&2
  exit 2
fi

tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT

# A small diver page with a few statistics rows (3-5 KB), found from the generator itself.
"$server" --list 25000 26000 --year 2026 >"$tmp/list"
id=$(awk '$2 == "diver" && $4 ~ /^bytes=/ { split($4, b, "="); split($7, s, "=");
       if (b[2] + 0 < 5000 && s[2] + 0 > 0) { print $1; exit } }' "$tmp/list")

"$server" --port 0 --port-file "$tmp/port" --year 2026 --max-seconds 120 >"$tmp/out" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  [ -s "$tmp/port" ] && break
  sleep 0.05
done
port=$(cat "$tmp/port")
bytes=$(curl -s "http://127.0.0.1:$port/divemeets/system/profile.php?number=$id" | wc -c)

run() {
  local url=$1 label=$2 script=${3:-}
  local out
  out=$(wrk -t1 -c"$conns" -d"$duration" ${script:+-s "$script"} "$url")
  local rps
  rps=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
  local errors
  errors=$(awk '/Non-2xx|Socket errors/ { print }' <<<"$out")
  printf '%-40s %12s req/s  %s\n' "$label" "$rps" "${errors:-no errors}"
}

# A scan: every request asks for the next id (pages generated, not cached; mean ~9 KB).
cat >"$tmp/scan.lua" <<'LUA'
local id = 25000
request = function()
  id = id + 1
  return wrk.format(nil, "/divemeets/system/profile.php?number=" .. id)
end
LUA

echo "pageserver benchmark: wrk -t1 -c$conns -d$duration on 127.0.0.1 ($(nproc) cores)"
run "http://127.0.0.1:$port/divemeets/system/profile.php?number=$id" \
  "profile.php?number=$id ($bytes B page)"
run "http://127.0.0.1:$port/bytes?n=100" "/bytes?n=100"
run "http://127.0.0.1:$port/" "scan of ids 25001... (403s = blocked ids)" "$tmp/scan.lua"
curl -s "http://127.0.0.1:$port/stats"
