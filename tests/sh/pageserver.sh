#!/usr/bin/env bash
# tests/sh/pageserver.sh: the test page server (tests/support/pageserver) end to end with
# curl on 127.0.0.1: pages and truth equal the generator's, fixtures, faults that heal
# after K tries, generic endpoints, in-flight counters under concurrency, clean SIGTERM.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${DM_BUILD_DIR:-$root/build}
server=${PAGESERVER:-$build/tests/support/pageserver}
[ -x "$server" ] || { echo "pageserver not built at $server" >&2; exit 1; }
command -v curl >/dev/null || { echo "curl missing" >&2; exit 1; }

tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
passed=0
failed=0
ok() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }
expect_eq() { if [ "$1" = "$2" ]; then ok; else fail "$3: got '$1', want '$2'"; fi; }

# start NAME ARGS...: starts a server, sets $url and $pid
start() {
  local name=$1
  shift
  rm -f "$tmp/$name.port"
  "$server" --port 0 --port-file "$tmp/$name.port" --max-seconds 120 --year 2026 "$@" \
    >"$tmp/$name.out" 2>&1 &
  pid=$!
  pids+=("$pid")
  for _ in $(seq 1 200); do
    [ -s "$tmp/$name.port" ] && break
    sleep 0.02
  done
  url="http://127.0.0.1:$(cat "$tmp/$name.port")"
}
code() { curl -s -o /dev/null -m 5 -w '%{http_code}' "$@"; }
stat_of() { curl -s "$url/stats" | grep -o "\"$1\":[0-9]*" | cut -d: -f2; }

# ---- plain server -----------------------------------------------------------------------
start plain --log "$tmp/plain.log"
grep -q "^listening on 127.0.0.1:" "$tmp/plain.out" && ok || fail "no 'listening on' line"

"$server" --print-page 25009 --year 2026 >"$tmp/p.expect"
curl -s "$url/divemeets/system/profile.php?number=25009" -o "$tmp/p.got"
cmp -s "$tmp/p.expect" "$tmp/p.got" && ok || fail "profile page differs from --print-page"
"$server" --print-truth 25009 --year 2026 | tr -d '\n' >"$tmp/t.expect"
curl -s "$url/divemeets/system/truth.php?number=25009" >"$tmp/t.got"
cmp -s "$tmp/t.expect" "$tmp/t.got" && ok || fail "truth differs from --print-truth"
grep -q '"kind":"profile"' "$tmp/t.got" && ok || fail "truth kind"

# a generated blocked id answers 403 "Just a moment..."
blocked=$("$server" --list 25000 27000 --year 2026 | awk '$2 == "blocked" { print $1; exit }')
expect_eq "$(code "$url/divemeets/system/profile.php?number=$blocked")" 403 "blocked id $blocked"
curl -s "$url/divemeets/system/profile.php?number=$blocked" | grep -q "<title>Just a moment...</title>" \
  && ok || fail "blocked page title"
expect_eq "$(code "$url/divemeets/system/profile.php?number=abc")" 200 "bad number"

expect_eq "$(curl -s "$url/bytes?n=1000" | wc -c)" 1000 "/bytes size"
expect_eq "$(code "$url/status?code=503")" 503 "/status"
curl -s -D "$tmp/h" -o /dev/null "$url/status?code=429&retry_after=7"
grep -qi "^Retry-After: 7" "$tmp/h" && ok || fail "Retry-After header"
got=""
for _ in 1 2 3; do got="$got$(code "$url/flaky?key=k1&fail=2&code=502") "; done
expect_eq "$got" "502 502 200 " "/flaky by code"
curl -s -m 5 "$url/flaky?key=k2&fail=1&mode=reset" >/dev/null
expect_eq $? 56 "/flaky reset (curl: recv failure)"
expect_eq "$(code "$url/flaky?key=k2&fail=1&mode=reset")" 200 "/flaky reset heals"
curl -s -m 5 "$url/reset" >/dev/null
expect_eq $? 56 "/reset"
curl -s -m 5 "$url/truncate" >/dev/null
expect_eq $? 18 "/truncate (curl: partial file)"
expect_eq "$(curl -s "$url/slow?chunks=3&interval_ms=50")" "$(printf 'chunk 0\nchunk 1\nchunk 2')" "/slow"
expect_eq "$(curl -s --compressed "$url/gzip?lines=2" | wc -l)" 2 "/gzip decoded"
curl -s -D "$tmp/h" -o /dev/null "$url/gzip"
grep -qi "^Content-Encoding: gzip" "$tmp/h" && ok || fail "gzip header"
curl -s -X POST -H 'X-Probe: yes' --data 'a"b' "$url/echo?q=1" >"$tmp/echo"
grep -q '"method":"POST"' "$tmp/echo" && grep -q '"x-probe":"yes"' "$tmp/echo" &&
  grep -q '"body":"a\\"b"' "$tmp/echo" && grep -q '"query":"q=1"' "$tmp/echo" && ok ||
  fail "/echo: $(cat "$tmp/echo")"
