#!/bin/bash
# tests/fuzz/run.sh -- builds every libFuzzer harness of tests/fuzz/ with
# clang (-fsanitize=fuzzer,address,undefined) straight from the sources it
# needs and fuzzes each for SECONDS (default 30) on its seed corpus
# tests/fuzz/corpus/NAME/:
#   decode      the import path (engine/import.c and friends)
#   config      the config file and srv_config_set (server/core/config.c)
#   multipart   the multipart/form-data parser (server/net/multipart.c)
#   http_parse  URL decoding, routes, query, Bearer (server/net/http_parse.c)
#   json_body   the JSON-object request body (server/net/http_parse.c)
#   webhook_url webhook targets and the private-address classifier
#               (server/activity/webhook_check.c)
#   push        push application and undo (protocol/)
#   ws_message  the WebSocket envelope and field tables (server/net/ws_*.c)
#   midi        the Standard MIDI File reader and writer (engine/midi_file.c)
#   link_body   the share link bodies (server/auth/link_parse.c)
#   delivery    export's normalize= and tail= (server/preview/delivery_parse.c)
#   s3_error    S3's error documents and s3://BUCKET (server/objstore/s3.c)
#   cluster_event  mixroom_events payloads (server/cluster/event.c)
#   dawproject_xml  a DAWproject project.xml: parse, schema, mapping
#               (server/interchange/dawproject_read.c, dawproject_map.c)
#   dawproject_zip  the .dawproject zip reader (server/interchange/zip_read.c)
# Usage: run.sh [SECONDS [NAME...]] (default: all, so the total is about
# 8 x SECONDS plus the builds). New inputs go to a scratch corpus
# $FUZZ_OUT/corpus-NAME (default ./fuzz-out), never into the repository;
# crashes are written to $FUZZ_OUT/NAME-crash-*. Exit status: 0 clean,
# non-zero when a fuzzer found a bug (the others still run).
# Needs: clang (Debian package `clang`), pkg-config, libsndfile1-dev,
# libsoxr-dev, libsodium-dev, libjansson-dev.
set -euo pipefail
SECONDS_TO_RUN=${1:-30}
shift || true
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out=${FUZZ_OUT:-$PWD/fuzz-out}
CLANG=${CLANG:-clang}
command -v "$CLANG" >/dev/null || {
    echo "run.sh: $CLANG not found (apt-get install clang)" >&2; exit 2; }
ALL="decode config multipart http_parse json_body push ws_message webhook_url midi link_body delivery dawproject_xml dawproject_zip s3_error json_enc cluster_event"
NAMES=${*:-$ALL}
mkdir -p "$out"

# The sources and libraries of each harness besides fuzz_NAME.c.
deps() {
    case $1 in
    decode) echo "$top/engine/import.c $top/engine/import_probe.c $top/engine/import_limits.c" \
        "$top/engine/fold.c $top/engine/peaks.c $top/engine/fsutil.c" \
        "$top/engine/hashfile.c $top/engine/asset.c" \
        "$(pkg-config --cflags --libs sndfile soxr libsodium) -lm" ;;
    config) echo "$top/server/core/config.c $top/server/core/log.c $top/server/core/store_url.c" \
        "-DMIXROOM_PKGDATADIR=\"/usr/share/mixroom\" -pthread" ;;
    multipart) echo "$top/server/net/multipart.c" ;;
    http_parse|json_body) echo "$top/server/net/http_parse.c" \
        "$(pkg-config --cflags --libs jansson)" ;;
    push|json_enc) echo "$top"/protocol/*.c "$(pkg-config --cflags --libs jansson) -lm" ;;
    ws_message) echo "$top/server/net/ws_envelope.c $top/server/net/ws_params.c" \
        "$top/server/net/http_parse.c" "$top"/protocol/*.c \
        "$(pkg-config --cflags --libs jansson) -lm" ;;
    webhook_url) echo "$top/server/activity/webhook_check.c" \
        "$(pkg-config --cflags --libs libcurl libsodium)" ;;
    midi) echo "$top/engine/midi_file.c" ;;
    link_body) echo "$top/server/auth/link_parse.c" \
        "$(pkg-config --cflags --libs jansson)" ;;
    delivery) echo "$top/server/preview/delivery_parse.c -lm" ;;
    cluster_event) echo "$top/server/cluster/event.c" \
        "$(pkg-config --cflags --libs jansson libsodium)" ;;
    dawproject_xml)
        sh "$top/build-aux/embed-schemas.sh" "$top" > "$out/schemas_gen.c"
        echo "$top/server/interchange/dawproject_read.c" \
        "$top/server/interchange/dawproject_map.c" \
        "$top/server/interchange/dawproject_devices.c" \
        "$top/server/interchange/zip_read.c" "$out/schemas_gen.c" \
        "$top"/protocol/*.c \
        "$(pkg-config --cflags --libs libxml-2.0 libzip jansson) -lm" ;;
    dawproject_zip) echo "$top/server/interchange/zip_read.c" \
        "$(pkg-config --cflags --libs libzip)" ;;
    s3_error) echo "$top/server/objstore/s3.c $top/engine/hashfile.c" \
        "$(pkg-config --cflags --libs libxml-2.0 libcurl libsodium)" ;;
    *) echo "run.sh: no fuzzer called $1 (have: $ALL)" >&2; return 1 ;;
    esac
}

failed=""
for name in $NAMES; do
    src=$(deps "$name")
    # shellcheck disable=SC2086 # deps is a word list on purpose
    "$CLANG" -g -O1 -std=gnu11 -D_GNU_SOURCE -I"$top" \
        -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
        "$here/fuzz_$name.c" $src -o "$out/fuzz_$name"
    mkdir -p "$out/corpus-$name"
    echo "==> fuzz_$name for ${SECONDS_TO_RUN}s"
    # The codec libraries are not instrumented; leaks inside them are
    # theirs (lsan.supp). libmpg123 prints "Note: ..." resync chatter for
    # every bad MP3 frame: filtered out so CI logs stay readable.
    set +e
    ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
    LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$here/lsan.supp:print_suppressions=0} \
    UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1} \
    "$out/fuzz_$name" -max_total_time="$SECONDS_TO_RUN" -timeout=10 \
        -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
        -artifact_prefix="$out/$name-" "$out/corpus-$name" \
        "$here/corpus/$name" 2>&1 |
        grep -v -e '^Note: ' -e '^Warning: Xing' -e '^\[src/libmpg123'
    rc=${PIPESTATUS[0]}  # the fuzzer's status, not grep's
    set -e
    [ "$rc" = 0 ] || failed="$failed $name"
done
if [ -n "$failed" ]; then
    echo "run.sh: the fuzzers found bugs in:$failed (inputs in $out)" >&2
    exit 1
fi
echo "run.sh: clean ($NAMES)"
