/* match.c -- the loudness cache of match.h: an array of entries under a
 * mutex (the module's shared state: workers measuring for play ...
 * "match": true look up and add; the bound comes with each call), the
 * least recently used replaced when full. */
#include "server/preview/match.h"

#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


struct entry {
    char project[64];
    long long rev;
    int64_t end;
    int nclips;
    eng_loudness l;
    unsigned long long used;     /* stamp of the last use */
};

static pthread_mutex_t cache_mu = PTHREAD_MUTEX_INITIALIZER;
static struct entry *cache;      /* under cache_mu */
static size_t cache_n, cache_cap;
static unsigned long long cache_clock;

static int plan_clips(const eng_plan *p)
{
    int n = 0;
    for (int t = 0; t < p->ntracks; t++)
        n += p->tracks[t].nclips;
    return n;
}

static bool lookup(const char *project, long long rev, int64_t end,
                   int nclips, eng_loudness *l)
{
    bool found = false;
    pthread_mutex_lock(&cache_mu);
    for (size_t i = 0; i < cache_n; i++) {
        struct entry *e = &cache[i];
        if (e->rev == rev && e->end == end && e->nclips == nclips &&
            strcmp(e->project, project) == 0) {
            e->used = ++cache_clock;
            *l = e->l;
            found = true;
            break;
        }
    }
    pthread_mutex_unlock(&cache_mu);
    return found;
}

static void store(const char *project, long long rev, int64_t end, int nclips,
                  const eng_loudness *l, size_t bound)
{
    struct entry *e = NULL;

    if (bound == 0)
        return;
    pthread_mutex_lock(&cache_mu);
    while (cache_n > bound) /* the bound went down */
        cache_n--;
    if (cache_n < bound) {
        if (cache_n == cache_cap) {
            size_t cap = cache_cap ? cache_cap * 2 : 16;
            if (cap > bound)
                cap = bound;
            struct entry *n = realloc(cache, cap * sizeof *n);
            if (n) {
                cache = n;
                cache_cap = cap;
            }
        }
        if (cache_n < cache_cap)
            e = &cache[cache_n++];
    }
    if (!e && cache_n > 0) { /* full: the least recently used */
        e = &cache[0];
        for (size_t i = 1; i < cache_n; i++)
            if (cache[i].used < e->used)
                e = &cache[i];
    }
    if (e) {
        snprintf(e->project, sizeof e->project, "%s", project);
        e->rev = rev;
        e->end = end;
        e->nclips = nclips;
        e->l = *l;
        e->used = ++cache_clock;
    }
    pthread_mutex_unlock(&cache_mu);
}

int pv_loudness_full(const char *project, long long rev, eng_plan *plan,
                     size_t bound, const atomic_int *cancel, eng_loudness *out)
{
    int64_t end = plan->end > 0 ? plan->end : 0;
    int nclips = plan_clips(plan);

    if (lookup(project, rev, end, nclips, out))
        return 0;
    if (end == 0) {
        out->integrated = out->range = -HUGE_VAL;
        out->sample_peak_db = out->true_peak_db = -HUGE_VAL;
    } else {
        int rc = eng_loudness_measure_cancel(plan, 0, end, NULL, cancel, out);
        if (rc != 0)
            return rc;
    }
    store(project, rev, end, nclips, out, bound);
    return 0;
}

int pv_loudness_of(const char *project, long long rev, eng_plan *plan,
                   size_t bound, const atomic_int *cancel, double *lufs)
{
    eng_loudness l;
    int rc = pv_loudness_full(project, rev, plan, bound, cancel, &l);

    if (rc == 0)
        *lufs = l.integrated;
    return rc;
}

double pv_match_gain(double head_lufs, double src_lufs)
{
    if (!isfinite(head_lufs) || !isfinite(src_lufs))
        return 0;
    double g = head_lufs - src_lufs;
    return g > PV_MATCH_MAX_DB ? PV_MATCH_MAX_DB
           : g < -PV_MATCH_MAX_DB ? -PV_MATCH_MAX_DB
                                   : g;
}

void pv_loudness_clear(void)
{
    pthread_mutex_lock(&cache_mu);
    free(cache);
    cache = NULL;
    cache_n = cache_cap = 0;
    pthread_mutex_unlock(&cache_mu);
}
