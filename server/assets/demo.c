/* demo.c -- the demo project's content: on a start with cfg.demo, makes
 * sure the demo user and the "Demo song" project exist (auth), prints how
 * to log in, and the first time (the project has no revision yet)
 * synthesizes drums, bass and chords (engine/demo_audio.h), imports them through
 * the same path as uploads, and once all three are ready writes the
 * tracks, clips and markers as one revision by the demo user. */
#include <limits.h>
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/demo_audio.h"
#include "protocol/errors.h"
#include "server/assets/assets.h"
#include "server/auth/auth.h"
#include "server/core/log.h"
#include "server/core/server.h"
#include "server/core/store_stmt.h"
#include "server/rooms/room.h"
#include "server/net/ws.h"

#define DEMO_BPM 100.0
#define DEMO_BARS 8
#define DEMO_REPEATS 2

/* The demo being made (one per process, loop thread). */
struct demo {
    struct srv_server *srv;
    char project_id[64];
    struct srv_user user;
    int pending;
    bool failed;
    char asset[ENG_DEMO_STEMS][SRV_ASSET_ID_MAX];
    int64_t frames[ENG_DEMO_STEMS];
};

static const char *const stem_title[ENG_DEMO_STEMS] = {"Drums", "Bass",
                                                       "Chords"};
static const char *const stem_file[ENG_DEMO_STEMS] = {"drums.wav", "bass.wav",
                                                      "chords.wav"};

static const struct {
    const char *track, *color, *order;
    double gain, pan;
} look[ENG_DEMO_STEMS] = {
    {"t_demo_drums", "#e0784f", "V", -1.0, 0.0},
    {"t_demo_bass", "#4f9be0", "W", -2.0, 0.0},
    {"t_demo_chords", "#9b6fd6", "X", -4.0, 0.1},
};

static int64_t query_int(db_conn *db, const char *sql, const char *arg)
{
    long long v = -1;

    store_query_int(db, sql, STORE_ARGS(arg), &v, NULL, 0);
    return v;
}

/* The ops of revision 1: tempo, three tracks, two clips each, markers. */
static json_t *demo_ops(const struct demo *d)
{
    json_t *ops = json_array();

    json_array_append_new(ops, json_pack("{s:s, s:s, s:{s:f}}", "op", "set",
                                         "id", "project", "fields", "tempo",
                                         DEMO_BPM));
    for (int s = 0; s < ENG_DEMO_STEMS; s++)
        json_array_append_new(
            ops, json_pack("{s:s, s:s, s:s, s:{s:s, s:s, s:s, s:f, s:f}}",
                           "op", "create", "id", look[s].track, "kind",
                           "track", "fields", "name", stem_title[s],
                           "order", look[s].order, "color", look[s].color,
                           "gain", look[s].gain, "pan", look[s].pan));
    for (int s = 0; s < ENG_DEMO_STEMS; s++)
        for (int r = 0; r < DEMO_REPEATS; r++) {
            char id[64];
            snprintf(id, sizeof id, "c_demo_%d_%d", s, r);
            json_t *f = json_pack(
                "{s:s, s:s, s:I, s:I, s:s}", "track", look[s].track, "asset",
                d->asset[s], "start", (json_int_t)(r * d->frames[s]),
                "length", (json_int_t)d->frames[s], "name",
                stem_title[s]);
            if (s == 2 && r == 0)
                json_object_set_new(f, "fade_in",
                                    json_integer(d->frames[s] / 16));
            if (r == DEMO_REPEATS - 1)
                json_object_set_new(f, "fade_out",
                                    json_integer(d->frames[s] / 32));
            json_array_append_new(ops, json_pack("{s:s, s:s, s:s, s:o}", "op",
                                                 "create", "id", id, "kind",
                                                 "clip", "fields", f));
        }
    json_array_append_new(
        ops, json_pack("{s:s, s:s, s:s, s:{s:i, s:s}}", "op", "create", "id",
                       "m_demo_a", "kind", "marker", "fields", "at", 0, "name",
                       "A"));
    json_array_append_new(
        ops, json_pack("{s:s, s:s, s:s, s:{s:I, s:s}}", "op", "create", "id",
                       "m_demo_b", "kind", "marker", "fields", "at",
                       (json_int_t)d->frames[0], "name", "A again"));
    return ops;
}

/* All stems are ready: one revision by the demo user. The room is loaded
 * with room_get (room_priv.h) because room.h has no "open this project"
 * call; rooms: a public srv_room_open() would let this file use room.h
 * alone. */
