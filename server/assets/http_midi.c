/* http_midi.c -- POST /api/projects/{id}/midi?name=FILE.mid (editor): a
 * Standard MIDI File, raw body of at most max_midi_bytes, becomes one
 * instrument track per part (MIDI track, or channel of a format-0 file)
 * with one clip from the file's first bar and its notes at 960 ticks per
 * quarter note, committed as one revision of kind "import"; the answer,
 * 201 {"rev","tracks"}, goes out once that revision is durable. A broken
 * file is 400 naming the problem; nothing changes. The file's first tempo
 * (and meter) become the project's only while the project has no clips;
 * otherwise the notes keep their beats at the project's tempo. See
 * docs/notes.md. */
#include <assert.h>
#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/midi_file.h"
#include "protocol/fields.h"
#include "protocol/instruments.h"
#include "protocol/order.h"
#include "server/assets/assets.h"
#include "server/core/log.h"
#include "server/core/server.h"
#include "server/net/http.h"
#include "server/net/ws.h"
#include "server/rooms/room.h"

/* The body being received (req->user). */
struct midi_upload {
    unsigned char *buf;
    size_t len, cap;
};

/* A committed import waiting for its revision to be durable (the
 * revision's free_arg). */
struct midi_commit {
    struct srv_http_req *req;
    struct srv_room *room;
    long long rev;       /* -1 until srv_room_commit_rev returned */
    bool failed_early;   /* free_arg ran inside a failed commit_rev */
    json_t *tracks;
};

static int too_large(struct srv_http_resp *resp, int64_t limit)
{
    srv_http_error(resp, PROTO_TOO_LARGE, 413,
                   "the MIDI file is larger than the limit of %lld bytes "
                   "(setting max_midi_bytes)", (long long)limit);
    return 1;
}

static void upload_free(struct srv_http_req *req)
{
    struct midi_upload *up = req->user;

    req->user = NULL;
    if (up)
        free(up->buf);
    free(up);
}

static int midi_begin(struct srv_http_req *req, struct srv_http_resp *resp)
{
    struct midi_upload *up;

    if (req->content_length > req->srv->cfg.max_midi_bytes)
        return too_large(resp, req->srv->cfg.max_midi_bytes);
    up = calloc(1, sizeof *up);
    if (!up) {
        srv_http_error(resp, PROTO_INTERNAL, 0, "out of memory");
        return 1;
    }
    req->user = up;
    return 0;
}

static int midi_body(struct srv_http_req *req, const unsigned char *chunk,
                     size_t len, struct srv_http_resp *resp)
{
    struct midi_upload *up = req->user;
    int64_t limit = req->srv->cfg.max_midi_bytes;

    if (!up)
        return 0;
    if ((int64_t)(up->len + len) > limit) {
        upload_free(req);
        return too_large(resp, limit);
    }
    if (up->len + len > up->cap) {
        size_t cap = up->cap ? up->cap : 16384;
        while (cap < up->len + len)
            cap *= 2;
        unsigned char *b = realloc(up->buf, cap);
        if (!b) {
            upload_free(req);
            srv_http_error(resp, PROTO_INTERNAL, 0, "out of memory");
            return 1;
        }
        up->buf = b;
        up->cap = cap;
    }
    memcpy(up->buf + up->len, chunk, len);
    up->len += len;
    return 0;
}

static void midi_abort(struct srv_http_req *req)
{
    upload_free(req);
}

/* Loop thread, once the import's revision is durable or failed. */
static void commit_done(void *arg)
{
    struct midi_commit *mc = arg;
    struct srv_http_resp resp;

    if (mc->rev < 0) {
        mc->failed_early = true; /* the caller answers and frees */
        return;
    }
    memset(&resp, 0, sizeof resp);
    if (srv_room_committed(mc->room) >= mc->rev)
        srv_http_json(&resp, 201,
                      json_pack("{s:I, s:O}", "rev", (json_int_t)mc->rev,
                                "tracks", mc->tracks));
    else
        srv_http_error(&resp, PROTO_INTERNAL, 0,
                       "the import could not be stored; nothing changed");
    srv_http_complete(mc->req, &resp);
    json_decref(mc->tracks);
    free(mc);
}

