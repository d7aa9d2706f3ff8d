#!/bin/sh
# run_pg.sh -- the integration tests against the PostgreSQL store (part of
# `make check`): starts one private PostgreSQL (tests/pg/pg.sh), runs the
# store-level integration files with the harness's store switch
# (MXT_STORE=pg: each data directory gets its own fresh database), then
# stops PostgreSQL. Skips (77) only when PostgreSQL or the Node test
# dependencies are not installed. What is skipped there, and why, is
# listed in docs/storage.md ("Running the suite against PostgreSQL").
# By hand: cd build && sh ../tests/integration/run_pg.sh (MXT_PG_FILES or
# MXT_FILES to choose files).
set -eu
srcdir=${srcdir:-$(dirname "$0")/../..}
top_srcdir=$(cd "$srcdir" && pwd)
builddir=$(pwd)
if ! command -v node >/dev/null 2>&1 || [ ! -d "$top_srcdir/node_modules/ws" ]; then
  echo "node or node_modules/ws missing: run 'npm ci' in $top_srcdir"
  exit 77
fi
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || ! command -v psql >/dev/null 2>&1; then
  echo "PostgreSQL is not installed (apt-get install postgresql): skipped"
  exit 77
fi
# By hand, from the build folder: the binary and the decoding helper come
# from make (make check builds them first); built here when missing.
for p in mixroom tests/integration/opus_decode; do
  [ -x "$builddir/$p" ] || make -s "$p" >/dev/null 2>&1 || { echo "$builddir/$p is missing and make could not build it: run this from the build folder"; exit 1; }
done
# The files run against PostgreSQL: every integration file (each goes
# through the store: the server, the CLI, the harness's storeSql /
# storeBytes). The tests that are about the SQLite file itself skip there,
# saying why (docs/storage.md, "Running the suite against PostgreSQL").
# MXT_PG_FILES="a.test.mjs b.test.mjs" (names in tests/integration) or
# MXT_FILES (paths) choose others.
PG_FILES=${MXT_PG_FILES:-"activity.test.mjs assets.test.mjs auth.test.mjs coedit.test.mjs convergence.test.mjs dawproject_export.test.mjs dawproject_import.test.mjs export.test.mjs foundation.test.mjs http_limits.test.mjs instruments.test.mjs jobs.test.mjs limits.test.mjs links.test.mjs loudness.test.mjs loudness_ffmpeg.test.mjs node_name.test.mjs notes.test.mjs operations.test.mjs operations_logs.test.mjs preview.test.mjs preview_share.test.mjs projects_meta.test.mjs push_shared.test.mjs review.test.mjs room_scale.test.mjs s3_assets.test.mjs sessions.test.mjs takes.test.mjs upload_limits.test.mjs webhooks.test.mjs export_missing.test.mjs http_keepalive.test.mjs dawproject_cli.test.mjs"}
# a short path (the Unix socket lives in it) that the test user can reach
pgdir=$(mktemp -d /tmp/mxpg.XXXXXX)
chmod 755 "$pgdir"
stop() { sh "$top_srcdir/tests/pg/pg.sh" stop "$pgdir" || true; rm -rf "$pgdir"; }
trap stop EXIT INT TERM
url=$(sh "$top_srcdir/tests/pg/pg.sh" start "$pgdir" | sed -n 's/^PGURL=//p')
[ -n "$url" ] || { echo "PostgreSQL did not start"; exit 1; }
export MXT_STORE=pg MXT_PGURL="$url"
export MXT_BIN="$builddir/mixroom"
export MXT_SRCDIR="$top_srcdir"
export MXT_LOGDIR="${MXT_LOGDIR:-$builddir/tests/integration/logs-pg}"
if [ -n "${MXT_FILES:-}" ]; then
  files=$MXT_FILES
else
  files=
  for f in $PG_FILES; do
    files="$files $top_srcdir/tests/integration/$f"
  done
fi
CONC=
if node --test-concurrency=1 -e 0 >/dev/null 2>&1; then CONC="--test-concurrency=${MXT_JOBS:-2}"; fi
status=0
node --test $CONC --test-reporter=spec $files || status=$?
exit $status
