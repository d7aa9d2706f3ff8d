/* stream.c -- preview streams on the loop thread: the play, pause, seek
 * and follow messages, delivery of the pacing threads' batches to each
 * stream's connection and its followers, the stall cut-off. The wire
 * format is in docs/preview.md. */
#include "server/preview/stream.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "protocol/document.h"
#include "server/preview/asset_cache.h"
#include "server/rooms/doc_at.h"
#include "server/core/jobs.h"
#include "server/core/log.h"
#include "server/core/metrics.h"
#include "server/core/server.h"
#include "server/rooms/room.h"
#include "server/preview/match.h"
#include "server/preview/plans.h"
#include "server/core/store.h"
#include "server/core/store_reader.h"
#include "server/preview/stream_priv.h"
#include "server/net/ws.h"

/* What a connection last asked its stream to play (loop thread), to put
 * a new listener of the same source on the thread of those it can share
 * with. */
struct pv_hint {
    bool playing;
    long long rev;                /* -1 = the head */
    bool loop;
    int64_t from, la, lb;
    long long at_ms;              /* monotonic time of the play or seek */
};

/* A connection's preview state (c->stream). Loop thread only. */
struct pv_conn {
    struct pv_conn *next_all, *prev_all;
    struct srv_conn *c;
    struct pv_stream *s;          /* its own stream (a reference), or NULL */
    struct pv_conn *leader;       /* followed connection, or NULL */
    struct pv_conn *followers;    /* list through next_follower */
    struct pv_conn *next_follower;
    uint64_t play_token;          /* bumps on every play/pause/seek */
    long long drained_ms;         /* monotonic: last time the kernel's send
                                     queue of the socket was short */
    struct pv_hint hint;          /* what its stream was last told to play */
};

/* Loop-thread state: every pv_conn, and the next stream id. */
static struct pv_conn *all_pv;
static uint32_t next_stream_id = 1;

static size_t queue_limit(const struct pv_stream *s)
{
    /* SRV_STREAM_QUEUE_MS of packets at the bitrate, plus headers and
     * levels; VBR may exceed the bitrate a little. */
    size_t per_s = (size_t)s->bitrate / 8 * 3 / 2 + 50 * 17 + 20 * 2100;
    return per_s * SRV_STREAM_QUEUE_MS / 1000;
}

static void send_to(struct pv_conn *p, const unsigned char *data, size_t len,
                    size_t limit)
{
    srv_ws_send_audio(p->c, data, len, limit);
    for (struct pv_conn *f = p->followers; f; f = f->next_follower)
        srv_ws_send_audio(f->c, data, len, limit);
}

static void send_json_to(struct pv_conn *p, json_t *j, bool followers)
{
    if (followers)
        for (struct pv_conn *f = p->followers; f; f = f->next_follower)
            srv_ws_send(f->c, json_incref(j), NULL);
    srv_ws_send(p->c, j, NULL);
}

void pv_deliver_batch(void *arg)
{
    struct pv_batch *b = arg;

    for (size_t i = 0; i < b->n; i++) {
        struct pv_item *it = &b->items[i];
        struct pv_conn *p = it->s->owner;
        if (p) {
            if (it->kind == PV_ITEM_STOPPED) {
                json_t *j = json_pack("{s:s, s:I, s:I, s:s}", "type",
                                      "stopped", "stream", (json_int_t)it->s->id,
                                      "position", (json_int_t)it->position,
                                      "reason", "end");
                send_json_to(p, j, true);
            } else {
                send_to(p, b->buf + it->off, it->len, queue_limit(it->s));
            }
        }
        pv_stream_release(it->s);
    }
    free(b->items);
    free(b->buf);
    free(b);
}

/* ---- per-connection state ---- */

static struct pv_conn *pv_get(struct srv_conn *c)
{
    struct pv_conn *p = c->stream;

    if (p)
        return p;
    p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->c = c;
    p->next_all = all_pv;
    if (all_pv)
        all_pv->prev_all = p;
    all_pv = p;
    c->stream = p;
    return p;
}

static void unfollow(struct pv_conn *p)
{
    struct pv_conn *l = p->leader;

    if (!l)
        return;
    for (struct pv_conn **pp = &l->followers; *pp; pp = &(*pp)->next_follower)
        if (*pp == p) {
            *pp = p->next_follower;
            break;
        }
    p->leader = NULL;
    p->next_follower = NULL;
}