typedef struct {
    const char *last_order; /* largest track order key */
    bool has_clips;
} doc_scan;

static int scan_one(const json_t *o, void *ctx)
{
    doc_scan *s = ctx;
    const char *kind = proto_obj_kind(o);

    if (!strcmp(kind, "clip"))
        s->has_clips = true;
    if (!strcmp(kind, "track") &&
        (!s->last_order || strcmp(proto_obj_str(o, "order"), s->last_order) > 0))
        s->last_order = proto_obj_str(o, "order");
    return 0;
}

/* The file name without its folder and .mid/.midi ending. */
static void base_name(const char *name, char *out, size_t n)
{
    const char *slash = strrchr(name, '/');
    size_t len;

    snprintf(out, n, "%s", slash ? slash + 1 : name);
    len = strlen(out);
    if (len > 4 && !strcasecmp(out + len - 4, ".mid"))
        out[len - 4] = '\0';
    else if (len > 5 && !strcasecmp(out + len - 5, ".midi"))
        out[len - 5] = '\0';
    if (!out[0] || proto_utf8_length(out) == (size_t)-1)
        snprintf(out, n, "MIDI");
}

/* A track name from the file: UTF-8 as given, else read as Latin-1 (older
 * files) and converted; control characters become spaces. "" if empty. */
static void part_name(const char *in, char *out, size_t n)
{
    size_t o = 0;
    bool utf8 = proto_utf8_length(in) != (size_t)-1;

    for (const unsigned char *p = (const unsigned char *)in; *p && o + 3 < n; p++) {
        if (*p < 0x20 || *p == 0x7F)
            out[o++] = ' ';
        else if (utf8 || *p < 0x80)
            out[o++] = (char)*p;
        else {
            out[o++] = (char)(0xC0 | (*p >> 6));
            out[o++] = (char)(0x80 | (*p & 0x3F));
        }
    }
    out[o] = '\0';
    /* a UTF-8 sequence cut by the end of the buffer */
    while (o > 0 && proto_utf8_length(out) == (size_t)-1)
        out[--o] = '\0';
}

static const char *const colors[] = {"#e07a5f", "#3d85c6", "#81b29a",
                                     "#f2cc8f", "#9b5de5", "#00b4d8"};

/* The ops of the import: tempo/meter, then per part a track, a clip and
 * its notes. *tracks gets the new track ids. */
