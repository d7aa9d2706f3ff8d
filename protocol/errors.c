/* errors.c -- the error registry: wire names, HTTP statuses and the helper
 * that formats an error sentence. */
#include "protocol/errors.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const struct {
    const char *name;
    int http;
} registry[PROTO_CODE_COUNT] = {
    [PROTO_OK] = {"ok", 200},
    [PROTO_BAD_REQUEST] = {"bad_request", 400},
    [PROTO_UNAUTHORIZED] = {"unauthorized", 401},
    [PROTO_FORBIDDEN] = {"forbidden", 403},
    [PROTO_NOT_FOUND] = {"not_found", 404},
    [PROTO_CONFLICT] = {"conflict", 409},
    [PROTO_INVALID_VALUE] = {"invalid_value", 422},
    [PROTO_TOO_LARGE] = {"too_large", 413},
    [PROTO_RATE_LIMITED] = {"rate_limited", 429},
    [PROTO_UNSUPPORTED] = {"unsupported", 415},
    [PROTO_INTERNAL] = {"internal", 500},
    [PROTO_OUT_OF_ORDER] = {"out_of_order", 409},
    [PROTO_DISK_FULL] = {"disk_full", 507},
};

const char *proto_code_name(proto_code code)
{
    if ((int)code < 0 || code >= PROTO_CODE_COUNT)
        return "internal";
    return registry[code].name;
}

int proto_code_http_status(proto_code code)
{
    if ((int)code < 0 || code >= PROTO_CODE_COUNT)
        return 500;
    return registry[code].http;
}

proto_code proto_code_from_name(const char *name)
{
    for (int i = 0; i < PROTO_CODE_COUNT; i++)
        if (name && strcmp(registry[i].name, name) == 0)
            return (proto_code)i;
    return PROTO_CODE_COUNT;
}

/* Cuts a UTF-8 sequence that truncation left incomplete at the end of s
 * (len bytes), so a message cut at its buffer's size stays valid UTF-8
 * (JSON-encodable) when its arguments were. */
static void cut_partial_utf8(char *s, size_t len)
{
    size_t i = len, need;
    unsigned char c;

    while (i > 0 && ((unsigned char)s[i - 1] & 0xC0) == 0x80 && len - i < 3)
        i--;
    if (i == 0)
        return;
    c = (unsigned char)s[i - 1];
    if (c < 0x80)
        return; /* ends on ASCII (or on stray continuation bytes) */
    need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    if (len - (i - 1) < need)
        s[i - 1] = '\0';
}

int proto_fail(proto_err *err, proto_code code, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (!err)
        return -1;
    err->code = code;
    va_start(ap, fmt);
    n = vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    if (n >= (int)sizeof err->message)
        cut_partial_utf8(err->message, strlen(err->message));
    return -1;
}

void proto_err_clear(proto_err *err)
{
    err->code = PROTO_OK;
    err->op_index = -1;
    err->message[0] = '\0';
}
