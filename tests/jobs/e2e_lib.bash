# tests/jobs/e2e_lib.bash: what the end-to-end job tests (tests/sh/e2e_*.sh) share: a
# temporary folder, page servers on 127.0.0.1 port 0 (bounded by --max-seconds, killed at
# exit), running a job with its output captured, and pass/fail bookkeeping.
# Source it from a test script run by ctest (cwd = the source root; env DMHOST, DM_BUILD_DIR).
# shellcheck disable=SC2034  # DATE, URL, RC are for the scripts that source this
set -u
source tests/support/pageserver.bash
E2E="tests/jobs/e2e.lua"
DATE=2026-12-02
passes=0
fails=0

pass() { passes=$((passes + 1)); }
fail() { fails=$((fails + 1)); echo "FAIL $*"; }

# check NAME COMMAND...: passes when the command succeeds.
check() {
  local name=$1; shift
  if "$@"; then pass; else fail "$name"; fi
}

# check_eq NAME WANT GOT
check_eq() {
  if [ "$2" == "$3" ]; then pass; else fail "$1: want '$2', got '$3'"; fi
}

# run_job OUT JOB [options...]: runs dmhost jobs/JOB.lua with its stdout/stderr in
# $tmp/OUT.out / $tmp/OUT.err (timeout 120 s); sets RC.
run_job() {
  local out=$1 job=$2; shift 2
  timeout 120 "$DMHOST" "jobs/$job.lua" "$@" >"$tmp/$out.out" 2>"$tmp/$out.err"
  RC=$?
}

# oracle NAME URL FIRST LAST DATE [LINKED_FILE]: $tmp/NAME.{list,rows,json}
oracle() {
  local name=$1 url=$2 first=$3 last=$4 date=$5 linked=${6:-}
  if [ -n "$linked" ]; then
    "$DMHOST" "$E2E" oracle "$url" "$first" "$last" "$date" "$tmp/$name" "$linked"
  else
    "$DMHOST" "$E2E" oracle "$url" "$first" "$last" "$date" "$tmp/$name"
  fi || { echo "the oracle failed"; exit 1; }
}

# table_cmp NAME DB EXPECTED_ROWS [VERSION]: the live rows equal the expected ones
table_cmp() {
  local name=$1; shift
  local out
  if out=$("$DMHOST" "$E2E" cmp "$@" 2>&1); then pass; else fail "$name: $out"; fi
}

# dump_rows DB: every row with _version, _deleted, updatedAt
dump_rows() { "$DMHOST" "$E2E" rows "$1"; }

# jqr FILE FILTER: one jq value, compact
jqr() { jq -c "$2" "$1" 2>/dev/null; }

# profile_requests LOG: how many profile pages were asked for
profile_requests() { grep -c ' /divemeets/system/profile.php?' "$1"; }

# requested_ids LOG: the id of every profile request, one per line (with repeats)
requested_ids() { sed -n 's/.* \/divemeets\/system\/profile.php?number=\([0-9]*\) .*/\1/p' "$1"; }

# faulted_ids LOG: ids that got a fault at least once, ascending
faulted_ids() {
  grep ' fault-' "$1" | sed -n 's/.*profile.php?number=\([0-9]*\) .*/\1/p' | sort -n | uniq
}

# state_files DIR: every file below DIR (relative), sorted
state_files() { (cd "$1" && find . -type f | sed 's|^\./||' | sort); }

finish() {
  echo "$1: $passes passed, $fails failed"
  [ "$fails" -eq 0 ]
}
