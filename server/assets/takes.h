/* takes.h -- recorded takes on the server (issue 17): a take is created,
 * receives numbered chunks of interleaved s16le PCM (each appended and
 * fsync'd off the loop, its row stored through the writer, and only then
 * acknowledged), and is finished into an asset plus one revision (clip,
 * maybe a track, take alternatives muted) or discarded. This header is
 * shared by the files of the takes feature only: takes.c (the in-memory
 * registry and the rows), take_file.c (the disk work), takes_ops.c (the
 * ops of a finished take), http_takes.c and takes_finish.c (the routes).
 * Everything runs on the loop thread unless said otherwise. The wire
 * format is in docs/protocol.md "Recording". */
#ifndef MIXROOM_SERVER_TAKES_H
#define MIXROOM_SERVER_TAKES_H

#include <jansson.h>
#include "server/core/db.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "protocol/document.h"
#include "server/net/http.h"

struct srv_server;

#define SRV_TAKE_ID_MAX 32
#define SRV_TAKE_DEVICE_MAX 200

enum srv_take_state {
    SRV_TAKE_RECORDING = 0,
    SRV_TAKE_STOPPED,
    SRV_TAKE_DONE,
    SRV_TAKE_DISCARDED
};

/* A chunk PUT waiting for the chunk in flight on the same take. */
struct srv_take_wait {
    struct srv_take_wait *next;
    struct srv_http_req *req;
    long long seq;
    unsigned char *body; /* malloc'd */
    size_t len;
};

/* One take in memory (loop thread). Loaded from its row on first use and
 * kept until it is done or discarded. */
struct srv_take {
    struct srv_take *next;               /* the registry (takes.c) */
    char id[SRV_TAKE_ID_MAX];
    char project_id[64];
    char user_id[64];
    char user_name[160];                 /* display name, for messages */
    int n;                               /* "Take N" */
    char track[72];                      /* "" = a new track when finished */
    int64_t at;
    int rate, channels;
    char device[SRV_TAKE_DEVICE_MAX * 4 + 1];
    long long next_seq;                  /* acknowledged chunks */
    int64_t frames;                      /* acknowledged frames */
    uint32_t *lens;                      /* byte length of each chunk */
    size_t lens_cap;
    enum srv_take_state state;
    char error[256];
    char asset[40], clip[72], out_track[72];
    long long revision;
    long long created_at, updated_at;
    bool stored;                         /* its row is durable */
    bool writing;                        /* a chunk is on its way to disk */
    bool finishing;                      /* finish under way */
    struct srv_take_wait *waiters;       /* PUTs of seq == next meanwhile */
};

/* ---- takes.c: registry, rows, messages ---- */

/* Registers the routes, the take worker's start/stop hooks and the
 * takes folder. Called by srv_assets_init. */
void srv_takes_init(void);

/* The take `id` of project_id: from memory, or loaded from its row (with
 * its chunk lengths). NULL if there is no such take in that project. */
struct srv_take *srv_take_find(struct srv_server *srv, const char *project_id,
                               const char *id);

/* A new take in memory (not yet stored; see srv_take_store_new), number n.
 * NULL on OOM. */
struct srv_take *srv_take_new(const char *project_id, const char *user_id,
                              const char *user_name, int n);

/* Removes t from memory and frees it (no waiters may remain). */
void srv_take_forget(struct srv_take *t);

/* The next take number of the project (1 + the largest in the table or in
 * memory). */
int srv_take_next_number(struct srv_server *srv, const char *project_id);

/* The user's unfinished takes (recording or stopped), in every project:
 * stored rows plus takes in memory not yet stored. */
long long srv_take_open_count(struct srv_server *srv, const char *user_id);

/* <data>/takes/<id>.s16 into out. */
int srv_take_path(const struct srv_server *srv, const char *id, char *out,
                  size_t n);

/* The wire name of a state ("recording", ...). */
const char *srv_take_state_name(enum srv_take_state s);

/* The take as the API shows it: {id,n,track,at,rate,channels,user,state,
 * next,frames,device} (+ asset, clip, revision when done, error if any).
 * New reference. */
json_t *srv_take_json(const struct srv_take *t);

/* The project's takes as srv_take_json objects, oldest first: all of them,
 * or with open_user only that user's unfinished ones. New reference. */
json_t *srv_take_list_json(struct srv_server *srv, const char *project_id,
                           const char *open_user);

/* Sends the `recording` message about t to every socket of its room. */
void srv_take_broadcast(const struct srv_take *t);

