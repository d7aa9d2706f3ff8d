/* fuzz_delivery.c -- libFuzzer harness for the export delivery options
 * (server/preview/delivery_parse.c): normalize= and tail=. Input: byte 0
 * bit 0 = the request has `to`, bit 1 = normalize present, bit 2 = tail
 * present; the rest is "NORMALIZE\nTAIL". Properties: the same answer
 * twice; an accepted target is finite, within -50..-5 and reads back the
 * same from its own %.17g text; an accepted tail is -1 (absent), 0 or 1,
 * never 1 with `to`; a refusal names the parameter it refuses and leaves
 * the output untouched. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/preview/delivery_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                           \
    do {                                                                   \
        if (!(c)) {                                                        \
            fprintf(stderr, "fuzz_delivery: %s failed\n", #c);             \
            abort();                                                       \
        }                                                                  \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char buf[600], msg[256], msg2[256], again[64];
    struct pv_delivery d, d2, sentinel;

    if (size < 1 || size > sizeof buf - 1)
        return 0;
    int flags = data[0];
    memcpy(buf, data + 1, size - 1);
    buf[size - 1] = '\0';
    char *nl = strchr(buf, '\n');
    const char *norm = buf, *tail = nl ? nl + 1 : "";
    if (nl)
        *nl = '\0';
    bool have_to = flags & 1;
    const char *n = flags & 2 ? norm : NULL, *t = flags & 4 ? tail : NULL;

    memset(&sentinel, 0x5a, sizeof sentinel);
    d = sentinel;
    msg[0] = '\0';
    int rc = pv_delivery_parse(n, t, have_to, &d, msg, sizeof msg);
    d2 = sentinel;
    msg2[0] = '\0';
    int rc2 = pv_delivery_parse(n, t, have_to, &d2, msg2, sizeof msg2);
    CHECK(rc == rc2);
    CHECK(rc == 0 || rc == -1);
    if (rc != 0) {
        CHECK(memcmp(&d, &sentinel, sizeof d) == 0);
        CHECK(strcmp(msg, msg2) == 0);
        CHECK(strstr(msg, "normalize") || strstr(msg, "tail"));
        /* the first bad parameter is the one named */
        if (n && !strstr(msg, "tail=1")) {
            struct pv_delivery x;
            char m3[256];
            if (pv_delivery_parse(n, NULL, false, &x, m3, sizeof m3) != 0)
                CHECK(strncmp(msg, "normalize", 9) == 0);
        }
        return 0;
    }
    CHECK(d.normalize == (n != NULL));
    if (d.normalize) {
        CHECK(isfinite(d.target_lufs));
        CHECK(d.target_lufs >= PV_NORMALIZE_MIN && d.target_lufs <= PV_NORMALIZE_MAX);
        snprintf(again, sizeof again, "%.17g", d.target_lufs);
        struct pv_delivery r;
        CHECK(pv_delivery_parse(again, NULL, false, &r, msg, sizeof msg) == 0);
        CHECK(r.target_lufs == d.target_lufs);
    }
    CHECK(d.tail == (t ? (t[0] == '1') : -1));
    CHECK(!(d.tail == 1 && have_to));
    return 0;
}