static json_t *import_ops(const mid_file *f, const proto_doc *doc,
                          const char *file, json_t **tracks)
{
    doc_scan scan = {NULL, false};
    json_t *ops = json_array();
    unsigned char rnd[4];
    char prefix[16], base[128], id[64], tname[200];
    double tempo;
    int rate = proto_doc_sample_rate(doc);
    int num, den;
    char *order = NULL;

    proto_doc_each(doc, scan_one, &scan);
    tempo = json_number_value(json_object_get(proto_doc_get(doc, "project"), "tempo"));
    num = (int)json_integer_value(json_array_get(json_object_get(proto_doc_get(doc, "project"), "meter"), 0));
    den = (int)json_integer_value(json_array_get(json_object_get(proto_doc_get(doc, "project"), "meter"), 1));
    if (!scan.has_clips) {
        double t = 60e6 / f->tempo_us;
        json_t *set = json_object();
        if (t >= 20 && t <= 999) {
            tempo = round(t * 1000) / 1000;
            json_object_set_new(set, "tempo", json_real(tempo));
        }
        if (f->meter_num >= 1 && f->meter_num <= 32 &&
            (f->meter_den == 1 || f->meter_den == 2 || f->meter_den == 4 ||
             f->meter_den == 8 || f->meter_den == 16)) {
            num = f->meter_num;
            den = f->meter_den;
            json_object_set_new(set, "meter", json_pack("[i,i]", num, den));
        }
        if (json_object_size(set))
            json_array_append_new(ops, json_pack("{s:s, s:s, s:o}", "op", "set",
                                                 "id", "project", "fields", set));
        else
            json_decref(set);
    }
    if (!(tempo >= 20))
        tempo = 120;
    if (num < 1 || den < 1)
        num = den = 4;
    randombytes_buf(rnd, sizeof rnd);
    snprintf(prefix, sizeof prefix, "mi%02x%02x%02x%02x", rnd[0], rnd[1],
             rnd[2], rnd[3]);
    base_name(file, base, sizeof base);
    *tracks = json_array();
    for (size_t i = 0; i < f->n_parts; i++) {
        const mid_part *p = &f->parts[i];
        int64_t end = 0, bar = (int64_t)num * PROTO_TICKS_PER_QUARTER * 4 / den;
        bool shared = (i > 0 && f->parts[i - 1].track == p->track) ||
                      (i + 1 < f->n_parts && f->parts[i + 1].track == p->track);
        /* each new track after the last one */
        char *next = proto_order_between(order ? order : scan.last_order, NULL);
        free(order);
        order = next;
        char pname[160];
        part_name(p->name, pname, sizeof pname);
        bool named = pname[0] != '\0';
        if (shared)
            snprintf(tname, sizeof tname, "%s (channel %d)",
                     named ? pname : base, p->channel + 1);
        else if (named)
            snprintf(tname, sizeof tname, "%s", pname);
        else
            snprintf(tname, sizeof tname, "%.150s %zu", base, i + 1);
        if (proto_utf8_length(tname) == (size_t)-1 || proto_utf8_length(tname) > 200)
            snprintf(tname, sizeof tname, "%.150s %zu", base, i + 1);
        snprintf(id, sizeof id, "%st%zu", prefix, i + 1);
        json_array_append_new(*tracks, json_string(id));
        json_array_append_new(ops, json_pack(
            "{s:s, s:s, s:s, s:{s:s, s:s, s:s, s:s, s:o}}", "op", "create",
            "id", id, "kind", "track", "fields", "name", tname, "order",
            order ? order : "V", "color", colors[i % 6], "role", "instrument",
            "instrument", proto_instrument_for_midi(p->channel, p->program)));
        for (size_t k = 0; k < p->n_notes; k++) {
            int64_t e = (int64_t)(((p->notes[k].at + p->notes[k].len) *
                                   PROTO_TICKS_PER_QUARTER + (uint64_t)f->ppq / 2) /
                                  (uint64_t)f->ppq);
            if (e > end)
                end = e;
        }
        end = (end + bar - 1) / bar * bar;
        if (end < bar)
            end = bar;
        json_array_append_new(ops, json_pack(
            "{s:s, s:s, s:s, s:{s:s, s:I, s:I, s:s}}", "op", "create", "id",
            (snprintf(id, sizeof id, "%sc%zu", prefix, i + 1), id), "kind",
            "clip", "fields", "track",
            json_string_value(json_array_get(*tracks, i)), "start",
            (json_int_t)0, "length",
            (json_int_t)proto_tick_to_frame(end, tempo, rate), "name", tname));
        for (size_t k = 0; k < p->n_notes; k++) {
            const mid_note *m = &p->notes[k];
            uint64_t at = (m->at * PROTO_TICKS_PER_QUARTER + (uint64_t)f->ppq / 2) / (uint64_t)f->ppq;
            uint64_t e = ((m->at + m->len) * PROTO_TICKS_PER_QUARTER + (uint64_t)f->ppq / 2) / (uint64_t)f->ppq;
            char nid[64], cid[64];
            snprintf(cid, sizeof cid, "%sc%zu", prefix, i + 1);
            snprintf(nid, sizeof nid, "%sn%zu_%zu", prefix, i + 1, k + 1);
            json_array_append_new(ops, json_pack(
                "{s:s, s:s, s:s, s:{s:s, s:I, s:I, s:i, s:i}}", "op", "create",
                "id", nid, "kind", "note", "fields", "clip", cid, "at",
                (json_int_t)at, "len", (json_int_t)(e > at ? e - at : 1),
                "pitch", m->pitch, "vel", m->vel ? m->vel : 1));
        }
    }
    free(order);
    return ops;
}

static enum srv_http_result midi_end(struct srv_http_req *req,
                                     struct srv_http_resp *resp)
{
    struct midi_upload *up = req->user;
    struct srv_server *srv = req->srv;
    struct srv_room *room;
    struct srv_conn as_user;
    struct midi_commit *mc;
    mid_file f;
    proto_err perr;
    json_t *ops = NULL, *tracks = NULL;
    char file[256] = "", err[256], summary[400];
    enum srv_http_result rc;
    int r;

