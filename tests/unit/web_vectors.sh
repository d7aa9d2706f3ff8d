#!/bin/sh
# web_vectors.sh -- runs tests/unit/web_vectors.test.mjs: the browser
# client's copies of protocol code (web/order.js, the tables of
# web/effects.js) checked against the vectors the C code prints
# (tests/unit/proto_vectors, built by `make check`). Part of `make check`.
# Needs only node, no npm packages; fails (does not skip) without node,
# since then nothing holds web/ to protocol/. Works from any build dir
# (srcdir may be read-only and elsewhere, as in `make distcheck`).
set -eu
srcdir=${srcdir:-$(dirname "$0")/../..}
top_srcdir=$(cd "$srcdir" && pwd)
builddir=$(pwd)
if ! command -v node >/dev/null 2>&1; then
  echo "web_vectors: node is missing (apt-get install -y nodejs); web/ cannot be checked against protocol/" >&2
  exit 1
fi
bin=${MXT_VECTORS_BIN:-$builddir/tests/unit/proto_vectors}
if [ ! -x "$bin" ]; then
  echo "web_vectors: $bin not built (make check builds it)" >&2
  exit 1
fi
export MXT_VECTORS_BIN="$bin"
exec node --test --test-reporter=spec "$top_srcdir/tests/unit/web_vectors.test.mjs"
