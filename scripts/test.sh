#!/bin/sh
# README's test command: install what is needed, build, run the whole suite.
# Ends with one line "N passed, N failed, N skipped".  Must run as root.
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
sh scripts/deps.sh
sh scripts/build.sh
VG_BUILD="$TOP/_build" exec bash tests/run "$@"