static void demo_apply(struct demo *d)
{
    struct srv_room *room;
    struct srv_conn as_demo;
    proto_err perr;
    char err[256];
    json_t *ops;
    long long rev;

    room = srv_room_open(d->srv, d->project_id, err, sizeof err);
    if (!room) {
        srv_warn("demo song: %s", err);
        return;
    }
    if (srv_room_head(room) > 0) {
        srv_info("demo song: already edited, its tracks are left alone");
        return;
    }
    memset(&as_demo, 0, sizeof as_demo);
    as_demo.srv = d->srv;
    snprintf(as_demo.user_id, sizeof as_demo.user_id, "%s", d->user.id);
    snprintf(as_demo.user_name, sizeof as_demo.user_name, "%s", d->user.name);
    snprintf(as_demo.display_name, sizeof as_demo.display_name, "%s",
             d->user.name);
    snprintf(as_demo.client_id, sizeof as_demo.client_id, "server-demo");
    as_demo.role = SRV_ROLE_OWNER;
    ops = demo_ops(d);
    rev = srv_room_apply_ops(room, &as_demo, "push", ops, NULL, &perr);
    json_decref(ops);
    if (rev < 0)
        srv_warn("demo song: the tracks could not be created: %s",
                 perr.message);
    else
        srv_info("demo song: %d tracks written as revision %lld",
                 ENG_DEMO_STEMS, rev);
}

static void demo_asset_done(void *ctx, const char *asset_id, bool ready,
                            int64_t frames)
{
    struct demo *d = ctx;
    int s;

    /* stems finish in any order: find the slot by id */
    for (s = 0; s < ENG_DEMO_STEMS; s++)
        if (!strcmp(d->asset[s], asset_id))
            break;
    if (s == ENG_DEMO_STEMS) {
        srv_warn("demo song: unexpected asset %s", asset_id);
        return;
    }
    d->frames[s] = frames;
    if (!ready)
        d->failed = true;
    if (--d->pending > 0)
        return;
    if (d->failed)
        srv_warn("demo song: a stem failed to import; the project stays "
                 "empty");
    else
        demo_apply(d);
    free(d);
}

int srv_demo_start(struct srv_server *srv)
{
    char pid[64], msg[1024], dir[4096];
    char paths[ENG_DEMO_STEMS][PATH_MAX];
    struct demo *d;
    int rc, rate;

    if (!srv->cfg.demo)
        return 0;
    rc = srv_auth_ensure_demo(srv->cfg.data_dir, pid, sizeof pid, msg,
                              sizeof msg);
    if (rc < 0) {
        srv_warn("%s", msg);
        return 0;
    }
    printf("mixroom demo: %s\n", msg);
    fflush(stdout);
    if (query_int(srv->db, "SELECT head_rev FROM projects WHERE id=?", pid) !=
            0 ||
        query_int(srv->db, "SELECT count(*) FROM assets WHERE project_id=? "
                           "AND state IN ('ready','importing')",
                  pid) != 0)
        return 0;
    d = calloc(1, sizeof *d);
    if (!d || srv_auth_find_user(srv->db, "demo", &d->user) != 0 ||
        srv_assets_tmp_dir(srv, dir, sizeof dir) != 0) {
        free(d);
        srv_warn("demo song: the demo user is missing");
        return 0;
    }
    d->srv = srv;
    snprintf(d->project_id, sizeof d->project_id, "%s", pid);
    rate = (int)query_int(srv->db, "SELECT sample_rate FROM projects WHERE id=?",
                          pid);
    if (eng_demo_write_stems(dir, rate, DEMO_BPM, DEMO_BARS, paths) != 0) {
        srv_warn("demo song: cannot synthesize the stems: %s", strerror(errno));
        free(d);
        return 0;
    }
    d->pending = ENG_DEMO_STEMS;
    for (int s = 0; s < ENG_DEMO_STEMS; s++) {
        /* a copy is imported; a duplicate calls back at once (only the
         * last stem can then free d) */
        if (srv_assets_import_file(srv, pid, d->user.id, stem_file[s],
                                   paths[s], demo_asset_done, d,
                                   d->asset[s]) != 0) {
            srv_warn("demo song: the %s stem could not be imported",
                     stem_title[s]);
            d->failed = true;
            if (--d->pending == 0)
                free(d);
        }
        unlink(paths[s]);
    }
    srv_info("demo song: importing %d generated stems", ENG_DEMO_STEMS);
    return 0;
}
