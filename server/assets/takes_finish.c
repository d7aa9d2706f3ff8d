/* takes_finish.c -- POST /api/projects/{id}/takes/{take}/finish: a take's
 * acknowledged audio becomes a WAV (engine job pool), is imported exactly
 * like an upload (srv_asset_upload_begin/finish: same limits, peaks, asset
 * row, `asset` messages), and then ONE revision of kind "take" adds the
 * clip (and a track when the take had none), stacking it with the take
 * clips it overlaps (takes_ops.c). The take's row becomes `done` inside
 * that revision's transaction; the answer, the `recording` message and the
 * "take" event go out once it is durable. See docs/protocol.md
 * "Recording". */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "protocol/fields.h"
#include "server/assets/assets.h"
#include "server/assets/takes.h"
#include "server/core/events.h"
#include "server/core/jobs.h"
#include "server/core/log.h"
#include "server/core/server.h"
#include "server/core/store_stmt.h"
#include "server/net/http.h"
#include "server/net/ws.h"
#include "server/rooms/room.h"

/* One finish under way (loop thread, except wav on a worker). */
struct finish {
    struct srv_server *srv;
    struct srv_http_req *req;
    char project_id[64], take_id[SRV_TAKE_ID_MAX];
    int64_t at, trim;
    struct srv_take_wav wav;
    struct srv_take row;         /* the done row, for the revision's write */
    struct srv_room *room;
    long long rev;               /* -1 until commit_rev returned */
    bool failed_early;
    char where[240];             /* "Take 2 on Vocals", for the event */
};

static struct srv_take *take_of(struct finish *f)
{
    struct srv_take *t = srv_take_find(f->srv, f->project_id, f->take_id);

    assert(t && t->finishing);
    return t;
}

/* Ends a finish that did not happen: the take is as it was. */
static void fail(struct finish *f, proto_code code, const char *msg)
{
    struct srv_http_resp resp;

    take_of(f)->finishing = false;
    memset(&resp, 0, sizeof resp);
    srv_http_error(&resp, code, code == PROTO_INVALID_VALUE ? 400 : 0,
                   "take %s was not finished: %s", f->take_id, msg);
    srv_http_complete(f->req, &resp);
    free(f);
}

static int write_row(db_conn *db, long long rev, void *arg)
{
    struct finish *f = arg;

    f->row.revision = rev;
    return srv_take_write_done(db, &f->row);
}

/* The revision is durable (or failed): answer, tell the room, emit. */
static void committed(void *arg)
{
    struct finish *f = arg;
    struct srv_take *t;
    struct srv_http_resp resp;

    if (f->rev < 0) {
        f->failed_early = true; /* the caller answers */
        return;
    }
    t = take_of(f);
    if (srv_room_committed(f->room) < f->rev) {
        fail(f, PROTO_INTERNAL, "its revision could not be stored");
        return;
    }
    t->finishing = false;
    t->state = SRV_TAKE_DONE;
    t->at = f->row.at;
    t->revision = f->rev;
    snprintf(t->asset, sizeof t->asset, "%s", f->row.asset);
    snprintf(t->clip, sizeof t->clip, "%s", f->row.clip);
    snprintf(t->out_track, sizeof t->out_track, "%s", f->row.out_track);
    memset(&resp, 0, sizeof resp);
    srv_http_json(&resp, 200, json_pack("{s:o}", "take", srv_take_json(t)));
    srv_http_complete(f->req, &resp);
    srv_take_broadcast(t);
    {
        struct srv_event ev = {.kind = "take", .project = t->project_id,
                               .actor = t->user_id,
                               .actor_name = t->user_name,
                               .target = t->clip, .at_frame = t->at,
                               .text = f->where};
        srv_event_emit(f->srv, &ev);
    }
    srv_info("take %s finished as asset %s, clip %s, revision %lld", t->id,
             t->asset, t->clip, t->revision);
    srv_take_forget(t);
    free(f);
}

