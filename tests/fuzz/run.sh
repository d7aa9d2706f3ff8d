#!/bin/bash
# tests/fuzz/run.sh -- builds the libFuzzer harnesses of the engine's import
# path with clang (-fsanitize=fuzzer,address,undefined) directly against
# the engine sources and runs fuzz_decode for SECONDS (default 30) on the
# seed corpus tests/fuzz/corpus/decode/. New inputs go to a scratch corpus,
# never into the repository; crashes are written to $FUZZ_OUT (default
# ./fuzz-out). Exit status: 0 clean, non-zero when the fuzzer found a bug.
# Needs: clang (Debian package `clang`), libsndfile1-dev, libsoxr-dev,
# libsodium-dev, pkg-config.
set -euo pipefail
SECONDS_TO_RUN=${1:-30}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out=${FUZZ_OUT:-$PWD/fuzz-out}
CLANG=${CLANG:-clang}
command -v "$CLANG" >/dev/null || {
    echo "run.sh: $CLANG not found (apt-get install clang)" >&2; exit 2; }
mkdir -p "$out/corpus"
"$CLANG" -g -O1 -std=gnu11 -D_GNU_SOURCE -I"$top" \
    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    "$here/fuzz_decode.c" \
    "$top/engine/import.c" "$top/engine/import_probe.c" \
    "$top/engine/fold.c" "$top/engine/peaks.c" "$top/engine/fsutil.c" \
    "$top/engine/hashfile.c" "$top/engine/asset.c" \
    $(pkg-config --cflags --libs sndfile soxr libsodium) -lm \
    -o "$out/fuzz_decode"
# The codec libraries are not instrumented; leaks inside them are theirs
# (lsan.supp). libmpg123 prints "Note: ..." resync chatter for every bad
# MP3 frame: filtered out so CI logs stay readable.
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$here/lsan.supp:print_suppressions=0} \
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1} \
"$out/fuzz_decode" -max_total_time="$SECONDS_TO_RUN" -timeout=10 \
    -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
    -artifact_prefix="$out/" "$out/corpus" "$here/corpus/decode" 2>&1 |
    grep -v -e '^Note: ' -e '^Warning: Xing' -e '^\[src/libmpg123'

