#!/bin/sh
# run.sh -- runs the browser tests (tests/browser/*.test.mjs): headless
# Debian Chromium driven by playwright-core against the freshly built
# server. Part of `make check`. Skips (77) only when node, the npm test
# dependencies (`npm ci` at the top) or /usr/bin/chromium are missing.
set -eu
srcdir=${srcdir:-$(dirname "$0")/../..}
top_srcdir=$(cd "$srcdir" && pwd)
builddir=$(pwd)
chromium=${MXT_CHROMIUM:-/usr/bin/chromium}
if ! command -v node >/dev/null 2>&1 || [ ! -d "$top_srcdir/node_modules/playwright-core" ] || [ ! -d "$top_srcdir/node_modules/ws" ]; then
  echo "node or node_modules/playwright-core missing: run 'npm ci' in $top_srcdir"
  exit 77
fi
if [ ! -x "$chromium" ]; then
  echo "$chromium missing: apt-get install -y chromium"
  exit 77
fi
export MXT_BIN="${MXT_BIN:-$builddir/mixroom}"
export MXT_SRCDIR="$top_srcdir"
export MXT_CHROMIUM="$chromium"
files=${MXT_FILES:-$(ls "$top_srcdir"/tests/browser/*.test.mjs)}
# One file at a time: each runs a server and several Chromium pages.
# --test-concurrency needs Node >= 20.10 (Debian 12 ships 18).
CONC=
if node --test-concurrency=1 -e 0 >/dev/null 2>&1; then CONC="--test-concurrency=1"; fi
exec node --test $CONC --test-reporter=spec $files