expect_eq "$(code "$url/nope")" 404 "unknown path"
t=$(curl -s -o /dev/null -w '%{time_total}' "$url/bytes?n=1&delay_ms=300")
awk -v t="$t" 'BEGIN { exit !(t >= 0.29) }' && ok || fail "delay_ms=300 took $t s"

# in-flight counters under concurrency: 20 requests held 3 s each, at once
curl -s "$url/stats/reset" >/dev/null
clients=()
for _ in $(seq 1 20); do
  curl -s -o /dev/null "$url/bytes?n=1&delay_ms=3000" &
  clients+=($!)
done
for _ in $(seq 1 100); do # until all 20 have arrived (a loaded machine starts curl slowly)
  inflight=$(stat_of in_flight)
  [ "$inflight" = 20 ] && break
  sleep 0.02
done
wait "${clients[@]}"
peak=$(stat_of peak_in_flight)
expect_eq "$inflight" 20 "in_flight while 20 requests wait"
expect_eq "$peak" 20 "peak_in_flight"
expect_eq "$(stat_of in_flight)" 0 "in_flight after"
expect_eq "$(curl -s "$url/stats" | grep -o '"/bytes":[0-9]*')" '"/bytes":20' "per-path count"
[ -s "$tmp/plain.log" ] && ok || fail "--log wrote nothing"

kill -TERM "$pid"
for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.02; done
wait "$pid"
expect_eq $? 0 "exit status after SIGTERM"

# ---- faults: every id fails twice with 503, then heals ------------------------------------
start faulty --fault-5xx 100 --fault-times 2
got=""
for _ in 1 2 3; do got="$got$(code "$url/divemeets/system/profile.php?number=30001") "; done
expect_eq "$got" "503 503 200 " "--fault-5xx 100 --fault-times 2"
kill "$pid"

start hang --fault-timeout 100
curl -s -m 0.5 "$url/divemeets/system/profile.php?number=30002" >/dev/null
expect_eq $? 28 "--fault-timeout: the client times out"
sleep 0.1
expect_eq "$(stat_of in_flight)" 0 "a hung request leaves in_flight when the client gives up"
expect_eq "$(code "$url/divemeets/system/profile.php?number=30002")" 200 "timeout fault heals"
kill "$pid"

start trunc --fault-truncate 100 --fault-times -1
for _ in 1 2; do
  curl -s -m 5 "$url/divemeets/system/profile.php?number=30003" >/dev/null
  expect_eq $? 18 "--fault-times -1 keeps failing"
done
kill "$pid"

# deterministic by id and seed: the same ids fail on every run
start s1 --fault-403 30 --seed 7
a=$(for id in $(seq 40000 40040); do code "$url/divemeets/system/profile.php?number=$id"; done)
kill "$pid"
start s2 --fault-403 30 --seed 7
b=$(for id in $(seq 40000 40040); do code "$url/divemeets/system/profile.php?number=$id"; done)
kill "$pid"
expect_eq "$a" "$b" "faults are deterministic for a seed"
case "$a" in *403*) ok ;; *) fail "no 403 among 41 ids at 30%" ;; esac

# ---- fixtures and latency ---------------------------------------------------------------
mkdir -p "$tmp/fx"
printf '<html>fixture</html>' >"$tmp/fx/77.html"
printf '404\n' >"$tmp/fx/77.status"
printf '{"kind":"no_profile"}' >"$tmp/fx/77.json"
start fx --fixtures "$tmp/fx" --latency-ms 150
expect_eq "$(curl -s "$url/divemeets/system/profile.php?number=77")" "<html>fixture</html>" "fixture body"
expect_eq "$(code "$url/divemeets/system/profile.php?number=77")" 404 "fixture status"
expect_eq "$(curl -s "$url/divemeets/system/truth.php?number=77")" '{"kind":"no_profile"}' "fixture truth"
t=$(curl -s -o /dev/null -w '%{time_total}' "$url/divemeets/system/profile.php?number=78")
awk -v t="$t" 'BEGIN { exit !(t >= 0.14) }' && ok || fail "--latency-ms 150 took $t s"
kill "$pid"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
