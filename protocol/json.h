/* json.h -- wire messages to and from jansson: parsing one text frame into
 * a message object, and the stable compact encoding used for documents and
 * replies. */
#ifndef MIXROOM_PROTOCOL_JSON_H
#define MIXROOM_PROTOCOL_JSON_H

#include <jansson.h>
#include <stddef.h>

#include "protocol/errors.h"

/* Parses buf[0..len) as one JSON object with a string "type". Returns a new
 * reference, or NULL with err = bad_request ("invalid JSON at line 1 column
 * 7: ...", "a message must be a JSON object", "a message needs a string
 * \"type\""). */
json_t *proto_parse_message(const char *buf, size_t len, proto_err *err);

/* Compact encoding with sorted keys (equal values give equal bytes);
 * malloc'd, NULL on failure. Accepts any JSON value. */
char *proto_dumps(const json_t *value);

#endif
