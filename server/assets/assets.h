/* assets.h -- the project's audio assets on the server side: the life of
 * one asset (uploading -> importing -> ready | failed), the in-flight
 * registry on the loop thread, the import job on the engine worker pool
 * (sha256 dedupe, eng_import, eng_store_original), the asset rows written
 * through the store writer, `asset` messages to the project's sockets
 * (progress at least every 250 ms), telling the room when an asset is
 * ready, and the start-up clean-up. The HTTP endpoints are in
 * http_assets.c; the wire format and the rules are in docs/uploads.md.
 * Everything here runs on the loop thread unless said otherwise. */
#ifndef MIXROOM_SERVER_ASSETS_H
#define MIXROOM_SERVER_ASSETS_H

#include <jansson.h>
#include "server/core/db.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct srv_server;
struct srv_asset_job;
struct eng_import_opts;
struct eng_import_result;

#define SRV_ASSET_ID_MAX 32
#define SRV_ASSET_NAME_MAX 200

/* Registers the asset HTTP routes, the progress tick and the start/stop
 * hooks (worker pool, start-up clean-up, the demo project). Call once
 * before srv_loop_run. */
void srv_assets_init(void);

/* The project's assets (rows of the assets table), oldest first, as the
 * objects that `asset` messages carry: {id, name, state, progress, frames,
 * channels, orig_rate, format, size, error?}. Any thread with its own
 * connection (the loop uses srv->db). New reference; an empty array on a
 * database error. For `welcome` and GET /api/projects/{id}/assets. */
json_t *srv_assets_list_json(db_conn *db, const char *project_id);

/* The project's sample rate, or 0 if there is no such project. */
int srv_assets_project_rate(db_conn *db, const char *project_id);

/* Called when an import of the demo (or any server-side import) ends:
 * ready or failed, with the asset id and frames at the project rate. */
typedef void (*srv_asset_done_fn)(void *ctx, const char *asset_id,
                                  bool ready, int64_t frames);

/* ---- one upload (http_assets.c) ---- */

/* Starts tracking an upload into project_id by user_id: a new asset id
 * ("a_" + 16 random chars), state `uploading`, announced to the project's
 * sockets. expected is the announced size (-1 if unknown). NULL on OOM. */
struct srv_asset_job *srv_asset_upload_begin(struct srv_server *srv,
                                             const char *project_id,
                                             const char *user_id,
                                             const char *name, int rate,
                                             int64_t expected);

/* The asset id of a job. */
const char *srv_asset_job_id(const struct srv_asset_job *job);

/* Renames the job (e.g. to the multipart filename when no ?name=). */
void srv_asset_job_set_name(struct srv_asset_job *job, const char *name);

/* Sets what runs (loop thread) when the job's import ends, ready or
 * failed, as for srv_assets_import_file (takes finish through this). Not
 * called when srv_asset_upload_finish finds a duplicate. */
void srv_asset_job_on_done(struct srv_asset_job *job, srv_asset_done_fn done,
                           void *ctx);

/* Notes that `bytes` of the body have arrived (for progress). */
void srv_asset_upload_progress(struct srv_asset_job *job, int64_t bytes);

/* The upload ended without a file (too large, client gone, bad form):
 * the sockets get state `failed` with `why`; no row is kept; job freed. */
void srv_asset_upload_abandon(struct srv_asset_job *job, const char *why);

/* The body is complete in src_path (a file under <data>/tmp that this call
 * takes over: moved into the store or removed), size bytes with SHA-256
 * sha_hex. If the same content is already ready or importing in this
 * project, the job is dropped (its id is announced `failed` with
 * "duplicate_of") and the existing asset's id goes into id_out with
 * *duplicate = true. Otherwise the row is written (`importing`) and the
 * import queued on the worker pool; id_out gets the job's id. Returns 0,
 * or -1 when nothing could be queued (job freed, file removed). */
int srv_asset_upload_finish(struct srv_server *srv, struct srv_asset_job *job,
                            const char *src_path, const char *sha_hex,
                            int64_t size, char id_out[SRV_ASSET_ID_MAX],
                            bool *duplicate);

/* ---- server-side imports (the demo) ---- */

/* Imports a file already on disk (copied first: src_path is left alone)
 * into project_id as user_id, through the same path as an upload; done
 * (may be NULL) runs on the loop thread when it is ready or failed; on a
 * duplicate it runs at once with the existing asset. id_out gets the asset
 * id before done can run. Returns 0 or -1. */
int srv_assets_import_file(struct srv_server *srv, const char *project_id,
                           const char *user_id, const char *name,
                           const char *src_path, srv_asset_done_fn done,
                           void *ctx, char id_out[SRV_ASSET_ID_MAX]);

/* Registers the routes of http_assets.c (called by srv_assets_init). */
void srv_assets_http_init(void);

/* Registers POST /api/projects/{id}/midi (http_midi.c: a Standard MIDI
 * File becomes instrument tracks, clips and notes). Called by the assets
 * module's init. */
void srv_midi_http_init(void);

/* <data_dir>/tmp, where uploads are written while they arrive. */
int srv_assets_tmp_dir(const struct srv_server *srv, char *out, size_t n);

/* ---- the upload limits (limits.c) ---- */

/* What the project's ready assets take decoded: the sum of their samples
 * files' sizes at the project rate (0 on a database error, logged). Any
 * thread with its own connection (the loop uses srv->db). */
int64_t srv_assets_ready_decoded(db_conn *db, const char *project_id);

/* The refusal of an import that passed one of o's limits (r->limit set,
 * r->status ENG_IMPORT_TOO_LONG or _TOO_BIG), for the producer, naming
 * the setting: "this file is 2 h 0 min long; uploads may be at most
 * 30 min (setting max_upload_seconds)". o->max_seconds, max_decoded,
 * max_total_decoded and other_decoded are read as max_upload_seconds,
 * max_upload_decoded, max_project_decoded and what the project's other
 * assets take. Any thread. */
void srv_assets_limit_text(const struct eng_import_result *r,
                           const struct eng_import_opts *o, char *out,
                           size_t n);

/* ---- the demo project (demo.c) ---- */

/* On the first start with cfg.demo: ensures the demo user and project
 * (srv_auth_ensure_demo), prints how to log in, and when the project has
 * no assets yet synthesizes drums, bass and chords, imports them and
 * writes tracks and clips as revision 1. Start hook; returns 0 (a failure
 * to make the demo is logged, never fatal). */
int srv_demo_start(struct srv_server *srv);

#endif
