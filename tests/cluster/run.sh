#!/bin/sh
# run.sh -- the cluster tests (not part of `make check`; .ci/run's last
# step): brings up the local deployment (cluster.sh up), runs every
# tests/cluster/*.test.mjs (or MXT_FILES) with its KEY=value lines in the
# environment (MXC_URL, MXC_NODE_a_URL, ...), and brings it down again,
# also when a test fails. Exit 77 (skip) when PostgreSQL or HAProxy is not
# installed. Usage: tests/cluster/run.sh [BUILD_DIR]
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=${1:-$top/build}
command -v haproxy >/dev/null 2>&1 || { echo "run.sh: haproxy not installed: skipped"; exit 77; }
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 ||
    { echo "run.sh: PostgreSQL not installed: skipped"; exit 77; }
export MXC_BIN=${MXC_BIN:-$build/mixroom}
# the Opus decoder of the tests (assets.test.mjs decodes a stream)
[ -x "$build/tests/integration/opus_decode" ] ||
    make -C "$build" tests/integration/opus_decode >/dev/null ||
    { echo "run.sh: cannot build tests/integration/opus_decode" >&2; exit 1; }
dir=$(mktemp -d /tmp/mixroom-cluster.XXXXXX)
chmod 755 "$dir"
trap '"$here/cluster.sh" down "$dir"; rm -rf "$dir"' EXIT INT TERM
export MXC_NODE_ARGS="${MXC_NODE_ARGS:---room-unload 0}"
if ! "$here/cluster.sh" up "$dir" >"$dir/up.out"; then
    echo "run.sh: cluster.sh up failed" >&2
    cat "$dir/up.out" "$dir"/*.log 2>/dev/null >&2
    exit 1
fi
while IFS= read -r line; do
    export "MXC_$line"
done <"$dir/cluster.env"
export MXC_DIR="$dir" MXT_BIN="$MXC_BIN" MXT_SRCDIR="$top"
files=${MXT_FILES:-$(ls "$here"/*.test.mjs)}
# shellcheck disable=SC2086
NODE_PATH="$top/node_modules" node --test --test-concurrency=1 --test-force-exit $files
rc=$?
if [ $rc -ne 0 ]; then
    ls -la "$dir" >&2
    for f in "$dir"/node-*.log "$dir/haproxy.log"; do
        echo "==== $f" >&2
        tail -n 60 "$f" >&2
    done
fi
exit $rc
