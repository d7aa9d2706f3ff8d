/* stream_share.h -- what the listeners of a preview stream hear is made by
 * a source (docs/preview.md "Shared listening"): one renderer and one Opus
 * encoder, with a ring of the last PV_RING packets it made. Listeners of
 * the same source (same project, revision or head, loop, match gain) that
 * stand at the same packet share one source: whoever needs a packet first
 * makes it, the others copy it from the ring. Also the complexity
 * controller of a pacing thread (pv_adapt): Opus complexity steps down
 * when the thread's load or the deadline slack says a packet could soon
 * be late (to the floor at once when the cost measured per packet says
 * the thread cannot keep up, or a packet is within half the lead of
 * late), then, at the floor and still over the load, the sources render
 * further ahead (render ahead grows, up to stream_render_ahead_max); both
 * go back when there is room.
 * Thread: a source and a controller belong to one pacing thread (no
 * locks). Engine objects only, so tests/bench can drive them. */
#ifndef MIXROOM_SERVER_STREAM_SHARE_H
#define MIXROOM_SERVER_STREAM_SHARE_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/opus_stream.h"
#include "engine/plan.h"
#include "engine/render.h"

/* Packets a source keeps (640 ms): a listener that starts at a position
 * the source made within that window joins it. */
#define PV_RING 32
/* Levels frame after its 13-byte header (type, stream, position): track
 * count, master peak/RMS, each track's peak/RMS, the true peaks. */
#define PV_LEVEL_TRACKS 256
#define PV_LEVELS_MAX (2 + 8 + PV_LEVEL_TRACKS * 8 + 4 + PV_LEVEL_TRACKS * 4)
/* Levels are gathered over this much audio (20 Hz). */
#define PV_LEVEL_MS 50

/* What listeners must have in common to share a source. */
struct pv_key {
    const void *origin;           /* the project's plan holder */
    long long rev;                /* a fixed revision, -1 = the head */
    double gain_db;               /* loudness-match gain, 0 = none */
    bool looping;
    int64_t loop_a, loop_b;
};

/* One packet in the ring; lv_len > 0 when a levels frame follows it. */
struct pv_slot {
    int64_t pos;
    int len, lv_len;
    unsigned char pkt[ENG_OPUS_MAX_PACKET];
    unsigned char lv[PV_LEVELS_MAX];
};

struct pv_source {
    int refs;                     /* listeners using it */
    struct pv_source *next;       /* the pacing thread's list */
    struct pv_key key;
    bool priv;                    /* auditioned into: nobody joins */
    void *origin_ref;             /* held for the key's origin (or NULL) */
    eng_renderer *r;
    eng_opus_stream *enc;
    int complexity;
    int stagger;                  /* render-ahead phase (its thread's count) */
    int ahead;                    /* packets per block (pv_source_set_ahead) */
    bool ahead_hold;              /* one packet per block (a note's run) */
    int64_t next_pos;             /* where the next packet it makes starts */
    uint64_t made;                /* packets made since the last reset */
    int level_acc_ms;
    struct pv_slot ring[PV_RING];
};

bool pv_key_equal(const struct pv_key *a, const struct pv_key *b);

/* A source at position pos rendering the live plan of slot (fixed ==
 * NULL) or the plan fixed (a reference is taken). rate: the project's;
 * bitrate, complexity as eng_opus_stream_new. NULL when out of memory. */
struct pv_source *pv_source_new(eng_plan_slot *slot, eng_plan *fixed,
                                int rate, int bitrate, int complexity,
                                const struct pv_key *key, int64_t pos);
void pv_source_free(struct pv_source *src);

/* Renders `packets` packets ahead in one block (eng_opus_stream_set_ahead,
 * from its next block; 1..ENG_OPUS_AHEAD_LIMIT, the renderer is made for
 * ENG_OPUS_AHEAD_MAX and renders longer blocks in pieces of that): packets stay identical, an edit reaches what
 * was rendered ahead no sooner. phase staggers the sources of a thread;
 * ENG_OPUS_PHASE_TIMELINE puts the blocks on the timeline's grid (the
 * block cache's sources). */
void pv_source_set_ahead(struct pv_source *src, int packets, int phase);

/* Sources that render more per block fill their buffer once (the packets
 * rendered ahead are work done early): at most this many sources of a
 * list grow per pv_sources_set_ahead, so a thread near a core spreads that
 * work over its wake-ups instead of falling behind. */
#define PV_AHEAD_GROW 2

/* The sources of the list from head (src->next), except those in a note's
 * run (ahead_hold): `packets` per block from their next block, phase
 * ENG_OPUS_PHASE_TIMELINE when timeline, else their stagger. Those that
 * render fewer change at once, at most PV_AHEAD_GROW of those that render
 * more. True when every source has `packets` (call again until then). */
