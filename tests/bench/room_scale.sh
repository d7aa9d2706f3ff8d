#!/bin/sh
# room_scale.sh -- the large-room benchmarks, before and after, in one run
# (issue #15, h15-room; prints figures, never fails on time).
#   1. bench_room_scale (loop-thread CPU of snapshot, routing change,
#      cascade, restore, push at 100..50,000 objects), built from this
#      tree's tests/bench/bench_room_scale.c against main's protocol/
#      (git archive of BASE) and against this tree's, run one after the
#      other;
#   2. room_scale.mjs (push->delta p50/p99 at 1,000 pushes/s with 20
#      clients) and catchup_scale.mjs (the loop thread's CPU per welcome
#      catching up on 10,000 revisions, and per snapshot welcome of 10,000
#      objects) with main's server binary (MAIN_BUILD/mixroom) and this
#      one, if MAIN_BUILD is given (a build directory of BASE).
# Usage, from a build directory of this tree:
#   make mixroom tests/bench/bench_room_scale tests/bench/bench_coedit
#   [MAIN_BUILD=/path/to/main/build] sh ../tests/bench/room_scale.sh \
#     [BASE=main] [seconds] [sizes...]
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
base=${BASE:-main}
secs=${1:-5}
[ $# -gt 0 ] && shift
tmp=$(mktemp -d /tmp/room-scale-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
git -C "$src" archive "$base" protocol | tar -x -C "$tmp"
cc -O2 -std=gnu11 -I"$tmp" -I"$src" -o "$tmp/bench_before" \
    "$src/tests/bench/bench_room_scale.c" "$tmp"/protocol/*.c -ljansson -lm
echo "== before ($base's protocol/)"
"$tmp/bench_before" "$@"
echo "== after (this tree)"
./tests/bench/bench_room_scale "$@"
if [ -n "${MAIN_BUILD:-}" ]; then
    echo "== push->delta before ($MAIN_BUILD/mixroom)"
    MXT_BIN="$MAIN_BUILD/mixroom" MXT_BENCH_DIR=./tests/bench \
        node "$src/tests/bench/room_scale.mjs" "$secs" 1000 "$@"
    echo "== push->delta after (./mixroom)"
    MXT_BIN=./mixroom MXT_BENCH_DIR=./tests/bench \
        node "$src/tests/bench/room_scale.mjs" "$secs" 1000 "$@"
    echo "== welcome CPU before ($MAIN_BUILD/mixroom)"
    MXT_BIN="$MAIN_BUILD/mixroom" node "$src/tests/bench/catchup_scale.mjs" 10000 10
    echo "== welcome CPU after (./mixroom)"
    MXT_BIN=./mixroom node "$src/tests/bench/catchup_scale.mjs" 10000 10
fi
