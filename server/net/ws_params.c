/* ws_params.c -- the one checker of WebSocket message fields: walks a
 * message type's table of srv_ws_param rows (see ws_params.h), checks each
 * field's presence, JSON type and limits, words the rule of a failing row
 * from the row itself, and serves the checked values to the handler. */
#include "server/net/ws_params.h"

#include <assert.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "protocol/fields.h"
#include "protocol/ops.h"

/* The range part of a rule: " from 1 to 200", " >= 0", "" (unit: NULL for
 * values, else "characters"/"bytes"/"items", then lengths are worded). */
static void range_words(const struct srv_ws_param *p, const char *unit,
                        char *buf, size_t size)
{
    bool lo = p->min != LLONG_MIN && (unit == NULL || p->min > 0);
    bool hi = p->max != 0;

    if (unit) {
        /* "1 item", "2 items": the unit without its s after a 1 */
        int ulen = (int)strlen(unit), one = ulen - 1;
        if (lo && hi && p->min == p->max)
            snprintf(buf, size, " of exactly %lld %.*s", p->min,
                     p->min == 1 ? one : ulen, unit);
        else if (lo && hi)
            snprintf(buf, size, " of %lld to %lld %s", p->min, p->max, unit);
        else if (hi)
            snprintf(buf, size, " of at most %lld %.*s", p->max,
                     p->max == 1 ? one : ulen, unit);
        else if (lo)
            snprintf(buf, size, " of at least %lld %.*s", p->min,
                     p->min == 1 ? one : ulen, unit);
        else
            buf[0] = '\0';
        return;
    }
    if (lo && hi)
        snprintf(buf, size, " from %lld to %lld", p->min, p->max);
    else if (lo)
        snprintf(buf, size, " >= %lld", p->min);
    else if (hi)
        snprintf(buf, size, " <= %lld", p->max);
    else
        buf[0] = '\0';
}

/* Words the rule of row p ("null or a revision (an integer >= 0)"). */
static void rule_words(const struct srv_ws_param *p, char *buf, size_t size)
{
    char range[96], items[256] = "";
    const char *null = p->flags & SRV_WS_NULLABLE ? "null or " : "";
    const char *w = p->what;

    switch (p->type) {
    case SRV_WS_STRING:
        range_words(p, "characters", range, sizeof range);
        snprintf(buf, size, "%s%s%s", null, w ? w : "text", range);
        break;
    case SRV_WS_KEY:
        range_words(p, "bytes", range, sizeof range);
        snprintf(buf, size, "%s%s%s%s%s", null, w ? w : "a string",
                 w && range[0] ? " (a string" : "", range,
                 w && range[0] ? ")" : "");
        break;
    case SRV_WS_ID:
        snprintf(buf, size, "%s%s (1 to 64 characters of A-Z a-z 0-9 _ -)",
                 null, w ? w : "an id");
        break;
    case SRV_WS_INTEGER:
        range_words(p, NULL, range, sizeof range);
        if (w)
            snprintf(buf, size, "%s%s (an integer%s)", null, w, range);
        else
            snprintf(buf, size, "%san integer%s", null, range);
        break;
    case SRV_WS_FRAME:
    case SRV_WS_REV:
        range_words(p, NULL, range, sizeof range);
        snprintf(buf, size, "%s%s (an integer%s)", null,
                 w ? w : p->type == SRV_WS_FRAME ? "a position in frames"
                                                 : "a revision",
                 range);
        break;
    case SRV_WS_NUMBER:
        range_words(p, NULL, range, sizeof range);
        snprintf(buf, size, "%s%s%s", null, w ? w : "a number", range);
        break;
    case SRV_WS_BOOL:
        snprintf(buf, size, "%strue or false", null);
        break;
    case SRV_WS_CHOICE: {
        size_t n = (size_t)snprintf(buf, size, "%sone of", null);
        for (int i = 0; p->choices && p->choices[i] && n < size; i++)
            n += (size_t)snprintf(buf + n, size - n, "%s \"%s\"",
                                  i ? "," : "", p->choices[i]);
        break;
    }
    case SRV_WS_OBJECT:
        snprintf(buf, size, "%s%s", null, w ? w : "an object");
        break;
    case SRV_WS_ARRAY:
        range_words(p, "items", range, sizeof range);
        if (p->items) {
            char item[200];
            rule_words(p->items, item, sizeof item);
            snprintf(items, sizeof items, ", each %s", item);
        }
        snprintf(buf, size, "%s%s%s%s", null, w ? w : "an array", range,
                 items);
        break;
    case SRV_WS_REVREF:
        snprintf(buf, size, "%s%s", null,
                 w ? w : "a revision number or a version id");
        break;
    }
}

