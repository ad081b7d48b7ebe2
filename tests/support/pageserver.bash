# tests/support/pageserver.bash: start test page servers from shell tests and benchmarks.
# Source it (cwd = the source root; env DMHOST and DM_BUILD_DIR as ctest sets them), then
#   pageserver_start NAME [pageserver options...]   # sets URL; logs in $tmp/NAME.{out,log}
#                                     (PAGESERVER_NOLOG=1: no request log, for benchmarks)
#   pageserver_stop                                 # stops the last one started
# Servers listen on 127.0.0.1 port 0, stop by themselves after --max-seconds, and are killed
# (and $tmp removed, unless KEEP_TMP is set) when the script exits.
# shellcheck disable=SC2034  # DMHOST, BUILD, URL are for the scripts that source this
set -u
export DMHOST_LOOPBACK_ONLY=1 # as under ctest: no request can leave 127.0.0.1
DMHOST=$(readlink -f "${DMHOST:-build/dmhost}")
BUILD=$(readlink -f "${DM_BUILD_DIR:-$(dirname "$DMHOST")}")
PAGESERVER="$BUILD/tests/support/pageserver"
tmp=$(mktemp -d)
server_pids=()

pageserver_cleanup() {
  local p
  for p in "${server_pids[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${server_pids[@]}"; do wait "$p" 2>/dev/null; done
  if [ -n "${KEEP_TMP:-}" ]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
}
trap pageserver_cleanup EXIT

pageserver_start() {
  local name=$1; shift
  rm -f "$tmp/$name.port"
  local log=(--log "$tmp/$name.log")
  [ -n "${PAGESERVER_NOLOG:-}" ] && log=() # benchmarks: no per-request log line
  "$PAGESERVER" --port 0 --port-file "$tmp/$name.port" --max-seconds 300 \
    "${log[@]}" "$@" >"$tmp/$name.out" 2>&1 &
  server_pids+=($!)
  local _
  for _ in $(seq 200); do [ -s "$tmp/$name.port" ] && break; sleep 0.05; done
  if [ ! -s "$tmp/$name.port" ]; then
    echo "cannot start the page server $name"; cat "$tmp/$name.out"; exit 1
  fi
  URL="http://127.0.0.1:$(cat "$tmp/$name.port")"
}

pageserver_stop() {
  local p=${server_pids[-1]}
  kill "$p" 2>/dev/null; wait "$p" 2>/dev/null
  unset 'server_pids[-1]'
}
