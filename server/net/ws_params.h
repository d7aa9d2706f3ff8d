/* ws_params.h -- the fields of each WebSocket message type, validated from
 * tables (the model: protocol/fields.c, one table per object kind).
 *
 * Each message type declares its fields in a table of struct srv_ws_param
 * rows (name, type, required/nullable, limits, the error code) ended by a
 * row with name NULL, and hangs it on its route (srv_ws_route.params in
 * ws.h). ws.c runs srv_ws_params_check over it after the permission check
 * and before the handler; a failure is answered as
 *   {"type":"error","id":..,"code":<the row's code>,
 *    "message":"<type>: `<field>` must be <rule>"}
 * (or "<type> needs `<field>`, <rule>" for a missing required field), and
 * the handler is not called.
 *
 * The handler gets the result, a struct srv_ws_args, instead of the raw
 * message: it reads its values with the srv_ws_arg_* getters, which cannot
 * fail (the value was checked) and assert that the name is a row of the
 * type's table and that the getter fits the row's type. A handler thus has
 * no way to read a field that no table declares: a forgotten row trips the
 * assertion in the first test that sends the field.
 *
 * Shape, type and range checks live in the tables; checks that need state
 * (does the comment exist, is it mine, is the revision committed) stay in
 * the handlers. Rows flagged SRV_WS_LATER are for the few handlers that
 * answer a state condition before a field (hello's "already joined",
 * comment.edit's author check, push's resend and `reject`): ws.c skips
 * them, and the handler checks them with srv_ws_check_later (ws.h) or
 * srv_ws_args_check_later where it used to; their getters assert that it
 * did. Fields no table names are ignored, as they always were.
 *
 * No lws, no state: usable from unit tests. */
#ifndef MIXROOM_SERVER_WS_PARAMS_H
#define MIXROOM_SERVER_WS_PARAMS_H

#include <jansson.h>
#include <stdbool.h>

#include "protocol/errors.h"

/* The JSON type (and rule) of a row. Limits are min..max (inclusive);
 * max 0 means no upper limit, as in protocol/fields.c. */
enum srv_ws_ptype {
    SRV_WS_STRING,  /* text of min..max code points, no NUL */
    SRV_WS_KEY,     /* a string of min..max bytes (an id the handler looks up) */
    SRV_WS_ID,      /* an object or client id: 1-64 of [A-Za-z0-9_-] */
    SRV_WS_INTEGER, /* a JSON integer min..max (min LLONG_MIN: no lower limit) */
    SRV_WS_FRAME,   /* a JSON integer frame position min..max */
    SRV_WS_REV,     /* a JSON integer revision min..max */
    SRV_WS_NUMBER,  /* a JSON number (integer or real) min..max */
    SRV_WS_BOOL,    /* true or false */
    SRV_WS_CHOICE,  /* one of the strings of choices */
    SRV_WS_OBJECT,  /* any JSON object */
    SRV_WS_ARRAY,   /* min..max items, each checked against *items if set */
    SRV_WS_REVREF   /* a revision number (any integer) or a version id */
};

/* Row flags. */
#define SRV_WS_REQUIRED 1u /* absent is an error (and null, unless NULLABLE) */
#define SRV_WS_NULLABLE 2u /* null is allowed and reads as absent */
#define SRV_WS_LATER    4u /* checked by the handler (srv_ws_check_later) */
#define SRV_WS_LOOSE    8u /* a value of another type reads as absent */

/* Most rows one table may have. */
#define SRV_WS_MAX_PARAMS 8

/* One field of a message type. */
struct srv_ws_param {
    const char *name;                 /* NULL ends a table */
    enum srv_ws_ptype type;
    unsigned flags;                   /* SRV_WS_REQUIRED | ... */
    proto_code code;                  /* the error's code; 0: bad_request */
    long long min, max;               /* range, or length (see the types) */
    const char *what;                 /* what the value is ("a project id"),
                                         or NULL for the type's own words */
    const char *const *choices;       /* CHOICE: NULL-terminated */
    const struct srv_ws_param *items; /* ARRAY: each item's rule, or NULL */
};

/* A checked message: the values of its table's rows. Filled by
 * srv_ws_params_check; read only through the getters. */
struct srv_ws_args {
    const char *type;                     /* the message type */
    const struct srv_ws_param *params;    /* its table (NULL: no fields) */
    json_t *msg;                          /* the message (borrowed) */
    json_t *values[SRV_WS_MAX_PARAMS];    /* per row; NULL: absent or null */
    bool later_checked;                   /* SRV_WS_LATER rows checked */
    size_t text_len;                      /* the received text's bytes
                                             (0: not known) */
};

/* Checks the rows of params (NULL-terminated, or NULL: no fields) that are
 * not SRV_WS_LATER against msg (an object, borrowed; must outlive *a), in
 * table order, and fills *a. type is the message type, for the messages.
 * Returns 0, or -1 with *err set (the first failing row's code and a
 * sentence naming the field and its rule). */
int srv_ws_params_check(const char *type, const struct srv_ws_param *params,
                        json_t *msg, struct srv_ws_args *a, proto_err *err);

/* Checks the SRV_WS_LATER rows of *a's table (at most once). Returns 0, or
 * -1 with *err set; the caller replies (an error, or push's reject). */
int srv_ws_args_check_later(struct srv_ws_args *a, proto_err *err);

/* True when the field was given and is not null. */
bool srv_ws_arg_has(const struct srv_ws_args *a, const char *name);

/* An INTEGER, FRAME, REV or REVREF field's value, or dflt when it is
 * absent, null, or (REVREF) a string. */
long long srv_ws_arg_int(const struct srv_ws_args *a, const char *name,
                         long long dflt);

/* A NUMBER field's value, or dflt when absent or null. */
double srv_ws_arg_num(const struct srv_ws_args *a, const char *name,
                      double dflt);

/* A BOOL field's value, or dflt when absent or null. */
bool srv_ws_arg_bool(const struct srv_ws_args *a, const char *name,
                     bool dflt);

/* A STRING, KEY, ID, CHOICE or REVREF field's text (borrowed from the
 * message), or NULL when absent, null, or (REVREF) a number. */
const char *srv_ws_arg_str(const struct srv_ws_args *a, const char *name);

/* Any field's checked value (borrowed), or NULL when absent or null: for
 * arrays and objects, and to copy a value as it came. */
json_t *srv_ws_arg_json(const struct srv_ws_args *a, const char *name);

#endif
