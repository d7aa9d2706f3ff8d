/* asset_missing.h -- a mix plan that refuses audio it cannot get: the
 * renders that write a file (`mixroom render`, the HTTP export and
 * loudness routes) build their plan through this lookup, which notes the
 * first asset a clip names that the asset cache could not give, and then
 * say why (not ready, its samples file gone, no such asset) naming the
 * clip and the asset, instead of rendering silence where the clip is.
 * Live preview streams keep the plain lookup (plans.h): a stream plays
 * on while an upload imports. */
#ifndef MIXROOM_SERVER_PREVIEW_ASSET_MISSING_H
#define MIXROOM_SERVER_PREVIEW_ASSET_MISSING_H

#include <stdbool.h>
#include <stddef.h>

#include "engine/plan.h"
#include "server/core/db.h"
#include "server/preview/asset_cache.h"

struct proto_doc;

/* Why a clip's audio could not be had. */
enum pv_missing_kind {
    PV_ASSET_NOT_READY = 1,  /* uploading, importing or failed */
    PV_ASSET_GONE,           /* ready, but its samples file is not there */
    PV_ASSET_UNKNOWN,        /* the project has no such asset */
};

/* What a checked plan build found missing (all empty / 0 when nothing). */
struct pv_missing {
    enum pv_missing_kind kind;   /* 0: nothing missing */
    char asset[64];              /* the asset id */
    char clip[64];               /* the clip of the lowest id using it */
    char message[1024];          /* "clip C of project P: asset A (...) ..." */
};

/* Builds the plan of doc (a document of project_id) with assets from the
 * cache at the document's sample rate, like srv_plan_from_doc, but when a
 * clip names an asset whose samples the cache cannot give, releases the
 * plan, fills *m (the first such asset, explained; with_path: the
 * message names the samples file's path, for the CLI; the server keeps
 * paths out of what clients read) and returns NULL. NULL with m->kind 0:
 * out of memory. db: a connection the calling thread may use. Any
 * thread; on the loop thread an asset in S3 not yet fetched counts as
 * missing (the loop never waits on the network), so call it on a worker
 * there. */
eng_plan *pv_plan_checked(db_conn *db, const char *data_dir,
                          const char *project_id, const struct proto_doc *doc,
                          bool with_path, struct pv_missing *m);

#endif
