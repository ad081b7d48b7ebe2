#!/bin/sh
# tests/fuzz/run.sh SECONDS [libFuzzer options...]: build the extractor fuzzer with clang
# (-fsanitize=fuzzer,address,undefined) and run it for SECONDS over a scratch copy of the
# seed corpus (tests/fuzz/corpus) plus the profile fixtures. New crashers are written to
# tests/fuzz/crashers/, which tests/c/test_divemeets.c replays. Set DM_FUZZ_WORK to keep the
# grown corpus somewhere (default: a temporary directory).
set -eu
secs=${1:?usage: run.sh SECONDS}
shift
root=$(cd "$(dirname "$0")/../.." && pwd)
work=${DM_FUZZ_WORK:-$(mktemp -d)}
bin=$work/fuzz_divemeets
mkdir -p "$work/corpus"
if ! command -v clang >/dev/null 2>&1 || [ ! -d /usr/lib/llvm-14/lib/clang ]; then
  echo "run.sh: needs clang and libFuzzer: apt-get install clang libclang-rt-14-dev" >&2
  exit 2
fi
clang -std=c11 -D_POSIX_C_SOURCE=200809L -g -O1 -fsanitize=fuzzer,address,undefined \
  -fno-sanitize-recover=undefined -I"$root/core" -I"$root/tests/c" -o "$bin" \
  "$root/tests/fuzz/fuzz_divemeets.c" "$root/core/divemeets.c" "$root/core/htmlfrag.c" -lgumbo
cp "$root"/tests/fuzz/corpus/* "$work/corpus/" 2>/dev/null || true
for f in "$root"/tests/fixtures/profiles/*.html; do
  cp "$f" "$work/corpus/fixture-$(basename "$f")"
done
echo "fuzzing for $secs s in $work" >&2
"$bin" -max_total_time="$secs" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
  -artifact_prefix="$root/tests/fuzz/crashers/" -print_final_stats=1 "$@" "$work/corpus"
