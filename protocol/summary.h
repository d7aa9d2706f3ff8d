/* summary.h -- one-line sentences a person reads for history entries and
 * diffs ("ana set Bass gain to −3.5 dB", "ana deleted track Drums and its
 * 4 clips"). Negative numbers use the minus sign U+2212 ("−3.5 dB"); frame
 * values are written in seconds at the project's sample rate. */
#ifndef MIXROOM_PROTOCOL_SUMMARY_H
#define MIXROOM_PROTOCOL_SUMMARY_H

#include <jansson.h>

#include "protocol/document.h"

/* A sentence describing a push by `user` (display name), given the ops as
 * applied, their inverse (the old values) and the document after the push
 * (for names). Returns a malloc'd string. */
char *proto_summary(const char *user, const json_t *applied,
                    const json_t *inverse, const proto_doc *after);

/* How a person names an object in a sentence: a track's name, "Verse vox"
 * or "clip on Bass", "reverb on Bass", "send from Bass to Bus A", "marker
 * Chorus", "gain automation on Bass", "the project". Malloc'd. */
char *proto_object_label(const proto_doc *doc, const json_t *object);

/* What changed between two documents, for review:
 * {"created":[objects], "deleted":[objects],
 *  "changed":[{"id","kind","name","fields":{field:[old,new]},
 *              "summary":"Bass gain −3.0 dB → −5.5 dB"}]}
 * each list in the stable document order. New reference. */
json_t *proto_diff(const proto_doc *from, const proto_doc *to);

#endif
