#!/usr/bin/env bash
# tests/sh/e2e_weekly.sh: the weekly job end to end against the page server, checked against
# an independent oracle (server truth + rules/eligibility.lua + dm.rating, tests/jobs/e2e.lua):
#  1. weekly over 3000 ids: exact list file, exact table, report fields, metric 0, only the
#     documented files in the state dir, each id fetched exactly once (single pass);
#  2. the same date again changes nothing (_version and updatedAt kept; unchanged = N);
#  3. scan.lua then update.lua --input-date: the same list and table; update alone fetches
#     exactly the listed ids;
#  4. --dry-run writes nothing (fresh and populated state dirs) and names what it would
#     create/update/delete; the real run then does exactly that.
source tests/jobs/e2e_lib.bash
FIRST=25000
LAST=27999
N=$((LAST - FIRST + 1))

pageserver_start a
oracle exp "$URL" $FIRST $LAST $DATE
nrows=$(jqr "$tmp/exp.json" .rows)
neligible=$(jqr "$tmp/exp.json" .eligible)
common=(--start-index "$FIRST" --end-index "$LAST" --divemeets-url "$URL" --rate 0
  --concurrency 32 --date "$DATE")

# ---- 1. weekly ---------------------------------------------------------------------------
S=$tmp/s1
run_job w1 weekly "${common[@]}" --state-dir "$S"
check_eq "1 exit code" 0 "$RC"
check "1 list file is exact" cmp -s "$tmp/exp.list" "$S/divemeets-divers-lists/$DATE.csv"
table_cmp "1 table" "$S/dmhost.sqlite" "$tmp/exp.rows" 1
check_eq "1 no deleted rows" 0 "$(sqlite3 "$S/dmhost.sqlite" \
  'select count(*) from DiveMeetsDiver where _deleted <> 0')"
check_eq "1 row count" "$nrows" "$(sqlite3 "$S/dmhost.sqlite" 'select count(*) from DiveMeetsDiver')"
R=$S/reports/$DATE.json
check_eq "1 report ok" true "$(jqr "$R" .ok)"
check_eq "1 report job" '"weekly"' "$(jqr "$R" .job)"
check_eq "1 report scanned" $N "$(jqr "$R" .scan.scanned)"
for k in profile no_profile blocked; do
  check_eq "1 report by_kind.$k" "$(jqr "$tmp/exp.json" .by_kind.$k)" "$(jqr "$R" .scan.by_kind.$k)"
done
check_eq "1 report by_kind.error" 0 "$(jqr "$R" .scan.by_kind.error)"
check_eq "1 report eligible" "$neligible" "$(jqr "$R" .scan.eligible)"
check_eq "1 report list_ids" "$neligible" "$(jqr "$R" .update.list_ids)"
check_eq "1 report created" "$nrows" "$(jqr "$R" .update.created)"
for k in updated unchanged deleted excluded_linked fetched kept_unverified; do
  check_eq "1 report $k" 0 "$(jqr "$R" .update.$k)"
done
check_eq "1 report skipped" "$(jqr "$tmp/exp.json" '.skipped')" "$(jqr "$R" '.update.skipped')"
check_eq "1 report failed ids (the blocked pages)" "$(jqr "$tmp/exp.json" .blocked_ids)" \
  "$(jqr "$R" .failed_ids)"
check_eq "1 report requests" $N "$(jqr "$R" .requests)"
check_eq "1 report retries" 0 "$(jqr "$R" .retries)"
check_eq "1 report id lists are arrays" '"array" "array" "array" "array" "object"' \
  "$(jq -r '[.failed_ids, .scan.failed_ids, .update.failed_ids, .update.bad_list_lines,
     .update.skipped] | map(type|tojson) | join(" ")' "$R")"
check "1 report duration" jq -e '.duration_s > 0' "$R" >/dev/null
check_eq "1 metric" '[{"metric":"StateMachineFailures","value":0,"namespace":"UpdateDiveMeetsDiverTable"}]' \
  "$(jq -cs 'map({metric,value,namespace})' "$S/metrics.jsonl")"
check_eq "1 state dir files" "$(printf '%s\n' divemeets-divers-lists/$DATE.csv dmhost.sqlite \
  metrics.jsonl reports/$DATE.json)" "$(state_files "$S")"
