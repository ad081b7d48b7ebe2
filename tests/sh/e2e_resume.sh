#!/usr/bin/env bash
# tests/sh/e2e_resume.sh: kill and resume. The weekly job scans 4000 ids from a page server
# with 20 ms latency; it is SIGKILLed once its scan journal holds 1000+ lines, then rerun with
# --resume. Asserts: the journal survives the kill; the rerun does not ask the server again
# for any id the journal had finished (and asks for every other id exactly once); the final
# list and table equal the oracle's and an uninterrupted run's; the journal is gone after.
# Also: a journal holding failed ids, and a SIGTERM instead of a SIGKILL.
source tests/jobs/e2e_lib.bash
FIRST=25000
LAST=28999
N=$((LAST - FIRST + 1))
S=$tmp/s
J=$S/.scan-$DATE.journal
common=(--start-index "$FIRST" --end-index "$LAST" --rate 0 --concurrency 32 --date "$DATE")

# weekly_until OUT LINES SIGNAL [options...]: runs the weekly job on $S against $URL in the
# background, sends SIGNAL once its journal $J holds LINES lines; sets RC and lines.
weekly_until() {
  local out=$1 want=$2 sig=$3; shift 3
  "$DMHOST" jobs/weekly.lua "${common[@]}" --divemeets-url "$URL" --state-dir "$S" "$@" \
    >"$tmp/$out.out" 2>"$tmp/$out.err" &
  local job=$! _
  lines=0
  for _ in $(seq 1000); do
    lines=$( [ -f "$J" ] && wc -l <"$J" || echo 0)
    [ "$lines" -ge "$want" ] && break
    kill -0 $job 2>/dev/null || break
    sleep 0.01
  done
  kill -"$sig" $job 2>/dev/null
  wait $job 2>/dev/null
  RC=$?
}

pageserver_start slow --latency-ms 20
oracle exp "$URL" $FIRST $LAST $DATE

weekly_until k1 1000 KILL
check_eq "killed part-way (journal lines $lines)" 137 "$RC"
sleep 0.3 # let the server answer (and log) what was in flight
check "journal kept after the kill" [ -s "$J" ]
check_eq "no list or report yet" "" "$(state_files "$S" | grep -E 'csv|reports/')"
# the ids the journal finished (complete lines only; a torn last line does not count)
head -n "$(wc -l <"$J")" "$J" | jq -r 'select(.kind == "profile" or .kind == "no_profile") | .id' \
  | sort -n >"$tmp/done"
ndone=$(wc -l <"$tmp/done")
check "journal has finished ids ($ndone) but not all" [ "$ndone" -ge 900 -a "$ndone" -lt $N ]
split_at=$(wc -l <"$tmp/slow.log")

run_job k2 weekly "${common[@]}" --divemeets-url "$URL" --state-dir "$S" --resume
check_eq "resumed exit code" 0 "$RC"
tail -n +$((split_at + 1)) "$tmp/slow.log" >"$tmp/second.log"
check_eq "finished ids not fetched again" "" \
  "$(requested_ids "$tmp/second.log" | sort -n | comm -12 - "$tmp/done")"
check_eq "every other id fetched once" "$(seq $FIRST $LAST | comm -23 - "$tmp/done")" \
  "$(requested_ids "$tmp/second.log" | sort -n)"
check "list is exact" cmp -s "$tmp/exp.list" "$S/divemeets-divers-lists/$DATE.csv"
table_cmp "table" "$S/dmhost.sqlite" "$tmp/exp.rows" 1
R=$S/reports/$DATE.json
check_eq "report scanned / eligible / created" "$N $(jqr "$tmp/exp.json" .eligible) $(jqr "$tmp/exp.json" .rows)" \
  "$(jq -r '"\(.scan.scanned) \(.scan.eligible) \(.update.created)"' "$R")"
check_eq "report requests = ids not done" $((N - ndone)) "$(jqr "$R" .requests)"
check_eq "journal removed, only documented files" "$(printf '%s\n' divemeets-divers-lists/$DATE.csv \
  dmhost.sqlite metrics.jsonl reports/$DATE.json)" "$(state_files "$S")"
