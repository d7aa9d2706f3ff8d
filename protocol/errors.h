/* errors.h -- the one registry of wire error codes (code name, HTTP status,
 * default text) and the error value every protocol function fills in. */
#ifndef MIXROOM_PROTOCOL_ERRORS_H
#define MIXROOM_PROTOCOL_ERRORS_H

typedef enum {
    PROTO_OK = 0,
    PROTO_BAD_REQUEST,
    PROTO_UNAUTHORIZED,
    PROTO_FORBIDDEN,
    PROTO_NOT_FOUND,
    PROTO_CONFLICT,
    PROTO_INVALID_VALUE,
    PROTO_TOO_LARGE,
    PROTO_RATE_LIMITED,
    PROTO_UNSUPPORTED,
    PROTO_INTERNAL,
    PROTO_OUT_OF_ORDER, /* a recording chunk ahead of the next expected */
    PROTO_DISK_FULL,    /* no space left to store what was sent */
    PROTO_CODE_COUNT
} proto_code;

/* An error: its code, a sentence a person can act on, and (for pushes) the
 * index of the failing op, or -1. */
typedef struct {
    proto_code code;
    int op_index;
    char message[512];
} proto_err;

/* The wire name of a code ("not_found"); "internal" for unknown values. */
const char *proto_code_name(proto_code code);

/* The HTTP status that goes with a code (404 for PROTO_NOT_FOUND, ...). */
int proto_code_http_status(proto_code code);

/* Parses a wire name back into a code; returns PROTO_CODE_COUNT if unknown. */
proto_code proto_code_from_name(const char *name);

/* Fills *err (if not NULL) with code and a printf-formatted message; keeps
 * err->op_index as it was. Returns -1 so callers can `return proto_fail(..)`. */
int proto_fail(proto_err *err, proto_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Resets *err to PROTO_OK, empty message, op_index -1. */
void proto_err_clear(proto_err *err);

#endif
