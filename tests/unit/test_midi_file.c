/* test_midi_file.c -- the Standard MIDI File reader and writer: a written
 * file reads back to the tick (notes, names, channels, programs, tempo,
 * meter); hand-made bytes with running status, note-on velocity 0 as
 * note-off, overlapping notes of one pitch, a format-0 file split per
 * channel, notes left sounding; and every broken file refused with a
 * message naming the problem. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "engine/midi_file.h"

static void test_round_trip(void **state)
{
    mid_file f = {.format = 1, .ppq = 960, .tempo_us = 428571,
                  .meter_num = 3, .meter_den = 8};
    mid_file g;
    mid_part *p;
    uint8_t *buf;
    size_t len;
    char err[256];

    (void)state;
    p = mid_add_part(&f, "Bass line", 0, -1);
    for (int i = 0; i < 200; i++)
        assert_int_equal(mid_part_add(p, (uint64_t)i * 240 + (i % 3), 1 + (uint64_t)i * 7, 30 + i % 50, 1 + i % 127), 0);
    p = mid_add_part(&f, "Drums", 9, -1);
    assert_int_equal(mid_part_add(p, 0, 120, 36, 127), 0);
    assert_int_equal(mid_part_add(p, 0, 120, 42, 90), 0);
    assert_int_equal(mid_part_add(p, 120, 120, 42, 90), 0); /* off and on at 120 */
    p = mid_add_part(&f, "", 2, 33);
    assert_int_equal(mid_part_add(p, (uint64_t)1 << 30, 960, 127, 1), 0);
    assert_int_equal(mid_write(&f, &buf, &len), 0);

    if (mid_read(buf, len, 0, &g, err, sizeof err))
        fail_msg("%s", err);
    assert_int_equal(g.format, 1);
    assert_int_equal(g.ppq, 960);
    assert_int_equal(g.tempo_us, 428571);
    assert_int_equal(g.meter_num, 3);
    assert_int_equal(g.meter_den, 8);
    assert_int_equal(g.n_tracks, 4);
    assert_int_equal(g.n_parts, 3);
    assert_int_equal(g.n_notes, 204);
    for (size_t i = 0; i < 3; i++) {
        assert_string_equal(g.parts[i].name, f.parts[i].name);
        assert_int_equal(g.parts[i].channel, f.parts[i].channel);
        assert_int_equal(g.parts[i].program, f.parts[i].program);
        assert_int_equal(g.parts[i].track, (int)i + 1);
        assert_int_equal(g.parts[i].n_notes, f.parts[i].n_notes);
        for (size_t k = 0; k < g.parts[i].n_notes; k++) {
            const mid_note *a = &f.parts[i].notes[k], *b = &g.parts[i].notes[k];
            assert_true(a->at == b->at && a->len == b->len &&
                        a->pitch == b->pitch && a->vel == b->vel);
        }
    }
    /* The same file written again is the same bytes. */
    {
        uint8_t *buf2;
        size_t len2;
        assert_int_equal(mid_write(&g, &buf2, &len2), 0);
        assert_int_equal(len2, len);
        assert_memory_equal(buf, buf2, len);
        free(buf2);
    }
    free(buf);
    mid_free(&f);
    mid_free(&g);
}

/* A format-0 file, 96 ppq: running status, velocity-0 offs, two channels,
 * two overlapping C4s (first in, first out), a note never released. */
static const uint8_t type0[] = {
    'M', 'T', 'h', 'd', 0, 0, 0, 6, 0, 0, 0, 1, 0, 96,
    'M', 'T', 'r', 'k', 0, 0, 0, 45,
    0x00, 0xFF, 0x03, 0x04, 'S', 'o', 'n', 'g',     /* name */
    0x00, 0xFF, 0x51, 0x03, 0x09, 0x27, 0xC0,       /* 600000 us = 100 bpm */
    0x00, 0xC1, 0x05,                               /* ch 2 program 5 */
    0x00, 0x90, 60, 100,                            /* C4 on */
    0x30, 60, 80,                                   /* running: C4 again at 48 */
    0x30, 60, 0,                                    /* at 96: first C4 off */
    0x00, 0x91, 64, 70,                             /* ch 2 E4 on at 96 */
    0x60, 0x80, 60, 0,                              /* at 192: second C4 off */
    0x00, 0x99, 36, 127,                            /* ch 10 kick, never off */
    0x81, 0x00, 0xFF, 0x2F, 0x00};                  /* end at 320 */

