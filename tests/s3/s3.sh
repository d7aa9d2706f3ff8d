#!/bin/sh
# s3.sh -- a private S3 endpoint for the tests: s3rver (npm devDependency)
# on 127.0.0.1:<free port>, its objects under DIR, one bucket ("mixroom",
# or $S3_BUCKET) created at start, s3rver's fixed test keys S3RVER/S3RVER
# (s3rver parses the SigV4 Authorization header but does not verify the
# signature: a wrong secret key is accepted, so the signing itself is proven
# by tests/unit/test_sigv4 against AWS's published examples).
#
#   tests/s3/s3.sh start DIR   starts it and prints KEY=value lines:
#                              S3_ENDPOINT, S3_BUCKET, S3_REGION,
#                              S3_ACCESS_KEY, S3_SECRET_KEY and the same as
#                              the server's MIXROOM_* settings
#   tests/s3/s3.sh stop DIR    stops it (the pid in DIR/s3rver.pid)
#
# Exit 0 on success; 1 with a message on stderr.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop DIR" >&2; exit 1; }
bucket=${S3_BUCKET:-mixroom}

case "$cmd" in
start)
    mkdir -p "$dir/objects"
    dir=$(cd "$dir" && pwd)
    bin="$top/node_modules/s3rver/bin/s3rver.js"
    [ -f "$bin" ] || { echo "s3.sh: s3rver is not installed (run npm ci in $top)" >&2; exit 1; }
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    node "$bin" -d "$dir/objects" -a 127.0.0.1 -p "$port" -s \
        --no-vhost-buckets --configure-bucket "$bucket" \
        >"$dir/s3rver.log" 2>&1 &
    echo $! >"$dir/s3rver.pid"
    # ready when it answers on the port (a generous deadline: CI is busy)
    i=0
    while ! curl -s -o /dev/null "http://127.0.0.1:$port/" 2>/dev/null; do
        i=$((i + 1))
        if [ $i -gt 600 ] || ! kill -0 "$(cat "$dir/s3rver.pid")" 2>/dev/null; then
            echo "s3.sh: s3rver did not start (see $dir/s3rver.log)" >&2
            cat "$dir/s3rver.log" >&2 || true
            exit 1
        fi
        sleep 0.1
    done
    echo "$port" >"$dir/s3rver.port"
    cat <<OUT
S3_ENDPOINT=http://127.0.0.1:$port
S3_BUCKET=$bucket
S3_REGION=us-east-1
S3_ACCESS_KEY=S3RVER
S3_SECRET_KEY=S3RVER
MIXROOM_ASSETS=s3://$bucket
MIXROOM_S3_ENDPOINT=http://127.0.0.1:$port
MIXROOM_S3_REGION=us-east-1
MIXROOM_S3_ACCESS_KEY=S3RVER
MIXROOM_S3_SECRET_KEY=S3RVER
OUT
    ;;
stop)
    if [ -f "$dir/s3rver.pid" ]; then
        pid=$(cat "$dir/s3rver.pid")
        kill "$pid" 2>/dev/null || true
        i=0
        while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do
            sleep 0.1; i=$((i + 1))
        done
        kill -9 "$pid" 2>/dev/null || true
        rm -f "$dir/s3rver.pid" "$dir/s3rver.port"
    fi
    ;;
*)
    echo "usage: $0 start|stop DIR" >&2; exit 1 ;;
esac
