/* dawproject.h -- reading DAWproject files (https://github.com/bitwig/
 * dawproject; the schemas are embedded from server/interchange/schema/):
 * the safe XML parse and schema validation of project.xml and
 * metadata.xml (dawproject_read.c) and the mapping of a validated
 * project.xml onto mixroom ops for a new project (dawproject_map.c).
 * Pure functions of their input: no I/O, no global mutable state (libxml2
 * must have been initialised with xmlInitParser on the main thread);
 * safe on any thread. The mapping table is in docs/interchange.md. */
#ifndef MIXROOM_INTERCHANGE_DAWPROJECT_H
#define MIXROOM_INTERCHANGE_DAWPROJECT_H

#include <jansson.h>
#include <libxml/tree.h>
#include <stddef.h>

typedef enum dp_schema { DP_PROJECT, DP_METADATA } dp_schema;

/* Parses the len bytes of project.xml (DP_PROJECT) or metadata.xml and
 * validates them against Project.xsd / MetaData.xsd. Refuses any DOCTYPE
 * (so no entity is ever declared, expanded or fetched); parses with
 * XML_PARSE_NONET and without NOENT, DTDLOAD or DTDATTR. Returns the
 * document (xmlFreeDoc it), or NULL with err naming the file, the line
 * and what is wrong. */
xmlDocPtr dp_parse(const unsigned char *xml, size_t len, dp_schema which,
                   char *err, size_t errlen);

/* From a validated metadata.xml: its Title (or "") into title. */
void dp_metadata_title(xmlDocPtr meta, char *title, size_t n);

/* The project rate an import should use: the sample rate most of the
 * project's Audio elements have when it is 44100 or 48000, else 48000. */
int dp_suggest_rate(xmlDocPtr project);

/* What a project.xml maps to. Audio clips reference assets by
 * placeholder ids ("dpa1", "dpa2", ...) listed in files, which the caller
 * imports and substitutes (dp_substitute_assets). */
typedef struct dp_result {
    json_t *ops;      /* the ops that build the project in a new document */
    json_t *report;   /* what was dropped or changed, sentences */
    json_t *files;    /* [{"path": entry name in the zip, "asset":
                         placeholder id, "name": file name}], one per path */
    int tracks, clips, notes, markers;
} dp_result;

/* Maps a document dp_parse(DP_PROJECT) accepted onto ops for a new
 * project at rate (44100|48000). Everything mixroom cannot represent
 * becomes a line of out->report. Returns 0, or -1 with err (a reference
 * to no object, a file outside the archive, ...); out is then empty. */
int dp_map(xmlDocPtr project, int rate, dp_result *out, char *err,
           size_t errlen);

void dp_result_free(dp_result *r);

/* Fits the audio clips of r->ops to their audio: frames maps placeholder
 * ids to the file's length in frames at the project rate. A clip that
 * reaches past the end of its audio is shortened (and its fades with it),
 * one whose offset is past the end starts at the file's start; each is a
 * report line. */
void dp_fit_clips(dp_result *r, const json_t *frames);

/* Replaces every placeholder asset id in ops (clip "asset" fields) by
 * the id map[placeholder] (a JSON object of strings). */
void dp_substitute_assets(json_t *ops, const json_t *map);

#endif
