/* fuzz_dawproject_xml.c -- libFuzzer harness over the DAWproject import's
 * XML side (server/interchange/dawproject_read.c, dawproject_map.c,
 * dawproject_devices.c): the input is the bytes of a project.xml. Checked
 * properties: a refusal always has a message; an accepted file maps or is
 * refused with a message; a mapping gives an array of ops, an array of
 * report sentences (UTF-8) and files whose paths are plain relative paths
 * with distinct placeholder ids; the ops then apply to a new document with
 * those placeholders registered, or are refused with a message (never a
 * crash). Built by tests/fuzz/run.sh (clang) and replayed by
 * tests/fuzz/replay.c. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/document.h"
#include "protocol/fields.h"
#include "protocol/ops.h"
#include "server/interchange/dawproject.h"
#include "server/interchange/zip_read.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_result(const dp_result *r, int rate)
{
    size_t i;
    json_t *e, *applied = NULL, *inverse = NULL;
    proto_doc *doc;
    proto_err err;
    proto_limits lim = {100000, 200000, 64u << 20, NULL, NULL};

    if (!json_is_array(r->ops) || !json_is_array(r->report) ||
        !json_is_array(r->files))
        abort();
    json_array_foreach(r->report, i, e)
        if (!json_is_string(e) || proto_utf8_length(json_string_value(e)) == (size_t)-1)
            abort();
    doc = proto_doc_new("Fuzz", rate);
    if (!doc)
        abort();
    json_array_foreach(r->files, i, e) {
        const char *p = json_string_value(json_object_get(e, "path"));
        const char *a = json_string_value(json_object_get(e, "asset"));
        if (!p || !a || !ix_zip_path_ok(p) || proto_doc_get_asset(doc, a, NULL, NULL))
            abort();
        proto_doc_set_asset(doc, a, (int64_t)1 << 38, true);
    }
    if (proto_apply_push_limited(doc, r->ops, &lim, &applied, &inverse, &err) != 0) {
        if (!err.message[0])
            abort();
    }
    json_decref(applied);
    json_decref(inverse);
    proto_doc_free(doc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[600] = "";
    dp_result r;
    xmlDocPtr doc = dp_parse(data, size, DP_PROJECT, err, sizeof err);

    if (!doc) {
        if (!err[0])
            abort();
        return 0;
    }
    int rate = dp_suggest_rate(doc);
    if (rate != 44100 && rate != 48000)
        abort();
    err[0] = '\0';
    if (dp_map(doc, rate, &r, err, sizeof err) != 0) {
        if (!err[0] || r.ops)
            abort();
    } else {
        check_result(&r, rate);
        dp_result_free(&r);
    }
    xmlFreeDoc(doc);
    return 0;
}