static struct pv_cmd *cmd_new(struct pv_stream *s, int type)
{
    struct pv_cmd *c = calloc(1, sizeof *c);

    if (!c)
        return NULL;
    atomic_fetch_add(&s->refs, 1);
    c->s = s;
    c->type = type;
    return c;
}

static void send_cmd(struct pv_stream *s, int type, int64_t from)
{
    struct pv_cmd *c = cmd_new(s, type);

    if (c) {
        c->from = from;
        pv_thread_command(c);
    }
}

/* Where the source of a stream that played h stands now: its next packet,
 * one lead ahead of real time (frames at rate). */
static int64_t hint_position(const struct pv_hint *h, int rate, long long now)
{
    int64_t pos = h->from + (now - h->at_ms) * rate / 1000 +
                  (int64_t)SRV_STREAM_LEAD_PACKETS * ENG_OPUS_FRAME;

    if (h->loop && h->lb > h->la && pos >= h->lb)
        pos = h->la + (pos - h->la) % (h->lb - h->la);
    return pos;
}

/* The pacing thread for a new stream of rp's project that is to play h
 * (NULL: an audition): the thread of a listener whose source it can join
 * (same revision and loop, its position within the ring, a little slack
 * either way for the time the commands take), else the least loaded. */
static struct pv_thread *pick_thread(const struct srv_room_plan *rp,
                                     const struct pv_hint *h)
{
    long long now = srv_now_mono_ms();
    int rate = srv_room_plan_rate(rp);
    int64_t pkt = ENG_OPUS_FRAME;

    for (struct pv_conn *q = all_pv; h && q; q = q->next_all) {
        const struct pv_hint *o = &q->hint;
        if (!q->s || q->s->rp != rp || !o->playing || o->rev != h->rev ||
            o->loop != h->loop ||
            (h->loop && (o->la != h->la || o->lb != h->lb)))
            continue;
        int64_t at = hint_position(o, rate, now);
        if (h->from >= at - (PV_RING - 4) * pkt && h->from <= at + 4 * pkt)
            return q->s->th;
    }
    return pv_thread_pick();
}

/* The connection's stream, created on first use. */
static struct pv_stream *ensure_stream(struct pv_conn *p, json_t *id,
                                       const struct pv_hint *h)
{
    struct srv_conn *c = p->c;
    struct srv_server *srv = c->srv;

    if (p->s)
        return p->s;
    struct pv_opts o = {
        .share = srv->cfg.stream_share != 0,
        .complexity_max = srv->cfg.opus_complexity >= 0
                              ? srv->cfg.opus_complexity
                              : 8,
        .complexity_min = (int)srv->cfg.opus_complexity_min,
        .sim_load_pct = (int)srv->cfg.stream_test_load,
        .block_cache_bytes = srv->cfg.block_cache_bytes,
        .render_ahead = (int)srv->cfg.stream_render_ahead,
        .render_ahead_max = (int)srv->cfg.stream_render_ahead_max};
    if (pv_threads_start(srv->cfg.workers > 0
                             ? srv->cfg.workers
                             : (int)sysconf(_SC_NPROCESSORS_ONLN),
                         &o) != 0) {
        srv_ws_error(c, id, PROTO_INTERNAL, "preview threads cannot start");
        return NULL;
    }
    struct srv_room_plan *rp = srv_room_plan_get(srv, c->project_id);
    if (!rp) {
        srv_ws_error(c, id, PROTO_INTERNAL,
                     "the mix of project %s cannot be prepared", c->project_id);
        return NULL;
    }
    struct pv_stream *s = calloc(1, sizeof *s);
    if (!s) {
        srv_room_plan_release(rp);
        srv_ws_error(c, id, PROTO_INTERNAL, "out of memory");
        return NULL;
    }
    atomic_init(&s->refs, 1);
    s->id = next_stream_id++;
    s->th = pick_thread(rp, h);
    s->rp = rp;
    s->rate = srv_room_plan_rate(rp);
    s->bitrate = srv->cfg.opus_bitrate > 0 ? srv->cfg.opus_bitrate : 128000;
    s->complexity = srv->cfg.opus_complexity >= 0 ? srv->cfg.opus_complexity
                                                  : 8;
    s->owner = p;
    p->s = s;
    return s;
}

/* ---- play of a revision: built on a worker ---- */

