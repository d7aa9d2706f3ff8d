/* http_takes.c -- the recording endpoints (docs/protocol.md "Recording"):
 * POST /api/projects/{id}/takes creates a take; PUT .../chunks/{seq}
 * appends one chunk of s16le PCM (the answer goes out only once the chunk
 * is fsync'd and its row committed; a resend of an acknowledged chunk is
 * answered from memory and appends nothing); GET one take (the resume
 * point) or the project's takes (?open=1: the caller's unfinished ones);
 * DELETE discards. Finishing is in takes_finish.c. Every refusal names
 * what is wrong and changes nothing. */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/fields.h"
#include "server/assets/takes.h"
#include "server/core/log.h"
#include "server/core/server.h"
#include "server/core/writer.h"
#include "server/net/http.h"
#include "server/rooms/room.h"

/* At most this many PUTs wait for the chunk in flight on one take. */
#define MAX_WAITERS 4

/* ---- helpers ---- */

static const char *who_name(const struct srv_http_req *req)
{
    return req->who.display_name[0] ? req->who.display_name : req->who.name;
}

static enum srv_http_result take_reply(struct srv_http_resp *resp, int status,
                                       const struct srv_take *t)
{
    return srv_http_json(resp, status, json_pack("{s:o}", "take",
                                                 srv_take_json(t)));
}

static void complete(struct srv_http_req *req, struct srv_http_resp *resp)
{
    srv_http_complete(req, resp);
}

/* An unknown take (also one of another project: it does not exist there). */
static enum srv_http_result no_take(struct srv_http_resp *resp, const char *id)
{
    return srv_http_error(resp, PROTO_NOT_FOUND, 0,
                          "take %s does not exist in this project", id);
}

static enum srv_http_result not_owner(struct srv_http_resp *resp,
                                      const struct srv_take *t)
{
    return srv_http_error(resp, PROTO_FORBIDDEN, 0,
                          "take %s is %s's; only the user who records a take "
                          "may send, finish or discard it",
                          t->id, t->user_name);
}

/* ---- create ---- */

struct create_ctx {
    struct srv_server *srv;
    struct srv_http_req *req;
    struct srv_take *t;
};

static void created(void *arg, int status)
{
    struct create_ctx *c = arg;
    struct srv_http_resp resp;

    memset(&resp, 0, sizeof resp);
    if (status == 0) {
        c->t->stored = true;
        take_reply(&resp, 201, c->t);
        srv_take_broadcast(c->t);
        srv_info("take %s (Take %d) started by %s in project %s", c->t->id,
                 c->t->n, c->t->user_id, c->t->project_id);
    } else {
        srv_take_forget(c->t);
        srv_http_error(&resp, status == STORE_FAILED_FULL ? PROTO_DISK_FULL
                                                           : PROTO_INTERNAL,
                       0, "the take could not be stored; nothing was created");
    }
    complete(c->req, &resp);
    free(c);
}

/* Checks that the body's keys are among `allowed` (NULL-terminated). */
static bool known_keys(json_t *body, const char *const *allowed,
                       struct srv_http_resp *resp)
{
    const char *key;
    json_t *v;

    json_object_foreach(body, key, v) {
        bool ok = false;
        for (int i = 0; allowed[i]; i++)
            ok = ok || !strcmp(key, allowed[i]);
        if (!ok) {
            srv_http_error(resp, PROTO_INVALID_VALUE, 400,
                           "unknown field \"%.60s\"", key);
            return false;
        }
    }
    return true;
}

/* The longest timeline position a take may start at (frames). */
#define MAX_AT ((json_int_t)1 << 40)

static enum srv_http_result create_take(struct srv_http_req *req,
                                        struct srv_http_resp *resp)
{
    static const char *const keys[] = {"track", "at", "rate", "channels",
                                       "device", NULL};
    struct srv_server *srv = req->srv;
    json_t *body = srv_http_body_json(req, resp), *v;
    const char *track = "", *device = "";
    json_int_t at, rate, channels;
    struct create_ctx *c;
    struct srv_take *t;
    enum srv_http_result rc = SRV_HTTP_DONE;
    char err[256];

