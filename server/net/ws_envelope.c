/* ws_envelope.c -- the envelope rules of a WebSocket message (see
 * ws_envelope.h). */
#include "server/net/ws_envelope.h"

#include <stdio.h>
#include <string.h>

#include "server/net/http_parse.h"

static int fail(proto_err *err, const char *msg)
{
    err->code = PROTO_BAD_REQUEST;
    snprintf(err->message, sizeof err->message, "%s", msg);
    return -1;
}

int srv_ws_envelope_parse(const char *text, size_t len,
                          struct srv_ws_envelope *env, proto_err *err)
{
    json_error_t jerr;
    json_t *type;

    memset(env, 0, sizeof *env);
    /* duplicate keys are refused ("duplicate object key near '"seq"'"):
     * which of the two counts would otherwise be the parser's choice */
    env->msg = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!env->msg) {
        err->code = PROTO_BAD_REQUEST;
        snprintf(err->message, sizeof err->message,
                 "the message is not valid JSON: %s (column %d)", jerr.text,
                 jerr.column);
        srv_text_utf8_clean(err->message); /* jansson may quote the input */
        return -1;
    }
    if (!json_is_object(env->msg))
        return fail(err, "each message must be a JSON object");
    env->id = json_object_get(env->msg, "id");
    if (env->id && !json_is_string(env->id) && !json_is_integer(env->id) &&
        !json_is_real(env->id)) {
        env->id = NULL;
        return fail(err, "id must be a string or a number");
    }
    type = json_object_get(env->msg, "type");
    if (!json_is_string(type))
        return fail(err, "the message needs a string field 'type'");
    env->type = json_string_value(type);
    return 0;
}
