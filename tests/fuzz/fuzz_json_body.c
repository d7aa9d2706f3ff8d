/* fuzz_json_body.c -- libFuzzer harness over srv_http_parse_json_object
 * (server/net/http_parse.c), the core of srv_http_body_json: the input is
 * a request body. Checked properties: the result is a JSON object with
 * code PROTO_OK, or NULL with code PROTO_BAD_REQUEST and a non-empty,
 * NUL-terminated message that fits its buffer (also a tiny one); the same
 * body always gives the same answer; an accepted object encodes and
 * parses back to an equal object; nothing leaks (LeakSanitizer). The body
 * is an exact-size heap copy, so reading past it is caught.
 * Built by tests/fuzz/run.sh (clang) and replayed by tests/fuzz/replay.c. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server/net/http_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned char *body = size ? malloc(size) : NULL;
    char msg[1024], msg2[1024], tiny[8];
    proto_code code = PROTO_INTERNAL, code2 = PROTO_INTERNAL, code3;
    json_t *j, *j2, *back;

    if (size && !body)
        abort();
    if (size)
        memcpy(body, data, size);
    memset(msg, 'x', sizeof msg);
    j = srv_http_parse_json_object(body, size, &code, msg, sizeof msg);
    j2 = srv_http_parse_json_object(body, size, &code2, msg2, sizeof msg2);
    if (!j != !j2 || code != code2)
        abort();
    if (j) {
        char *text = json_dumps(j, JSON_COMPACT);
        if (!json_is_object(j) || code != PROTO_OK || !json_equal(j, j2) ||
            !text)
            abort();
        back = srv_http_parse_json_object((const unsigned char *)text,
                                          strlen(text), &code3, tiny,
                                          sizeof tiny);
        if (!back || !json_equal(back, j))
            abort();
        json_decref(back);
        free(text);
    } else {
        if (code != PROTO_BAD_REQUEST || !memchr(msg, '\0', sizeof msg) ||
            !msg[0] || strcmp(msg, msg2))
            abort();
        if (srv_http_parse_json_object(body, size, &code3, tiny, sizeof tiny) ||
            code3 != PROTO_BAD_REQUEST || strlen(tiny) != sizeof tiny - 1)
            abort();
    }
    json_decref(j);
    json_decref(j2);
    free(body);
    return 0;
}
