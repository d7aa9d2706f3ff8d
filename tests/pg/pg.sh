#!/bin/sh
# pg.sh start DIR | stop DIR | url DIR -- a private PostgreSQL for tests and
# local deployments (docs/storage.md "Running the suite against
# PostgreSQL"). start: initdb into DIR/data as an unprivileged user (when
# run as root, the system user mixroom-test, created if missing, through
# runuser), listening on a Unix socket in DIR and on 127.0.0.1:<a free
# port>, trust authentication for local and loopback connections only;
# prints PGURL=postgresql://mixroom@127.0.0.1:PORT/postgres (also kept in
# DIR/pgurl). stop: a fast shutdown. url: prints the URL again.
# Exits 77 when PostgreSQL's server binaries are not installed.
set -eu
cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: pg.sh start|stop|url DIR" >&2; exit 2; }

bindir=
for d in /usr/lib/postgresql/*/bin; do
  [ -x "$d/initdb" ] && bindir=$d
done
if [ -z "$bindir" ]; then
  echo "pg.sh: PostgreSQL is not installed (apt-get install postgresql)" >&2
  exit 77
fi

TEST_USER=mixroom-test
as_user() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u "$TEST_USER" -- "$@"
  else
    "$@"
  fi
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

case "$cmd" in
start)
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  if [ "$(id -u)" = 0 ]; then
    if ! id "$TEST_USER" >/dev/null 2>&1; then
      useradd --system --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin "$TEST_USER"
    fi
    chown "$TEST_USER" "$dir"
    # the user must be able to reach DIR
    p=$dir
    while [ "$p" != / ]; do
      p=$(dirname "$p")
      if ! runuser -u "$TEST_USER" -- test -x "$p"; then
        echo "pg.sh: $TEST_USER cannot reach $p (chmod o+x it, or use another DIR)" >&2
        exit 1
      fi
    done
  fi
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    as_user "$bindir/initdb" -D "$dir/data" -U mixroom --auth-local=trust \
      --auth-host=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || {
      cat "$dir/initdb.log" >&2; exit 1; }
    # loopback only: initdb's pg_hba.conf has local, 127.0.0.1/32 and ::1/128
    if grep -Ev '^\s*(#|$)' "$dir/data/pg_hba.conf" | grep -Ev '^(local|host\s+\S+\s+\S+\s+(127\.0\.0\.1/32|::1/128))\s' >/dev/null; then
      echo "pg.sh: unexpected pg_hba.conf lines in $dir/data" >&2
      exit 1
    fi
  fi
  port=$(free_port)
  as_user "$bindir/pg_ctl" -D "$dir/data" -l "$dir/postgresql.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c max_connections=400 -c shared_buffers=32MB -c fsync=on -c synchronous_commit=on" \
    start >/dev/null || { tail -20 "$dir/postgresql.log" >&2; exit 1; }
  url="postgresql://mixroom@127.0.0.1:$port/postgres"
  echo "$url" >"$dir/pgurl"
  echo "PGURL=$url"
  ;;
stop)
  dir=$(cd "$dir" && pwd)
  if [ -f "$dir/data/postmaster.pid" ]; then
    as_user "$bindir/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null
  fi
  ;;
url)
  echo "PGURL=$(cat "$dir/pgurl")"
  ;;
*)
  echo "usage: pg.sh start|stop|url DIR" >&2
  exit 2
  ;;
esac
