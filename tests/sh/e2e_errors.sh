#!/usr/bin/env bash
# tests/sh/e2e_errors.sh: the jobs' answers to mistakes.
#  - bad options (digits, start > end, dates, unknown options, --event, update without
#    --input-date, a bad --config): exit 2, exactly one line on stderr saying what is wrong,
#    nothing on stdout, no state dir created, no request made;
#  - broken rules files (syntax error, wrong type, a forbidden name, a bad function result,
#    a bad linked-ids.txt), in a copy of the project run through DMHOST_ROOT: exit 1, exactly
#    one stderr line naming the file (with its line where there is one), no traceback, no
#    request made, nothing published or written to the table, metric 1.
source tests/jobs/e2e_lib.bash
pageserver_start srv
small=(--start-index 25000 --end-index 25010 --divemeets-url "$URL" --rate 0 --date "$DATE")

# bad_opt NAME JOB PATTERN ARGS...: exit 2, one stderr line matching PATTERN
bad_opt() {
  local name=$1 job=$2 pattern=$3; shift 3
  local S=$tmp/opt-$name
  run_job "opt-$name" "$job" --state-dir "$S" "$@"
  local err="$tmp/opt-$name.err"
  if [ "$RC" == 2 ] && [ "$(wc -l <"$err")" == 1 ] && grep -qE -- "^$job: $pattern" "$err" \
    && [ ! -s "$tmp/opt-$name.out" ] && [ ! -e "$S" ]; then
    pass
  else
    fail "option $name: rc=$RC (want 2), stderr:"; sed 's/^/    /' "$err"
    [ -e "$S" ] && echo "    (the state dir was created)"
  fi
}

bad_opt start-letters weekly "--start-index must be digits only \(got \"5x\"\)" \
  "${small[@]}" --start-index 5x
bad_opt end-negative scan "--end-index must be digits only" "${small[@]}" --end-index -3
bad_opt start-after-end weekly "--start-index 30 is after --end-index 20" \
  "${small[@]}" --start-index 30 --end-index 20
bad_opt date-month weekly "--date must be a date yyyy-MM-dd \(got \"2026-13-01\"\)" \
  "${small[@]}" --date 2026-13-01
bad_opt date-feb30 weekly "--date must be a date yyyy-MM-dd" "${small[@]}" --date 2026-02-30
bad_opt date-short scan "--date must be a date yyyy-MM-dd" "${small[@]}" --date 26-12-1
bad_opt unknown weekly "unknown option '--frobnicate'" "${small[@]}" --frobnicate
bad_opt scan-dry-run scan "unknown option '--dry-run'" "${small[@]}" --dry-run
bad_opt event-syntax weekly "--event must be a JSON object" "${small[@]}" --event '{bad'
bad_opt event-array weekly "--event must be a JSON object" "${small[@]}" --event '[1]'
bad_opt event-key weekly "--event has an unknown key \"start\"" "${small[@]}" --event '{"start":"1"}'
bad_opt event-letters weekly "--event start_index must be digits only" "${small[@]}" \
  --event '{"start_index":"2x","end_index":"3"}'
bad_opt update-no-input-date update "--input-date yyyy-MM-dd is required" \
  --divemeets-url "$URL" --date $DATE
bad_opt update-bad-input-date update "--input-date must be a date" \
  --divemeets-url "$URL" --input-date 2026-1-1
bad_opt concurrency-zero weekly "--concurrency must be a whole number >= 1" \
  "${small[@]}" --concurrency 0
bad_opt missing-value weekly "--date needs a value" "${small[@]}" --date
bad_opt url weekly "--divemeets-url must be an http\(s\) URL" "${small[@]}" --divemeets-url ftp://x
printf 'return { concurrency = "lots" }\n' >"$tmp/conf.lua"
bad_opt config-type weekly ".*conf\.lua:1: concurrency must be an integer" \
  "${small[@]}" --config "$tmp/conf.lua"
printf 'return { concurrency = \n' >"$tmp/conf2.lua"
bad_opt config-syntax weekly ".*conf2\.lua:[0-9]+: " "${small[@]}" --config "$tmp/conf2.lua"
check_eq "no request made by a bad command line" 0 "$(profile_requests "$tmp/srv.log")"

# the good forms, for contrast
run_job help weekly --help
check_eq "--help exit code" 0 "$RC"
check "--help prints the usage" grep -q "usage: dmhost jobs/weekly.lua" "$tmp/help.out"
run_job event-ok weekly --event '{"start_index":"25000","end_index":"25010"}' \
  --divemeets-url "$URL" --rate 0 --date $DATE --state-dir "$tmp/event-ok"
check_eq "--event JSON runs its range" "0 11" "$RC $(profile_requests "$tmp/srv.log")"
: >"$tmp/srv.log"

