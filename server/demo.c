/* demo.c -- the demo project's content: on a start with cfg.demo, makes
 * sure the demo user and the "Demo song" project exist (auth), prints how
 * to log in, and the first time (the project has no revision yet)
 * synthesizes drums, bass and chords (demo_audio.c), imports them through
 * the same path as uploads, and once all three are ready writes the
 * tracks, clips and markers as one revision by the demo user. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "protocol/errors.h"
#include "server/assets.h"
#include "server/auth.h"
#include "server/demo_audio.h"
#include "server/log.h"
#include "server/loop.h"
#include "server/room.h"
#include "server/room_priv.h" /* room_get: see the note in demo_apply */
#include "server/ws.h"

#define DEMO_BPM 120.0
#define DEMO_BARS 8
#define DEMO_REPEATS 2

/* The demo being made (one per process, loop thread). */
struct demo {
    struct srv_server *srv;
    char project_id[64];
    struct srv_user user;
    int pending;
    bool failed;
    char asset[SRV_DEMO_STEMS][SRV_ASSET_ID_MAX];
    int64_t frames[SRV_DEMO_STEMS];
};

static const struct {
    const char *track, *color, *order;
    double gain, pan;
} look[SRV_DEMO_STEMS] = {
    {"t_demo_drums", "#e0784f", "V", -1.0, 0.0},
    {"t_demo_bass", "#4f9be0", "W", -2.0, 0.0},
    {"t_demo_chords", "#9b6fd6", "X", -4.0, 0.1},
};

static int64_t query_int(sqlite3 *db, const char *sql, const char *arg)
{
    sqlite3_stmt *st = NULL;
    int64_t v = -1;

    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* The ops of revision 1: tempo, three tracks, two clips each, markers. */
static json_t *demo_ops(const struct demo *d)
{
    json_t *ops = json_array();

    json_array_append_new(ops, json_pack("{s:s, s:s, s:{s:f}}", "op", "set",
                                         "id", "project", "fields", "tempo",
                                         DEMO_BPM));
    for (int s = 0; s < SRV_DEMO_STEMS; s++)
        json_array_append_new(
            ops, json_pack("{s:s, s:s, s:s, s:{s:s, s:s, s:s, s:f, s:f}}",
                           "op", "create", "id", look[s].track, "kind",
                           "track", "fields", "name", srv_demo_stem_name(s),
                           "order", look[s].order, "color", look[s].color,
                           "gain", look[s].gain, "pan", look[s].pan));
    for (int s = 0; s < SRV_DEMO_STEMS; s++)
        for (int r = 0; r < DEMO_REPEATS; r++) {
            char id[64];
            snprintf(id, sizeof id, "c_demo_%d_%d", s, r);
            json_t *f = json_pack(
                "{s:s, s:s, s:I, s:I, s:s}", "track", look[s].track, "asset",
                d->asset[s], "start", (json_int_t)(r * d->frames[s]),
                "length", (json_int_t)d->frames[s], "name",
                srv_demo_stem_name(s));
            if (s == SRV_DEMO_CHORDS && r == 0)
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

    room = room_get(d->srv, d->project_id, err, sizeof err);
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
                 SRV_DEMO_STEMS, rev);
}

static void demo_asset_done(void *ctx, const char *asset_id, bool ready,
                            int64_t frames)
{
    struct demo *d = ctx;
    int s;

    /* stems finish in any order: find the slot by id */
    for (s = 0; s < SRV_DEMO_STEMS; s++)
        if (!strcmp(d->asset[s], asset_id))
            break;
    if (s == SRV_DEMO_STEMS) {
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

/* Imports stem s; its asset id goes into slot s before any callback. */
static int demo_import(struct demo *d, int s, const char *path)
{
    return srv_assets_import_file(d->srv, d->project_id, d->user.id,
                                  srv_demo_stem_file(s), path,
                                  demo_asset_done, d, d->asset[s]);
}

int srv_demo_start(struct srv_server *srv)
{
    char pid[64], msg[1024], dir[4096], path[4200], err[256];
    struct demo *d;
    int rc;

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
    int rate = (int)query_int(srv->db,
                              "SELECT sample_rate FROM projects WHERE id=?",
                              pid);
    d->pending = SRV_DEMO_STEMS;
    for (int s = 0; s < SRV_DEMO_STEMS; s++) {
        err[0] = '\0';
        snprintf(path, sizeof path, "%s/%s", dir, srv_demo_stem_file(s));
        if (srv_demo_write_stem(s, path, rate, DEMO_BPM, DEMO_BARS, err,
                                sizeof err) != 0 ||
            demo_import(d, s, path) != 0) {
            srv_warn("demo song: %s", err[0] ? err : "import failed");
            unlink(path);
            /* the stems already started still call back; count this one
             * as failed */
            d->failed = true;
            if (--d->pending == 0)
                free(d);
            continue;
        }
        unlink(path);
    }
    srv_info("demo song: importing %d generated stems", SRV_DEMO_STEMS);
    return 0;
}
