/* limits.c -- the upload limits on the server side: what a project's
 * audio already takes decoded (its ready rows), and the refusal sentences
 * that name each setting (max_upload_seconds, max_upload_decoded,
 * max_project_decoded). The checks themselves are the engine's
 * (eng_import_check_limits, engine/import_limits.c); the import job that
 * passes the limits is in assets.c. See docs/uploads.md "Limits". */
#include "server/assets/assets.h"

#include <assert.h>
#include <stdio.h>

#include "engine/import.h"
#include "server/core/log.h"
#include "server/core/store_stmt.h"

int64_t srv_assets_ready_decoded(db_conn *db, const char *project_id)
{
    long long sum = 0;
    char err[256];

    /* the samples file of a ready asset: eng_decoded_bytes(frames, ch) */
    if (store_query_int(db,
                        "SELECT COALESCE(SUM(64 + frames * channels * 4), 0) "
                        "FROM assets WHERE project_id=?1 AND state='ready'",
                        STORE_ARGS(project_id), &sum, err, sizeof err) < 0)
        srv_warn("project %s: cannot add up its assets: %s", project_id, err);
    return sum;
}

void srv_assets_limit_text(const eng_import_result *r,
                           const eng_import_opts *o, char *out, size_t n)
{
    char a[128], b[96], c[96];
    const char *found = r->limit_exact ? "" : " (found while decoding it)";

    switch (r->limit) {
    case ENG_LIMIT_SECONDS:
        eng_duration_text(o->max_seconds, b, sizeof b);
        if (r->limit_exact)
            eng_duration_text(r->limit_seconds, a, sizeof a);
        else
            snprintf(a, sizeof a, "more than %s", b);
        snprintf(out, n,
                 "this file is %s long%s; uploads may be at most %s (setting "
                 "max_upload_seconds)", a, found, b);
        return;
    case ENG_LIMIT_DECODED:
        eng_size_texts(r->limit_decoded, o->max_decoded, a, b, sizeof b);
        if (!r->limit_exact)
            eng_size_text(o->max_decoded, b, sizeof b);
        snprintf(out, n,
                 "this file takes %s%s once decoded%s; one upload may take "
                 "at most %s decoded (setting max_upload_decoded)",
                 r->limit_exact ? "" : "more than ", r->limit_exact ? a : b,
                 found, b);
        return;
    case ENG_LIMIT_TOTAL:
        eng_size_texts(o->other_decoded + r->limit_decoded,
                       o->max_total_decoded, a, b, sizeof b);
        if (!r->limit_exact)
            eng_size_text(o->max_total_decoded, b, sizeof b);
        eng_size_text(o->other_decoded, c, sizeof c);
        snprintf(out, n,
                 "with this file the project's audio would take %s%s once "
                 "decoded%s, %s without it; a project may take at most %s "
                 "decoded (setting max_project_decoded)",
                 r->limit_exact ? "" : "more than ", r->limit_exact ? a : b,
                 found, c, b);
        return;
    case ENG_LIMIT_NONE:
        break;
    }
    assert(!"srv_assets_limit_text without a limit");
    snprintf(out, n, "%s", r->error);
}
