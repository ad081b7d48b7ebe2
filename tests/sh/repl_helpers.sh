#!/usr/bin/env bash
# tests/sh/repl_helpers.sh: the REPL's diver helpers (profile, explain, rating, site) through a
# pseudo-terminal (tests/sh/repl.py --helpers), fetching from the page server on 127.0.0.1
# serving tests/fixtures/profiles (given to the REPL as DM_DIVEMEETS_URL).
set -eo pipefail
source tests/support/pageserver.bash
pageserver_start helpers --fixtures tests/fixtures/profiles --year 2026
TMPDIR=$tmp timeout 60 python3 tests/sh/repl.py "$DMHOST" "$URL" --helpers
