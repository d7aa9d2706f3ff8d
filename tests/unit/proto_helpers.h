/* proto_helpers.h -- small helpers shared by the protocol unit tests:
 * apply a push written as JSON text, and assert on the error it gives. */
#ifndef MIXROOM_PROTO_HELPERS_H
#define MIXROOM_PROTO_HELPERS_H

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/document.h"
#include "protocol/ops.h"

/* Applies ops given as JSON text; returns the result code, fills err, and
 * (if not NULL) hands back applied/inverse (caller frees). */
static inline int apply_text(proto_doc *doc, const char *text, proto_err *err,
                             json_t **applied_out, json_t **inverse_out)
{
    json_error_t jerr;
    json_t *ops = json_loads(text, 0, &jerr), *applied = NULL, *inverse = NULL;
    int rc;

    if (!ops) {
        fprintf(stderr, "bad test JSON: %s: %s\n", text, jerr.text);
        abort();
    }
    rc = proto_apply_push(doc, ops, &applied, &inverse, err);
    json_decref(ops);
    if (applied_out)
        *applied_out = applied;
    else
        json_decref(applied);
    if (inverse_out)
        *inverse_out = inverse;
    else
        json_decref(inverse);
    return rc;
}

/* A 48 kHz document with asset "a1" (10 s, ready), audio track "t1" (Bass),
 * bus "b1" (Bus A), bus "b2" (Bus B). */
static inline proto_doc *base_doc(void)
{
    proto_doc *doc = proto_doc_new("Song", 48000);
    proto_err err;

    proto_doc_set_asset(doc, "a1", 480000, true);
    proto_doc_set_asset(doc, "a2", 1000, false);
    if (apply_text(doc,
                   "[{\"op\":\"create\",\"id\":\"t1\",\"kind\":\"track\",\"fields\":{\"name\":\"Bass\"}},"
                   " {\"op\":\"create\",\"id\":\"b1\",\"kind\":\"track\",\"fields\":{\"name\":\"Bus A\",\"role\":\"bus\"}},"
                   " {\"op\":\"create\",\"id\":\"b2\",\"kind\":\"track\",\"fields\":{\"name\":\"Bus B\",\"role\":\"bus\"}}]",
                   &err, NULL, NULL)) {
        fprintf(stderr, "base_doc: %s\n", err.message);
        abort();
    }
    return doc;
}

#endif
