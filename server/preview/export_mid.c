/* export_mid.c -- GET /api/projects/{id}/export?format=mid[&rev=N]: the
 * notes of the project at a durable revision as a format-1 Standard MIDI
 * File at 960 ticks per quarter note: a first track with the tempo and
 * meter, then one track per instrument track (in track order) with the
 * notes of its clips as they sound (clip offsets applied; a note that
 * starts before its clip's start is left out, one that ends past the
 * clip's end is cut there; muted clips are left out), channel 10 for drums,
 * a program change for gm. Built on the loop thread from the loop's reader
 * connection (documents are small next to audio; no render is involved).
 * Called by export_http.c's format switch. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/midi_file.h"
#include "protocol/fields.h"
#include "protocol/instruments.h"
#include "server/core/server.h"
#include "server/net/http.h"
#include "server/preview/export_http.h"
#include "server/rooms/doc_at.h"

typedef struct {
    json_t *tracks;      /* the instrument tracks (borrowed objects) */
    json_t *notes;       /* the notes (borrowed objects) */
} collect_ctx;

static int collect(const json_t *o, void *arg)
{
    collect_ctx *c = arg;
    const char *kind = proto_obj_kind(o);

    if (!strcmp(kind, "track") && !strcmp(proto_obj_str(o, "role"), "instrument"))
        json_array_append(c->tracks, (json_t *)o);
    else if (!strcmp(kind, "note"))
        json_array_append(c->notes, (json_t *)o);
    return 0;
}

static int cmp_track(const void *a, const void *b)
{
    const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    int d = strcmp(proto_obj_str(x, "order"), proto_obj_str(y, "order"));

    return d ? d : strcmp(proto_obj_str(x, "id"), proto_obj_str(y, "id"));
}

static int64_t int_field(const json_t *o, const char *f)
{
    return (int64_t)json_integer_value(json_object_get(o, f));
}

/* The MIDI file of doc's instrument tracks; 0 or -1 (out of memory). */
static int doc_to_midi(const proto_doc *doc, mid_file *f)
{
    const json_t *project = proto_doc_get(doc, "project");
    const json_t *meter = json_object_get(project, "meter");
    double tempo = json_number_value(json_object_get(project, "tempo"));
    int rate = proto_doc_sample_rate(doc), next_channel = 0, rc = -1;
    collect_ctx c = {json_array(), json_array()};
    json_t *part_of = json_object();
    size_t n, i;
    json_t **list = NULL, *v;

    if (!(tempo >= 20))
        tempo = 120;
    memset(f, 0, sizeof *f);
    f->format = 1;
    f->ppq = PROTO_TICKS_PER_QUARTER;
    f->tempo_us = (uint32_t)lround(60e6 / tempo);
    f->meter_num = json_is_integer(json_array_get(meter, 0))
                       ? (int)json_integer_value(json_array_get(meter, 0)) : 4;
    f->meter_den = json_is_integer(json_array_get(meter, 1))
                       ? (int)json_integer_value(json_array_get(meter, 1)) : 4;
    proto_doc_each(doc, collect, &c);
    n = json_array_size(c.tracks);
    list = n ? malloc(n * sizeof *list) : NULL;
    if (n && !list)
        goto out;
    for (i = 0; i < n; i++)
        list[i] = json_array_get(c.tracks, i);
    qsort(list, n, sizeof *list, cmp_track);
    for (i = 0; i < n; i++) {
        const json_t *inst = json_object_get(list[i], "instrument");
        const char *type = proto_obj_str(inst, "type");
        int channel, program = -1;
        if (!strcmp(type, "drums")) {
            channel = 9;
        } else {
            channel = next_channel++ % 15;
            if (channel >= 9)
                channel++; /* 10 is the drums' */
            if (!strcmp(type, "gm"))
                program = (int)json_integer_value(json_object_get(inst, "program"));
        }
        if (!mid_add_part(f, proto_obj_str(list[i], "name"), channel, program))
            goto out;
        json_object_set_new(part_of, proto_obj_str(list[i], "id"),
                            json_integer((json_int_t)i));
    }
    json_array_foreach(c.notes, i, v) {
        const json_t *clip = proto_doc_get(doc, proto_obj_str(v, "clip"));
        json_t *pi = json_object_get(part_of, proto_obj_str(clip, "track"));
        if (!pi || json_is_true(json_object_get(clip, "mute")))
            continue;
        int64_t start = int_field(clip, "start"), len = int_field(clip, "length");
        int64_t base = proto_frame_to_tick(start - int_field(clip, "offset"),
                                           tempo, rate);
        int64_t lo = proto_frame_to_tick(start, tempo, rate);
        int64_t hi = proto_frame_to_tick(start + len, tempo, rate);
        int64_t at = base + int_field(v, "at"), end = at + int_field(v, "len");
        if (at < lo || at >= hi)
            continue;
        if (end > hi)
            end = hi;
        if (mid_part_add(&f->parts[json_integer_value(pi)], (uint64_t)at,
                         (uint64_t)(end - at), (int)int_field(v, "pitch"),
                         (int)int_field(v, "vel")))
            goto out;
        f->n_notes++;
    }
    rc = 0;
out:
    free(list);
    json_decref(c.tracks);
    json_decref(c.notes);
    json_decref(part_of);
    if (rc)
        mid_free(f);
    return rc;
}

enum srv_http_result srv_export_mid(struct srv_http_req *req,
                                    struct srv_http_resp *resp)
{
    char v[32], name[256] = "", disp[600];
    long long rev = -1, head = 0;
    proto_err err;
    proto_doc *doc;
    mid_file f;
    uint8_t *buf;
    size_t len;

    if (srv_http_query(req, "rev", v, sizeof v)) {
        char *end;
        rev = strtoll(v, &end, 10);
        if (!v[0] || *end || rev < 0)
            return srv_http_error(resp, PROTO_INVALID_VALUE, 0,
                                  "rev must be a whole number >= 0 (got "
                                  "\"%s\")", v);
    }
    doc = srv_doc_at_rev2(req->srv->db, req->project_id, rev, &head, NULL,
                          name, sizeof name, &err);
    if (!doc)
        return srv_http_error(resp, err.code, 0, "%s", err.message);
    if (rev < 0)
        rev = head;
    if (doc_to_midi(doc, &f) || mid_write(&f, &buf, &len)) {
        proto_doc_free(doc);
        mid_free(&f);
        return srv_http_error(resp, PROTO_INTERNAL, 0,
                              "the MIDI file could not be written");
    }
    proto_doc_free(doc);
    mid_free(&f);
    for (char *s = name; *s; s++)
        if (*s == '"' || *s == '\\' || *s == '/' || (unsigned char)*s < 32)
            *s = '_';
    snprintf(disp, sizeof disp, "attachment; filename=\"%s r%lld.mid\"",
             name[0] ? name : "mix", rev);
    resp->status = 200;
    snprintf(resp->content_type, sizeof resp->content_type, "audio/midi");
    srv_http_add_header(resp, "Content-Disposition", disp);
    srv_http_add_header(resp, "Cache-Control", "no-store");
    resp->body = buf;
    resp->body_len = len;
    return SRV_HTTP_DONE;
}