bool pv_sources_set_ahead(struct pv_source *head, int packets, bool timeline);

/* Makes the next packet start at pos under key (one listener seeking):
 * the ring is forgotten, the encoder continues (a jump is its seek). */
void pv_source_reset(struct pv_source *src, const struct pv_key *key,
                     int64_t pos);

/* The number of the packet at pos that a listener joining now would get
 * next: the newest in the ring at pos, or the next to be made; -1 when
 * the source is not at pos (or is private). */
int64_t pv_source_find(const struct pv_source *src, int64_t pos);

/* Packet number idx, which must start at pos: from the ring, or made now
 * when it is the next to be made (at complexity). NULL when the source
 * has moved past it or is elsewhere (the listener must leave), or when
 * the encoder failed (*failed set). */
const struct pv_slot *pv_source_get(struct pv_source *src, uint64_t idx,
                                    int64_t pos, int complexity,
                                    bool *failed);

/* Timeline frames per packet (960 or 882). */
int pv_source_frames(const struct pv_source *src);

/* Packets encoded by every source since start (a counter; any thread). */
unsigned long long pv_source_encodes(void);
/* Blocks the sources' renderers have rendered since start (any thread):
 * with render ahead about a fifth of the packets encoded. */
unsigned long long pv_source_blocks(void);

/* ---- complexity under load ---- */

/* The controller of one pacing thread: lo (opus_complexity_min) <= cur <=
 * hi (opus_complexity), and the packets its sources render per block:
 * ahead_lo (stream_render_ahead) <= ahead <= ahead_hi
 * (stream_render_ahead_max). sim_load_pct is a test hook: percent added
 * to the measured load. */
struct pv_adapt {
    int cur, lo, hi, sim_load_pct;
    int ahead, ahead_lo, ahead_hi;
    int64_t win_start, busy, win_slack, last_change;
};

/* Window over which the load is measured, and the slack (time between a
 * packet being ready and its play time) under which complexity steps down
 * at once; over PV_SLACK_ROOM and under PV_LOAD_LOW it may step up (at
 * most once a second). */
#define PV_ADAPT_WINDOW_NS 200000000LL
#define PV_SLACK_LOW_NS 60000000LL
#define PV_SLACK_ROOM_NS 80000000LL
#define PV_LOAD_HIGH 0.75
#define PV_LOAD_LOW 0.45
/* Load over which a window steps down two (and over 1.5: three) at once. */
#define PV_LOAD_FAR 1.25
#define PV_STEP_UP_NS 1000000000LL
/* Slack under which complexity goes to the floor at once: half the
 * stream's lead (SRV_STREAM_LEAD_PACKETS x 20 ms = 100 ms). */
#define PV_SLACK_JUMP_NS 50000000LL
/* Packets of a wake-up measured before pv_adapt_predict trusts their cost,
 * and the predicted load over which it goes to the floor. */
#define PV_PREDICT_MIN 16
#define PV_LOAD_PREDICT 1.0
/* Load under which render ahead halves back (once a second, with slack
 * room) toward ahead_lo; complexity steps up only once it is there. */
#define PV_LOAD_AHEAD_DOWN 0.6

/* Complexity starts at hi, render ahead at 1 (pv_adapt_set_ahead sets its
 * range). */
void pv_adapt_init(struct pv_adapt *a, int lo, int hi, int sim_load_pct,
                   int64_t now);

/* Render ahead between lo and hi packets per block (clamped to
 * 1..ENG_OPUS_AHEAD_LIMIT, hi >= lo); starts at lo. */
void pv_adapt_set_ahead(struct pv_adapt *a, int lo, int hi);

/* After a wake-up that ended at now: busy ns were spent making packets,
 * min_slack is the least slack of them (INT64_MAX if none). Returns the
 * complexity for the next packets. */
int pv_adapt_note(struct pv_adapt *a, int64_t now, int64_t busy,
                  int64_t min_slack);

/* During a wake-up, before the next packets: `spent` ns made `done`
 * packets, and the thread has `streams` streams playing (each needs 50
 * packets a second). When done >= PV_PREDICT_MIN and the load that cost
 * per packet predicts (spent / done x 50 x streams, per ns) is over
 * PV_LOAD_PREDICT, complexity goes to the floor at once (the burst of
 * many listeners starting together never waits for the windows; they
 * give back what the load leaves room for). Render ahead is left to the
 * windows: growing it renders audio early, which a burst has no room for
 * (measured: jumping it here made more late packets at the start).
 * Returns the complexity for the next packets. */
int pv_adapt_predict(struct pv_adapt *a, int64_t now, int64_t spent,
                     int done, int streams);

#endif