/* Appends a chunk length to t->lens (growing it). -1 on OOM. */
int srv_take_push_len(struct srv_take *t, uint32_t len);

/* Row writes through the store writer; done(arg, status) runs on the loop
 * after commit (status 0 when durable), as store_done_fn. They copy what
 * they write from t at the call. */
typedef void (*srv_take_done_fn)(void *arg, int status);
/* The new take's row. */
void srv_take_store_new(struct srv_server *srv, const struct srv_take *t,
                        srv_take_done_fn done, void *arg);
/* One more chunk: next_seq becomes seq + 1, frames `frames`, and the chunk
 * row (seq, bytes). */
void srv_take_store_chunk(struct srv_server *srv, const struct srv_take *t,
                          long long seq, uint32_t bytes, int64_t frames,
                          srv_take_done_fn done, void *arg);
/* The state and error of t (stopped, discarded). */
void srv_take_store_state(struct srv_server *srv, const struct srv_take *t,
                          srv_take_done_fn done, void *arg);
/* The done row of t (state done, asset, clip, out_track, revision), on the
 * writer thread inside the finishing revision's transaction: 0 or -1. */
int srv_take_write_done(db_conn *db, const struct srv_take *t);

/* ---- take_file.c: the disk, off the loop ---- */

/* The take worker thread (start/stop hooks). */
int srv_take_worker_start(void);
void srv_take_worker_stop(void);

/* Queues work(arg) on the take worker; done(arg) is then posted to the
 * loop. Returns 0, or -1 when the worker is not running (nothing runs). */
int srv_take_worker_submit(void (*work)(void *arg), void (*done)(void *arg),
                           void *arg);

/* An append (or an unlink) of the take file. */
struct srv_take_append {
    char path[4200];
    int64_t offset;               /* acknowledged bytes: the file is cut
                                     back to this first (a torn tail) */
    const unsigned char *data;
    size_t len;
    int err;                      /* out: 0 or errno (ENOSPC: disk full) */
    void *ctx;                    /* the caller's */
};

/* Worker: appends a->data at a->offset with O_APPEND and fsyncs; on
 * failure the file is cut back to a->offset. Test hook: with
 * MIXROOM_TEST_TAKE_SPACE_FILE=PATH in the environment and a number N in
 * PATH, a take file cannot grow past N bytes (ENOSPC, as a full disk). */
void srv_take_append_work(void *arg);

/* Worker: removes a->path. */
void srv_take_unlink_work(void *arg);

/* The 44-byte header of a 16-bit PCM WAV file. */
void srv_take_wav_header(unsigned char out[44], int rate, int channels,
                         uint32_t data_bytes);

/* A WAV made from a take (engine job pool). */
struct srv_take_wav {
    char src[4200], dst[4200];
    int64_t skip_bytes, bytes;    /* the part of src to use */
    int rate, channels;
    char sha[65];                 /* out: SHA-256 of dst */
    int64_t size;                 /* out: bytes of dst */
    int err;                      /* out: 0 or errno */
    void *ctx;
};

/* Worker: writes w->dst (header + w->bytes of src from skip_bytes) and its
 * SHA-256; on failure dst is removed and err set. */
void srv_take_wav_work(void *arg);

/* ---- takes_ops.c: what finishing a take does to the document ---- */

/* Where a finished take goes. */
struct srv_take_place {
    const char *take_id;      /* the new group is named after it */
    int n;                    /* "Take N" */
    const char *track;        /* "" or a track that no longer exists: a new
                                 track "Take N" */
    const char *asset;
    int64_t at, frames;       /* on the timeline, at the project rate */
};

/* The ops of one finished take on doc: a new track if needed, the clip
 * (name "Take N", take_group set) and `mute` on the group's other
 * unmuted clips. The group is the take_group of the first take clip
 * (non-empty take_group) on that track that overlaps [at, at+frames), else
 * a new one. Ids of the new objects go into clip_out / track_out. New
 * reference, or NULL on OOM. Pure. */
json_t *srv_take_ops(const proto_doc *doc, const struct srv_take_place *p,
                     char clip_out[72], char track_out[72]);

/* ---- http_takes.c / takes_finish.c ---- */

/* Registers the take routes (called by srv_takes_init). */
void srv_takes_http_init(void);

/* POST .../takes/{take}/finish (takes_finish.c): the route handler. */
enum srv_http_result srv_take_finish(struct srv_http_req *req,
                                     struct srv_http_resp *resp);

/* Answers t's waiting PUTs again (http_takes.c), after its chunk in
 * flight is settled. */
void srv_take_run_waiters(struct srv_server *srv, struct srv_take *t);

#endif