/* The asset is ready (or failed): commit the one revision. */
static void imported(void *ctx, const char *asset_id, bool ready,
                     int64_t frames)
{
    struct finish *f = ctx;
    struct srv_take *t = take_of(f);
    struct srv_take_place place;
    struct srv_conn as_user;
    proto_err perr;
    json_t *ops;
    char err[256], summary[480], msg[700];
    long long rev;

    if (!ready || frames <= 0) {
        char why[256] = "the import failed";
        store_query_text(f->srv->db, "SELECT error FROM assets WHERE id=?",
                         STORE_ARGS(asset_id), why, sizeof why, NULL, 0);
        snprintf(msg, sizeof msg, "its audio could not be imported: %s", why);
        fail(f, PROTO_INVALID_VALUE, msg);
        return;
    }
    f->room = srv_room_open(f->srv, f->project_id, err, sizeof err);
    if (!f->room) {
        fail(f, PROTO_INTERNAL, err);
        return;
    }
    f->row = *t;
    f->row.next = NULL;
    f->row.lens = NULL;
    f->row.waiters = NULL;
    f->row.at = f->at;
    snprintf(f->row.asset, sizeof f->row.asset, "%s", asset_id);
    place.take_id = t->id;
    place.n = t->n;
    place.track = t->track;
    place.asset = asset_id;
    place.at = f->at;
    place.frames = frames;
    ops = srv_take_ops(srv_room_doc(f->room), &place, f->row.clip,
                       f->row.out_track);
    if (!ops) {
        fail(f, PROTO_INTERNAL, "out of memory");
        return;
    }
    {
        const json_t *tr = proto_doc_get(srv_room_doc(f->room), f->row.out_track);
        snprintf(f->where, sizeof f->where, "Take %d on %.200s", t->n,
                 tr ? proto_obj_str(tr, "name") : "a new track");
        snprintf(summary, sizeof summary, "%.160s recorded %s", t->user_name,
                 f->where);
    }
    memset(&as_user, 0, sizeof as_user);
    as_user.srv = f->srv;
    snprintf(as_user.user_id, sizeof as_user.user_id, "%s", t->user_id);
    snprintf(as_user.display_name, sizeof as_user.display_name, "%.120s",
             t->user_name);
    snprintf(as_user.client_id, sizeof as_user.client_id, "http-take");
    as_user.role = SRV_ROLE_EDITOR;
    f->rev = -1;
    struct srv_room_rev_opts o = {.summary = summary, .write = write_row,
                                  .free_arg = committed, .arg = f};
    rev = srv_room_commit_rev(f->room, &as_user, "take", ops, NULL, &o, &perr);
    json_decref(ops);
    if (rev < 0) {
        assert(f->failed_early);
        snprintf(msg, sizeof msg, "its clip cannot be added: %s", perr.message);
        fail(f, perr.code, msg);
        return;
    }
    f->rev = rev;
}

/* The WAV is made (or not): import it like an upload. */
static void wav_done(void *arg)
{
    struct srv_take_wav *w = arg;
    struct finish *f = w->ctx;
    struct srv_take *t = take_of(f);
    struct srv_asset_job *job;
    char name[SRV_ASSET_NAME_MAX + 1], id[SRV_ASSET_ID_MAX];
    bool dup = false;
    int rate = srv_assets_project_rate(f->srv->db, f->project_id);

    if (w->err) {
        char msg[300];
        snprintf(msg, sizeof msg, "its audio could not be read (%s)",
                 strerror(w->err));
        fail(f, PROTO_INTERNAL, msg);
        return;
    }
    snprintf(name, sizeof name, "Take %d - %s", t->n, t->user_name);
    job = rate > 0 ? srv_asset_upload_begin(f->srv, f->project_id, t->user_id,
                                            name, rate, w->size)
                   : NULL;
    if (!job) {
        unlink(w->dst);
        fail(f, PROTO_INTERNAL, "the project cannot take an asset");
        return;
    }
    srv_asset_job_on_done(job, imported, f);
    if (srv_asset_upload_finish(f->srv, job, w->dst, w->sha, w->size, id,
                                &dup) != 0) {
        fail(f, PROTO_INTERNAL, "its import could not be queued");
        return;
    }
    if (dup) {
        /* the same audio is an asset of this project already */
        long long frames = 0;
        char state[32] = "";
        store_query_text(f->srv->db, "SELECT state FROM assets WHERE id=?",
                         STORE_ARGS(id), state, sizeof state, NULL, 0);
        store_query_int(f->srv->db, "SELECT frames FROM assets WHERE id=?",
                        STORE_ARGS(id), &frames, NULL, 0);
        if (strcmp(state, "ready")) {
            fail(f, PROTO_CONFLICT, "the same audio is still being imported; "
                                    "finish again in a moment");
            return;
        }
        imported(f, id, true, frames);
    }
}