static void test_hand_made_type0(void **state)
{
    mid_file g;
    char err[256];

    (void)state;
    assert_int_equal(mid_read(type0, sizeof type0, 0, &g, err, sizeof err), 0);
    assert_int_equal(g.format, 0);
    assert_int_equal(g.ppq, 96);
    assert_int_equal(g.tempo_us, 600000);
    assert_int_equal(g.n_parts, 3);
    assert_int_equal(g.n_notes, 4);
    /* parts in order of their first note: ch 1, ch 2, ch 10 */
    assert_int_equal(g.parts[0].channel, 0);
    assert_int_equal(g.parts[0].program, -1);
    assert_string_equal(g.parts[0].name, "Song");
    assert_int_equal(g.parts[0].n_notes, 2);
    assert_true(g.parts[0].notes[0].at == 0 && g.parts[0].notes[0].len == 96 &&
                g.parts[0].notes[0].vel == 100);
    assert_true(g.parts[0].notes[1].at == 48 && g.parts[0].notes[1].len == 144 &&
                g.parts[0].notes[1].vel == 80);
    assert_int_equal(g.parts[1].channel, 1);
    assert_int_equal(g.parts[1].program, 5);
    assert_true(g.parts[1].notes[0].at == 96 && g.parts[1].notes[0].len == 224 &&
                g.parts[1].notes[0].pitch == 64);
    assert_int_equal(g.parts[2].channel, 9);
    assert_true(g.parts[2].notes[0].at == 192 && g.parts[2].notes[0].len == 128);
    mid_free(&g);
    /* The note limit. */
    assert_int_equal(mid_read(type0, sizeof type0, 3, &g, err, sizeof err), -2);
    assert_non_null(strstr(err, "more than 3 notes"));
}

/* Copies type0 into buf, applies one change and expects a refusal whose
 * message holds want. */
static void expect_broken(size_t len, size_t at, int byte, const char *want)
{
    uint8_t buf[sizeof type0];
    mid_file g;
    char err[256] = "";

    memcpy(buf, type0, sizeof type0);
    if (byte >= 0)
        buf[at] = (uint8_t)byte;
    if (mid_read(buf, len, 0, &g, err, sizeof err) == 0)
        fail_msg("accepted a broken file (want \"%s\")", want);
    if (!strstr(err, want))
        fail_msg("message \"%s\" lacks \"%s\"", err, want);
}

static void test_broken_files(void **state)
{
    (void)state;
    expect_broken(0, 0, -1, "does not start with an MThd");
    expect_broken(sizeof type0, 0, 'X', "does not start with an MThd");
    expect_broken(10, 0, -1, "header chunk length 6 runs past the end");
    expect_broken(sizeof type0, 7, 2, "at least 6");
    expect_broken(sizeof type0, 9, 2, "format 2 is not supported");
    expect_broken(sizeof type0, 12, 0xE7, "SMPTE");
    expect_broken(sizeof type0, 11, 2, "exactly 1");
    expect_broken(14, 0, -1, "the file ends after 0");        /* no MTrk */
    expect_broken(sizeof type0 - 5, 0, -1, "track 1: the chunk length 45 runs past the end");
    expect_broken(sizeof type0, 21, 200, "chunk length 200 runs past the end");
    /* running status with nothing before it: the name meta's delta is
     * followed by a data byte */
    expect_broken(sizeof type0, 23, 0x10, "running status without a status byte");
    expect_broken(sizeof type0, 25, 0x7F, "meta event of 127 bytes runs past");
    expect_broken(sizeof type0, 38, 0xF4, "status byte 0xF4");
    expect_broken(sizeof type0, 42, 0x85, "data byte 0x85");
    {
        /* a track that ends in the middle of a note-on */
        uint8_t buf[sizeof type0];
        mid_file g;
        char err[256];
        memcpy(buf, type0, sizeof type0);
        buf[21] = 21; /* the track is its first 21 bytes: ..., C1 05, 00 90 3C */
        assert_int_equal(mid_read(buf, sizeof buf, 0, &g, err, sizeof err), -1);
        assert_non_null(strstr(err, "ends in the middle of an event"));
        buf[21] = 6; /* ends two bytes into the name */
        assert_int_equal(mid_read(buf, sizeof buf, 0, &g, err, sizeof err), -1);
        assert_non_null(strstr(err, "runs past the end of the track"));
    }
    {
        /* a variable-length number of 5 bytes */
        static const uint8_t vlq[] = {'M', 'T', 'h', 'd', 0, 0, 0, 6, 0, 1, 0, 1, 0, 96,
                                      'M', 'T', 'r', 'k', 0, 0, 0, 8,
                                      0x81, 0x81, 0x81, 0x81, 0x01, 0x90, 60, 1};
        mid_file g;
        char err[256];
        assert_int_equal(mid_read(vlq, sizeof vlq, 0, &g, err, sizeof err), -1);
        assert_non_null(strstr(err, "longer than 4 bytes"));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_hand_made_type0),
        cmocka_unit_test(test_broken_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
