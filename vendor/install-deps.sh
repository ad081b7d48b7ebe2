#!/usr/bin/env bash
# vendor/install-deps.sh: installs everything dmhost needs from Debian 12 packages
# (build, run, test). Idempotent: installs only what is missing. Run as root.
# Usage: vendor/install-deps.sh [--test]   (--test adds the test tools and npm peers)
set -euo pipefail

build_pkgs=(build-essential cmake pkg-config liblua5.4-dev lua5.4 libuv1-dev
            libcurl4-openssl-dev libgumbo-dev lua-cjson-dev libsqlite3-dev libreadline-dev
            zlib1g-dev tzdata ca-certificates)
test_pkgs=(lua-busted lua-check valgrind wrk curl procps python3 sqlite3 jq)

want=("${build_pkgs[@]}")
if [ "${1:-}" = "--test" ]; then
  want+=("${test_pkgs[@]}")
fi

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing packages: ${missing[*]} (run as root, or install them)" >&2
    exit 1
  fi
  echo "install-deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