check "1 periodic progress lines (every 500 ids)" \
  [ "$(grep -cE '"msg":"scan \[[0-9]+/'$N'\] last 500: ' "$tmp/w1.err")" -ge 5 ]
check "1 summary line" grep -q "weekly .*run for $DATE: OK" "$tmp/w1.err"
check_eq "1 single pass: profile requests" $N "$(profile_requests "$tmp/a.log")"
check_eq "1 single pass: each id once" "$(seq $FIRST $LAST)" "$(requested_ids "$tmp/a.log" | sort -n)"

# ---- 2. same date again: nothing changes ---------------------------------------------------
dump_rows "$S/dmhost.sqlite" >"$tmp/rows1"
: >"$tmp/a.log"
run_job w2 weekly "${common[@]}" --state-dir "$S"
check_eq "2 exit code" 0 "$RC"
dump_rows "$S/dmhost.sqlite" >"$tmp/rows2"
check "2 rows unchanged (_version, updatedAt)" cmp -s "$tmp/rows1" "$tmp/rows2"
check "2 list unchanged" cmp -s "$tmp/exp.list" "$S/divemeets-divers-lists/$DATE.csv"
check_eq "2 report unchanged" "$nrows" "$(jqr "$R" .update.unchanged)"
for k in created updated deleted; do check_eq "2 report $k" 0 "$(jqr "$R" .update.$k)"; done
check_eq "2 metrics" "0,0" "$(jq -r .value "$S/metrics.jsonl" | paste -sd,)"
check_eq "2 single pass again" $N "$(profile_requests "$tmp/a.log")"

# ---- 3. scan.lua then update.lua --input-date ----------------------------------------------
S3=$tmp/s3
: >"$tmp/a.log"
run_job s3 scan "${common[@]}" --state-dir "$S3"
check_eq "3 scan exit code" 0 "$RC"
check "3 scan list file is exact" cmp -s "$tmp/exp.list" "$S3/divemeets-divers-lists/$DATE.csv"
check_eq "3 scan fetches each id once" "$(seq $FIRST $LAST)" "$(requested_ids "$tmp/a.log" | sort -n)"
check_eq "3 scan writes no table rows" 0 \
  "$( [ -e "$S3/dmhost.sqlite" ] && sqlite3 "$S3/dmhost.sqlite" 'select count(*) from DiveMeetsDiver' || echo 0)"
check_eq "3 scan report" '"scan" true' "$(jq -r '"\(.job|tojson) \(.ok)"' "$S3/reports/$DATE.json")"
check_eq "3 scan state files" "$(printf '%s\n' divemeets-divers-lists/$DATE.csv metrics.jsonl \
  reports/$DATE.json)" "$(state_files "$S3")"
: >"$tmp/a.log"
run_job u3 update --input-date $DATE --divemeets-url "$URL" --rate 0 --concurrency 32 \
  --date $DATE --state-dir "$S3"
check_eq "3 update exit code" 0 "$RC"
table_cmp "3 update table" "$S3/dmhost.sqlite" "$tmp/exp.rows" 1
check_eq "3 update fetches exactly the listed ids" "$(cat "$tmp/exp.list")" \
  "$(requested_ids "$tmp/a.log" | sort -n)"
R3=$S3/reports/$DATE.json
check_eq "3 update report" "\"update\" true $neligible $nrows $neligible" \
  "$(jq -r '"\(.job|tojson) \(.ok) \(.update.fetched) \(.update.created) \(.update.list_ids)"' "$R3")"
check_eq "3 update skipped" "$(jqr "$tmp/exp.json" '.skipped')" "$(jqr "$R3" '.update.skipped')"
check_eq "3 metrics" "0,0" "$(jq -r .value "$S3/metrics.jsonl" | paste -sd,)"
check_eq "3 state files" "$(printf '%s\n' divemeets-divers-lists/$DATE.csv dmhost.sqlite \
  metrics.jsonl reports/$DATE.json)" "$(state_files "$S3")"

# ---- 4. dry run ------------------------------------------------------------------------------
# (a) a fresh state dir: no list, report, metric or row; it names every record to create
S4=$tmp/s4
run_job d4 weekly "${common[@]}" --state-dir "$S4" --dry-run
check_eq "4a exit code" 0 "$RC"
check_eq "4a no file at all" "" "$(state_files "$S4")"
check_eq "4a no rows" 0 \
  "$( [ -e "$S4/dmhost.sqlite" ] && sqlite3 "$S4/dmhost.sqlite" 'select count(*) from DiveMeetsDiver' || echo 0)"
would() { # would FILE VERB: ids of the "would VERB" log lines, ascending
  grep -h "\"would $2\"" "$1" | jq -r .id | sort -n
}
check_eq "4a would create the expected rows" "$(cut -f1 "$tmp/exp.rows")" \
  "$(would "$tmp/d4.err" create)"
check_eq "4a would update/delete nothing" "" \
  "$(would "$tmp/d4.err" update; would "$tmp/d4.err" delete)"
check "4a summary says dry" grep -q "weekly dry run for $DATE: OK" "$tmp/d4.err"

# (b) a populated state dir with one changed record and one record whose page is gone
changed=$(sed -n 5p "$tmp/exp.rows" | cut -f1)
gone=$(jq '.no_profile_ids[3]' "$tmp/exp.json")
sqlite3 "$S/dmhost.sqlite" "update DiveMeetsDiver set totalRating = 1.5 where id = '$changed'"
"$DMHOST" "$E2E" put "$S/dmhost.sqlite" "$gone" Gone Diver F 16 - 1.0 2.0 3.0
(cd "$S" && find . -type f | sort | xargs sha256sum) >"$tmp/before.sha"
run_job d4b weekly "${common[@]}" --state-dir "$S" --dry-run
check_eq "4b exit code" 0 "$RC"
check_eq "4b state dir byte for byte unchanged" "" \
  "$(cd "$S" && find . -type f | sort | xargs sha256sum | diff - "$tmp/before.sha")"
check_eq "4b would update" "$changed" "$(would "$tmp/d4b.err" update)"
check_eq "4b would delete" "$gone" "$(would "$tmp/d4b.err" delete)"
check_eq "4b would create nothing" "" "$(would "$tmp/d4b.err" create)"

# (c) the real run does what the dry run said
run_job r4 weekly "${common[@]}" --state-dir "$S"
check_eq "4c exit code" 0 "$RC"
table_cmp "4c table" "$S/dmhost.sqlite" "$tmp/exp.rows"
check_eq "4c report" "0 1 $((nrows - 1)) 1" \
  "$(jq -r '"\(.update.created) \(.update.updated) \(.update.unchanged) \(.update.deleted)"' "$R")"
check_eq "4c changed record updated" "2 0" "$(sqlite3 -separator ' ' "$S/dmhost.sqlite" \
  "select _version, _deleted from DiveMeetsDiver where id = '$changed'")"
check_eq "4c gone record soft-deleted" "2 1" "$(sqlite3 -separator ' ' "$S/dmhost.sqlite" \
  "select _version, _deleted from DiveMeetsDiver where id = '$gone'")"
check_eq "4c others untouched" "$((nrows - 1))" "$(sqlite3 "$S/dmhost.sqlite" \
  "select count(*) from DiveMeetsDiver where _version = 1 and _deleted = 0")"

# (d) update.lua --dry-run: the same, for the stage alone
sqlite3 "$S3/dmhost.sqlite" "update DiveMeetsDiver set lastName = 'Changed' where id = '$changed'"
(cd "$S3" && find . -type f | sort | xargs sha256sum) >"$tmp/before3.sha"
run_job d4d update --input-date $DATE --date $DATE --divemeets-url "$URL" --rate 0 \
  --concurrency 32 --state-dir "$S3" --dry-run
check_eq "4d exit code" 0 "$RC"
check_eq "4d state dir byte for byte unchanged" "" \
  "$(cd "$S3" && find . -type f | sort | xargs sha256sum | diff - "$tmp/before3.sha")"
check_eq "4d would update" "$changed" "$(would "$tmp/d4d.err" update)"
check_eq "4d would create/delete nothing" "" \
  "$(would "$tmp/d4d.err" create; would "$tmp/d4d.err" delete)"

finish e2e_weekly
