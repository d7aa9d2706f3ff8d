/* delivery_parse.h -- the delivery options of GET .../export and
 * .../loudness as pure functions (no server, no I/O), so the fuzzer
 * (tests/fuzz/fuzz_delivery.c) reads exactly what the handler reads:
 *   normalize=LUFS  a decimal number -50..-5 (the loudness target);
 *   tail=0|1        whole-song exports: exactly the song or with tails. */
#ifndef MIXROOM_SERVER_PREVIEW_DELIVERY_PARSE_H
#define MIXROOM_SERVER_PREVIEW_DELIVERY_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#define PV_NORMALIZE_MIN (-50.0)
#define PV_NORMALIZE_MAX (-5.0)

struct pv_delivery {
    bool normalize;     /* normalize= was given (and valid) */
    double target_lufs;
    int tail;           /* -1: absent (the default), 0, 1 */
};

/* Parses the two values (NULL: the parameter is absent); have_to: the
 * request has an explicit `to` (then tail=1 is refused: a range is
 * exported exactly). Returns 0 with out filled, or -1 with a message in
 * msg (naming the parameter and what it accepts) and out untouched. */
int pv_delivery_parse(const char *normalize, const char *tail, bool have_to,
                      struct pv_delivery *out, char *msg, size_t msg_len);

#endif