pageserver_stop

# an uninterrupted run (no latency) gives the same list and table
pageserver_start fast
run_job u weekly "${common[@]}" --divemeets-url "$URL" --state-dir "$tmp/u"
check_eq "uninterrupted exit code" 0 "$RC"
check "same list as uninterrupted" cmp -s "$tmp/u/divemeets-divers-lists/$DATE.csv" \
  "$S/divemeets-divers-lists/$DATE.csv"
check_eq "same table as uninterrupted" "" "$(diff <(dump_rows "$tmp/u/dmhost.sqlite" | cut -f1-11) \
  <(dump_rows "$S/dmhost.sqlite" | cut -f1-11))"

# ---- a killed run whose journal also holds failed ids (5xx on 3 %, no retries): the resumed
# run (against a healthy server) fetches those again, and the result is still exact
S=$tmp/s2
J=$S/.scan-$DATE.journal
pageserver_start sick --latency-ms 20 --fault-5xx 3 --fault-times -1
weekly_until e1 1000 KILL --retries 0
check_eq "sick run killed part-way (journal lines $lines)" 137 "$RC"
pageserver_stop
head -n "$(wc -l <"$J")" "$J" | jq -r 'select(.kind == "profile" or .kind == "no_profile") | .id' \
  | sort -n >"$tmp/done2"
nerr=$(head -n "$(wc -l <"$J")" "$J" | jq -r 'select(.kind == "error") | .id' | wc -l)
check "the journal holds failed ids ($nerr)" [ "$nerr" -gt 5 ]
pageserver_start healthy
run_job e2 weekly "${common[@]}" --divemeets-url "$URL" --state-dir "$S" --resume
check_eq "resumed (healthy) exit code" 0 "$RC"
check_eq "resumed: every id not finished fetched once, failed ones included" \
  "$(seq $FIRST $LAST | comm -23 - "$tmp/done2")" "$(requested_ids "$tmp/healthy.log" | sort -n)"
check "resumed: list is exact" cmp -s "$tmp/exp.list" "$S/divemeets-divers-lists/$DATE.csv"
table_cmp "resumed: table" "$S/dmhost.sqlite" "$tmp/exp.rows" 1
check_eq "resumed: failed ids = the blocked pages" "$(jqr "$tmp/exp.json" .blocked_ids)" \
  "$(jqr "$S/reports/$DATE.json" .failed_ids)"

# ---- SIGTERM (a scheduler stopping the job): it stops at once, flushes and keeps the
# journal, writes a failure report and metric 1, exits 143; --resume then finishes exactly
S=$tmp/s3
J=$S/.scan-$DATE.journal
pageserver_start term --latency-ms 20
weekly_until t1 600 TERM
check_eq "SIGTERM exit code" 143 "$RC"
check "SIGTERM: journal kept" [ -s "$J" ]
check_eq "SIGTERM: report says why" '"interrupted by SIGTERM"' "$(jqr "$S/reports/$DATE.json" .error)"
check_eq "SIGTERM: metric 1" 1 "$(tail -n 1 "$S/metrics.jsonl" | jq .value)"
check_eq "SIGTERM: no list published" "" "$(state_files "$S" | grep csv)"
check_eq "SIGTERM: journal has no torn line" "" "$(jq -c . "$J" >/dev/null 2>&1 || echo torn)"
nterm=$(wc -l <"$J")
sleep 0.2
served=$(profile_requests "$tmp/term.log")
# nothing buffered is lost: the gap is at most what was in flight (32) when the signal came
check "SIGTERM: the journal holds what was served ($nterm of $served)" \
  [ "$nterm" -le "$served" -a $((served - nterm)) -le 40 ]
run_job t2 weekly "${common[@]}" --divemeets-url "$URL" --state-dir "$S" --resume
check_eq "resumed after SIGTERM exit code" 0 "$RC"
check "resumed after SIGTERM: list is exact" cmp -s "$tmp/exp.list" \
  "$S/divemeets-divers-lists/$DATE.csv"
table_cmp "resumed after SIGTERM: table" "$S/dmhost.sqlite" "$tmp/exp.rows" 1
pageserver_stop

finish e2e_resume
