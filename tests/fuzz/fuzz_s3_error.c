/* fuzz_s3_error.c -- libFuzzer harness for what the S3 client reads from
 * the network and the settings (server/objstore/s3.c): the XML error
 * document of a refused request (s3_error_text, libxml2) and the
 * s3://BUCKET setting (s3_parse_url). Input: byte 0 selects (even: an
 * error body, odd: a URL), the rest is the text. Properties: the sentence
 * is NUL-terminated inside its buffer, starts with "S3 said ", holds only
 * printable ASCII, and is the same twice; an accepted bucket is 3 to 63 of
 * [a-z0-9.-] and is what follows "s3://". */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/objstore/s3.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                           \
    do {                                                                   \
        if (!(c)) {                                                        \
            fprintf(stderr, "fuzz_s3_error: %s failed\n", #c);             \
            abort();                                                       \
        }                                                                  \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[300], err2[300], url[400], bucket[64];

    if (size < 1)
        return 0;
    if ((data[0] & 1) == 0) {
        memset(err, 0x5a, sizeof err);
        s3_error_text(403, "PUT", (const char *)data + 1, size - 1, err,
                      sizeof err);
        CHECK(memchr(err, '\0', sizeof err) != NULL);
        CHECK(strncmp(err, "S3 said ", 8) == 0);
        for (const char *p = err; *p; p++)
            CHECK(*p >= 0x20 && *p <= 0x7e);
        s3_error_text(403, "PUT", (const char *)data + 1, size - 1, err2,
                      sizeof err2);
        CHECK(strcmp(err, err2) == 0);
        return 0;
    }
    if (size - 1 >= sizeof url)
        return 0;
    memcpy(url, data + 1, size - 1);
    url[size - 1] = '\0';
    if (s3_parse_url(url, bucket, sizeof bucket) == 0) {
        size_t n = strlen(bucket);
        CHECK(n >= 3 && n <= 63);
        CHECK(strncmp(url, "s3://", 5) == 0);
        CHECK(strncmp(url + 5, bucket, n) == 0);
        for (const char *p = bucket; *p; p++)
            CHECK((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
                  *p == '.' || *p == '-');
    }
    return 0;
}
