#!/bin/sh
# cluster.sh -- a whole local mixroom deployment on loopback, for the
# cluster tests and for people trying it (docs/deploy.md):
#   tests/cluster/cluster.sh up DIR     PostgreSQL (initdb into DIR/pg as an
#                                      unprivileged user, Unix socket in DIR/pg
#                                      and a free 127.0.0.1 port), the S3
#                                      endpoint when tests/s3/s3.sh exists,
#                                      three nodes (a, b, c) and HAProxy with
#                                      deploy/haproxy.cfg; prints KEY=value
#                                      lines (also kept in DIR/cluster.env)
#   tests/cluster/cluster.sh down DIR   stops all of it (safe to repeat)
# Printed: URL= (HAProxy), NODE_<name>_PID=, NODE_<name>_URL=, PGURL=, and
# every MIXROOM_*= setting a `mixroom` subcommand needs to reach the same
# store, so that `env $(grep ^MIXROOM_ DIR/cluster.env) mixroom user add ana
# --password-stdin` works.
# Environment: MXC_BIN (default: ./mixroom of the build folder, or
# mixroom on PATH), MXC_NODE_ARGS (more flags for every node, e.g.
# "--room-unload 0"), MXC_NODES (default "a b c").
# The documents, accounts, leases and events are in PostgreSQL; the audio
# is in the S3 endpoint, and each node has its own data folder
# (DIR/data-<name>) as its bounded cache of it. Without tests/s3/s3.sh the
# nodes share DIR/data for the assets instead.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || {
    echo "usage: $0 up|down DIR" >&2
    exit 2
}
pguser=mixroom-test

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

as_user() { # run "$@" as the unprivileged user when we are root
    if [ "$(id -u)" = 0 ]; then runuser -u "$pguser" -- "$@"; else "$@"; fi
}