    if (!body)
        return SRV_HTTP_DONE;
    if (!known_keys(body, keys, resp))
        goto out;
    v = json_object_get(body, "track");
    if (v && !json_is_null(v)) {
        struct srv_room *room;
        const json_t *tr;
        if (!json_is_string(v)) {
            rc = srv_http_error(resp, PROTO_INVALID_VALUE, 400,
                                "track must be a track id or null");
            goto out;
        }
        track = json_string_value(v);
        room = srv_room_open(srv, req->project_id, err, sizeof err);
        if (!room) {
            rc = srv_http_error(resp, PROTO_INTERNAL, 0, "%s", err);
            goto out;
        }
        tr = proto_doc_get(srv_room_doc(room), track);
        if (!tr || strcmp(proto_obj_kind(tr), "track")) {
            rc = srv_http_error(resp, PROTO_NOT_FOUND, 0,
                                "track %.80s does not exist in this project",
                                track);
            goto out;
        }
        if (strcmp(proto_obj_str(tr, "role"), "audio")) {
            rc = srv_http_error(resp, PROTO_INVALID_VALUE, 400,
                                "track %.80s is an %s track; takes are "
                                "recorded onto audio tracks",
                                track, proto_obj_str(tr, "role"));
            goto out;
        }
    }
    v = json_object_get(body, "at");
    if (!json_is_integer(v) || (at = json_integer_value(v)) < 0 || at > MAX_AT) {
        rc = srv_http_error(resp, PROTO_INVALID_VALUE, 400,
                            "at must be a timeline frame: an integer from 0 "
                            "to %lld",
                            (long long)MAX_AT);
        goto out;
    }
    v = json_object_get(body, "rate");
    rate = json_is_integer(v) ? json_integer_value(v) : 0;
    if (rate != 44100 && rate != 48000) {
        rc = srv_http_error(resp, PROTO_INVALID_VALUE, 400,
                            "rate must be 44100 or 48000");
        goto out;
    }
    v = json_object_get(body, "channels");
    channels = json_is_integer(v) ? json_integer_value(v) : 0;
    if (channels != 1 && channels != 2) {
        rc = srv_http_error(resp, PROTO_INVALID_VALUE, 400,
                            "channels must be 1 or 2");
        goto out;
    }
    v = json_object_get(body, "device");
    if (v && !json_is_null(v)) {
        size_t n = json_is_string(v) ? proto_utf8_length(json_string_value(v))
                                     : (size_t)-1;
        if (n == (size_t)-1 || n > SRV_TAKE_DEVICE_MAX) {
            rc = srv_http_error(resp, PROTO_INVALID_VALUE, 400,
                                "device must be a text of at most %d "
                                "characters",
                                SRV_TAKE_DEVICE_MAX);
            goto out;
        }
        device = json_string_value(v);
    }
    if (srv_take_open_count(srv, req->who.id) >= srv->cfg.max_open_takes_per_user) {
        rc = srv_http_error(resp, PROTO_CONFLICT, 0,
                            "you have %lld unfinished takes, the most one "
                            "user may have (setting max_open_takes_per_user); "
                            "finish or discard one first",
                            (long long)srv->cfg.max_open_takes_per_user);
        goto out;
    }
    t = srv_take_new(req->project_id, req->who.id, who_name(req),
                     srv_take_next_number(srv, req->project_id));
    c = t ? calloc(1, sizeof *c) : NULL;
    if (!c) {
        if (t)
            srv_take_forget(t);
        rc = srv_http_error(resp, PROTO_INTERNAL, 0, "out of memory");
        goto out;
    }
    snprintf(t->track, sizeof t->track, "%s", track);
    snprintf(t->device, sizeof t->device, "%s", device);
    t->at = at;
    t->rate = (int)rate;
    t->channels = (int)channels;
    c->srv = srv;
    c->req = req;
    c->t = t;
    srv_take_store_new(srv, t, created, c);
    rc = SRV_HTTP_DEFER;
out:
    json_decref(body);
    return rc;
}

/* ---- chunks ---- */

/* The body of a chunk PUT as it arrives (req->user). */
struct chunk_body {
    unsigned char *buf;
    size_t len, cap;
    long long seq;
};

/* A chunk on its way to disk and into its row. */
struct chunk_job {
    struct srv_server *srv;
    struct srv_http_req *req;
    char project_id[64], take_id[SRV_TAKE_ID_MAX];
    long long seq;
    unsigned char *body;
    size_t len;
    int64_t frames_after;
    struct srv_take_append a;
};

static int too_large(struct srv_http_resp *resp, int64_t limit)
{
    srv_http_error(resp, PROTO_TOO_LARGE, 413,
                   "the chunk is larger than %lld bytes (setting "
                   "max_take_chunk_bytes)",
                   (long long)limit);
    return 1;
}

