/* summary.h -- one-line sentences a person reads for history entries and
 * diffs ("ana set Bass gain to -3.5 dB", "ana deleted track Drums and its
 * 4 clips"). */
#ifndef MIXROOM_PROTOCOL_SUMMARY_H
#define MIXROOM_PROTOCOL_SUMMARY_H

#include <jansson.h>

#include "protocol/document.h"

/* A sentence describing a push by `user` (display name), given the ops as
 * applied, their inverse (the old values) and the document after the push
 * (for names). Returns a malloc'd string. */
char *proto_summary(const char *user, const json_t *applied,
                    const json_t *inverse, const proto_doc *after);

#endif
