#!/usr/bin/env bash
# tests/sh/e2e_faults.sh: the weekly job under server faults (pageserver --fault-*), checked
# against the independent oracle (tests/jobs/e2e.lua) and the server's request log:
#  a. 5xx / reset / truncate once per id: retries succeed, list and table = the no-fault run;
#  b. 5xx always on ~1 % of ids (under the 2 % safety limit): those ids are reported failed,
#     their records are kept as they are (never deleted), the rest of the table is untouched;
#  c. 403 blocks on 10 % (and resets on 5 %): the run writes and deletes nothing, metric 1,
#     exit code 1;
#  d. timeouts (--fault-timeout, small --timeout-ms): once per id like (a), always like (b).
source tests/jobs/e2e_lib.bash
FIRST=25000
LAST=27999
N=$((LAST - FIRST + 1))
DATE2=2026-12-09 # a week later: the same eligibility windows

pageserver_start clean
oracle exp "$URL" $FIRST $LAST $DATE
nrows=$(jqr "$tmp/exp.json" .rows)
blocked=$(jq -r '.blocked_ids[]' "$tmp/exp.json")
base=(--start-index "$FIRST" --end-index "$LAST" --rate 0 --concurrency 64)

# the no-fault run: the reference table, and the state dir the fault runs start from
SB=$tmp/base
run_job base weekly "${base[@]}" --divemeets-url "$URL" --date $DATE --state-dir "$SB"
check_eq "base exit code" 0 "$RC"
table_cmp "base table" "$SB/dmhost.sqlite" "$tmp/exp.rows" 1
dump_rows "$SB/dmhost.sqlite" >"$tmp/base.rows"
cut -f1-9 "$tmp/base.rows" >"$tmp/base.values"
pageserver_stop

# once_run NAME EXTRA_OPTS -- SERVER_FAULT_OPTS: every faulted id fails once, then succeeds
once_run() {
  local name=$1 extra=$2; shift 3
  pageserver_start "$name" --fault-times 1 "$@"
  local S=$tmp/s-$name
  # shellcheck disable=SC2086
  run_job "$name" weekly "${base[@]}" --divemeets-url "$URL" --date $DATE --state-dir "$S" $extra
  local faulted; faulted=$(faulted_ids "$tmp/$name.log" | wc -l)
  check "$name: some ids faulted ($faulted)" [ "$faulted" -gt 20 ]
  check_eq "$name exit code" 0 "$RC"
  check "$name list = no-fault list" cmp -s "$tmp/exp.list" "$S/divemeets-divers-lists/$DATE.csv"
  table_cmp "$name table" "$S/dmhost.sqlite" "$tmp/exp.rows" 1
  check_eq "$name table = no-fault table" "" \
    "$(dump_rows "$S/dmhost.sqlite" | cut -f1-9 | diff - "$tmp/base.values")"
  local R=$S/reports/$DATE.json
  # each faulted id was asked for exactly twice, every other id once
  check_eq "$name server requests" $((N + faulted)) "$(profile_requests "$tmp/$name.log")"
  check_eq "$name each faulted id fetched twice" "$(faulted_ids "$tmp/$name.log")" \
    "$(requested_ids "$tmp/$name.log" | sort -n | uniq -c | awk '$1 != 1 {print $2}')"
  # dm.http counts its own retries; libcurl silently re-sends a request whose reused
  # connection was reset before any answer, so resets may be missing from the count
  local noreset; noreset=$(grep ' fault-' "$tmp/$name.log" | grep -vc ' fault-reset')
  local retries; retries=$(jqr "$R" .retries)
  check "$name retries $noreset <= $retries <= $faulted" \
    [ "$retries" -ge "$noreset" -a "$retries" -le "$faulted" ]
  check_eq "$name attempts = requests + retries" $((N + retries)) "$(jqr "$R" .attempts)"
  check_eq "$name failed ids = blocked pages only" "$(jqr "$tmp/exp.json" .blocked_ids)" \
    "$(jqr "$R" .failed_ids)"
  check_eq "$name metric" 0 "$(tail -n1 "$S/metrics.jsonl" | jq .value)"
  pageserver_stop
}

