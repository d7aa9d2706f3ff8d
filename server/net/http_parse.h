/* http_parse.h -- the pure parts of reading an HTTP request: URL decoding,
 * route patterns with {x} parameters, query-parameter lookup, the
 * Authorization: Bearer value and a JSON-object body. String in, result
 * out: no libwebsockets, no I/O, any thread (server/net/http.c calls
 * these; tests/fuzz/fuzz_http_parse.c and fuzz_json_body.c fuzz them). */
#ifndef MIXROOM_SERVER_HTTP_PARSE_H
#define MIXROOM_SERVER_HTTP_PARSE_H

#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "protocol/errors.h"

/* URL-decodes src[0..n) into out: "%XY" (two hex digits) becomes that
 * byte, '+' a space, anything else (a '%' without two hex digits too) is
 * copied. Stops when out is full; out is always NUL-terminated when
 * outlen > 0 (nothing is written when outlen is 0). Returns the number of
 * bytes written before the NUL (at most n and at most outlen - 1; "%00"
 * writes a NUL byte, so strlen(out) may be smaller). */
size_t srv_http_url_decode(const char *src, size_t n, char *out,
                           size_t outlen);

/* Matches path against a route pattern, where "{x}" matches one non-empty
 * segment (up to the next '/' or the end) of fewer than param_len bytes;
 * every other byte must be equal. params: max_params buffers of param_len
 * bytes each, back to back (char params[max_params][param_len]). On a
 * match returns true, sets *n_params and leaves params[0..*n_params) as
 * NUL-terminated copies of the segments. On no match returns false and
 * leaves *n_params alone (params may hold partial copies). */
bool srv_http_match(const char *pattern, const char *path, char *params,
                    size_t param_len, int max_params, int *n_params);

/* Looks up parameter `name` in a raw query string ("a=1&b=x%20y&c"):
 * the first '&'-separated segment "name=value" gives value URL-decoded
 * into out (srv_http_url_decode), a bare "name" gives "". Returns false
 * (out untouched) when there is no such segment. */
bool srv_http_query_value(const char *query, const char *name, char *out,
                          size_t outlen);

/* The token of an Authorization header value "Bearer TOKEN" (scheme
 * case-insensitive, one space) into out; "" when the value is not a
 * bearer credential or the token does not fit in outlen - 1 bytes.
 * outlen must be > 0. */
void srv_http_bearer(const char *authorization, char *out, size_t outlen);

/* Parses body[0..len) (body may be NULL when len is 0) as a JSON object.
 * Returns a new reference, or NULL with *code = PROTO_BAD_REQUEST and a
 * sentence in msg ("the body is not valid JSON: ... (line N)", ...). */
json_t *srv_http_parse_json_object(const unsigned char *body, size_t len,
                                   proto_code *code, char *msg,
                                   size_t msglen);

/* Finds cookie `name` in the value of a Cookie header ("a=1; b=\"x\""):
 * pairs are separated by ';' (spaces and tabs around them ignored); the
 * first pair whose name is exactly `name` (case-sensitive) gives its value,
 * without surrounding double quotes, into out. Returns false (out = "")
 * when there is no such pair or its value does not fit in outlen - 1
 * bytes. (libwebsockets' own lookup matches names by their end, so
 * "xmixroom_session" would count; this one does not.) */
bool srv_http_cookie_value(const char *header, const char *name, char *out,
                           size_t outlen);

/* Makes s valid UTF-8 in place, for messages that quote what a client
 * sent (a decoded path, a truncated field): each byte that does not start
 * a complete, shortest-form sequence of a code point (no surrogates, at
 * most U+10FFFF) becomes '?'. Returns the number of bytes replaced. */
size_t srv_text_utf8_clean(char *s);

/* vsnprintf into out, then srv_text_utf8_clean: the text of an error
 * message that may quote what a client sent (http.c and ws.c answers). */
void srv_text_vformat(char *out, size_t n, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

#endif
