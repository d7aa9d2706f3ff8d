/* bench_midi.c -- prints what a MIDI file import costs on the loop thread:
 * reading a 4 MiB Standard MIDI File with 10,000 notes (the max_push_ops
 * bound) among controller events, against one checksum pass over the same
 * bytes; applying the import's push (a track, a clip, 10,000 notes) to a
 * document, against a push of as many markers; and writing the notes back
 * as a file. CPU time of this process, best of 5; figures only, never
 * pass/fail on time. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/midi_file.h"
#include "protocol/document.h"
#include "protocol/ops.h"

#define NOTES 10000
#define ROUNDS 5

static double cpu(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A format-1 file of about `target` bytes: NOTES notes over 16 channels,
 * each note-on followed by controller changes (running status). */
static uint8_t *make_file(size_t target, size_t *len)
{
    mid_file f = {.format = 1, .ppq = 480, .tempo_us = 500000,
                  .meter_num = 4, .meter_den = 4};
    uint8_t *notes_only, *buf;
    size_t nlen, used, pad;

    mid_add_part(&f, "Bench", 0, 0);
    for (int i = 0; i < NOTES; i++)
        mid_part_add(&f.parts[0], (uint64_t)i * 120, 100, 36 + i % 60, 1 + i % 127);
    if (mid_write(&f, &notes_only, &nlen))
        exit(1);
    mid_free(&f);
    /* a second track of controller events (running status) to reach the
     * size: delta 0, B0 07 vv ... */
    pad = target > nlen + 64 ? target - nlen - 64 : 0;
    buf = malloc(nlen + pad + 64);
    memcpy(buf, notes_only, nlen);
    free(notes_only);
    buf[11]++; /* one more track */
    used = nlen;
    memcpy(buf + used, "MTrk", 4);
    size_t lenat = used + 4;
    used += 8;
    buf[used++] = 0;
    buf[used++] = 0xB0;
    buf[used++] = 7;
    buf[used++] = 100;
    while (used + 3 < nlen + pad) {
        uint8_t v = (uint8_t)(used & 0x7F);
        buf[used++] = 0;
        buf[used++] = 7;
        buf[used++] = v;
    }
    memcpy(buf + used, "\x00\xFF\x2F\x00", 4);
    used += 4;
    uint32_t clen = (uint32_t)(used - lenat - 4);
    buf[lenat] = (uint8_t)(clen >> 24);
    buf[lenat + 1] = (uint8_t)(clen >> 16);
    buf[lenat + 2] = (uint8_t)(clen >> 8);
    buf[lenat + 3] = (uint8_t)clen;
    *len = used;
    return buf;
}

static json_t *import_push(bool notes)
{
    json_t *ops = json_array();
    char id[32];

    json_array_append_new(ops, json_pack("{s:s,s:s,s:s,s:{s:s}}", "op", "create", "id", "k", "kind", "track", "fields", "role", "instrument"));
    json_array_append_new(ops, json_pack("{s:s,s:s,s:s,s:{s:s,s:i,s:i}}", "op", "create", "id", "c", "kind", "clip", "fields", "track", "k", "start", 0, "length", 48000 * 600));
    for (int i = 0; i < NOTES; i++) {
        snprintf(id, sizeof id, "n%d", i);
        if (notes)
            json_array_append_new(ops, json_pack("{s:s,s:s,s:s,s:{s:s,s:i,s:i,s:i,s:i}}", "op", "create", "id", id, "kind", "note", "fields", "clip", "c", "at", i * 240, "len", 200, "pitch", 36 + i % 60, "vel", 100));
        else
            json_array_append_new(ops, json_pack("{s:s,s:s,s:s,s:{s:i,s:s}}", "op", "create", "id", id, "kind", "marker", "fields", "at", i * 4800, "name", "m"));
    }
    return ops;
}

static double apply_once(json_t *ops)
{
    proto_doc *doc = proto_doc_new("Bench", 48000);
    proto_limits lim = {.max_ops = 20000};
    json_t *a, *inv;
    proto_err err;
    double t0 = cpu(), dt;

    if (proto_apply_push_limited(doc, ops, &lim, &a, &inv, &err)) {
        fprintf(stderr, "push failed: %s\n", err.message);
        exit(1);
    }
    dt = cpu() - t0;
    json_decref(a);
    json_decref(inv);
    proto_doc_free(doc);
    return dt;
}

int main(void)
{
    size_t len;
    uint8_t *file = make_file(4u << 20, &len);
    double best_read = 1e9, best_sum = 1e9, best_notes = 1e9, best_markers = 1e9;
    double best_write = 1e9;
    volatile unsigned sink = 0;
    json_t *notes = import_push(true), *markers = import_push(false);
    char err[256];

    for (int r = 0; r < ROUNDS; r++) {
        mid_file f;
        double t0 = cpu();
        unsigned s = 0;
        for (size_t i = 0; i < len; i++)
            s = s * 31 + file[i];
        sink += s;
        double t1 = cpu();
        if (mid_read(file, len, NOTES, &f, err, sizeof err)) {
            fprintf(stderr, "read failed: %s\n", err);
            return 1;
        }
        double t2 = cpu();
        uint8_t *out;
        size_t olen;
        if (mid_write(&f, &out, &olen))
            return 1;
        double t3 = cpu();
        free(out);
        mid_free(&f);
        if (t1 - t0 < best_sum) best_sum = t1 - t0;
        if (t2 - t1 < best_read) best_read = t2 - t1;
        if (t3 - t2 < best_write) best_write = t3 - t2;
        double dn = apply_once(notes), dm = apply_once(markers);
        if (dn < best_notes) best_notes = dn;
        if (dm < best_markers) best_markers = dm;
    }
    printf("file: %zu bytes, %d notes (CPU time, best of %d)\n", len, NOTES, ROUNDS);
    printf("%-44s %8.2f ms\n", "checksum pass over the bytes (baseline)", best_sum * 1e3);
    printf("%-44s %8.2f ms  (%.1f x the baseline)\n", "mid_read", best_read * 1e3, best_read / best_sum);
    printf("%-44s %8.2f ms\n", "mid_write of the 10,000 notes", best_write * 1e3);
    printf("%-44s %8.2f ms\n", "push of 10,002 creates: markers (baseline)", best_markers * 1e3);
    printf("%-44s %8.2f ms  (%.2f x the baseline)\n", "push of the import: track, clip, notes", best_notes * 1e3, best_notes / best_markers);
    json_decref(notes);
    json_decref(markers);
    free(file);
    return (int)(sink & 0);
}
