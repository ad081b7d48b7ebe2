#!/bin/sh
# tests/bench/rating.sh [divers]: build bench_rating (-O2) and run it from the source root;
# then the Lua-level benchmark if a built dmhost is found (build/ or $DMHOST).
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${DM_BENCH_OUT:-/tmp/dm_bench_rating}
cc -std=c11 -D_POSIX_C_SOURCE=200809L -O2 -DNDEBUG -Wall -Wextra -I"$root/core" -o "$out" \
  "$root/tests/bench/bench_rating.c" "$root/core/rating.c" "$root/core/divetable.c" -lm
cd "$root"
"$out" "${1:-100000}"
dmhost=${DMHOST:-$root/build/dmhost}
if [ -x "$dmhost" ]; then
  "$dmhost" tests/bench/bench_rating.lua "${2:-20000}"
fi
