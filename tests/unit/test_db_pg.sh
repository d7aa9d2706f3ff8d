#!/bin/sh
# test_db_pg.sh -- runs the store-level unit tests against both engines:
# starts a private PostgreSQL (tests/pg/pg.sh), sets MXT_PGURL and runs each
# binary (each runs its cases on SQLite, then on a fresh PostgreSQL
# database: test_db's own fixture, the others' tests/unit/pg_fixture.h),
# then stops PostgreSQL. Skips (77) only when PostgreSQL is not installed.
# MXT_PG_UNIT="test_a test_b" chooses others.
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
status=0
for t in ${MXT_PG_UNIT:-test_db test_store test_store_reader test_migrate test_writer test_auth_db test_doc_at test_review_doc_at test_rooms}; do
  echo "== $t (SQLite, then PostgreSQL)"
  MXT_PGURL=$url "./tests/unit/$t" || { echo "FAIL: $t"; status=1; }
done
exit $status
