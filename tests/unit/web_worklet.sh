#!/bin/sh
# web_worklet.sh -- runs tests/unit/web_worklet.test.mjs: the player's
# AudioWorklet (web/worklet.js: jitter buffer, cuts, continuity, level
# watch) in Node with AudioWorklet globals the test defines. Part of `make check`;
# fails (does not skip) without node.
set -eu
srcdir=${srcdir:-$(dirname "$0")/../..}
top_srcdir=$(cd "$srcdir" && pwd)
if ! command -v node >/dev/null 2>&1; then
  echo "web_worklet: node is missing (apt-get install -y nodejs)" >&2
  exit 1
fi
exec node --test --test-reporter=spec "$top_srcdir/tests/unit/web_worklet.test.mjs"
