/* midi_file.h -- Standard MIDI Files: a strict reader (formats 0 and 1,
 * running status, meta events, the first tempo and time signature, program
 * changes, note on/off pairing; every length bounds-checked, errors that
 * name the problem and where) and a writer (format 1). Pure C on byte
 * buffers: no I/O, no globals; the document mapping is in the server. */
#ifndef MIXROOM_ENGINE_MIDI_FILE_H
#define MIXROOM_ENGINE_MIDI_FILE_H

#include <stddef.h>
#include <stdint.h>

/* One note: start and length in the file's ticks, pitch 0..127,
 * velocity 1..127. */
typedef struct {
    uint64_t at;
    uint64_t len;
    uint8_t pitch;
    uint8_t vel;
} mid_note;

/* One part: the notes of one MIDI channel of one track chunk (format 1),
 * or of one channel of the single track (format 0), sorted by start then
 * pitch. */
typedef struct {
    char name[128];  /* the track's name meta event (UTF-8 as given), or "" */
    int track;       /* index of its MTrk chunk (0-based) */
    int channel;     /* 0..15 (9 is General MIDI percussion) */
    int program;     /* the first program change on that channel, or -1 */
    mid_note *notes;
    size_t n_notes;
    size_t cap;
} mid_part;

typedef struct {
    int format;         /* 0 or 1 */
    int ppq;            /* ticks per quarter note, 1..32767 */
    uint32_t tempo_us;  /* the first tempo (µs per quarter; 500000 if none) */
    int meter_num;      /* the first time signature (4/4 if none) */
    int meter_den;
    int n_tracks;       /* track chunks read */
    mid_part *parts;    /* parts that have notes, by track then channel */
    size_t n_parts;
    size_t n_notes;     /* notes of all parts */
} mid_file;

/* Largest absolute tick a reader accepts (and a writer writes). */
#define MID_MAX_TICK ((uint64_t)1 << 40)

/* Parses an SMF of len bytes into *out (zeroed first). Refuses, with a
 * message in err naming the problem (and the track and byte offset): a
 * missing or short MThd, formats other than 0/1, SMPTE time division, a
 * chunk whose length runs past the end, fewer track chunks than the header
 * says, a track that ends inside an event, running status with no status
 * before it, a variable-length number longer than 4 bytes, ticks past
 * MID_MAX_TICK, and more than max_notes notes (0: no limit). Notes still
 * sounding at the end of their track end there. Returns 0, or -1 (-2 when
 * it is the note limit; out then holds nothing to free). */
int mid_read(const uint8_t *buf, size_t len, size_t max_notes, mid_file *out,
             char *err, size_t errlen);

/* Frees what mid_read or the caller put in f (parts and notes). */
void mid_free(mid_file *f);

/* Adds a note to part p (growing its array). Returns 0, or -1 when out of
 * memory. */
int mid_part_add(mid_part *p, uint64_t at, uint64_t len, int pitch, int vel);

/* Adds an empty part to f and returns it (NULL when out of memory). */
mid_part *mid_add_part(mid_file *f, const char *name, int channel,
                       int program);

/* Writes f as a format-1 SMF at f->ppq: a first track with the tempo and
 * time signature, then one track per part (its name, a program change when
 * program >= 0, its notes on its channel; a note-off comes before a
 * note-on at the same tick). *out is malloc'd. Returns 0 or -1 (out of
 * memory, or a note past MID_MAX_TICK). */
int mid_write(const mid_file *f, uint8_t **out, size_t *out_len);

#endif