struct rev_job {
    struct srv_conn *c;      /* checked against serial on return */
    uint64_t serial;
    uint64_t token;
    char project_id[64];
    char data_dir[4096];
    long long rev;
    json_t *id;
    int64_t from;
    bool loop;
    int64_t la, lb;
    eng_plan *plan;
    proto_err err;
    /* "match": true -- the head's plan as the room has it now */
    bool match;
    eng_plan *head;
    long long head_rev;
    size_t bound;                /* loudness_cache */
    double gain_db;
};

static void rev_work(void *arg)
{
    struct rev_job *j = arg;
    char err[256];
    /* the worker's kept reader; a connection of its own when run inline
     * on the loop (no pool) */
    bool kept = !srv_on_loop_thread();
    db_conn *db = kept ? store_reader_get(j->data_dir, err, sizeof err)
                       : store_open(j->data_dir, "NORMAL", true, err,
                                    sizeof err);

    if (!db) {
        proto_fail(&j->err, PROTO_INTERNAL, "database: %s", err);
        return;
    }
    proto_doc *doc = srv_doc_at_rev(db, j->project_id, j->rev, &j->err);
    if (doc) {
        j->plan = srv_plan_from_doc(db, j->data_dir, j->project_id, doc);
        if (!j->plan)
            proto_fail(&j->err, PROTO_INTERNAL, "out of memory");
        proto_doc_free(doc);
    }
    if (kept)
        store_reader_put(db, j->plan != NULL);
    else
        db_close(db);
    if (j->plan && j->match) {
        double src, head;
        if (pv_loudness_of(j->project_id, j->rev, j->plan, j->bound, NULL,
                           &src) != 0 ||
            pv_loudness_of(j->project_id, j->head_rev, j->head, j->bound,
                           NULL, &head) != 0) {
            proto_fail(&j->err, PROTO_INTERNAL, "out of memory");
            eng_plan_release(j->plan);
            j->plan = NULL;
            return;
        }
        j->gain_db = pv_match_gain(head, src);
    }
}

static struct pv_conn *find_conn(struct srv_conn *c, uint64_t serial)
{
    for (struct pv_conn *p = all_pv; p; p = p->next_all)
        if (p->c == c && c->serial == serial)
            return p;
    return NULL;
}

/* match_gain: the loudness-match gain in dB (match.h) for a play with
 * "match": true, NAN without. */
static void start_play(struct pv_conn *p, json_t *id, int64_t from, bool loop,
                       int64_t la, int64_t lb, eng_plan *fixed, long long rev,
                       double match_gain)
{
    struct pv_hint h = {.playing = true, .rev = fixed ? rev : -1,
                        .loop = loop, .from = from, .la = la, .lb = lb,
                        .at_ms = srv_now_mono_ms()};
    struct pv_stream *s = ensure_stream(p, id, &h);
    struct pv_cmd *cmd;

    if (!s)
        return;
    cmd = cmd_new(s, PV_PLAY);
    if (!cmd) {
        srv_ws_error(p->c, id, PROTO_INTERNAL, "out of memory");
        return;
    }
    cmd->from = from;
    cmd->loop = loop;
    cmd->loop_a = la;
    cmd->loop_b = lb;
    cmd->fixed = fixed ? eng_plan_ref(fixed) : NULL;
    cmd->rev = fixed ? rev : -1;
    cmd->gain_db = isfinite(match_gain) ? match_gain : 0.0;
    pv_thread_command(cmd);
    p->hint = h;
    json_t *r = json_pack("{s:s, s:I, s:I}", "type", "playing", "stream",
                          (json_int_t)s->id, "from", (json_int_t)from);
    if (rev >= 0)
        json_object_set_new(r, "rev", json_integer(rev));
    if (loop)
        json_object_set_new(r, "loop", json_pack("[I,I]", (json_int_t)la,
                                                 (json_int_t)lb));
    json_object_set_new(r, "rate", json_integer(s->rate));
    if (isfinite(match_gain))
        json_object_set_new(r, "match_gain_db",
                            json_real(round(match_gain * 100.0) / 100.0));
    /* followers learn that the leader's transport started */
    for (struct pv_conn *f = p->followers; f; f = f->next_follower)
        srv_ws_send(f->c, json_deep_copy(r), NULL);
    srv_ws_send(p->c, r, id);
}

