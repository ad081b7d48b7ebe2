#!/usr/bin/env bash
# shellcheck disable=SC2154 # url_*, wall_*, cpu_*, rss_*, ... are set by printf -v / eval
# tests/bench/weekly.sh: the issue-4 benchmark of jobs/weekly.lua against the test page server
# (tests/support/pageserver) on 127.0.0.1, each run on a fresh state dir:
#   1. IDS ids (10,000) with LATENCY_MS (150) server latency at --concurrency CONCURRENCY (64)
#      --rate 0: wall time (goal: within 15 % of IDS x latency / concurrency), CPU seconds
#      (user + sys), peak RSS (goal: < 64 MB);
#   2. peak RSS of IDS ids and of BIG_IDS ids (100,000) at latency 0 (goal: the big run
#      within 20 % of the small one).
# Figures come from getrusage(RUSAGE_CHILDREN) of one job per measurement (python3).
# Usage: tests/bench/weekly.sh [BUILD_DIR]   (default: build; env: IDS, BIG_IDS, LATENCY_MS,
#        CONCURRENCY, START, SKIP_BIG=1)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-${DM_BUILD_DIR:-$root/build}}
dmhost=${DMHOST:-$build/dmhost}
server=${PAGESERVER:-$build/tests/support/pageserver}
ids=${IDS:-10000}
big_ids=${BIG_IDS:-100000}
latency=${LATENCY_MS:-150}
conc=${CONCURRENCY:-64}
start=${START:-25000}
date=2026-12-02

for f in "$dmhost" "$server"; do
  if [ ! -x "$f" ]; then
    echo "weekly.sh: $f not found (build first: cmake --build $build)" >&2
    exit 2
  fi
done
command -v python3 >/dev/null || { echo "weekly.sh: needs python3" >&2; exit 2; }

tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

calc() { awk "BEGIN { print $* }"; } # calc EXPR: floating-point arithmetic, 1/0 for tests

# start_server NAME ARGS...: a page server on a free port; sets url_<NAME>
start_server() {
  local name=$1
  shift
  "$server" --port 0 --port-file "$tmp/$name.port" --year 2026 --max-seconds 3600 "$@" \
    >"$tmp/$name.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 200); do [ -s "$tmp/$name.port" ] && break; sleep 0.05; done
  [ -s "$tmp/$name.port" ] || { echo "page server $name did not start" >&2; exit 1; }
  printf -v "url_$name" 'http://127.0.0.1:%s' "$(cat "$tmp/$name.port")"
}

# measure OUT CMD...: runs CMD (stdout/stderr to OUT.log); writes "wall user sys maxrss_kb rc"
measure() {
  local out=$1
  shift
  python3 - "$out" "$@" <<'EOF'
import resource, subprocess, sys, time
out, cmd = sys.argv[1], sys.argv[2:]
t0 = time.monotonic()
with open(out + ".log", "wb") as log:
    rc = subprocess.call(cmd, stdout=log, stderr=log)
wall = time.monotonic() - t0
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
with open(out, "w") as f:
    f.write(f"{wall:.2f} {ru.ru_utime:.2f} {ru.ru_stime:.2f} {ru.ru_maxrss} {rc}\n")
EOF
}

# run_weekly NAME URL N: the weekly job over N ids from START on a fresh state dir
run_weekly() {
  local name=$1 url=$2 n=$3
  rm -rf "$tmp/state-$name"
  (cd "$root" && measure "$tmp/$name" "$dmhost" jobs/weekly.lua --start-index "$start" \
    --end-index $((start + n - 1)) --date "$date" --divemeets-url "$url" \
    --state-dir "$tmp/state-$name" --concurrency "$conc" --rate 0)
  read -r wall user sys rss rc <"$tmp/$name"
  if [ "$rc" != 0 ]; then
    echo "weekly job $name failed (exit $rc):" >&2
    grep -v '^{' "$tmp/$name.log" | tail -20 >&2
    exit 1
  fi
  grep -v '^{' "$tmp/$name.log" | sed 's/^/    /'
  eval "wall_$name=$wall cpu_$name=$(calc "$user + $sys") user_$name=$user sys_$name=$sys"
  eval "rss_$name=$(calc "sprintf(\"%.1f\", $rss / 1024)")"
}

verdict() { if [ "$1" = 1 ]; then echo "goal met"; else echo "goal MISSED"; fi; }

echo "weekly benchmark: dmhost $dmhost, $(nproc) cores, $(date -u +%FT%TZ)"

start_server slow --latency-ms "$latency"
start_server fast

echo "1. $ids ids, server latency $latency ms, --concurrency $conc --rate 0"
run_weekly slow "$url_slow" "$ids"
ideal=$(calc "sprintf(\"%.2f\", $ids * $latency / 1000 / $conc)")
over=$(calc "($wall_slow / $ideal - 1) * 100")
ok_wall=$(calc "($wall_slow <= $ideal * 1.15) ? 1 : 0")
ok_rss=$(calc "($rss_slow < 64) ? 1 : 0")
printf '   wall %.2f s (ideal %s s, %+.1f %%: %s)\n' "$wall_slow" "$ideal" "$over" \
  "$(verdict "$ok_wall")"
printf '   CPU %.2f s (user %s + sys %s; %.3f ms per id)\n' "$cpu_slow" "$user_slow" "$sys_slow" \
  "$(calc "$cpu_slow * 1000 / $ids")"
printf '   peak RSS %s MB (< 64 MB: %s)\n' "$rss_slow" "$(verdict "$ok_rss")"

echo "2. peak RSS at latency 0, --concurrency $conc --rate 0"
run_weekly small "$url_fast" "$ids"
printf '   %d ids: peak RSS %s MB, wall %.2f s, CPU %.2f s\n' "$ids" "$rss_small" "$wall_small" \
  "$cpu_small"
if [ "${SKIP_BIG:-0}" = 1 ]; then
  echo "   (SKIP_BIG=1: the $big_ids-id run skipped)"
  exit 0
fi
run_weekly big "$url_fast" "$big_ids"
growth=$(calc "($rss_big / $rss_small - 1) * 100")
ok_flat=$(calc "($rss_big <= $rss_small * 1.2) ? 1 : 0")
printf '   %d ids: peak RSS %s MB, wall %.2f s, CPU %.2f s\n' "$big_ids" "$rss_big" "$wall_big" \
  "$cpu_big"
printf '   RSS growth %d -> %d ids: %+.1f %% (within 20 %%: %s)\n' "$ids" "$big_ids" "$growth" \
  "$(verdict "$ok_flat")"
