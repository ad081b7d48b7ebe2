#!/usr/bin/env bash
# tests/sh/cli.sh: the dmhost command line: exit codes, messages, the arg table, root
# discovery from any directory and from an installed copy, stdin scripts, failures in
# tasks and callbacks, and a job that would wait forever. Needs $DMHOST (set by ctest).
set -u
DMHOST=${DMHOST:-build/dmhost}
DMHOST=$(readlink -f "$DMHOST")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0; passes=0

# expect NAME WANT_RC PATTERN -- command...: runs it (10 s bound) and checks rc + output.
expect() {
  local name=$1 want=$2 pattern=$3; shift 4
  local out rc
  out=$(cd "$tmp" && timeout 10 "$@" 2>&1); rc=$?
  if [ "$rc" != "$want" ] || ! grep -qE -- "$pattern" <<<"$out"; then
    echo "FAIL $name: rc=$rc (want $want), output:"; sed 's/^/    /' <<<"$out"
    fails=$((fails + 1))
  else
    passes=$((passes + 1))
  fi
}

expect help 0 "usage: dmhost" -- "$DMHOST" --help
expect version 0 "^dmhost [0-9]+\.[0-9]+\.[0-9]+ \(Lua 5\.4" -- "$DMHOST" -v
expect unknown-option 2 "unknown option '--frobnicate'" -- "$DMHOST" --frobnicate
expect e-needs-arg 2 "'-e' needs an argument" -- "$DMHOST" -e
expect missing-script 2 "cannot open script 'nope.lua'" -- "$DMHOST" nope.lua
printf 'local x = = 1\n' >"$tmp/syntax.lua"
expect syntax-error 1 "syntax.lua:1: unexpected symbol" -- "$DMHOST" syntax.lua
printf 'local function f()\n  error("kaput")\nend\nf()\n' >"$tmp/err.lua"
expect runtime-error 1 "err.lua:2: kaput" -- "$DMHOST" err.lua
expect runtime-traceback 1 "stack traceback:" -- "$DMHOST" err.lua
expect traceback-names-line 1 "err.lua:4: in main chunk" -- "$DMHOST" err.lua
printf 'print(arg[0], arg[1], arg[2], #arg, select("#", ...), ...)\n' >"$tmp/args.lua"
expect arg-table 0 "args.lua	a	b c	2	2	a	b c" -- "$DMHOST" args.lua a "b c"
expect dash-dash 0 "args.lua	-x" -- "$DMHOST" -- args.lua -x
expect e-chunk 0 "^42$" -- "$DMHOST" -e "print(6 * 7)"
expect e-error 1 "command line.:1: nope" -- "$DMHOST" -e "error('nope')"
expect stdin-script 0 "^from stdin$" -- bash -c "echo 'print(\"from stdin\")' | '$DMHOST' -"
expect stdin-no-tty 0 "^piped$" -- bash -c "echo 'print(\"piped\")' | '$DMHOST'"
expect require-from-elsewhere 0 "^function$" -- "$DMHOST" -e 'print(type(require("dm.http").get))'
expect task-error 1 "background boom" -- "$DMHOST" -e \
  'require("dm.task").spawn(function() error("background boom") end)'
expect callback-error 1 "error in callback" -- "$DMHOST" -e \
  'require("dm.core.host").timer(1, function() error("cb boom") end)'
expect never-hangs 1 "can no longer happen" -- "$DMHOST" -e \
  'require("dm.task").await(function(cb) end)'
expect refused 1 "refused" -- "$DMHOST" -e \
  'assert(require("dm.http").get("http://127.0.0.1:1/", {retries = 0}))'
expect bad-url 0 "bad_url" -- "$DMHOST" -e \
  'print(require("dm.http").get("http://exa mple.com/"))'
expect exit-code 3 "" -- "$DMHOST" -e 'require("dm.core.host").exit(3)'

# an installed copy finds its own share folder, wherever it runs from
build_dir=$(dirname "$DMHOST")
if cmake --install "$build_dir" --prefix "$tmp/prefix" >/dev/null 2>&1; then
  expect installed-root 0 "$tmp/prefix/bin/../share/dmhost" -- \
    "$tmp/prefix/bin/dmhost" -e 'print(require("dm.core.host").root)'
  mkdir -p "$tmp/elsewhere"; printf 'print(type(require("dm.task").map))\n' >"$tmp/elsewhere/x.lua"
  expect installed-require 0 "^function$" -- "$tmp/prefix/bin/dmhost" "$tmp/elsewhere/x.lua"
else
  echo "FAIL install: cmake --install failed"; fails=$((fails + 1))
fi

echo "cli: $passes passed, $fails failed"
[ "$fails" -eq 0 ]
