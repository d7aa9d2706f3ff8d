/* history_gen.h -- a random project history stored the way the rooms store
 * it (ops rows with ops and inverse, the objects table at the head, a full
 * snapshot every `snap_every` revisions, comment revisions that carry no
 * document ops), for the document-at-revision property test and its
 * benchmark. Deterministic for a given seed. */
#ifndef MIXROOM_TESTS_HISTORY_GEN_H
#define MIXROOM_TESTS_HISTORY_GEN_H

#include "server/core/db.h"

#include "protocol/document.h"

/* Creates project p_1 (48 kHz, asset a_1 of 10 s) in db (migrated) and
 * stores n random revisions in transactions of up to 1000. When `at` is
 * not NULL, at[r] receives a clone of the document at every revision
 * 0..n (the caller frees them). snap_every 0 stores no snapshots.
 * Returns 0, or -1 after printing why. */
int hist_generate(db_conn *db, long long n, long long snap_every,
                  unsigned seed, proto_doc **at);

#endif