pg_bin() {
    for d in /usr/lib/postgresql/*/bin; do
        [ -x "$d/initdb" ] && { echo "$d"; return; }
    done
    dirname "$(command -v initdb)"
}

pg_up() { # PostgreSQL into $dir/pg; sets PGURL
    if [ -x "$top/tests/pg/pg.sh" ]; then
        PGURL=$("$top/tests/pg/pg.sh" start "$dir/pg" | sed -n 's/^PGURL=//p' | tail -1)
        [ -n "$PGURL" ] || { echo "cluster.sh: tests/pg/pg.sh printed no PGURL" >&2; exit 1; }
        return
    fi
    pgbin=$(pg_bin)
    if [ "$(id -u)" = 0 ] && ! id "$pguser" >/dev/null 2>&1; then
        useradd --system --no-create-home --shell /usr/sbin/nologin "$pguser"
    fi
    mkdir -p "$dir/pg"
    [ "$(id -u)" = 0 ] && chown "$pguser" "$dir" "$dir/pg"
    port=$(free_port)
    as_user "$pgbin/initdb" -D "$dir/pg/data" -U mixroom -A trust -E UTF8 >"$dir/pg/initdb.log" 2>&1
    as_user "$pgbin/pg_ctl" -D "$dir/pg/data" -l "$dir/pg/log" -w -t 60 \
        -o "-k $dir/pg -p $port -c listen_addresses=127.0.0.1 -c fsync=on" start >/dev/null
    echo "$port" >"$dir/pg/port"
    PGURL="postgresql://mixroom@127.0.0.1:$port/postgres"
}

pg_down() {
    if [ -x "$top/tests/pg/pg.sh" ]; then
        "$top/tests/pg/pg.sh" stop "$dir/pg" >/dev/null 2>&1 || true
        return
    fi
    [ -d "$dir/pg/data" ] || return 0
    as_user "$(pg_bin)/pg_ctl" -D "$dir/pg/data" -m immediate -w stop >/dev/null 2>&1 || true
}

wait_http() { # URL: until it answers 200, at most 60 s
    i=0
    until curl -fsS -o /dev/null "$1" 2>/dev/null; do
        i=$((i + 1))
        [ $i -lt 600 ] || { echo "cluster.sh: $1 did not answer" >&2; return 1; }
        sleep 0.1
    done
}

up() {
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    bin=${MXC_BIN:-}
    [ -n "$bin" ] || for b in "$top/build/mixroom" "$top/mixroom" "$(command -v mixroom || true)"; do
        [ -x "$b" ] && { bin=$b; break; }
    done
    [ -x "$bin" ] || { echo "cluster.sh: no mixroom binary (set MXC_BIN)" >&2; exit 1; }
    env="$dir/cluster.env"
    : >"$env"
    pg_up
    echo "PGURL=$PGURL" >>"$env"
    if [ -x "$top/tests/s3/s3.sh" ]; then
        "$top/tests/s3/s3.sh" start "$dir/s3" | grep -E '^(MIXROOM_|S3_)' >>"$env" || true
    fi
    mkdir -p "$dir/data"
    {
        echo "MIXROOM_STORE=$PGURL"
        echo "MIXROOM_DATA=$dir/data"
    } >>"$env"
    # the nodes, one after the other (the first applies the migrations)
    for n in ${MXC_NODES:-a b c}; do
        port=$(free_port)
        # shellcheck disable=SC2086
        ndata="$dir/data"
        if grep -q '^MIXROOM_ASSETS=' "$env"; then ndata="$dir/data-$n"; mkdir -p "$ndata"; fi
        env $(grep '^MIXROOM_' "$env") "$bin" serve --listen "127.0.0.1:$port" \
            --data "$ndata" --node "$n" --no-demo --web "$top/web" --trusted-proxy 127.0.0.1 \
            ${MXC_NODE_ARGS:-} >"$dir/node-$n.log" 2>&1 &
        echo "NODE_${n}_PID=$!" >>"$env"
        echo "NODE_${n}_URL=http://127.0.0.1:$port" >>"$env"
        echo "$n 127.0.0.1:$port" >>"$dir/nodes"
        wait_http "http://127.0.0.1:$port/healthz"
    done
    hport=$(free_port)
    mkdir -p "$dir/haproxy"
    [ "$(id -u)" = 0 ] && chown "$pguser" "$dir/haproxy"
    as_user env MIXROOM_HAPROXY_BIND="127.0.0.1:$hport" \
        MIXROOM_HAPROXY_STATE="$dir/haproxy" \
        MIXROOM_NODE_A="$(awk '$1=="a"{print $2}' "$dir/nodes")" \
        MIXROOM_NODE_B="$(awk '$1=="b"{print $2}' "$dir/nodes")" \
        MIXROOM_NODE_C="$(awk '$1=="c"{print $2}' "$dir/nodes")" \
        haproxy -D -f "$top/deploy/haproxy.cfg" >"$dir/haproxy.log" 2>&1
    echo "HAPROXY_PID=$(cat "$dir/haproxy/haproxy.pid")" >>"$env"
    echo "URL=http://127.0.0.1:$hport" >>"$env"
    wait_http "http://127.0.0.1:$hport/healthz"
    cat "$env"
}

down() {
    [ -d "$dir" ] || return 0
    env="$dir/cluster.env"
    if [ -f "$env" ]; then
        for p in $(sed -n 's/^\(NODE_.*_PID\|HAPROXY_PID\)=//p' "$env"); do
            kill "$p" 2>/dev/null || true
        done
        for p in $(sed -n 's/^\(NODE_.*_PID\|HAPROXY_PID\)=//p' "$env"); do
            i=0
            while kill -0 "$p" 2>/dev/null && [ $i -lt 150 ]; do
                sleep 0.1
                i=$((i + 1))
            done
            kill -9 "$p" 2>/dev/null || true
        done
    fi
    [ -x "$top/tests/s3/s3.sh" ] && "$top/tests/s3/s3.sh" stop "$dir/s3" >/dev/null 2>&1 || true
    pg_down
}

case "$cmd" in
up) up ;;
down) down ;;
*) echo "usage: $0 up|down DIR" >&2; exit 2 ;;
esac
