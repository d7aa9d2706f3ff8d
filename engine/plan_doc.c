/* plan_doc.c -- eng_plan_build: a plan from a protocol document. Kept apart
 * from plan.c so that code building plans from plain JSON arrays does not
 * pull the document implementation in. */
#include "engine/plan.h"

#include "protocol/document.h"

eng_plan *eng_plan_build(const proto_doc *doc, eng_asset_lookup lookup,
                         void *ctx)
{
    json_t *objects = proto_doc_objects(doc);
    eng_plan *p;
    if (!objects)
        return NULL;
    p = eng_plan_build_objects(objects, lookup, ctx);
    json_decref(objects);
    return p;
}
