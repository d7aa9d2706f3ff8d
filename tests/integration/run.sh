#!/bin/sh
# run.sh -- runs the Node integration tests (tests/integration/*.test.mjs)
# against the freshly built binary. Part of `make check`. Skips (77) only
# when the test dependencies were not installed (`npm ci` at the top).
set -eu
srcdir=${srcdir:-$(dirname "$0")/../..}
top_srcdir=$(cd "$srcdir" && pwd)
builddir=$(pwd)
if ! command -v node >/dev/null 2>&1 || [ ! -d "$top_srcdir/node_modules/ws" ]; then
  echo "node or node_modules/ws missing: run 'npm ci' in $top_srcdir (./bootstrap check does)"
  exit 77
fi
export MXT_BIN="$builddir/mixroom"
export MXT_SRCDIR="$top_srcdir"
export MXT_LOGDIR="${MXT_LOGDIR:-$builddir/tests/integration/logs}"
files=${MXT_FILES:-$(ls "$top_srcdir"/tests/integration/*.test.mjs)}
# --test-concurrency needs Node >= 20.10 (Debian 12 ships 18).
CONC=
if node --test-concurrency=1 -e 0 >/dev/null 2>&1; then CONC="--test-concurrency=${MXT_JOBS:-2}"; fi
exec node --test $CONC --test-reporter=spec $files