    if (!up)
        return srv_http_error(resp, PROTO_INTERNAL, 0, "the upload was lost");
    if (!srv_http_query(req, "name", file, sizeof file) || !file[0])
        snprintf(file, sizeof file, "import.mid");
    r = mid_read(up->buf, up->len, (size_t)srv->cfg.max_push_ops, &f, err,
                 sizeof err);
    upload_free(req);
    if (r == -2)
        return srv_http_error(resp, PROTO_TOO_LARGE, 413,
                              "the MIDI file has more than %lld notes; an "
                              "import is one revision of at most that many "
                              "ops (setting max_push_ops)",
                              (long long)srv->cfg.max_push_ops);
    if (r)
        return srv_http_error(resp, PROTO_BAD_REQUEST, 400,
                              "the MIDI file cannot be read: %s", err);
    if (f.n_parts == 0) {
        mid_free(&f);
        return srv_http_error(resp, PROTO_BAD_REQUEST, 400,
                              "the MIDI file has no notes");
    }
    room = srv_room_open(srv, req->project_id, err, sizeof err);
    if (!room) {
        mid_free(&f);
        return srv_http_error(resp, PROTO_INTERNAL, 0, "%s", err);
    }
    ops = import_ops(&f, srv_room_doc(room), file, &tracks);
    if (srv->cfg.max_push_ops > 0 &&
        (long long)json_array_size(ops) > srv->cfg.max_push_ops) {
        rc = srv_http_error(resp, PROTO_TOO_LARGE, 413,
                            "importing the MIDI file takes %zu ops (%zu notes "
                            "plus the tracks and clips); one revision may "
                            "have at most %lld (setting max_push_ops)",
                            json_array_size(ops), f.n_notes,
                            (long long)srv->cfg.max_push_ops);
        goto out;
    }
    memset(&as_user, 0, sizeof as_user);
    as_user.srv = srv;
    snprintf(as_user.user_id, sizeof as_user.user_id, "%s", req->who.id);
    snprintf(as_user.user_name, sizeof as_user.user_name, "%s", req->who.name);
    snprintf(as_user.display_name, sizeof as_user.display_name, "%s",
             req->who.display_name);
    snprintf(as_user.client_id, sizeof as_user.client_id, "http-midi");
    as_user.role = req->role;
    snprintf(summary, sizeof summary, "%s imported %s: %zu %s, %zu %s",
             req->who.display_name[0] ? req->who.display_name : req->who.name,
             file, f.n_parts, f.n_parts == 1 ? "track" : "tracks", f.n_notes,
             f.n_notes == 1 ? "note" : "notes");
    mc = calloc(1, sizeof *mc);
    if (!mc) {
        rc = srv_http_error(resp, PROTO_INTERNAL, 0, "out of memory");
        goto out;
    }
    mc->req = req;
    mc->room = room;
    mc->rev = -1;
    mc->tracks = json_incref(tracks);
    struct srv_room_rev_opts o = {.summary = summary, .free_arg = commit_done,
                                  .arg = mc};
    long long rev = srv_room_commit_rev(room, &as_user, "import", ops, NULL, &o,
                                        &perr);
    if (rev < 0) {
        assert(mc->failed_early);
        json_decref(mc->tracks);
        free(mc);
        rc = srv_http_error(resp, perr.code, 0,
                            "the MIDI file cannot be imported: %s",
                            perr.message);
        goto out;
    }
    mc->rev = rev;
    rc = SRV_HTTP_DEFER;
out:
    mid_free(&f);
    json_decref(ops);
    json_decref(tracks);
    return rc;
}

static const struct srv_route routes[] = {
    {.method = "POST", .pattern = "/api/projects/{id}/midi",
     .perm = SRV_MEMBER(SRV_ROLE_EDITOR), .handler = midi_end,
     .flags = SRV_ROUTE_STREAM_BODY, .on_begin = midi_begin,
     .on_body = midi_body, .on_abort = midi_abort},
};

void srv_midi_http_init(void)
{
    srv_http_add_routes(routes, (int)(sizeof routes / sizeof routes[0]));
}
