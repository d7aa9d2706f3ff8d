#!/bin/sh
# web_notes.sh -- runs tests/unit/web_notes.test.mjs: the browser client's
# note logic (web/notes.js, web/instruments.js) in Node. Part of `make
# check`; fails (does not skip) without node.
set -eu
srcdir=${srcdir:-$(dirname "$0")/../..}
top_srcdir=$(cd "$srcdir" && pwd)
if ! command -v node >/dev/null 2>&1; then
  echo "web_notes: node is missing (apt-get install -y nodejs)" >&2
  exit 1
fi
exec node --test --test-reporter=spec "$top_srcdir/tests/unit/web_notes.test.mjs"