enum srv_http_result srv_take_finish(struct srv_http_req *req,
                                     struct srv_http_resp *resp)
{
    struct srv_server *srv = req->srv;
    struct srv_take *t = srv_take_find(srv, req->project_id, req->params[1]);
    json_t *body = NULL, *v;
    const char *key;
    json_int_t at, trim = 0;
    struct finish *f;
    enum srv_http_result rc = SRV_HTTP_DONE;
    char tmp[4096];

    if (!t)
        return srv_http_error(resp, PROTO_NOT_FOUND, 0,
                              "take %s does not exist in this project",
                              req->params[1]);
    if (strcmp(t->user_id, req->who.id))
        return srv_http_error(resp, PROTO_FORBIDDEN, 0,
                              "take %s is %s's; only the user who records a "
                              "take may finish it",
                              t->id, t->user_name);
    body = req->body_len ? srv_http_body_json(req, resp) : json_object();
    if (!body)
        return SRV_HTTP_DONE;
    at = t->at;
    json_object_foreach(body, key, v) {
        if (!strcmp(key, "at") &&
            (!json_is_integer(v) || json_integer_value(v) < 0 ||
             json_integer_value(v) > ((json_int_t)1 << 40))) {
            rc = srv_http_error(resp, PROTO_INVALID_VALUE, 400,
                                "at must be a timeline frame (an integer >= 0)");
            goto out;
        } else if (!strcmp(key, "at")) {
            at = json_integer_value(v);
        } else if (!strcmp(key, "trim") &&
                   (!json_is_integer(v) || json_integer_value(v) < 0 ||
                    json_integer_value(v) >= t->frames)) {
            rc = srv_http_error(resp, PROTO_INVALID_VALUE, 400,
                                "trim must be a number of frames from 0 to "
                                "%lld (the take has %lld)",
                                (long long)(t->frames > 0 ? t->frames - 1 : 0),
                                (long long)t->frames);
            goto out;
        } else if (!strcmp(key, "trim")) {
            trim = json_integer_value(v);
        } else {
            rc = srv_http_error(resp, PROTO_INVALID_VALUE, 400,
                                "unknown field \"%.60s\"", key);
            goto out;
        }
    }
    if (t->state == SRV_TAKE_DONE) {
        /* a resent finish: the answer it had */
        rc = srv_http_json(resp, 200, json_pack("{s:o}", "take",
                                                srv_take_json(t)));
        goto out;
    }
    if (t->state == SRV_TAKE_DISCARDED || t->writing || t->finishing) {
        rc = srv_http_error(resp, PROTO_CONFLICT, 0,
                            "take %s is %s; it cannot be finished now", t->id,
                            t->state == SRV_TAKE_DISCARDED ? "discarded"
                            : t->writing ? "receiving a chunk"
                                         : "being finished already");
        goto out;
    }
    if (t->frames == 0) {
        rc = srv_http_error(resp, PROTO_CONFLICT, 0,
                            "take %s has no acknowledged audio yet", t->id);
        goto out;
    }
    if (!json_object_get(body, "at") && trim > 0) {
        /* trimming keeps the rest of the take where it was heard */
        int prate = srv_assets_project_rate(srv->db, t->project_id);
        at = t->at + (trim * (prate > 0 ? prate : t->rate) + t->rate / 2) /
                         t->rate;
    }
    f = calloc(1, sizeof *f);
    if (!f || srv_assets_tmp_dir(srv, tmp, sizeof tmp) != 0 ||
        srv_take_path(srv, t->id, f->wav.src, sizeof f->wav.src) != 0) {
        free(f);
        rc = srv_http_error(resp, PROTO_INTERNAL, 0, "out of memory");
        goto out;
    }
    f->srv = srv;
    f->req = req;
    f->rev = -1;
    snprintf(f->project_id, sizeof f->project_id, "%s", t->project_id);
    snprintf(f->take_id, sizeof f->take_id, "%s", t->id);
    f->at = at;
    f->trim = trim;
    snprintf(f->wav.dst, sizeof f->wav.dst, "%s/%s.wav", tmp, t->id);
    f->wav.skip_bytes = trim * t->channels * 2;
    f->wav.bytes = (t->frames - trim) * t->channels * 2;
    f->wav.rate = t->rate;
    f->wav.channels = t->channels;
    f->wav.ctx = f;
    if (srv_jobs_submit(srv->jobs, srv_take_wav_work, wav_done, &f->wav) != 0) {
        free(f);
        rc = srv_http_error(resp, PROTO_INTERNAL, 0, "the server is stopping");
        goto out;
    }
    t->finishing = true;
    rc = SRV_HTTP_DEFER;
out:
    json_decref(body);
    return rc;
}
