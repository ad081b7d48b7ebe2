#!/usr/bin/env bash
# tests/sh/e2e_deletes.sh: deletions by the weekly job, checked against the independent oracle
# (tests/jobs/e2e.lua) and records put directly with dm.store.sqlite:
#  - a linked id (<state>/linked-ids.txt) is never created, and an existing one is deleted;
#  - records whose page is gone (no profile), not eligible, or outside the scanned range and
#    not eligible are soft-deleted (_deleted 1, _version + 1);
#  - a record outside the range that is still eligible is kept as is;
#  - a record whose page fails (a 503 fixture) is kept as is and the id reported failed;
#  - a deleted record stays deleted (not revived);
#  - a year later (--date), the divers who left the graduation-year window are deleted and
#    the new class created.
source tests/jobs/e2e_lib.bash
FIRST=25000
LAST=27999
DATE3=2027-12-02
S=$tmp/s
mkdir -p "$S"
common=(--start-index "$FIRST" --end-index "$LAST" --rate 0 --concurrency 64 --state-dir "$S")
sql() { sqlite3 -separator ' ' "$S/dmhost.sqlite" "$1"; }
row_of() { dump_rows "$S/dmhost.sqlite" | awk -F'\t' -v id="$1" '$1 == id'; }

pageserver_start plain
oracle exp0 "$URL" $FIRST $LAST $DATE
# some ids of each sort, from the truth
pick() { jq -r "$1" "$tmp/exp0.json"; }
L2=$(pick '.row_ids[2]')      # linked from the start: never created
L1=$(pick '.row_ids[5]')      # linked later: deleted
D1=$(pick '.row_ids[8]')      # deleted by hand before the run: stays deleted
F=$(pick '.row_ids[11]')      # its page fails in the second run: kept
G1=$(pick '.no_profile_ids[4]')
G2=$(pick '.not_eligible_ids[4]')
# outside the range: one id with no profile and one eligible diver
oracle out "$URL" 24000 24300 $DATE
G3=$(jq -r '.no_profile_ids[0]' "$tmp/out.json")
G4=$(jq -r '.row_ids[0]' "$tmp/out.json")

# ---- run 1: linked L2 is excluded ------------------------------------------------------------
echo "$L2" >"$S/linked-ids.txt"
oracle exp1 "$URL" $FIRST $LAST $DATE "$S/linked-ids.txt"
run_job r1 weekly "${common[@]}" --divemeets-url "$URL" --date $DATE
check_eq "run1 exit code" 0 "$RC"
table_cmp "run1 table" "$S/dmhost.sqlite" "$tmp/exp1.rows" 1
check_eq "run1 linked id not created" "" "$(sql "select id from DiveMeetsDiver where id = '$L2'")"
check_eq "run1 excluded_linked" 1 "$(jqr "$S/reports/$DATE.json" .update.excluded_linked)"
check "run1 list still has the linked id" grep -qx "$L2" "$S/divemeets-divers-lists/$DATE.csv"
check "run1 list is exact" cmp -s "$tmp/exp0.list" "$S/divemeets-divers-lists/$DATE.csv"
pageserver_stop

# ---- prepare run 2 -----------------------------------------------------------------------------
printf '%s\n' "$L2" "$L1" >"$S/linked-ids.txt"
"$DMHOST" "$E2E" put "$S/dmhost.sqlite" "$G1" Gone Profile F 16 - 1.0 2.0 3.0
"$DMHOST" "$E2E" put "$S/dmhost.sqlite" "$G2" Not Eligible M 15 2029 10.0 0.0 10.0
"$DMHOST" "$E2E" put "$S/dmhost.sqlite" "$G3" Out Gone M 15 - 1.5 0.0 1.5
"$DMHOST" "$E2E" put "$S/dmhost.sqlite" "$G4" Out Eligible F 16 2028 5.0 6.0 11.0
sql "update DiveMeetsDiver set _deleted = 1, _version = _version + 1 where id = '$D1'"
before_F=$(row_of "$F"); before_G4=$(row_of "$G4"); before_D1=$(row_of "$D1")
dump_rows "$S/dmhost.sqlite" >"$tmp/before2.rows"
# the fixture: F answers 503 every time
mkdir -p "$tmp/fx"
echo '<html><body>Service Unavailable</body></html>' >"$tmp/fx/$F.html"
echo 503 >"$tmp/fx/$F.status"
pageserver_start failing --fixtures "$tmp/fx"

# ---- run 2 ------------------------------------------------------------------------------------
run_job r2 weekly "${common[@]}" --divemeets-url "$URL" --date $DATE --retries 1
R=$S/reports/$DATE.json
check_eq "run2 exit code" 0 "$RC"
for id in $L1 $G1 $G2 $G3; do
  check_eq "run2 $id soft-deleted" "2 1" "$(sql "select _version, _deleted from DiveMeetsDiver where id = '$id'")"
