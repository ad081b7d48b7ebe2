#!/usr/bin/env bash
# tests/sh/repl.sh: the REPL through a pseudo-terminal (tests/sh/repl.py), with the page
# server on 127.0.0.1 for HTTP at the prompt.
set -eo pipefail
source tests/support/pageserver.bash
pageserver_start repl
TMPDIR=$tmp timeout 60 python3 tests/sh/repl.py "$DMHOST" "$URL"
