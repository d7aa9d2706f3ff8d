#!/bin/sh
# test_db_pg.sh -- runs tests/unit/test_db against both engines: starts a
# private PostgreSQL (tests/pg/pg.sh), sets MXT_PGURL and runs the binary,
# then stops PostgreSQL. Skips (77) only when PostgreSQL is not installed.
set -eu
srcdir=${srcdir:-$(dirname "$0")/../..}
top_srcdir=$(cd "$srcdir" && pwd)
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  echo "PostgreSQL is not installed (apt-get install postgresql): skipped"
  exit 77
fi
pgdir=$(mktemp -d /tmp/mxpgu.XXXXXX)
chmod 755 "$pgdir"
stop() { sh "$top_srcdir/tests/pg/pg.sh" stop "$pgdir" || true; rm -rf "$pgdir"; }
trap stop EXIT INT TERM
url=$(sh "$top_srcdir/tests/pg/pg.sh" start "$pgdir" | sed -n 's/^PGURL=//p')
[ -n "$url" ] || { echo "PostgreSQL did not start"; exit 1; }
MXT_PGURL=$url ./tests/unit/test_db
