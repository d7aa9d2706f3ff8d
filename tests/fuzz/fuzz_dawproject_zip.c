/* fuzz_dawproject_zip.c -- libFuzzer harness over the DAWproject import's
 * zip reader (server/interchange/zip_read.c) on arbitrary bytes, with small
 * limits (64 entries, 1 MiB inflated, ratio 50). Checked properties: a
 * refusal always has a message; an opened archive has at most 64 entries,
 * every name a plain relative path and no two alike; reading every file
 * entry (into memory, capped at 256 KiB) either succeeds with the bytes
 * counted or is refused with a message, and the archive never inflates
 * more than its limit. Built by tests/fuzz/run.sh (clang) and replayed by
 * tests/fuzz/replay.c. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/interchange/zip_read.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const ix_zip_limits lim = {1 << 20, 64, 50};
    char err[400] = "";
    ix_zip_status st;
    unsigned char *copy = malloc(size ? size : 1);
    ix_zip *z;

    if (!copy)
        return 0;
    memcpy(copy, data, size); /* exact-size heap copy: overreads are caught */
    z = ix_zip_open_mem(copy, size, &lim, &st, err, sizeof err);
    if (!z) {
        if (!err[0] || st == IX_ZIP_OK)
            abort();
        free(copy);
        return 0;
    }
    if (ix_zip_count(z) > 64)
        abort();
    for (size_t i = 0; i < ix_zip_count(z); i++) {
        const char *name = ix_zip_name(z, i);
        unsigned char *out = NULL;
        size_t len = 0;
        if (!name || !ix_zip_path_ok(name))
            abort();
        for (size_t k = 0; k < i; k++)
            if (!strcmp(ix_zip_name(z, k), name))
                abort();
        if (name[strlen(name) - 1] == '/')
            continue;
        int64_t before = ix_zip_inflated(z);
        err[0] = '\0';
        if (ix_zip_read_mem(z, name, 256 << 10, "fuzz_cap", &out, &len, &st,
                            err, sizeof err) == 0) {
            if (!out || (int64_t)len != ix_zip_inflated(z) - before ||
                len > (256 << 10))
                abort();
            free(out);
        } else if (!err[0] || out) {
            abort();
        }
        if (ix_zip_inflated(z) > lim.max_unpacked + 65536)
            abort();
    }
    ix_zip_close(z);
    free(copy);
    return 0;
}