static void chunk_body_free(struct srv_http_req *req)
{
    struct chunk_body *b = req->user;

    req->user = NULL;
    if (b)
        free(b->buf);
    free(b);
}

/* A non-negative decimal integer of at most 15 digits, or -1. */
static long long parse_count(const char *s)
{
    long long v = 0;
    size_t n = strlen(s);

    if (n == 0 || n > 15)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* The checks a chunk PUT passes before any byte of its body is read. */
static int chunk_begin(struct srv_http_req *req, struct srv_http_resp *resp)
{
    struct srv_server *srv = req->srv;
    struct srv_take *t = srv_take_find(srv, req->project_id, req->params[1]);
    long long seq = parse_count(req->params[2]);
    char q[32];
    struct chunk_body *b;

    if (!t)
        return no_take(resp, req->params[1]), 1;
    if (strcmp(t->user_id, req->who.id))
        return not_owner(resp, t), 1;
    if (seq < 0)
        return srv_http_error(resp, PROTO_INVALID_VALUE, 400,
                              "seq must be a chunk number (0, 1, 2 ...)"), 1;
    if (!srv_http_query(req, "rate", q, sizeof q) || parse_count(q) != t->rate)
        return srv_http_error(resp, PROTO_INVALID_VALUE, 400,
                              "rate must be given and be the take's rate, %d",
                              t->rate), 1;
    if (!srv_http_query(req, "channels", q, sizeof q) ||
        parse_count(q) != t->channels)
        return srv_http_error(resp, PROTO_INVALID_VALUE, 400,
                              "channels must be given and be the take's "
                              "channels, %d",
                              t->channels), 1;
    if (req->content_length > srv->cfg.max_take_chunk_bytes)
        return too_large(resp, srv->cfg.max_take_chunk_bytes);
    b = calloc(1, sizeof *b);
    if (!b)
        return srv_http_error(resp, PROTO_INTERNAL, 0, "out of memory"), 1;
    b->seq = seq;
    req->user = b;
    return 0;
}

static int chunk_body(struct srv_http_req *req, const unsigned char *chunk,
                      size_t len, struct srv_http_resp *resp)
{
    struct chunk_body *b = req->user;
    int64_t limit = req->srv->cfg.max_take_chunk_bytes;

    if (!b)
        return 0;
    if ((int64_t)(b->len + len) > limit) {
        chunk_body_free(req);
        return too_large(resp, limit);
    }
    if (b->len + len > b->cap) {
        size_t cap = b->cap ? b->cap : 65536;
        while (cap < b->len + len)
            cap *= 2;
        unsigned char *p = realloc(b->buf, cap);
        if (!p) {
            chunk_body_free(req);
            srv_http_error(resp, PROTO_INTERNAL, 0, "out of memory");
            return 1;
        }
        b->buf = p;
        b->cap = cap;
    }
    memcpy(b->buf + b->len, chunk, len);
    b->len += len;
    return 0;
}

static void chunk_abort(struct srv_http_req *req)
{
    chunk_body_free(req);
}

static enum srv_http_result ack(struct srv_http_resp *resp,
                                const struct srv_take *t)
{
    return srv_http_json(resp, 200,
                         json_pack("{s:I, s:I}", "next",
                                   (json_int_t)t->next_seq, "frames",
                                   (json_int_t)t->frames));
}

static void chunk_written(void *arg);

/* Decides what a complete chunk does: a resend, a refusal, a wait for the
 * chunk in flight, or a write. Takes body (freed here or later). */
static enum srv_http_result chunk_dispatch(struct srv_server *srv,
                                           struct srv_http_req *req,
                                           struct srv_take *t, long long seq,
                                           unsigned char *body, size_t len,
                                           struct srv_http_resp *resp)
{
    size_t frame_bytes = (size_t)t->channels * 2;
    enum srv_http_result rc;
    struct chunk_job *j;
    int64_t add = (int64_t)(len / frame_bytes);

    if (seq < t->next_seq) {
        if (t->lens[seq] != len)
            rc = srv_http_error(resp, PROTO_CONFLICT, 0,
                                "chunk %lld was acknowledged with %u bytes; "
                                "this resend has %zu",
                                seq, t->lens[seq], len);
        else
            rc = ack(resp, t);
        goto done;
    }
    if (t->state != SRV_TAKE_RECORDING || t->finishing) {
        rc = srv_http_error(resp, PROTO_CONFLICT, 0,
                            "take %s is %s; it takes no more chunks", t->id,
                            t->finishing ? "being finished"
                                         : srv_take_state_name(t->state));
        goto done;
    }
    if (seq > t->next_seq) {
        char msg[200];
        snprintf(msg, sizeof msg,
                 "chunk %lld is out of order: the next chunk is %lld", seq,
                 t->next_seq);
        rc = srv_http_json(resp, 409,
                           json_pack("{s:s, s:s, s:I}", "code", "out_of_order",
                                     "message", msg, "next",
                                     (json_int_t)t->next_seq));
        goto done;
    }
    if (t->writing) {
        int n = 0;
        struct srv_take_wait **p = &t->waiters, *w;
        while (*p) {
            p = &(*p)->next;
            n++;
        }
        if (n >= MAX_WAITERS || !(w = calloc(1, sizeof *w))) {
            rc = srv_http_error(resp, PROTO_CONFLICT, 0,
                                "chunk %lld is being written already; ask "
                                "again (GET the take for its next chunk)",
                                seq);
            goto done;
        }
        w->req = req;
        w->seq = seq;
        w->body = body;
        w->len = len;
        *p = w;
        return SRV_HTTP_DEFER;
    }
    if ((t->frames + add) > srv->cfg.max_take_seconds * t->rate) {
        rc = srv_http_error(resp, PROTO_TOO_LARGE, 413,
                            "the take would be longer than %lld s (setting "
                            "max_take_seconds); finish it and record another",
                            (long long)srv->cfg.max_take_seconds);
        goto done;
    }
    j = calloc(1, sizeof *j);
    if (!j || srv_take_path(srv, t->id, j->a.path, sizeof j->a.path) != 0) {
        free(j);
        rc = srv_http_error(resp, PROTO_INTERNAL, 0, "out of memory");
        goto done;
    }
    j->srv = srv;
    j->req = req;
    snprintf(j->project_id, sizeof j->project_id, "%s", t->project_id);
    snprintf(j->take_id, sizeof j->take_id, "%s", t->id);
    j->seq = seq;
    j->body = body;
    j->len = len;
    j->frames_after = t->frames + add;
    j->a.offset = t->frames * (int64_t)frame_bytes;
    j->a.data = body;
    j->a.len = len;
    j->a.ctx = j;
    if (srv_take_worker_submit(srv_take_append_work, chunk_written, &j->a) != 0) {
        free(j);
        rc = srv_http_error(resp, PROTO_INTERNAL, 0,
                            "the server is stopping; the chunk was not stored");
        goto done;
    }
    t->writing = true;
    return SRV_HTTP_DEFER;
done:
    free(body);
    return rc;
}

void srv_take_run_waiters(struct srv_server *srv, struct srv_take *t)
{
    struct srv_take_wait *w = t->waiters;

    t->waiters = NULL;
    while (w) {
        struct srv_take_wait *next = w->next;
        struct srv_http_resp resp;
        memset(&resp, 0, sizeof resp);
        if (chunk_dispatch(srv, w->req, t, w->seq, w->body, w->len, &resp) ==
            SRV_HTTP_DONE)
            complete(w->req, &resp);
        free(w);
        w = next;
    }
}

/* The chunk in flight is settled: answer it, then the PUTs that waited. */
static void chunk_settled(struct chunk_job *j, struct srv_take *t,
                          struct srv_http_resp *resp)
{
    struct srv_server *srv = j->srv;

    complete(j->req, resp);
    t->writing = false;
    free(j->body);
    free(j);
    srv_take_run_waiters(srv, t);
}

/* The take of a chunk in flight (always in memory while it is). */
static struct srv_take *job_take(struct chunk_job *j)
{
    struct srv_take *t = srv_take_find(j->srv, j->project_id, j->take_id);

    assert(t && t->writing);
    return t;
}

/* The chunk's row is stored (or not): answer. */
static void chunk_stored(void *arg, int status)
{
    struct chunk_job *j = arg;
    struct srv_take *t = job_take(j);
    struct srv_http_resp resp;

    memset(&resp, 0, sizeof resp);
    if (status == 0 && srv_take_push_len(t, (uint32_t)j->len) == 0) {
        t->next_seq = j->seq + 1;
        t->frames = j->frames_after;
        ack(&resp, t);
        srv_take_broadcast(t);
    } else if (status == STORE_FAILED_FULL) {
        srv_http_error(&resp, PROTO_DISK_FULL, 0,
                       "the disk is full: chunk %lld was not stored; the "
                       "acknowledged chunks are kept",
                       j->seq);
    } else {
        srv_http_error(&resp, PROTO_INTERNAL, 0,
                       "chunk %lld could not be stored; send it again", j->seq);
    }
    chunk_settled(j, t, &resp);
}

/* The take is stopped after a full disk: answer 507 once that is stored. */
static void stopped_stored(void *arg, int status)
{
    struct chunk_job *j = arg;
    struct srv_take *t = job_take(j);
    struct srv_http_resp resp;

    (void)status;
    memset(&resp, 0, sizeof resp);
    srv_http_error(&resp, PROTO_DISK_FULL, 0,
                   "the disk is full: chunk %lld was not stored and take %s "
                   "is stopped; its %lld acknowledged chunks are kept and it "
                   "can be finished",
                   j->seq, t->id, t->next_seq);
    srv_take_broadcast(t);
    chunk_settled(j, t, &resp);
}

/* The take worker appended (or failed to). */
static void chunk_written(void *arg)
{
    struct srv_take_append *a = arg;
    struct chunk_job *j = a->ctx;
    struct srv_take *t = job_take(j);
    struct srv_http_resp resp;

    if (a->err == 0) {
        srv_take_store_chunk(j->srv, t, j->seq, (uint32_t)j->len,
                             j->frames_after, chunk_stored, j);
        return;
    }
    if (a->err == ENOSPC || a->err == EDQUOT || a->err == EFBIG) {
        srv_warn("take %s: disk full at chunk %lld: %s", t->id, j->seq,
                 strerror(a->err));
        t->state = SRV_TAKE_STOPPED;
        snprintf(t->error, sizeof t->error,
                 "the disk was full at chunk %lld", j->seq);
        srv_take_store_state(j->srv, t, stopped_stored, j);
        return;
    }
    srv_warn("take %s: chunk %lld not written: %s", t->id, j->seq,
             strerror(a->err));
    memset(&resp, 0, sizeof resp);
    srv_http_error(&resp, PROTO_INTERNAL, 0,
                   "chunk %lld could not be written (%s); send it again",
                   j->seq, strerror(a->err));
    chunk_settled(j, t, &resp);
}

static enum srv_http_result chunk_end(struct srv_http_req *req,
                                      struct srv_http_resp *resp)
{
    struct chunk_body *b = req->user;
    struct srv_take *t;
    unsigned char *body;
    size_t len;
    long long seq;

    if (!b)
        return srv_http_error(resp, PROTO_INTERNAL, 0, "the chunk was lost");
    t = srv_take_find(req->srv, req->project_id, req->params[1]);
    if (!t) {
        chunk_body_free(req);
        return no_take(resp, req->params[1]);
    }
    body = b->buf;
    len = b->len;
    seq = b->seq;
    b->buf = NULL;
    chunk_body_free(req);
    if (len == 0 || len % ((size_t)t->channels * 2) != 0) {
        free(body);
        return srv_http_error(resp, PROTO_INVALID_VALUE, 400,
                              "body must be whole frames of s16le PCM: a "
                              "non-zero multiple of %d bytes (%d channel%s), "
                              "not %zu",
                              t->channels * 2, t->channels,
                              t->channels == 1 ? "" : "s", len);
    }
    return chunk_dispatch(req->srv, req, t, seq, body, len, resp);
}

/* ---- read, discard ---- */

static enum srv_http_result get_take(struct srv_http_req *req,
                                     struct srv_http_resp *resp)
{
    struct srv_take *t = srv_take_find(req->srv, req->project_id,
                                       req->params[1]);

    return t ? take_reply(resp, 200, t) : no_take(resp, req->params[1]);
}

static enum srv_http_result list_takes(struct srv_http_req *req,
                                       struct srv_http_resp *resp)
{
    char open[8] = "";

    srv_http_query(req, "open", open, sizeof open);
    return srv_http_json(
        resp, 200,
        json_pack("{s:o}", "takes",
                  srv_take_list_json(req->srv, req->project_id,
                                     !strcmp(open, "1") ? req->who.id : NULL)));
}

struct discard_ctx {
    struct srv_server *srv;
    struct srv_http_req *req;
    char project_id[64], take_id[SRV_TAKE_ID_MAX];
    struct srv_take_append a;
    struct srv_http_resp resp; /* the answer, sent once the file is gone */
};

/* loop thread: the take's file is removed (or could not be); only now is
 * the discard answered, so that a 200 means the audio is gone from disk */
static void discard_unlinked(void *arg)
{
    struct srv_take_append *a = arg;
    struct discard_ctx *d = a->ctx;

    if (a->err)
        srv_warn("take %s: its file could not be removed: %s", d->take_id,
                 strerror(a->err));
    complete(d->req, &d->resp);
    free(d);
}

static void discard_stored(void *arg, int status)
{
    struct discard_ctx *d = arg;
    struct srv_take *t = srv_take_find(d->srv, d->project_id, d->take_id);
    struct srv_http_resp resp;

    assert(t);
    memset(&resp, 0, sizeof resp);
    t->finishing = false;
    if (status != 0) {
        t->state = SRV_TAKE_STOPPED;
        srv_http_error(&resp, PROTO_INTERNAL, 0,
                       "take %s could not be discarded; nothing changed",
                       t->id);
        complete(d->req, &resp);
        free(d);
        return;
    }
    take_reply(&d->resp, 200, t);
    srv_take_broadcast(t);
    srv_take_forget(t);
    if (srv_take_worker_submit(srv_take_unlink_work, discard_unlinked,
                               &d->a)) {
        complete(d->req, &d->resp);
        free(d);
    }
}

static enum srv_http_result discard_take(struct srv_http_req *req,
                                         struct srv_http_resp *resp)
{
    struct srv_take *t = srv_take_find(req->srv, req->project_id,
                                       req->params[1]);
    struct discard_ctx *d;

    if (!t)
        return no_take(resp, req->params[1]);
    if (strcmp(t->user_id, req->who.id))
        return not_owner(resp, t);
    if (t->state == SRV_TAKE_DISCARDED)
        return take_reply(resp, 200, t);
    if (t->state == SRV_TAKE_DONE || t->writing || t->finishing)
        return srv_http_error(resp, PROTO_CONFLICT, 0,
                              "take %s is %s; it cannot be discarded now",
                              t->id,
                              t->state == SRV_TAKE_DONE ? "finished (delete "
                                                          "its clip instead)"
                              : t->writing ? "receiving a chunk"
                                           : "being finished");
    d = calloc(1, sizeof *d);
    if (!d || srv_take_path(req->srv, t->id, d->a.path, sizeof d->a.path)) {
        free(d);
        return srv_http_error(resp, PROTO_INTERNAL, 0, "out of memory");
    }
    d->srv = req->srv;
    d->req = req;
    d->a.ctx = d;
    snprintf(d->project_id, sizeof d->project_id, "%s", t->project_id);
    snprintf(d->take_id, sizeof d->take_id, "%s", t->id);
    t->state = SRV_TAKE_DISCARDED;
    t->finishing = true; /* no chunk or finish meanwhile */
    srv_take_store_state(req->srv, t, discard_stored, d);
    return SRV_HTTP_DEFER;
}

static const struct srv_route routes[] = {
    {.method = "POST", .pattern = "/api/projects/{id}/takes",
     .perm = SRV_MEMBER(SRV_ROLE_EDITOR), .handler = create_take},
    {.method = "GET", .pattern = "/api/projects/{id}/takes",
     .perm = SRV_MEMBER(SRV_ROLE_VIEWER), .handler = list_takes},
    {.method = "GET", .pattern = "/api/projects/{id}/takes/{take}",
     .perm = SRV_MEMBER(SRV_ROLE_VIEWER), .handler = get_take},
    {.method = "DELETE", .pattern = "/api/projects/{id}/takes/{take}",
     .perm = SRV_MEMBER(SRV_ROLE_EDITOR), .handler = discard_take},
    {.method = "PUT", .pattern = "/api/projects/{id}/takes/{take}/chunks/{seq}",
     .perm = SRV_MEMBER(SRV_ROLE_EDITOR), .handler = chunk_end,
     .flags = SRV_ROUTE_STREAM_BODY, .on_begin = chunk_begin,
     .on_body = chunk_body, .on_abort = chunk_abort},
    {.method = "POST", .pattern = "/api/projects/{id}/takes/{take}/finish",
     .perm = SRV_MEMBER(SRV_ROLE_EDITOR), .handler = srv_take_finish},
};

void srv_takes_http_init(void)
{
    srv_http_add_routes(routes, (int)(sizeof routes / sizeof routes[0]));
}
