/* fuzz_midi.c -- libFuzzer harness over the Standard MIDI File reader and
 * writer (engine/midi_file.c). The input is read as a file from an
 * exact-size heap copy (reading past it is caught), with a note limit.
 * Checked properties: a refusal always has a message; an accepted file
 * has 1..32767 ticks per quarter, parts whose notes are sorted, pitches
 * 0..127, velocities 1..127, ends within MID_MAX_TICK, and note counts
 * that add up to n_notes (at most the limit); writing it and reading it
 * back succeeds, and that second reading is a fixed point: written and
 * read again it gives the same parts, notes and bytes. Built by
 * tests/fuzz/run.sh (clang) and replayed by tests/fuzz/replay.c. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/midi_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX_NOTES 5000

static void check(const mid_file *f)
{
    size_t total = 0;

    if (f->ppq < 1 || f->ppq > 32767 || f->n_notes > FUZZ_MAX_NOTES)
        abort();
    for (size_t i = 0; i < f->n_parts; i++) {
        const mid_part *p = &f->parts[i];
        if (p->channel < 0 || p->channel > 15 || p->program > 127 ||
            p->n_notes == 0 || memchr(p->name, 0, sizeof p->name) == NULL)
            abort();
        for (size_t k = 0; k < p->n_notes; k++) {
            const mid_note *m = &p->notes[k];
            if (m->pitch > 127 || m->vel < 1 || m->vel > 127 ||
                m->at > MID_MAX_TICK || m->len > MID_MAX_TICK)
                abort();
            if (k && (m->at < p->notes[k - 1].at ||
                      (m->at == p->notes[k - 1].at && m->pitch < p->notes[k - 1].pitch)))
                abort();
        }
        total += p->n_notes;
    }
    if (total != f->n_notes)
        abort();
}

static void same(const mid_file *a, const mid_file *b)
{
    if (a->n_parts != b->n_parts || a->n_notes != b->n_notes ||
        a->ppq != b->ppq || a->tempo_us != b->tempo_us)
        abort();
    for (size_t i = 0; i < a->n_parts; i++) {
        const mid_part *x = &a->parts[i], *y = &b->parts[i];
        if (x->n_notes != y->n_notes || x->channel != y->channel ||
            x->program != y->program || strcmp(x->name, y->name))
            abort();
        /* field by field: mid_note has padding */
        for (size_t k = 0; k < x->n_notes; k++)
            if (x->notes[k].at != y->notes[k].at ||
                x->notes[k].len != y->notes[k].len ||
                x->notes[k].pitch != y->notes[k].pitch ||
                x->notes[k].vel != y->notes[k].vel)
                abort();
    }
}

/* Writes f and reads it back into g; aborts if either step fails. */
static void write_read(const mid_file *f, mid_file *g, uint8_t **bytes,
                       size_t *len)
{
    char err[256];

    if (mid_write(f, bytes, len))
        abort();
    if (mid_read(*bytes, *len, 0, g, err, sizeof err)) {
        fprintf(stderr, "re-read failed: %s\n", err);
        abort();
    }
    check(g);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *copy = malloc(size ? size : 1), *b1, *b2;
    size_t l1, l2;
    mid_file f, g, h;
    char err[256] = "";
    int rc;

    if (!copy)
        return 0;
    memcpy(copy, data, size);
    rc = mid_read(copy, size, FUZZ_MAX_NOTES, &f, err, sizeof err);
    free(copy);
    if (rc) {
        if (!err[0] || (rc != -1 && rc != -2) || f.parts || f.n_parts)
            abort();
        return 0;
    }
    check(&f);
    write_read(&f, &g, &b1, &l1);
    write_read(&g, &h, &b2, &l2);
    same(&g, &h);
    if (l1 != l2 || memcmp(b1, b2, l1))
        abort();
    free(b1);
    free(b2);
    mid_free(&f);
    mid_free(&g);
    mid_free(&h);
    return 0;
}