/* True if the integer v is within p's min..max. */
static bool in_range(const struct srv_ws_param *p, long long v)
{
    return v >= p->min && (p->max == 0 || v <= p->max);
}

/* True if the length n is within p's min..max (min <= 0: none). */
static bool len_ok(const struct srv_ws_param *p, size_t n)
{
    return (p->min <= 0 || n >= (size_t)p->min) &&
           (p->max == 0 || n <= (size_t)p->max);
}

/* True if v (not NULL, not a null the row allows) passes row p. */
static bool value_ok(const struct srv_ws_param *p, const json_t *v)
{
    switch (p->type) {
    case SRV_WS_STRING: {
        const char *s = json_string_value(v);
        return s && strlen(s) == json_string_length(v) &&
               len_ok(p, proto_utf8_length(s));
    }
    case SRV_WS_KEY:
        return json_is_string(v) && len_ok(p, strlen(json_string_value(v)));
    case SRV_WS_ID:
        return json_is_string(v) && proto_valid_id(json_string_value(v));
    case SRV_WS_INTEGER:
    case SRV_WS_FRAME:
    case SRV_WS_REV:
        return json_is_integer(v) && in_range(p, json_integer_value(v));
    case SRV_WS_NUMBER:
        return json_is_number(v) &&
               (p->min == LLONG_MIN ||
                json_number_value(v) >= (double)p->min) &&
               (p->max == 0 || json_number_value(v) <= (double)p->max);
    case SRV_WS_BOOL:
        return json_is_boolean(v);
    case SRV_WS_CHOICE:
        for (int i = 0; json_is_string(v) && p->choices && p->choices[i]; i++)
            if (strcmp(json_string_value(v), p->choices[i]) == 0)
                return true;
        return false;
    case SRV_WS_OBJECT:
        return json_is_object(v);
    case SRV_WS_ARRAY: {
        size_t i;
        json_t *item;
        if (!json_is_array(v) || !len_ok(p, json_array_size(v)))
            return false;
        json_array_foreach(v, i, item) if (p->items &&
                                           !value_ok(p->items, item))
            return false;
        return true;
    }
    case SRV_WS_REVREF:
        return json_is_integer(v) || json_is_string(v);
    }
    return false;
}

/* True if a value of another JSON type than row p's reads as absent (a
 * LOOSE row): the JSON type is wrong, as opposed to a value out of range. */
static bool wrong_json_type(const struct srv_ws_param *p, const json_t *v)
{
    switch (p->type) {
    case SRV_WS_STRING:
    case SRV_WS_KEY:
    case SRV_WS_ID:
    case SRV_WS_CHOICE:
        return !json_is_string(v);
    case SRV_WS_INTEGER:
    case SRV_WS_FRAME:
    case SRV_WS_REV:
        return !json_is_integer(v);
    case SRV_WS_NUMBER:
        return !json_is_number(v);
    case SRV_WS_BOOL:
        return !json_is_boolean(v);
    case SRV_WS_OBJECT:
        return !json_is_object(v);
    case SRV_WS_ARRAY:
        return !json_is_array(v);
    case SRV_WS_REVREF:
        return !json_is_integer(v) && !json_is_string(v);
    }
    return true;
}

/* Checks row i of a's table; sets a->values[i]. Returns 0 or -1 with err. */
static int check_row(struct srv_ws_args *a, int i, proto_err *err)
{
    const struct srv_ws_param *p = &a->params[i];
    json_t *v = json_object_get(a->msg, p->name);
    proto_code code = p->code != PROTO_OK ? p->code : PROTO_BAD_REQUEST;
    char rule[400];

    a->values[i] = NULL;
    if (v && json_is_null(v) && (p->flags & (SRV_WS_NULLABLE | SRV_WS_LOOSE)))
        v = NULL;
    if (v && (p->flags & SRV_WS_LOOSE) && wrong_json_type(p, v))
        v = NULL;
    if (!v && !(p->flags & SRV_WS_REQUIRED))
        return 0;
    if (v && value_ok(p, v)) {
        a->values[i] = v;
        return 0;
    }
    rule_words(p, rule, sizeof rule);
    if (!v)
        return proto_fail(err, code, "%s needs `%s`, %s", a->type, p->name,
                          rule);
    return proto_fail(err, code, "%s: `%s` must be %s", a->type, p->name,
                      rule);
}

