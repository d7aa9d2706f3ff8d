/* fuzz_json_enc.c -- libFuzzer harness over the printf-free encoders of
 * the push path: the input, when jansson parses it (any value, NUL
 * allowed in strings), must encode with proto_json_dumps exactly as
 * json_dumps does (compact, with and without sorted keys), and
 * proto_json_size must count those bytes; its first 8 bytes read as a
 * double must format with proto_fmt_g / proto_fmt_fixed1 as snprintf's
 * "%g" / "%.1f" do, and as a real exactly as jansson writes it. Any
 * difference aborts. Built by tests/fuzz/run.sh (clang) and replayed by
 * tests/fuzz/replay.c. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/json_enc.h"
#include "protocol/summary_fmt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same_as_jansson(const json_t *v)
{
    for (int sort = 0; sort < 2; sort++) {
        char *want = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY |
                                       (sort ? JSON_SORT_KEYS : 0));
        size_t len = 0;
        char *got = proto_json_dumps(v, sort, &len);
        if (!want || !got || strcmp(want, got) || len != strlen(want) ||
            proto_json_size(v) != len)
            abort();
        free(want);
        free(got);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *v = json_loadb((const char *)data, size,
                           JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);

    if (v) {
        same_as_jansson(v);
        json_decref(v);
    }
    if (size >= 8) {
        double d;
        char want[400], got[400];
        memcpy(&d, data, sizeof d);
        snprintf(want, sizeof want, "%g", d);
        proto_fmt_g(d, got);
        if (strcmp(want, got))
            abort();
        snprintf(want, sizeof want, "%.1f", d);
        proto_fmt_fixed1(d, got);
        if (strcmp(want, got))
            abort();
        json_t *r = json_real(d);
        if (r) {
            same_as_jansson(r);
            json_decref(r);
        }
    }
    return 0;
}