# ---- update.lua and its input list ----------------------------------------------------------
S=$tmp/upd
run_job upd-missing update --input-date 2026-11-25 --date $DATE --divemeets-url "$URL" --state-dir "$S"
check_eq "update: missing list exit code" 1 "$RC"
check "update: missing list reason names the file" \
  grep -q "reason: cannot read the id list: .*divemeets-divers-lists/2026-11-25.csv" "$tmp/upd-missing.err"
check_eq "update: missing list metric 1" 1 "$(tail -n1 "$S/metrics.jsonl" | jq .value)"
# a hand-edited list: bad lines are reported and skipped, duplicates read once
printf '25009\nabc\n25018\n25009\n\n-5\n' >"$S/divemeets-divers-lists/2026-11-25.csv"
: >"$tmp/srv.log"
run_job upd-bad update --input-date 2026-11-25 --date $DATE --divemeets-url "$URL" --state-dir "$S" --rate 0
check_eq "update: bad lines exit code" 0 "$RC"
check_eq "update: bad lines reported" '[{"line":2,"text":"abc"},{"line":6,"text":"-5"}]' \
  "$(jqr "$S/reports/$DATE.json" .update.bad_list_lines)"
check_eq "update: good ids fetched once" "25009 25018" \
  "$(requested_ids "$tmp/srv.log" | sort -n | paste -sd' ')"
check_eq "update: good ids written" "25009 25018" \
  "$(sqlite3 "$S/dmhost.sqlite" 'select id from DiveMeetsDiver order by id' | paste -sd' ')"
: >"$tmp/srv.log"

# ---- broken rules files ---------------------------------------------------------------------
root=$tmp/root
mkdir -p "$root"
cp -r lua jobs rules "$root/"

# bad_rules NAME FILE PATTERN: with the broken $root/rules/FILE in place, weekly must fail
bad_rules() {
  local name=$1 file=$2 pattern=$3
  local S=$tmp/rules-$name
  mkdir -p "$S"
  DMHOST_ROOT=$root timeout 60 "$DMHOST" "$root/jobs/weekly.lua" "${small[@]}" --state-dir "$S" \
    >"$tmp/rules-$name.out" 2>"$tmp/rules-$name.err"
  local rc=$?
  local err="$tmp/rules-$name.err"
  local naming; naming=$(grep -c -- "$file" "$err")
  if [ "$rc" == 1 ] && [ "$naming" == 1 ] && grep -qE -- "$pattern" "$err" \
    && ! grep -qi "traceback" "$err"; then
    pass
  else
    fail "rules $name: rc=$rc (want 1), $naming lines name $file, stderr:"; sed 's/^/    /' "$err"
  fi
  check_eq "rules $name: no request" 0 "$(profile_requests "$tmp/srv.log")"
  check_eq "rules $name: nothing published or written" "" \
    "$(state_files "$S" | grep -vE '^(reports/.*\.json|metrics\.jsonl|linked-ids\.txt)$')"
  check_eq "rules $name: metric 1" 1 "$(jq .value "$S/metrics.jsonl" 2>/dev/null)"
  cp rules/* "$root/rules/" # repair
}

printf 'return {\n  fina_age = { min = 14, max = 18 \n' >"$root/rules/eligibility.lua"
bad_rules elig-syntax rules/eligibility.lua "rules/eligibility.lua:3: '}' expected"
sed -i 's/min = 14/min = "14"/' "$root/rules/eligibility.lua"
bad_rules elig-type rules/eligibility.lua \
  "rules/eligibility.lua:12: fina_age.min must be an integer \(got string \"14\"\)"
sed -i '1i local f = io.open("/etc/passwd")' "$root/rules/eligibility.lua"
bad_rules elig-io rules/eligibility.lua "rules/eligibility.lua:1: .*unknown name 'io'"
sed -i 's/return first, first + hs.classes - 1/return first, "soon"/' "$root/rules/eligibility.lua"
bad_rules elig-window rules/eligibility.lua "rules/eligibility.lua: grad_year_window"
sed -i 's/max_failed_share = 0.02/max_failed_share = "2%"/' "$root/rules/filters.lua"
bad_rules filters-type rules/filters.lua "rules/filters.lua:[0-9]+: safety.max_failed_share"
sed -i 's/times_weight_base = 1.01/times_weight_base = "x"/' "$root/rules/rating.lua"
bad_rules rating-type rules/rating.lua "rules/rating.lua:[0-9]+: times_weight_base"
sed -i 's|rules/dive_table.tsv|rules/no_such_table.tsv|' "$root/rules/rating.lua"
bad_rules rating-table no_such_table.tsv "no_such_table.tsv: cannot open"
mkdir -p "$tmp/rules-linked"
printf '12345\nabc\n' >"$tmp/rules-linked/linked-ids.txt"
bad_rules linked linked-ids.txt "linked-ids.txt:2: not a DiveMeets id"

finish e2e_errors