int srv_ws_params_check(const char *type, const struct srv_ws_param *params,
                        json_t *msg, struct srv_ws_args *a, proto_err *err)
{
    int rc = 0;

    assert(type && json_is_object(msg) && a && err);
    memset(a, 0, sizeof *a);
    a->type = type;
    a->params = params;
    a->msg = msg;
    proto_err_clear(err);
    for (int i = 0; params && params[i].name; i++) {
        assert(i < SRV_WS_MAX_PARAMS);
        assert(params[i].type != SRV_WS_CHOICE || params[i].choices);
        if (!(params[i].flags & SRV_WS_LATER) && check_row(a, i, err) != 0) {
            rc = -1;
            goto out;
        }
    }
out:
    return rc;
}

int srv_ws_args_check_later(struct srv_ws_args *a, proto_err *err)
{
    int rc = 0;

    assert(a && a->msg && err);
    proto_err_clear(err);
    for (int i = 0; !a->later_checked && a->params && a->params[i].name; i++)
        if ((a->params[i].flags & SRV_WS_LATER) && check_row(a, i, err) != 0) {
            rc = -1;
            goto out;
        }
    a->later_checked = true;
out:
    return rc;
}

/* The row named name (asserted to exist, and to be checked by now) and
 * its value; *type_ok asserted by the caller. */
static json_t *value_of(const struct srv_ws_args *a, const char *name,
                        const struct srv_ws_param **row)
{
    for (int i = 0; a->params && a->params[i].name; i++)
        if (strcmp(a->params[i].name, name) == 0) {
            *row = &a->params[i];
            /* a LATER row is read only after srv_ws_args_check_later */
            assert(!(a->params[i].flags & SRV_WS_LATER) || a->later_checked);
            return a->values[i];
        }
    /* the field is not in the type's table: declare it there */
    assert(!"srv_ws_arg_*: no such row in the message type's table");
    *row = NULL;
    return NULL;
}

bool srv_ws_arg_has(const struct srv_ws_args *a, const char *name)
{
    const struct srv_ws_param *p;

    return value_of(a, name, &p) != NULL;
}

long long srv_ws_arg_int(const struct srv_ws_args *a, const char *name,
                         long long dflt)
{
    const struct srv_ws_param *p;
    json_t *v = value_of(a, name, &p);

    assert(!p || p->type == SRV_WS_INTEGER || p->type == SRV_WS_FRAME ||
           p->type == SRV_WS_REV || p->type == SRV_WS_REVREF);
    return json_is_integer(v) ? (long long)json_integer_value(v) : dflt;
}

double srv_ws_arg_num(const struct srv_ws_args *a, const char *name,
                      double dflt)
{
    const struct srv_ws_param *p;
    json_t *v = value_of(a, name, &p);

    assert(!p || p->type == SRV_WS_NUMBER);
    return v ? json_number_value(v) : dflt;
}

bool srv_ws_arg_bool(const struct srv_ws_args *a, const char *name, bool dflt)
{
    const struct srv_ws_param *p;
    json_t *v = value_of(a, name, &p);

    assert(!p || p->type == SRV_WS_BOOL);
    return v ? json_is_true(v) : dflt;
}

const char *srv_ws_arg_str(const struct srv_ws_args *a, const char *name)
{
    const struct srv_ws_param *p;
    json_t *v = value_of(a, name, &p);

    assert(!p || p->type == SRV_WS_STRING || p->type == SRV_WS_KEY ||
           p->type == SRV_WS_ID || p->type == SRV_WS_CHOICE ||
           p->type == SRV_WS_REVREF);
    return json_string_value(v);
}

json_t *srv_ws_arg_json(const struct srv_ws_args *a, const char *name)
{
    const struct srv_ws_param *p;

    return value_of(a, name, &p);
}
