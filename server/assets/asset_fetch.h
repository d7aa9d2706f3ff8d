/* asset_fetch.h -- the assets module's side of assets in S3
 * (server/objstore/objstore.h): the files of a project fetched into the
 * local cache when a client opens it, and a waveform (peaks) request
 * answered after its file came from S3. Loop thread. */
#ifndef MIXROOM_SERVER_ASSET_FETCH_H
#define MIXROOM_SERVER_ASSET_FETCH_H

#include "server/core/db.h"

#include "server/net/http.h"

/* Queues a fetch of the decoded samples of each ready asset of the
 * project that is not in the local cache (no-op when S3 is off). */
void srv_assets_prefetch_project(db_conn *db, const char *project_id);

/* Answers a peaks request whose file is not in the local cache: an engine
 * worker fetches it and reads the level, then the answer goes out (200,
 * 404 when S3 has no such file, 503 naming the asset store when it cannot
 * be reached). Returns SRV_HTTP_DEFER, or SRV_HTTP_DONE with resp filled
 * when the fetch cannot be queued. */
enum srv_http_result srv_assets_peaks_fetch(struct srv_http_req *req,
                                            struct srv_http_resp *resp,
                                            const char *asset_id,
                                            const char *sha, int rate,
                                            int fpp);

#endif