static void rev_done(void *arg)
{
    struct rev_job *j = arg;
    struct pv_conn *p = find_conn(j->c, j->serial);

    if (p && p->play_token == j->token) {
        if (!j->plan)
            srv_ws_error(p->c, j->id, j->err.code, "%s", j->err.message);
        else
            start_play(p, j->id, j->from, j->loop, j->la, j->lb, j->plan,
                       j->rev, j->match ? j->gain_db : NAN);
    }
    eng_plan_release(j->plan);
    eng_plan_release(j->head);
    json_decref(j->id);
    free(j);
}

/* ---- messages ---- */

static const struct srv_ws_param frame_item = {.name = "frame",
                                               .type = SRV_WS_FRAME};

/* The fields of play, seek and follow (checked by ws.c, see ws_params.h);
 * loop's a < b is checked by on_play. */
static const struct srv_ws_param play_params[] = {
    {.name = "from", .type = SRV_WS_FRAME, .flags = SRV_WS_REQUIRED,
     .code = PROTO_INVALID_VALUE},
    {.name = "loop", .type = SRV_WS_ARRAY, .flags = SRV_WS_NULLABLE,
     .code = PROTO_INVALID_VALUE, .min = 2, .max = 2, .items = &frame_item,
     .what = "[a, b]"},
    {.name = "rev", .type = SRV_WS_REV, .flags = SRV_WS_NULLABLE,
     .code = PROTO_INVALID_VALUE},
    {.name = "match", .type = SRV_WS_BOOL, .code = PROTO_INVALID_VALUE},
    {.name = NULL}};
static const struct srv_ws_param seek_params[] = {
    {.name = "to", .type = SRV_WS_FRAME, .flags = SRV_WS_REQUIRED,
     .code = PROTO_INVALID_VALUE},
    {.name = NULL}};
static const struct srv_ws_param follow_params[] = {
    {.name = "client", .type = SRV_WS_KEY, .flags = SRV_WS_NULLABLE,
     .code = PROTO_INVALID_VALUE, .what = "a client id"},
    {.name = NULL}};

/* audition: one note of an instrument track through the sender's own
 * stream (the track is checked against the live document by on_audition). */
static const struct srv_ws_param audition_params[] = {
    {.name = "track", .type = SRV_WS_ID, .flags = SRV_WS_REQUIRED,
     .code = PROTO_INVALID_VALUE, .what = "a track id"},
    {.name = "pitch", .type = SRV_WS_INTEGER, .flags = SRV_WS_REQUIRED,
     .code = PROTO_INVALID_VALUE, .min = 0, .max = 127},
    {.name = "vel", .type = SRV_WS_INTEGER, .flags = SRV_WS_NULLABLE,
     .code = PROTO_INVALID_VALUE, .min = 1, .max = 127},
    {.name = "ms", .type = SRV_WS_INTEGER, .flags = SRV_WS_NULLABLE,
     .code = PROTO_INVALID_VALUE, .min = 1, .max = 5000},
    {.name = NULL}};

static int on_play(struct srv_conn *c, struct srv_ws_args *a, json_t *id)
{
    struct pv_conn *p;
    int64_t from = srv_ws_arg_int(a, "from", 0), la = 0, lb = 0;
    int64_t rev = srv_ws_arg_int(a, "rev", -1);
    json_t *lv = srv_ws_arg_json(a, "loop");
    bool loop = lv != NULL, match = srv_ws_arg_bool(a, "match", false);

    if (!c->room || !c->project_id[0])
        return srv_ws_error(c, id, PROTO_UNAUTHORIZED, "say hello first"), 0;
    if (loop) {
        la = json_integer_value(json_array_get(lv, 0));
        lb = json_integer_value(json_array_get(lv, 1));
        if (lb <= la)
            return srv_ws_error(c, id, PROTO_INVALID_VALUE,
                                "loop must be [a, b] with 0 <= a < b (frames)"),
                   0;
    }
    if (!(p = pv_get(c)))
        return srv_ws_error(c, id, PROTO_INTERNAL, "out of memory"), 0;
    unfollow(p);
    p->play_token++;
    if (rev < 0) { /* the head is its own reference: a gain of 0 */
        start_play(p, id, from, loop, la, lb, NULL, -1, match ? 0.0 : NAN);
        return 0;
    }
    struct rev_job *j = calloc(1, sizeof *j);
    if (!j)
        return srv_ws_error(c, id, PROTO_INTERNAL, "out of memory"), 0;
    if (match) {
        struct srv_room_plan *rp = srv_room_plan_get(c->srv, c->project_id);
        j->head = rp ? eng_plan_slot_acquire(srv_room_plan_slot(rp)) : NULL;
        j->head_rev = rp ? srv_room_plan_built_rev(rp) : -1;
        srv_room_plan_release(rp);
        if (!j->head) {
            free(j);
            return srv_ws_error(c, id, PROTO_INTERNAL,
                                "the mix of project %s cannot be prepared",
                                c->project_id), 0;
        }
        j->match = true;
        j->bound = c->srv->cfg.loudness_cache > 0
                       ? (size_t)c->srv->cfg.loudness_cache
                       : 0;
    }
    j->c = c;
    j->serial = c->serial;
    j->token = p->play_token;
    snprintf(j->project_id, sizeof j->project_id, "%s", c->project_id);
    snprintf(j->data_dir, sizeof j->data_dir, "%s", c->srv->cfg.data_dir);
    j->rev = rev;
    j->id = id ? json_incref(id) : NULL;
    j->from = from;
    j->loop = loop;
    j->la = la;
    j->lb = lb;
    proto_err_clear(&j->err);
    if (!c->srv->jobs ||
        srv_jobs_submit(c->srv->jobs, rev_work, rev_done, j) != 0) {
        rev_work(j);
        rev_done(j);
    }
    return 0;
}

