/* import_limits.c -- the importer's limits: the decoded size of a file
 * at the project rate, the check against eng_import_opts' max_seconds,
 * max_decoded and max_total_decoded, and the durations and sizes the
 * refusals show (contract in import.h; messages in docs/assets.md). */
#include "engine/import.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "engine/asset.h"

#define KIB ((int64_t)1024)
#define MIB (KIB * 1024)
#define GIB (MIB * 1024)

int64_t eng_decoded_bytes(int64_t frames, int channels)
{
    assert(frames >= 0 && channels >= 0);
    return ENG_SAMPLES_HEADER +
           frames * (int64_t)channels * (int64_t)sizeof(float);
}

int64_t eng_frames_at_rate(int64_t orig_frames, int orig_rate, int rate)
{
    assert(orig_rate > 0 && rate > 0 && orig_frames >= 0);
    if (orig_rate == rate)
        return orig_frames;
    return (orig_frames * (int64_t)rate + orig_rate / 2) / orig_rate;
}

void eng_duration_text(double seconds, char *out, size_t n)
{
    long long s, h, m;

    if (!(seconds >= 0))
        seconds = 0;
    if (seconds < 60) {
        /* one decimal, without ".0"; rounded up, never to a minute */
        double t = fmin(ceil(seconds * 10) / 10, 59.9);
        if (t == floor(t))
            snprintf(out, n, "%.0f s", t);
        else
            snprintf(out, n, "%.1f s", t);
        return;
    }
    s = (long long)ceil(seconds);
    h = s / 3600;
    m = s / 60 % 60;
    s %= 60;
    if (h > 0 && s > 0)
        snprintf(out, n, "%lld h %lld min %lld s", h, m, s);
    else if (h > 0)
        snprintf(out, n, "%lld h %lld min", h, m);
    else if (s > 0)
        snprintf(out, n, "%lld min %lld s", m, s);
    else
        snprintf(out, n, "%lld min", m);
}

void eng_size_text(int64_t bytes, char *out, size_t n)
{
    static const struct {
        int64_t unit;
        const char *name;
    } units[] = {{GIB, "GiB"}, {MIB, "MiB"}, {KIB, "KiB"}};

    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (bytes < units[i].unit)
            continue;
        double v = round((double)bytes / (double)units[i].unit * 10) / 10;
        if (v == floor(v))
            snprintf(out, n, "%.0f %s", v, units[i].name);
        else
            snprintf(out, n, "%.1f %s", v, units[i].name);
        return;
    }
    snprintf(out, n, "%lld bytes", (long long)bytes);
}

void eng_size_texts(int64_t a, int64_t b, char *ta, char *tb, size_t n)
{
    eng_size_text(a, ta, n);
    eng_size_text(b, tb, n);
    if (strcmp(ta, tb) == 0) {
        snprintf(ta, n, "%lld bytes", (long long)a);
        snprintf(tb, n, "%lld bytes", (long long)b);
    }
}

int eng_import_check_limits(const eng_import_opts *o, double seconds,
                            int64_t decoded, int exact,
                            eng_import_result *r)
{
    char a[64], b[64];

    if (o->max_seconds > 0 && seconds > o->max_seconds) {
        r->status = ENG_IMPORT_TOO_LONG;
        r->limit = ENG_LIMIT_SECONDS;
        eng_duration_text(seconds, a, sizeof a);
        eng_duration_text(o->max_seconds, b, sizeof b);
        if (exact)
            snprintf(r->error, sizeof r->error,
                     "the file is %s long; the limit is %s", a, b);
        else
            snprintf(r->error, sizeof r->error,
                     "the file is longer than the limit of %s", b);
    } else if (o->max_decoded > 0 && decoded > o->max_decoded) {
        r->status = ENG_IMPORT_TOO_BIG;
        r->limit = ENG_LIMIT_DECODED;
        eng_size_texts(decoded, o->max_decoded, a, b, sizeof a);
        if (!exact)
            eng_size_text(o->max_decoded, b, sizeof b);
        if (exact)
            snprintf(r->error, sizeof r->error,
                     "the file takes %s decoded; the limit is %s", a, b);
        else
            snprintf(r->error, sizeof r->error,
                     "the file takes more than the limit of %s decoded", b);
    } else if (o->max_total_decoded > 0 &&
               o->other_decoded + decoded > o->max_total_decoded) {
        r->status = ENG_IMPORT_TOO_BIG;
        r->limit = ENG_LIMIT_TOTAL;
        eng_size_texts(o->other_decoded + decoded, o->max_total_decoded, a, b,
                  sizeof a);
        if (!exact)
            eng_size_text(o->max_total_decoded, b, sizeof b);
        if (exact)
            snprintf(r->error, sizeof r->error,
                     "with the file, the decoded audio takes %s; the limit "
                     "is %s", a, b);
        else
            snprintf(r->error, sizeof r->error,
                     "with the file, the decoded audio takes more than the "
                     "limit of %s", b);
    } else {
        return 0;
    }
    r->limit_exact = exact;
    r->limit_seconds = seconds;
    r->limit_decoded = decoded;
    return -1;
}
