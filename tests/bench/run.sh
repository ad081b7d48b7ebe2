#!/bin/sh
# tests/bench/run.sh [N]: build bench_parse (-O2) and run it over N generated pages
# (default 10000) when tests/support/pagegen.c exists, else over the profile fixtures;
# adds a parse + rate pass when core/rating.c exists.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${DM_BENCH_OUT:-/tmp/dm_bench_parse}
cflags="-std=c11 -D_POSIX_C_SOURCE=200809L -O2 -DNDEBUG -Wall -Wextra -I$root/core"
srcs="$root/tests/bench/bench_parse.c $root/core/divemeets.c $root/core/htmlfrag.c"
if [ -f "$root/core/rating.c" ] && [ -f "$root/core/divetable.c" ]; then
  cflags="$cflags -DDM_BENCH_RATING"
  srcs="$srcs $root/core/rating.c $root/core/divetable.c"
fi
cd "$root"
if [ -f "$root/tests/support/pagegen.c" ]; then
  # shellcheck disable=SC2086
  cc $cflags -DDM_BENCH_PAGEGEN -I"$root/tests/support" -o "$out" $srcs \
    "$root/tests/support/pagegen.c" "$root/tests/support/pagegen_data.c" -lgumbo -lm
  exec "$out" "${1:-10000}"
else
  # shellcheck disable=SC2086
  cc $cflags -o "$out" $srcs -lgumbo -lm
  exec "$out" "$root"/tests/fixtures/profiles/*.html
fi