static int on_pause(struct srv_conn *c, struct srv_ws_args *a, json_t *id)
{
    struct pv_conn *p = c->stream;

    (void)a;
    if (p && p->s) {
        p->play_token++;
        p->hint.playing = false;
        send_cmd(p->s, PV_PAUSE, 0);
    }
    json_t *r = json_pack("{s:s}", "type", "paused");
    if (p && p->s) {
        json_object_set_new(r, "stream", json_integer(p->s->id));
        for (struct pv_conn *f = p->followers; f; f = f->next_follower)
            srv_ws_send(f->c, json_deep_copy(r), NULL);
    }
    srv_ws_send(c, r, id);
    return 0;
}

static int on_seek(struct srv_conn *c, struct srv_ws_args *a, json_t *id)
{
    struct pv_conn *p = c->stream;
    int64_t to = srv_ws_arg_int(a, "to", 0);

    if (!p || !p->s)
        return srv_ws_error(c, id, PROTO_CONFLICT,
                            "nothing is playing: send play first"), 0;
    send_cmd(p->s, PV_SEEK, to);
    p->hint.from = to;
    p->hint.at_ms = srv_now_mono_ms();
    json_t *r = json_pack("{s:s, s:I, s:I}", "type", "seeked", "stream",
                          (json_int_t)p->s->id, "to", (json_int_t)to);
    for (struct pv_conn *f = p->followers; f; f = f->next_follower)
        srv_ws_send(f->c, json_deep_copy(r), NULL);
    srv_ws_send(c, r, id);
    return 0;
}

static int on_audition(struct srv_conn *c, struct srv_ws_args *a, json_t *id)
{
    const char *track = json_string_value(srv_ws_arg_json(a, "track"));
    int pitch = (int)srv_ws_arg_int(a, "pitch", 60);
    int vel = (int)srv_ws_arg_int(a, "vel", 100);
    int ms = (int)srv_ws_arg_int(a, "ms", 500);
    struct pv_conn *p;

    if (!c->room || !c->project_id[0])
        return srv_ws_error(c, id, PROTO_UNAUTHORIZED, "say hello first"), 0;
    const json_t *o = proto_doc_get(srv_room_doc(c->room), track);
    const json_t *kind = json_object_get(o, "kind"), *role;
    if (!o || !json_is_string(kind) ||
        strcmp(json_string_value(kind), "track") != 0)
        return srv_ws_error(c, id, PROTO_NOT_FOUND,
                            "track %s does not exist (field 'track')", track),
               0;
    role = json_object_get(o, "role");
    if (!json_is_string(role) ||
        strcmp(json_string_value(role), "instrument") != 0)
        return srv_ws_error(c, id, PROTO_INVALID_VALUE,
                            "track %s is not an instrument track (field "
                            "'track')", track), 0;
    if (!(p = pv_get(c)))
        return srv_ws_error(c, id, PROTO_INTERNAL, "out of memory"), 0;
    struct pv_stream *s = ensure_stream(p, id, NULL);
    if (!s)
        return 0;
    struct pv_cmd *cmd = cmd_new(s, PV_AUDITION);
    if (!cmd)
        return srv_ws_error(c, id, PROTO_INTERNAL, "out of memory"), 0;
    snprintf(cmd->track, sizeof cmd->track, "%s", track);
    cmd->pitch = pitch;
    cmd->vel = vel;
    cmd->frames = (int64_t)ms * s->rate / 1000;
    pv_thread_command(cmd);
    srv_ws_send(c, json_pack("{s:s, s:I, s:s, s:i, s:i, s:i, s:i}", "type",
                             "auditioning", "stream", (json_int_t)s->id,
                             "track", track, "pitch", pitch, "vel", vel, "ms",
                             ms, "rate", s->rate), id);
    return 0;
}

