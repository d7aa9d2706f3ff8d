/* fuzz_ws_message.c -- libFuzzer harness over what every WebSocket text
 * message goes through before its handler: the envelope
 * (srv_ws_envelope_parse, server/net/ws_envelope.c: JSON without
 * duplicate keys, an object, a string or number `id`, a string `type`) and
 * the table-driven field check (srv_ws_params_check and the LATER rows,
 * server/net/ws_params.c) against a table with a row of every type and
 * flag, read back through every getter. Checked properties: a refused
 * message has code bad_request (envelope) or the row's code (fields) and a
 * non-empty message that is valid UTF-8 (it must encode as JSON); an
 * accepted envelope has a type; the same input gives the same answer; a
 * field check that passes leaves every REQUIRED row present with a value of
 * its type, and the getters read without tripping their asserts; nothing
 * leaks. Built by tests/fuzz/run.sh (clang), replayed by tests/fuzz/replay.c. */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server/net/ws_envelope.h"
#include "server/net/ws_params.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const colors[] = {"red", "green", NULL};
static const struct srv_ws_param frame_item = {
    .name = "item", .type = SRV_WS_FRAME, .max = 1000};

/* One row of each type and flag, as the real tables use them. */
static const struct srv_ws_param rows[] = {
    {.name = "seq", .type = SRV_WS_INTEGER, .flags = SRV_WS_REQUIRED,
     .min = 1, .max = 1000000},
    {.name = "client", .type = SRV_WS_ID, .flags = SRV_WS_NULLABLE},
    {.name = "body", .type = SRV_WS_STRING, .min = 1, .max = 50},
    {.name = "at", .type = SRV_WS_FRAME, .code = PROTO_INVALID_VALUE,
     .max = 1000},
    {.name = "gain", .type = SRV_WS_NUMBER, .min = -10, .max = 10},
    {.name = "color", .type = SRV_WS_CHOICE, .choices = colors,
     .flags = SRV_WS_LOOSE},
    {.name = "view", .type = SRV_WS_ARRAY, .min = 2, .max = 2,
     .items = &frame_item, .flags = SRV_WS_NULLABLE},
    {.name = "rev", .type = SRV_WS_REVREF, .flags = SRV_WS_LATER},
    {.name = NULL}};

/* A message is JSON-encodable only if it is valid UTF-8. */
static void check_message(const proto_err *err)
{
    json_t *s;

    if (!err->message[0] || !memchr(err->message, '\0', sizeof err->message))
        abort();
    s = json_string(err->message);
    if (!s)
        abort();
    json_decref(s);
}

static void check_fields(json_t *msg, const char *type)
{
    struct srv_ws_args a;
    proto_err err;

    if (srv_ws_params_check(type, rows, msg, &a, &err) != 0) {
        check_message(&err);
        return;
    }
    /* the required row is there, and every getter reads */
    if (!srv_ws_arg_has(&a, "seq") || srv_ws_arg_int(&a, "seq", 0) < 1)
        abort();
    (void)srv_ws_arg_str(&a, "client");
    (void)srv_ws_arg_str(&a, "body");
    (void)srv_ws_arg_int(&a, "at", 0);
    (void)srv_ws_arg_num(&a, "gain", 0);
    (void)srv_ws_arg_str(&a, "color");
    (void)srv_ws_arg_json(&a, "view");
    if (srv_ws_args_check_later(&a, &err) != 0) {
        check_message(&err);
        return;
    }
    (void)srv_ws_arg_int(&a, "rev", 0);
    (void)srv_ws_arg_str(&a, "rev");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size ? size : 1);
    struct srv_ws_envelope env, again;
    proto_err err, err2;
    int rc, rc2;

    if (!text)
        abort();
    memcpy(text, data, size);
    rc = srv_ws_envelope_parse(text, size, &env, &err);
    rc2 = srv_ws_envelope_parse(text, size, &again, &err2);
    if (rc != rc2)
        abort();
    if (rc != 0) {
        if (err.code != PROTO_BAD_REQUEST || strcmp(err.message, err2.message))
            abort();
        check_message(&err);
    } else {
        if (!env.type || !json_is_object(env.msg) ||
            strcmp(env.type, again.type))
            abort();
        if (env.id && !json_is_string(env.id) && !json_is_number(env.id))
            abort();
        check_fields(env.msg, env.type);
    }
    json_decref(env.msg);
    json_decref(again.msg);
    free(text);
    return 0;
}
