#!/bin/sh
# run.sh -- runs the Node integration tests (tests/integration/*.test.mjs)
# against the freshly built binary. Part of `make check`. Skips (77) only
# when the test dependencies were not installed (`npm ci` at the top).
# By hand: cd build && sh ../tests/integration/run.sh (MXT_FILES to choose).
set -eu
srcdir=${srcdir:-$(dirname "$0")/../..}
top_srcdir=$(cd "$srcdir" && pwd)
builddir=$(pwd)
if ! command -v node >/dev/null 2>&1 || [ ! -d "$top_srcdir/node_modules/ws" ]; then
  echo "node or node_modules/ws missing: run 'npm ci' in $top_srcdir (./bootstrap check does)"
  exit 77
fi
# By hand, from the build folder: the binary and the decoding helper come
# from make (make check builds them first); built here when missing.
for p in mixroom tests/integration/opus_decode; do
  [ -x "$builddir/$p" ] || make -s "$p" >/dev/null 2>&1 || { echo "$builddir/$p is missing and make could not build it: run this from the build folder"; exit 1; }
done
export MXT_BIN="$builddir/mixroom"
export MXT_SRCDIR="$top_srcdir"
export MXT_LOGDIR="${MXT_LOGDIR:-$builddir/tests/integration/logs}"
files=${MXT_FILES:-$(ls "$top_srcdir"/tests/integration/*.test.mjs)}
# --test-concurrency needs Node >= 20.10 (Debian 12 ships 18).
CONC=
if node --test-concurrency=1 -e 0 >/dev/null 2>&1; then CONC="--test-concurrency=${MXT_JOBS:-2}"; fi
exec node --test $CONC --test-reporter=spec $files