struct find_ctx {
    const char *project, *client;
    struct srv_conn *self, *found;
};

static void find_client(struct srv_conn *c, void *arg)
{
    struct find_ctx *f = arg;

    if (!f->found && c != f->self && c->welcomed && !c->closing &&
        strcmp(c->project_id, f->project) == 0 &&
        strcmp(c->client_id, f->client) == 0)
        f->found = c;
}

static int on_follow(struct srv_conn *c, struct srv_ws_args *a, json_t *id)
{
    json_t *cl = srv_ws_arg_json(a, "client");
    struct pv_conn *p = pv_get(c), *l;

    if (!p)
        return srv_ws_error(c, id, PROTO_INTERNAL, "out of memory"), 0;
    if (!cl) {
        unfollow(p);
        return srv_ws_send(c, json_pack("{s:s, s:n}", "type", "following",
                                         "client"), id), 0;
    }
    if (strcmp(json_string_value(cl), c->client_id) == 0)
        return srv_ws_error(c, id, PROTO_INVALID_VALUE,
                            "a client cannot follow itself"), 0;
    struct find_ctx f = {c->project_id, json_string_value(cl), c, NULL};
    srv_ws_each(find_client, &f);
    if (!f.found)
        return srv_ws_error(c, id, PROTO_NOT_FOUND,
                            "client %s is not in this project",
                            json_string_value(cl)), 0;
    if (!(l = pv_get(f.found)))
        return srv_ws_error(c, id, PROTO_INTERNAL, "out of memory"), 0;
    unfollow(p);
    if (p->s) { /* our own transport stops while following */
        p->play_token++;
        p->hint.playing = false;
        send_cmd(p->s, PV_PAUSE, 0);
    }
    p->leader = l;
    p->next_follower = l->followers;
    l->followers = p;
    json_t *r = json_pack("{s:s, s:s}", "type", "following", "client",
                          json_string_value(cl));
    if (l->s)
        json_object_set_new(r, "stream", json_integer(l->s->id));
    srv_ws_send(c, r, id);
    return 0;
}

static void on_close(struct srv_conn *c)
{
    struct pv_conn *p = c->stream;

    if (!p)
        return;
    unfollow(p);
    while (p->followers) {
        struct pv_conn *f = p->followers;
        p->followers = f->next_follower;
        f->leader = NULL;
        f->next_follower = NULL;
        srv_ws_send(f->c,
                    json_pack("{s:s, s:s, s:s}", "type", "stopped", "reason",
                              "leader_left", "client", c->client_id),
                    NULL);
    }
    if (p->s) {
        p->s->owner = NULL;
        send_cmd(p->s, PV_REMOVE, 0);
        pv_stream_release(p->s);
    }
    if (p->prev_all)
        p->prev_all->next_all = p->next_all;
    else
        all_pv = p->next_all;
    if (p->next_all)
        p->next_all->prev_all = p->prev_all;
    c->stream = NULL;
    free(p);
}

/* Cuts off connections that read nothing for SRV_STREAM_STALL_MS: either
 * our writes stopped (lws is choked) or the kernel keeps accepting them
 * (its send buffer grows to megabytes) while the peer acknowledges
 * nothing, so the unacknowledged bytes never fall back under
 * SRV_STREAM_STALL_OUTQ. */
