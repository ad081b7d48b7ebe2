#!/usr/bin/env bash
# tests/run.sh: the whole test suite, from a fresh Debian 12 machine: installs the
# packages (vendor/install-deps.sh --test), configures and builds, then runs ctest,
# the single driver (C tests under ASan/UBSan, Lua specs inside dmhost, shell tests,
# luacheck, a valgrind run). Usage: bash tests/run.sh [extra ctest args]
set -euo pipefail
cd "$(dirname "$0")/.."
bash vendor/install-deps.sh --test
build=${DM_BUILD:-build}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$(nproc)"
cd "$build"
ctest --output-on-failure -j"$(nproc)" "$@"