done
check_eq "run2 deleted count" 4 "$(jqr "$R" .update.deleted)"
check_eq "run2 failing page: record kept as is" "$before_F" "$(row_of "$F")"
check_eq "run2 failing page reported" "$F" "$(jq -r --arg f "$F" '.failed_ids[] | select(tostring == $f)' "$R")"
check_eq "run2 kept_unverified" 1 "$(jqr "$R" .update.kept_unverified)"
check_eq "run2 out-of-range eligible record kept as is" "$before_G4" "$(row_of "$G4")"
check_eq "run2 kept_not_listed" 1 "$(jqr "$R" .update.kept_not_listed)"
check_eq "run2 deleted record stays deleted" "$before_D1" "$(row_of "$D1")"
check_eq "run2 skipped record_deleted" 1 "$(jqr "$R" .update.skipped.record_deleted)"
check_eq "run2 linked L2 still absent" "" "$(sql "select id from DiveMeetsDiver where id = '$L2'")"
check_eq "run2 excluded_linked" 2 "$(jqr "$R" .update.excluded_linked)"
check_eq "run2 G3/G4 fetched by the update" "$(printf '%s\n' "$G3" "$G4")" \
  "$(requested_ids "$tmp/failing.log" | awk -v a=$FIRST -v b=$LAST '$1 < a || $1 > b' | sort -n)"
# every other row: untouched
check_eq "run2 other rows untouched" "" "$(dump_rows "$S/dmhost.sqlite" \
  | grep -vE "^($L1|$G1|$G2|$G3)\s" | diff - <(grep -vE "^($L1|$G1|$G2|$G3)\s" "$tmp/before2.rows"))"
# the live table: the oracle's rows with both linked ids out, minus D1, plus G4
oracle exp2 "$URL" $FIRST $LAST $DATE "$S/linked-ids.txt"
{ grep -v "^$D1	" "$tmp/exp2.rows"; printf '%s\n' "$before_G4" | cut -f1-9; } >"$tmp/want2.rows"
table_cmp "run2 live table" "$S/dmhost.sqlite" "$tmp/want2.rows"
pageserver_stop

# ---- run 3: a year later -----------------------------------------------------------------------
pageserver_start plain2
oracle exp3 "$URL" $FIRST $LAST $DATE3 "$S/linked-ids.txt"
dump_rows "$S/dmhost.sqlite" >"$tmp/before3.rows"
# live rows before that are no longer in the oracle's rows (G4 aside: outside the range)
aged=$(awk -F'\t' '$11 == 0 {print $1}' "$tmp/before3.rows" | grep -vx "$G4" \
  | grep -vxFf <(cut -f1 "$tmp/exp3.rows"))
newc=$(cut -f1 "$tmp/exp3.rows" | grep -vxFf <(cut -f1 "$tmp/before3.rows"))
naged=$(echo "$aged" | grep -c .)
check "run3 some divers aged out ($naged) and some are new ($(echo "$newc" | grep -c .))" \
  [ "$naged" -gt 0 -a -n "$newc" ]
run_job r3 weekly "${common[@]}" --divemeets-url "$URL" --date $DATE3
R3=$S/reports/$DATE3.json
check_eq "run3 exit code" 0 "$RC"
check "run3 list is exact" cmp -s "$tmp/exp3.list" "$S/divemeets-divers-lists/$DATE3.csv"
check_eq "run3 deleted = aged out" "$naged" "$(jqr "$R3" .update.deleted)"
bad=""
for id in $aged; do
  [ "$(sql "select _deleted from DiveMeetsDiver where id = '$id'")" == 1 ] || bad="$bad $id"
done
check_eq "run3 aged-out divers soft-deleted" "" "$bad"
{ grep -v "^$D1	" "$tmp/exp3.rows"; printf '%s\n' "$before_G4" | cut -f1-9; } >"$tmp/want3.rows"
table_cmp "run3 live table" "$S/dmhost.sqlite" "$tmp/want3.rows"
check_eq "run3 new class created with _version 1" "" "$(for id in $newc; do
  sql "select id from DiveMeetsDiver where id = '$id' and (_version <> 1 or _deleted <> 0)"; done)"
check_eq "run3 metric" 0 "$(tail -n1 "$S/metrics.jsonl" | jq .value)"

# ---- run 4: too many deletions at once: the run writes and deletes nothing ----------------------
# 80 records for ids with no profile: more than 10 deletions and more than 20 % of the table
cp -a "$S" "$tmp/s4"
S=$tmp/s4
common=(--start-index "$FIRST" --end-index "$LAST" --rate 0 --concurrency 64 --state-dir "$S")
{
  echo "BEGIN;"
  jq -r '.no_profile_ids[10:90][]' "$tmp/exp0.json" | while read -r id; do
    echo "INSERT INTO DiveMeetsDiver VALUES ('$id','Gone','Page','M',16,NULL,1.0,0.0,1.0,1,0,0,'2026-01-01T00:00:00.000Z','2026-01-01T00:00:00.000Z');"
  done
  echo "COMMIT;"
} | sqlite3 "$S/dmhost.sqlite"
live=$(sql "select count(*) from DiveMeetsDiver where _deleted = 0")
check "run4 80 deletions are above the limits ($live live)" [ $((80 * 5)) -gt "$live" ]
dump_rows "$S/dmhost.sqlite" >"$tmp/before4.rows"
run_job r4 weekly "${common[@]}" --divemeets-url "$URL" --date $DATE3
check_eq "run4 exit code" 1 "$RC"
check_eq "run4 table untouched" "" "$(dump_rows "$S/dmhost.sqlite" | diff - "$tmp/before4.rows")"
check "run4 report names the limit" grep -q max_delete_share "$S/reports/$DATE3.json"
check_eq "run4 report not ok, deleted 0" "false 0" \
  "$(jq -r '"\(.ok) \(.update.deleted)"' "$S/reports/$DATE3.json")"
check_eq "run4 metric 1" 1 "$(tail -n1 "$S/metrics.jsonl" | jq .value)"

finish e2e_deletes
