/* delivery_parse.c -- normalize= and tail= (see delivery_parse.h). */
#include "server/preview/delivery_parse.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int pv_delivery_parse(const char *normalize, const char *tail, bool have_to,
                      struct pv_delivery *out, char *msg, size_t msg_len)
{
    struct pv_delivery d = {false, 0, -1};
    char *end = NULL;

    if (normalize) {
        /* strtod also reads hex, inf and leading spaces: only plain
         * decimals are targets */
        bool plain = normalize[0] != '\0';
        for (const char *p = normalize; *p; p++)
            if (!isdigit((unsigned char)*p) && *p != '-' && *p != '+' &&
                *p != '.')
                plain = false;
        double t = plain ? strtod(normalize, &end) : NAN;
        if (!plain || !end || *end || !isfinite(t) || t < PV_NORMALIZE_MIN ||
            t > PV_NORMALIZE_MAX) {
            snprintf(msg, msg_len,
                     "normalize must be a target loudness in LUFS from %g to "
                     "%g (e.g. -14 streaming, -16 Apple Music, -23 EBU "
                     "R128); got \"%.40s\"",
                     PV_NORMALIZE_MIN, PV_NORMALIZE_MAX, normalize);
            return -1;
        }
        d.normalize = true;
        d.target_lufs = t;
    }
    if (tail) {
        if (strcmp(tail, "0") != 0 && strcmp(tail, "1") != 0) {
            snprintf(msg, msg_len,
                     "tail must be 0 (the file is exactly the song) or 1 "
                     "(effect tails ring on after it); got \"%.40s\"", tail);
            return -1;
        }
        d.tail = tail[0] == '1';
        if (d.tail && have_to) {
            snprintf(msg, msg_len,
                     "tail=1 applies to the whole song (no to): a range "
                     "from..to is exported exactly");
            return -1;
        }
    }
    *out = d;
    return 0;
}
