/* ws_envelope.h -- the rules every WebSocket text message passes before
 * its type's own table (ws_params.h): valid JSON without duplicate keys, an
 * object, an `id` that is a string or a number if present, a string
 * `type`. Pure: text in, a parsed message or an error out; no lws, any
 * thread (server/net/ws.c calls it for each message; the fuzzer
 * tests/fuzz/fuzz_ws_message.c drives it). */
#ifndef MIXROOM_SERVER_NET_WS_ENVELOPE_H
#define MIXROOM_SERVER_NET_WS_ENVELOPE_H

#include <jansson.h>
#include <stddef.h>

#include "protocol/errors.h"

/* A parsed message. msg is owned (json_decref it, also after an error:
 * it may be set then); id and type are borrowed from msg. */
struct srv_ws_envelope {
    json_t *msg;
    json_t *id;          /* NULL when absent or refused */
    const char *type;    /* NULL after an error */
};

/* Parses text[0..len) into env. Returns 0, or -1 with err (code
 * bad_request and a message saying what is wrong; env->id is set when the
 * error happened after a valid id was read, so that the answer can carry
 * it). */
int srv_ws_envelope_parse(const char *text, size_t len,
                          struct srv_ws_envelope *env, proto_err *err);

#endif
