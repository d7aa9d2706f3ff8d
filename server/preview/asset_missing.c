/* asset_missing.c -- the checked plan build of the renders that write a
 * file (see asset_missing.h): the cache's lookup wrapped to note the
 * first asset it could not give, and the reason read back from the
 * assets table and the data folder. */
#include "server/preview/asset_missing.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "engine/fsutil.h"
#include "protocol/document.h"
#include "server/core/store_stmt.h"
#include "server/objstore/objstore.h"

/* The plan's asset lookup (srv_asset_lookup_fn), noting the first asset
 * a clip names that it could not give. */
struct checked_lookup {
    struct srv_asset_lookup l;
    char missing[64];
};

static eng_asset *checked_lookup_fn(void *ctx, const char *asset_id)
{
    struct checked_lookup *cl = ctx;
    eng_asset *a = srv_asset_lookup_fn(&cl->l, asset_id);

    if (!a && asset_id[0] && !cl->missing[0])
        snprintf(cl->missing, sizeof cl->missing, "%s", asset_id);
    return a;
}

/* The clip of the lowest id that names asset_id (ctx: struct clip_of). */
struct clip_of {
    const char *asset_id;
    char *clip;
    size_t clip_len;
};

static int note_clip(const json_t *o, void *ctx)
{
    struct clip_of *c = ctx;
    const char *asset = json_string_value(json_object_get(o, "asset"));
    const char *id = json_string_value(json_object_get(o, "id"));

    if (asset && id && strcmp(asset, c->asset_id) == 0 &&
        (!c->clip[0] || strcmp(id, c->clip) < 0))
        snprintf(c->clip, c->clip_len, "%s", id);
    return 0;
}

/* Fills m for asset_id, which the lookup could not give: which clip uses
 * it, and why (its row's state, its samples file, or no row). */
static void explain(db_conn *db, const char *data_dir, const char *project,
                    const proto_doc *doc, const char *asset_id,
                    bool with_path, struct pv_missing *m)
{
    struct clip_of c = {asset_id, m->clip, sizeof m->clip};
    char dir[4096], path[4200], why[4400] = "";
    const char *store = srv_objstore_enabled()
                            ? " nor in the asset store" : "";
    db_stmt *st;

    snprintf(m->asset, sizeof m->asset, "%s", asset_id);
    m->clip[0] = 0;
    proto_doc_each_kind(doc, "clip", note_clip, &c);
    m->kind = PV_ASSET_UNKNOWN;
    st = store_prepare(db,
                       "SELECT name, state, sha256 FROM assets WHERE "
                       "project_id=? AND id=?",
                       STORE_ARGS(project, asset_id), NULL, 0);
    if (st && db_step(st) == DB_ROW) {
        const char *name = (const char *)db_column_text(st, 0);
        const char *state = (const char *)db_column_text(st, 1);
        const char *sha = (const char *)db_column_text(st, 2);
        if (state && strcmp(state, "ready") != 0) {
            m->kind = PV_ASSET_NOT_READY;
            snprintf(why, sizeof why, "(\"%s\") is not ready (%s)",
                     name ? name : "", state);
        } else if (with_path && sha &&
                   eng_asset_dir(dir, sizeof dir, data_dir, sha) == 0 &&
                   eng_asset_file(path, sizeof path, dir, "samples",
                                  proto_doc_sample_rate(doc)) == 0) {
            m->kind = PV_ASSET_GONE;
            snprintf(why, sizeof why, "(\"%s\") is missing: no %s%s",
                     name ? name : "", path, store);
        } else if (sha) {
            m->kind = PV_ASSET_GONE;
            snprintf(why, sizeof why,
                     "(\"%s\") is missing: its samples file is not in the "
                     "server's data folder%s", name ? name : "", store);
        }
    }
    if (m->kind == PV_ASSET_UNKNOWN)
        snprintf(why, sizeof why, "is missing: project %s has no such asset",
                 project);
    db_finalize(st);
    snprintf(m->message, sizeof m->message,
             "clip %s of project %s: asset %s %s", m->clip[0] ? m->clip : "?",
             project, asset_id, why);
}

eng_plan *pv_plan_checked(db_conn *db, const char *data_dir,
                          const char *project_id, const proto_doc *doc,
                          bool with_path, struct pv_missing *m)
{
    struct checked_lookup cl = {.missing = ""};
    eng_plan *plan;

    memset(m, 0, sizeof *m);
    srv_asset_lookup_init(&cl.l, db, data_dir, project_id,
                          proto_doc_sample_rate(doc));
    plan = eng_plan_build(doc, checked_lookup_fn, &cl);
    srv_asset_lookup_done(&cl.l);
    if (plan && cl.missing[0]) {
        eng_plan_release(plan);
        plan = NULL;
        explain(db, data_dir, project_id, doc, cl.missing, with_path, m);
    }
    return plan;
}