# always_run NAME EXTRA_OPTS -- SERVER_FAULT_OPTS: the faulted ids fail on every attempt
always_run() {
  local name=$1 extra=$2; shift 3
  pageserver_start "$name" --fault-times -1 "$@"
  local S=$tmp/s-$name
  cp -a "$SB" "$S"
  # shellcheck disable=SC2086
  run_job "$name" weekly "${base[@]}" --divemeets-url "$URL" --date $DATE --state-dir "$S" \
    --retries 1 $extra
  faulted_ids "$tmp/$name.log" >"$tmp/$name.faulted"
  local nf; nf=$(wc -l <"$tmp/$name.faulted")
  # the faulted ids that have a record: the interesting ones
  local kept; kept=$(cut -f1 "$tmp/exp.rows" | grep -cxFf "$tmp/$name.faulted")
  check "$name: some ids faulted ($nf), some with a record ($kept)" [ "$nf" -gt 10 -a "$kept" -gt 0 ]
  check_eq "$name exit code" 0 "$RC"
  local R=$S/reports/$DATE.json
  check_eq "$name failed ids = faulted + blocked" \
    "$( (cat "$tmp/$name.faulted"; echo "$blocked") | sort -n | paste -sd,)" \
    "$(jq -r '.failed_ids | join(",")' "$R")"
  check_eq "$name every row kept as is (_version, updatedAt)" "" \
    "$(dump_rows "$S/dmhost.sqlite" | diff - "$tmp/base.rows")"
  check_eq "$name report kept_unverified" "$kept" "$(jqr "$R" .update.kept_unverified)"
  check_eq "$name report deleted" 0 "$(jqr "$R" .update.deleted)"
  check_eq "$name report unchanged" $((nrows - kept)) "$(jqr "$R" .update.unchanged)"
  check_eq "$name list = eligible minus failed" "$(grep -vxFf "$tmp/$name.faulted" "$tmp/exp.list")" \
    "$(cat "$S/divemeets-divers-lists/$DATE.csv")"
  check_eq "$name metric" 0 "$(tail -n1 "$S/metrics.jsonl" | jq .value)"
  check_eq "$name each faulted id tried twice" "" \
    "$(requested_ids "$tmp/$name.log" | sort -n | uniq -c | awk '$1 != 1 {print $2}' \
       | diff - "$tmp/$name.faulted")"
  pageserver_stop
}

# update_always NAME -- SERVER_FAULT_OPTS: update.lua alone (it fetches every listed id) with
# ids failing on every attempt: failed ids reported, their records kept as they are
update_always() {
  local name=$1; shift 2
  pageserver_start "$name" --fault-times -1 "$@"
  local S=$tmp/s-$name
  cp -a "$SB" "$S"
  run_job "$name" update --input-date $DATE --date $DATE --divemeets-url "$URL" --rate 0 \
    --concurrency 64 --retries 1 --state-dir "$S"
  faulted_ids "$tmp/$name.log" >"$tmp/$name.faulted"
  local nf; nf=$(wc -l <"$tmp/$name.faulted")
  local kept; kept=$(cut -f1 "$tmp/exp.rows" | grep -cxFf "$tmp/$name.faulted")
  check "$name: some listed ids faulted ($nf), some with a record ($kept)" [ "$kept" -gt 0 ]
  check_eq "$name exit code" 0 "$RC"
  check_eq "$name only listed ids fetched, once (twice if faulted)" \
    "$( (cat "$tmp/exp.list" "$tmp/$name.faulted") | sort -n)" \
    "$(requested_ids "$tmp/$name.log" | sort -n)"
  local R=$S/reports/$DATE.json
  check_eq "$name failed ids = faulted" "$(paste -sd, "$tmp/$name.faulted")" \
    "$(jq -r '.failed_ids | join(",")' "$R")"
  check_eq "$name every row kept as is" "" "$(dump_rows "$S/dmhost.sqlite" | diff - "$tmp/base.rows")"
  check_eq "$name kept_unverified / deleted / unchanged" "$kept 0 $((nrows - kept))" \
    "$(jq -r '"\(.update.kept_unverified) \(.update.deleted) \(.update.unchanged)"' "$R")"
  pageserver_stop
}

# over_run NAME -- SERVER_FAULT_OPTS: too many failures: nothing written, metric 1, exit 1
over_run() {
  local name=$1; shift 2
  pageserver_start "$name" --fault-times -1 "$@"
  local S=$tmp/s-$name
  cp -a "$SB" "$S"
  run_job "$name" weekly "${base[@]}" --divemeets-url "$URL" --date $DATE2 --state-dir "$S" \
    --retries 1
  check_eq "$name exit code" 1 "$RC"
  check_eq "$name table untouched" "" "$(dump_rows "$S/dmhost.sqlite" | diff - "$tmp/base.rows")"
  check_eq "$name no list published" "" "$(state_files "$S" | grep csv | grep -v "$DATE")"
  check_eq "$name state files: only the report added" \
    "$( (state_files "$SB"; echo "reports/$DATE2.json") | sort)" "$(state_files "$S")"
  check_eq "$name metrics" "0,1" "$(jq -r .value "$S/metrics.jsonl" | paste -sd,)"
  check_eq "$name metric name" '"StateMachineFailures"' "$(tail -n1 "$S/metrics.jsonl" | jq .metric)"
  local R=$S/reports/$DATE2.json
  check_eq "$name report not ok" false "$(jqr "$R" .ok)"
  check "$name report names the limit" grep -q max_failed_share "$R"
  check "$name summary says FAILED" grep -q "run for $DATE2: FAILED" "$tmp/$name.err"
  pageserver_stop
}

once_run a-5xx-reset-truncate "" -- --fault-5xx 1.5 --fault-reset 1.5 --fault-truncate 1.5
always_run b-5xx-always "" -- --fault-5xx 1
update_always b-update-5xx-always -- --fault-5xx 1.5
over_run c-403-10pct -- --fault-403 10
over_run c-reset-5pct -- --fault-reset 5
once_run d-timeout-once "--timeout-ms 1000" -- --fault-timeout 1.5
always_run d-timeout-always "--timeout-ms 1000" -- --fault-timeout 1

finish e2e_faults
