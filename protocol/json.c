/* json.c -- parsing wire messages and the stable compact encoding. */
#include "protocol/json.h"

json_t *proto_parse_message(const char *buf, size_t len, proto_err *err)
{
    json_error_t jerr;
    json_t *msg = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);

    if (!msg) {
        proto_fail(err, PROTO_BAD_REQUEST,
                   "invalid JSON at line %d column %d: %s", jerr.line,
                   jerr.column, jerr.text);
        return NULL;
    }
    if (!json_is_object(msg)) {
        json_decref(msg);
        proto_fail(err, PROTO_BAD_REQUEST, "a message must be a JSON object");
        return NULL;
    }
    if (!json_is_string(json_object_get(msg, "type"))) {
        json_decref(msg);
        proto_fail(err, PROTO_BAD_REQUEST,
                   "a message needs a string \"type\"");
        return NULL;
    }
    return msg;
}

char *proto_dumps(const json_t *value)
{
    return json_dumps(value, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
}
