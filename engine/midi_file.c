/* midi_file.c -- the Standard MIDI File reader and writer of midi_file.h.
 * The reader walks the chunks with every length checked against what is
 * left, decodes each track's events (running status, sysex, meta), pairs
 * note-ons with note-offs first in, first out per channel and pitch, and
 * splits the notes into parts per track and channel. */
#include "engine/midi_file.h"

#include <assert.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Note-ons of one channel and pitch still waiting for their note-off; a
 * ninth one ends the oldest. */
#define MID_PENDING 8

typedef struct {
    uint64_t at[MID_PENDING];
    uint8_t vel[MID_PENDING];
    uint8_t n;
} pending_notes;

typedef struct {
    mid_file *f;
    size_t max_notes;
    char *err;
    size_t errlen;
    bool have_tempo, have_meter, over_limit;
    uint64_t tempo_tick;
    pending_notes *pend;      /* [16 * 128] for the track being read */
} reader;

static int fail(reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(reader *r, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(r->err, r->errlen, fmt, ap);
    va_end(ap);
    return -1;
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

mid_part *mid_add_part(mid_file *f, const char *name, int channel, int program)
{
    mid_part *parts = realloc(f->parts, (f->n_parts + 1) * sizeof *parts);
    mid_part *p;

    if (!parts)
        return NULL;
    f->parts = parts;
    p = &parts[f->n_parts++];
    memset(p, 0, sizeof *p);
    snprintf(p->name, sizeof p->name, "%s", name ? name : "");
    p->channel = channel;
    p->program = program;
    return p;
}

int mid_part_add(mid_part *p, uint64_t at, uint64_t len, int pitch, int vel)
{
    if (p->n_notes == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 64;
        mid_note *n = realloc(p->notes, cap * sizeof *n);
        if (!n)
            return -1;
        p->notes = n;
        p->cap = cap;
    }
    p->notes[p->n_notes++] = (mid_note){at, len, (uint8_t)pitch, (uint8_t)vel};
    return 0;
}

void mid_free(mid_file *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->n_parts; i++)
        free(f->parts[i].notes);
    free(f->parts);
    f->parts = NULL;
    f->n_parts = 0;
}

/* Reads a variable-length number at *pos of a track of len bytes. */
static int read_vlq(reader *r, const uint8_t *t, size_t len, size_t *pos,
                    int track, uint32_t *out)
{
    uint32_t v = 0;

    for (int i = 0; i < 4; i++) {
        if (*pos >= len)
            return fail(r, "track %d ends in the middle of a variable-length "
                        "number (byte %zu of the track)", track + 1, *pos);
        uint8_t b = t[(*pos)++];
        v = v << 7 | (b & 0x7F);
        if (!(b & 0x80)) {
            *out = v;
            return 0;
        }
    }
    return fail(r, "track %d has a variable-length number longer than 4 "
                "bytes (byte %zu of the track)", track + 1, *pos);
}

/* The part of (track, channel), made on its first note. */
static mid_part *part_for(reader *r, int *part_of, int channel,
                          const int *programs, const char *name, int track)
{
    mid_part *p;

    if (part_of[channel] >= 0)
        return &r->f->parts[part_of[channel]];
    p = mid_add_part(r->f, name, channel, programs[channel]);
    if (!p)
        return NULL;
    p->track = track;
    part_of[channel] = (int)(r->f->n_parts - 1);
    return p;
}

static int end_note(reader *r, int *part_of, const int *programs,
                    const char *name, int track, int ch, int pitch,
                    uint64_t now)
{
    pending_notes *pn = &r->pend[ch * 128 + pitch];
    mid_part *p;

    assert(pn->n > 0);
    if (r->max_notes && r->f->n_notes >= r->max_notes) {
        r->over_limit = true;
        return fail(r, "the file has more than %zu notes", r->max_notes);
    }
    p = part_for(r, part_of, ch, programs, name, track);
    if (!p || mid_part_add(p, pn->at[0], now - pn->at[0], pitch, pn->vel[0]))
        return fail(r, "out of memory");
    r->f->n_notes++;
    pn->n--;
    memmove(pn->at, pn->at + 1, pn->n * sizeof pn->at[0]);
    memmove(pn->vel, pn->vel + 1, pn->n);
    return 0;
}

static int cmp_note(const void *a, const void *b)
{
    const mid_note *x = a, *y = b;

    if (x->at != y->at)
        return x->at < y->at ? -1 : 1;
    if (x->pitch != y->pitch)
        return x->pitch < y->pitch ? -1 : 1;
    return x->len < y->len ? -1 : x->len > y->len;
}

static int read_track(reader *r, const uint8_t *t, size_t len, int track)
{
    size_t pos = 0, first_part = r->f->n_parts;
    uint64_t now = 0;
    uint8_t status = 0;
    int part_of[16], programs[16];
    char name[128] = "";

    for (int i = 0; i < 16; i++)
        part_of[i] = programs[i] = -1;
    memset(r->pend, 0, 16 * 128 * sizeof *r->pend);
    while (pos < len) {
        uint32_t delta, mlen;
        uint8_t b;

        if (read_vlq(r, t, len, &pos, track, &delta))
            return -1;
        now += delta;
        if (now > MID_MAX_TICK)
            return fail(r, "track %d reaches tick %llu, past the largest "
                        "accepted (%llu)", track + 1, (unsigned long long)now,
                        (unsigned long long)MID_MAX_TICK);
        if (pos >= len)
            return fail(r, "track %d ends after a delta time, in the middle "
                        "of an event", track + 1);
        b = t[pos];
        if (b == 0xFF) { /* meta */
            uint8_t type;
            if (pos + 2 > len)
                return fail(r, "track %d ends in the middle of a meta event "
                            "(byte %zu)", track + 1, pos);
            type = t[pos + 1];
            pos += 2;
            if (read_vlq(r, t, len, &pos, track, &mlen))
                return -1;
            if (mlen > len - pos)
                return fail(r, "track %d: a meta event of %u bytes runs past "
                            "the end of the track (%zu bytes left, byte %zu)",
                            track + 1, mlen, len - pos, pos);
            if (type == 0x2F)
                break; /* end of track */
            if (type == 0x03 && !name[0]) {
                size_t n = mlen < sizeof name - 1 ? mlen : sizeof name - 1;
                memcpy(name, t + pos, n);
                name[n] = '\0';
            } else if (type == 0x51 && mlen == 3 &&
                       (!r->have_tempo || now < r->tempo_tick)) {
                uint32_t us = (uint32_t)t[pos] << 16 | (uint32_t)t[pos + 1] << 8 | t[pos + 2];
                if (us > 0) {
                    r->f->tempo_us = us;
                    r->tempo_tick = now;
                    r->have_tempo = true;
                }
            } else if (type == 0x58 && mlen >= 2 && !r->have_meter) {
                r->f->meter_num = t[pos];
                r->f->meter_den = t[pos + 1] < 8 ? 1 << t[pos + 1] : 0;
                r->have_meter = true;
            }
            pos += mlen;
            status = 0; /* meta events cancel running status */
            continue;
        }
        if (b == 0xF0 || b == 0xF7) { /* sysex */
            pos++;
            if (read_vlq(r, t, len, &pos, track, &mlen))
                return -1;
            if (mlen > len - pos)
                return fail(r, "track %d: a sysex event of %u bytes runs past "
                            "the end of the track (%zu bytes left)", track + 1,
                            mlen, len - pos);
            pos += mlen;
            status = 0;
            continue;
        }
        if (b >= 0xF0)
            return fail(r, "track %d has the status byte 0x%02X, which a MIDI "
                        "file cannot hold (byte %zu)", track + 1, b, pos);
        if (b & 0x80) {
            status = b;
            pos++;
        } else if (!status) {
            return fail(r, "track %d uses running status without a status "
                        "byte before it (byte %zu: 0x%02X)", track + 1, pos, b);
        }
        int ch = status & 0x0F, kind = status & 0xF0;
        size_t need = (kind == 0xC0 || kind == 0xD0) ? 1 : 2;
        if (need > len - pos)
            return fail(r, "track %d ends in the middle of an event (byte %zu)",
                        track + 1, pos);
        for (size_t i = 0; i < need; i++)
            if (t[pos + i] & 0x80)
                return fail(r, "track %d: data byte 0x%02X of a 0x%02X event is "
                            "not below 0x80 (byte %zu)", track + 1, t[pos + i],
                            status, pos + i);
        uint8_t d1 = t[pos], d2 = need > 1 ? t[pos + 1] : 0;
        pos += need;
        if (kind == 0xC0) {
            if (programs[ch] < 0)
                programs[ch] = d1;
            if (part_of[ch] >= 0 && r->f->parts[part_of[ch]].program < 0)
                r->f->parts[part_of[ch]].program = d1;
        } else if (kind == 0x90 && d2 > 0) {
            pending_notes *pn = &r->pend[ch * 128 + d1];
            if (pn->n == MID_PENDING &&
                end_note(r, part_of, programs, name, track, ch, d1, now))
                return -1;
            pn->at[pn->n] = now;
            pn->vel[pn->n] = d2;
            pn->n++;
        } else if (kind == 0x80 || kind == 0x90) {
            if (r->pend[ch * 128 + d1].n &&
                end_note(r, part_of, programs, name, track, ch, d1, now))
                return -1;
        }
    }
    /* Notes still sounding end with their track. */
    for (int ch = 0; ch < 16; ch++)
        for (int p = 0; p < 128; p++)
            while (r->pend[ch * 128 + p].n)
                if (end_note(r, part_of, programs, name, track, ch, p, now))
                    return -1;
    for (size_t i = first_part; i < r->f->n_parts; i++) {
        mid_part *p = &r->f->parts[i];
        snprintf(p->name, sizeof p->name, "%s", name);
        qsort(p->notes, p->n_notes, sizeof *p->notes, cmp_note);
    }
    return 0;
}

int mid_read(const uint8_t *buf, size_t len, size_t max_notes, mid_file *out,
             char *err, size_t errlen)
{
    reader r = {out, max_notes, err, errlen, false, false, false, 0, NULL};
    size_t pos;
    uint32_t hlen;
    int ntrks, division, rc = -1;

    memset(out, 0, sizeof *out);
    out->tempo_us = 500000;
    out->meter_num = 4;
    out->meter_den = 4;
    if (len < 8 || memcmp(buf, "MThd", 4) != 0) {
        fail(&r, "not a Standard MIDI File: it does not start with an MThd "
             "header chunk");
        goto out;
    }
    hlen = be32(buf + 4);
    if (hlen < 6) {
        fail(&r, "the MThd header chunk is %u bytes long; it must be at least 6",
             hlen);
        goto out;
    }
    if (hlen > len - 8) {
        fail(&r, "the MThd header chunk length %u runs past the end of the "
             "file (%zu bytes left)", hlen, len - 8);
        goto out;
    }
    out->format = be16(buf + 8);
    ntrks = be16(buf + 10);
    division = be16(buf + 12);
    if (out->format > 1) {
        fail(&r, "MIDI file format %d is not supported; use format 0 or 1",
             out->format);
        goto out;
    }
    if (division & 0x8000) {
        fail(&r, "SMPTE time division is not supported; the file must count "
             "ticks per quarter note");
        goto out;
    }
    if (division == 0) {
        fail(&r, "the header gives 0 ticks per quarter note");
        goto out;
    }
    if (ntrks == 0 || (out->format == 0 && ntrks != 1)) {
        fail(&r, "the header says %d tracks; a format %d file has %s", ntrks,
             out->format, out->format == 0 ? "exactly 1" : "at least 1");
        goto out;
    }
    out->ppq = division;
    r.pend = calloc(16 * 128, sizeof *r.pend);
    if (!r.pend) {
        fail(&r, "out of memory");
        goto out;
    }
    pos = 8 + hlen;
    while (out->n_tracks < ntrks) {
        uint32_t clen;
        if (len - pos < 8) {
            fail(&r, "the header says %d tracks but the file ends after %d "
                 "(truncated?)", ntrks, out->n_tracks);
            goto out;
        }
        clen = be32(buf + pos + 4);
        if (clen > len - pos - 8) {
            fail(&r, "%s %d: the chunk length %u runs past the end of the file "
                 "(%zu bytes left)",
                 memcmp(buf + pos, "MTrk", 4) ? "the chunk after track" : "track",
                 memcmp(buf + pos, "MTrk", 4) ? out->n_tracks : out->n_tracks + 1,
                 clen, len - pos - 8);
            goto out;
        }
        if (memcmp(buf + pos, "MTrk", 4) == 0) {
            if (read_track(&r, buf + pos + 8, clen, out->n_tracks))
                goto out;
            out->n_tracks++;
        }
        pos += 8 + (size_t)clen;
    }
    rc = 0;
out:
    free(r.pend);
    if (rc)
        mid_free(out);
    return rc && r.over_limit ? -2 : rc;
}

/* ---- writer ---- */

typedef struct {
    uint8_t *p;
    size_t len, cap;
    bool oom;
} wbuf;

static void put_bytes(wbuf *w, const void *data, size_t n)
{
    if (w->oom)
        return;
    if (w->len + n > w->cap) {
        size_t cap = w->cap ? w->cap : 1024;
        while (cap < w->len + n)
            cap *= 2;
        uint8_t *p = realloc(w->p, cap);
        if (!p) {
            w->oom = true;
            return;
        }
        w->p = p;
        w->cap = cap;
    }
    memcpy(w->p + w->len, data, n);
    w->len += n;
}

static void put_byte(wbuf *w, uint8_t b)
{
    put_bytes(w, &b, 1);
}

static void put_vlq(wbuf *w, uint64_t v)
{
    uint8_t tmp[10];
    int n = 0;

    tmp[n++] = v & 0x7F;
    while (v >>= 7)
        tmp[n++] = (uint8_t)(0x80 | (v & 0x7F));
    while (n--)
        put_byte(w, tmp[n]);
}

/* A delta time: a variable-length number holds at most 28 bits, so longer
 * gaps are bridged with empty text meta events. */
static void put_delta(wbuf *w, uint64_t d)
{
    while (d > 0x0FFFFFFF) {
        put_vlq(w, 0x0FFFFFFF);
        put_bytes(w, "\xFF\x01\x00", 3);
        d -= 0x0FFFFFFF;
    }
    put_vlq(w, d);
}

static void put_be32_at(wbuf *w, size_t at, uint32_t v)
{
    if (w->oom)
        return;
    w->p[at] = (uint8_t)(v >> 24);
    w->p[at + 1] = (uint8_t)(v >> 16);
    w->p[at + 2] = (uint8_t)(v >> 8);
    w->p[at + 3] = (uint8_t)v;
}

/* A note event to write: tick; at one tick, offs of notes that sounded
 * come first (0), then ons (1), then the offs of zero-length notes (2), so
 * every note reads back as written; pitch, velocity. */
typedef struct {
    uint64_t tick;
    uint8_t on, pitch, vel;
} wevent;

static int cmp_event(const void *a, const void *b)
{
    const wevent *x = a, *y = b;

    if (x->tick != y->tick)
        return x->tick < y->tick ? -1 : 1;
    if (x->on != y->on)
        return x->on < y->on ? -1 : 1;
    return (int)x->pitch - (int)y->pitch;
}

static size_t begin_chunk(wbuf *w)
{
    size_t at = w->len + 4;

    put_bytes(w, "MTrk\0\0\0\0", 8);
    return at;
}

static void end_chunk(wbuf *w, size_t at)
{
    put_bytes(w, "\x00\xFF\x2F\x00", 4);
    put_be32_at(w, at, (uint32_t)(w->len - at - 4));
}

int mid_write(const mid_file *f, uint8_t **out, size_t *out_len)
{
    wbuf w = {NULL, 0, 0, false};
    uint8_t hdr[14] = {'M', 'T', 'h', 'd', 0, 0, 0, 6, 0, 1};
    size_t at, ntr = f->n_parts + 1;
    int den_pow = 0;

    *out = NULL;
    *out_len = 0;
    if (ntr > 65535)
        return -1;
    hdr[10] = (uint8_t)(ntr >> 8);
    hdr[11] = (uint8_t)ntr;
    hdr[12] = (uint8_t)(f->ppq >> 8);
    hdr[13] = (uint8_t)f->ppq;
    put_bytes(&w, hdr, sizeof hdr);
    at = begin_chunk(&w);
    put_bytes(&w, "\x00\xFF\x51\x03", 4);
    put_byte(&w, (uint8_t)(f->tempo_us >> 16));
    put_byte(&w, (uint8_t)(f->tempo_us >> 8));
    put_byte(&w, (uint8_t)f->tempo_us);
    while (den_pow < 7 && (1 << den_pow) < f->meter_den)
        den_pow++;
    put_bytes(&w, "\x00\xFF\x58\x04", 4);
    put_byte(&w, (uint8_t)f->meter_num);
    put_byte(&w, (uint8_t)den_pow);
    put_bytes(&w, "\x18\x08", 2);
    end_chunk(&w, at);
    for (size_t i = 0; i < f->n_parts; i++) {
        const mid_part *p = &f->parts[i];
        wevent *ev = p->n_notes ? malloc(2 * p->n_notes * sizeof *ev) : NULL;
        uint64_t now = 0;
        size_t n = 0, nl = strlen(p->name);
        uint8_t ch = (uint8_t)(p->channel & 0x0F);
        if (p->n_notes && !ev)
            goto fail;
        for (size_t k = 0; k < p->n_notes; k++) {
            const mid_note *m = &p->notes[k];
            if (m->at > MID_MAX_TICK || m->len > MID_MAX_TICK - m->at) {
                free(ev);
                goto fail;
            }
            ev[n++] = (wevent){m->at, 1, m->pitch & 0x7F, m->vel & 0x7F};
            ev[n++] = (wevent){m->at + m->len, m->len ? 0 : 2, m->pitch & 0x7F, 0x40};
        }
        qsort(ev, n, sizeof *ev, cmp_event);
        at = begin_chunk(&w);
        if (nl) {
            put_bytes(&w, "\x00\xFF\x03", 3);
            put_vlq(&w, nl);
            put_bytes(&w, p->name, nl);
        }
        if (p->program >= 0) {
            put_byte(&w, 0);
            put_byte(&w, (uint8_t)(0xC0 | ch));
            put_byte(&w, (uint8_t)(p->program & 0x7F));
        }
        for (size_t k = 0; k < n; k++) {
            put_delta(&w, ev[k].tick - now);
            now = ev[k].tick;
            put_byte(&w, (uint8_t)((ev[k].on == 1 ? 0x90 : 0x80) | ch));
            put_byte(&w, ev[k].pitch);
            put_byte(&w, ev[k].vel);
        }
        free(ev);
        end_chunk(&w, at);
    }
    if (w.oom)
        goto fail;
    *out = w.p;
    *out_len = w.len;
    return 0;
fail:
    free(w.p);
    return -1;
}