static void stream_tick(struct srv_server *srv)
{
    long long now = srv_now_mono_ms();

    (void)srv;
    for (struct pv_conn *p = all_pv; p; p = p->next_all) {
        struct srv_conn *c = p->c;
        if (c->closing || !c->wsi)
            continue;
        if (p->drained_ms == 0 ||
            srv_ws_unacked_bytes(c) < SRV_STREAM_STALL_OUTQ)
            p->drained_ms = now;
        bool choked = c->audio_count > 0 &&
                      now - c->last_tx_progress_ms >= SRV_STREAM_STALL_MS;
        if (!choked && now - p->drained_ms < SRV_STREAM_STALL_MS)
            continue;
        srv_info("preview: %s read nothing for %d s; disconnecting", c->peer,
                 SRV_STREAM_STALL_MS / 1000);
        srv_ws_cut_off(c, 1008, "not reading");
    }
}

static void stream_stop(struct srv_server *srv)
{
    (void)srv;
    pv_threads_stop();
    pv_loudness_clear();
}

void srv_stream_stats(unsigned long long *playing,
                      unsigned long long *packets, unsigned long long *late,
                      int *threads)
{
    pv_stats(playing, packets, late, threads);
}

/* /metrics: shared listening (docs/preview.md "Shared listening"). */
static void share_metrics(FILE *f, struct srv_server *srv)
{
    (void)srv;
    fprintf(f,
            "# HELP mixroom_preview_encodes_total Opus packets encoded (one "
            "serves every listener of a shared source).\n"
            "# TYPE mixroom_preview_encodes_total counter\n"
            "mixroom_preview_encodes_total %llu\n"
            "# HELP mixroom_preview_render_blocks_total Blocks the sources' "
            "renderers rendered (one per stream_render_ahead packets, fewer "
            "under load).\n"
            "# TYPE mixroom_preview_render_blocks_total counter\n"
            "mixroom_preview_render_blocks_total %llu\n"
            "# HELP mixroom_preview_opus_complexity Lowest Opus complexity "
            "the pacing threads use now (-1 before the first stream).\n"
            "# TYPE mixroom_preview_opus_complexity gauge\n"
            "mixroom_preview_opus_complexity %d\n"
            "# HELP mixroom_preview_render_ahead Most packets per block the "
            "pacing threads' sources render now (stream_render_ahead, up to "
            "stream_render_ahead_max under load; -1: no thread).\n"
            "# TYPE mixroom_preview_render_ahead gauge\n"
            "mixroom_preview_render_ahead %d\n",
            pv_source_encodes(), pv_source_blocks(), pv_complexity_now(),
            pv_render_ahead_now());
    eng_blockcache_stats bs = {0};
    bool on = pv_block_cache_stats(&bs);
    fprintf(f,
            "# HELP mixroom_preview_block_cache_hits_total Track blocks the "
            "preview took from the block cache instead of rendering.\n"
            "# TYPE mixroom_preview_block_cache_hits_total counter\n"
            "mixroom_preview_block_cache_hits_total %llu\n"
            "# HELP mixroom_preview_block_cache_misses_total Track blocks "
            "looked up in the block cache and rendered.\n"
            "# TYPE mixroom_preview_block_cache_misses_total counter\n"
            "mixroom_preview_block_cache_misses_total %llu\n"
            "# HELP mixroom_preview_block_cache_blocks Blocks the cache holds "
            "(-1: no cache, block_cache_bytes = 0).\n"
            "# TYPE mixroom_preview_block_cache_blocks gauge\n"
            "mixroom_preview_block_cache_blocks %lld\n",
            (unsigned long long)bs.hits, (unsigned long long)bs.misses,
            on ? (long long)bs.used : -1LL);
}

static const struct srv_ws_route routes[] = {
    {"play", SRV_MEMBER(SRV_ROLE_VIEWER), on_play, false, play_params},
    {"pause", SRV_MEMBER(SRV_ROLE_VIEWER), on_pause, false, NULL},
    {"seek", SRV_MEMBER(SRV_ROLE_VIEWER), on_seek, false, seek_params},
    {"follow", SRV_MEMBER(SRV_ROLE_VIEWER), on_follow, false, follow_params},
    {"audition", SRV_MEMBER(SRV_ROLE_EDITOR), on_audition, false,
     audition_params},
};

void srv_stream_init(void)
{
    srv_jobs_init();
    srv_room_plans_init();
    srv_asset_cache_init();
    srv_ws_add_routes(routes, (int)(sizeof routes / sizeof routes[0]));
    srv_ws_on_close(on_close);
    srv_loop_on_tick(stream_tick);
    srv_loop_on_stop(stream_stop);
    srv_metrics_add(share_metrics);
}
