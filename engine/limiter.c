/* limiter.c -- the 4x true-peak detector and the look-ahead true-peak
 * limiter of limiter.h. Each limiter stage keeps power-of-two rings indexed
 * by absolute frame number: the input, the gain each interval between two
 * samples needs (r), that spread over the interpolator's span (r2), and
 * the released min-hold over the attack (rel), whose moving average over
 * the attack is the gain applied. */
#include "engine/limiter.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define TAPS (2 * ENG_TP_HALF)
#define RING 1024                /* > the latency of one stage */
#define MASK (RING - 1)
#define MARGIN_DB 0.15           /* the detector aims this much lower */

/* ---- the detector ---------------------------------------------------------- */

static double bessel_i0(double x)
{
    double sum = 1.0, term = 1.0;
    for (int k = 1; k < 40; k++) {
        term *= (x / (2.0 * k)) * (x / (2.0 * k));
        sum += term;
        if (term < 1e-14 * sum)
            break;
    }
    return sum;
}

/* coef[p][k] weighs x[m - HALF + 1 + k] for the point m + (p + 1) / 4:
 * a Kaiser-windowed sinc, normalised to unity gain at DC. short_coef[p][i]
 * weighs x[m - SHORT + 1 + i]: the 49-tap Hann-windowed sinc of libebur128
 * (the BS.1770 meter the project reports with). */
static void make_short(float c[ENG_TP_PHASES - 1][2 * ENG_TP_SHORT])
{
    for (int p = 0; p < ENG_TP_PHASES - 1; p++) {
        double f = (p + 1.0) / ENG_TP_PHASES;
        for (int i = 0; i < 2 * ENG_TP_SHORT; i++) {
            double u = (double)(i - ENG_TP_SHORT + 1) - f; /* -6 < u < 6 */
            double j = 24.0 + 4.0 * u;                     /* 0..48 */
            double s = fabs(u) < 1e-12 ? 1.0 : sin(M_PI * u) / (M_PI * u);
            c[p][i] = (float)(s * 0.5 * (1 - cos(2 * M_PI * j / 48.0)));
        }
    }
}

static void make_coef(float coef[ENG_TP_PHASES - 1][TAPS])
{
    const double beta = 8.0, span = ENG_TP_HALF + 1.0;
    for (int p = 0; p < ENG_TP_PHASES - 1; p++) {
        double f = (p + 1.0) / ENG_TP_PHASES, sum = 0;
        double c[TAPS];
        for (int k = 0; k < TAPS; k++) {
            double u = f - (double)(k - ENG_TP_HALF + 1);
            double s = fabs(u) < 1e-12 ? 1.0 : sin(M_PI * u) / (M_PI * u);
            double w = u / span;
            w = fabs(w) >= 1 ? 0 : bessel_i0(beta * sqrt(1 - w * w)) /
                                       bessel_i0(beta);
            c[k] = s * w;
            sum += c[k];
        }
        for (int k = 0; k < TAPS; k++) /* unity gain at DC */
            coef[p][k] = (float)(c[k] / sum);
    }
}

void eng_tp_init(eng_tp *tp)
{
    memset(tp, 0, sizeof *tp);
    make_coef(tp->coef);
    make_short(tp->short_coef);
}

void eng_tp_reset(eng_tp *tp)
{
    memset(tp->hist, 0, sizeof tp->hist);
}

/* The largest |interpolated value| between w[HALF-1] and w[HALF] (w holds
 * TAPS consecutive samples) by either interpolator. */
static float interval_peak(const float coef[ENG_TP_PHASES - 1][TAPS],
                           const float sc[ENG_TP_PHASES - 1][2 * ENG_TP_SHORT],
                           const float *w)
{
    const float *ws = w + ENG_TP_HALF - ENG_TP_SHORT;
    float best = 0;
    for (int p = 0; p < ENG_TP_PHASES - 1; p++) {
        float acc = 0, acc2 = 0;
        for (int k = 0; k < TAPS; k++)
            acc += coef[p][k] * w[k];
        for (int i = 0; i < 2 * ENG_TP_SHORT; i++)
            acc2 += sc[p][i] * ws[i];
        acc = fmaxf(fabsf(acc), fabsf(acc2));
        if (acc > best)
            best = acc;
    }
    return best;
}

float eng_tp_block(eng_tp *tp, const float *x, int n)
{
    float peak = 0;
    for (int i = 0; i < n; i++)
        for (int ch = 0; ch < 2; ch++) {
            float *h = tp->hist[ch];
            float v = x[2 * i + ch];
            memmove(h, h + 1, sizeof(float) * (TAPS - 1));
            h[TAPS - 1] = v;
            if (fabsf(v) > peak)
                peak = fabsf(v);
            float ip = interval_peak(tp->coef, tp->short_coef, h);
            if (ip > peak)
                peak = ip;
        }
    return peak;
}

float eng_tp_buffer(const float *x, int64_t n)
{
    eng_tp tp;
    float zeros[2 * ENG_TP_HALF] = {0};
    float peak = 0;
    eng_tp_init(&tp);
    for (int64_t i = 0; i < n; i += 4096) {
        int m = n - i < 4096 ? (int)(n - i) : 4096;
        float p = eng_tp_block(&tp, x + 2 * i, m);
        if (p > peak)
            peak = p;
    }
    float p = eng_tp_block(&tp, zeros, ENG_TP_HALF);
    return p > peak ? p : peak;
}

/* The coefficients eng_tp_planar uses: computed once (pthread_once), then
 * only read; the file's only shared state. */
static eng_tp planar_tp;
static pthread_once_t planar_once = PTHREAD_ONCE_INIT;

static void planar_init(void)
{
    eng_tp_init(&planar_tp);
}

float eng_tp_planar(const float *l, const float *r, int n, float *sample)
{
    const eng_tp *tp = &planar_tp;
    float peak = 0, sp = 0, w[TAPS];
    pthread_once(&planar_once, planar_init);

    for (int ch = 0; ch < 2; ch++) {
        const float *x = ch ? r : l;
        for (int i = 0; i < n; i++)
            if (fabsf(x[i]) > sp)
                sp = fabsf(x[i]);
        /* the interval i .. i+1, examined when either end is over
         * ENG_TP_PLANAR_FROM */
        for (int i = -1; i < n; i++) {
            float a = i >= 0 ? fabsf(x[i]) : 0, b = i + 1 < n ? fabsf(x[i + 1]) : 0;
            if (a < ENG_TP_PLANAR_FROM && b < ENG_TP_PLANAR_FROM)
                continue;
            const float *win = x + i - ENG_TP_HALF + 1;
            if (i - ENG_TP_HALF + 1 < 0 || i + ENG_TP_HALF >= n) {
                for (int k = 0; k < TAPS; k++) {
                    int j = i - ENG_TP_HALF + 1 + k;
                    w[k] = j >= 0 && j < n ? x[j] : 0.0f;
                }
                win = w;
            }
            float ip = interval_peak(tp->coef, tp->short_coef, win);
            if (ip > peak)
                peak = ip;
        }
    }
    *sample = sp;
    return peak > sp ? peak : sp;
}

/* ---- the limiter ----------------------------------------------------------- */

typedef struct stage {
    float x[2][RING];
    float r[RING], r2[RING], rel[RING];
    int64_t t;                   /* frames in */
    int64_t last_r, last_r2;     /* newest index whose r / r2 is < 1 */
    int64_t last_loud;           /* newest input above `quiet` */
    double sum;                  /* of rel over the last `attack` frames */
} stage;

struct eng_tplim {
    float coef[ENG_TP_PHASES - 1][TAPS];
    float short_coef[ENG_TP_PHASES - 1][2 * ENG_TP_SHORT];
    float thr;                   /* linear threshold */
    float quiet;                 /* |x| under which no window can reach
                                    thr: thr / (the largest sum of |c|) */
    int attack;                  /* frames of the min-hold and average */
    double arel;                 /* release coefficient per frame */
    double min_gain;
    stage st[2];
};

static void stage_init(stage *s, int attack)
{
    memset(s, 0, sizeof *s);
    for (int i = 0; i < RING; i++)
        s->r[i] = s->r2[i] = s->rel[i] = 1.0f;
    s->last_r = s->last_r2 = s->last_loud = INT64_MIN / 2;
    s->sum = attack;
}

eng_tplim *eng_tplim_new(int rate, double ceiling_db, double release_ms)
{
    eng_tplim *l;

    if (rate < 8000 || rate > 384000 || !(ceiling_db >= -60) ||
        !(ceiling_db <= 0) || !(release_ms >= 1) || !(release_ms <= 5000))
        return NULL;
    if (!(l = calloc(1, sizeof *l)))
        return NULL;
    make_coef(l->coef);
    make_short(l->short_coef);
    l->thr = (float)pow(10.0, (ceiling_db - MARGIN_DB) / 20.0);
    double most = 1.0;
    for (int p = 0; p < ENG_TP_PHASES - 1; p++) {
        double a = 0, b = 0;
        for (int k = 0; k < TAPS; k++)
            a += fabs(l->coef[p][k]);
        for (int i = 0; i < 2 * ENG_TP_SHORT; i++)
            b += fabs(l->short_coef[p][i]);
        most = fmax(most, fmax(a, b));
    }
    l->quiet = (float)(l->thr / most);
    l->attack = (int)lround(rate * 0.002); /* 2 ms */
    if (l->attack < 8)
        l->attack = 8;
    if (l->attack > RING / 2)
        l->attack = RING / 2;
    l->arel = exp(-1.0 / (release_ms * 1e-3 * rate));
    l->min_gain = 1.0;
    stage_init(&l->st[0], l->attack);
    stage_init(&l->st[1], l->attack);
    return l;
}

void eng_tplim_free(eng_tplim *l)
{
    free(l);
}

static int stage_latency(const eng_tplim *l)
{
    return 2 * ENG_TP_HALF + l->attack - 2;
}

int eng_tplim_latency(const eng_tplim *l)
{
    return 2 * stage_latency(l);
}

double eng_tplim_min_gain(const eng_tplim *l)
{
    return l->min_gain;
}

/* One frame through one stage: (in[0], in[1]) goes in, out gets the frame
 * of stage_latency() earlier with its gain. */
static void stage_step(eng_tplim *l, stage *s, const float in[2],
                       float out[2])
{
    const int H = ENG_TP_HALF, A = l->attack;
    int64_t t = s->t++;
    float w[TAPS];

    s->x[0][t & MASK] = in[0];
    s->x[1][t & MASK] = in[1];
    /* the interval m .. m+1 is known once x[m + H] is in */
    int64_t m = t - H;
    float tp = 0;
    if (fabsf(in[0]) > l->quiet || fabsf(in[1]) > l->quiet)
        s->last_loud = t;
    /* a window of quiet samples cannot reach the threshold: skip it */
    for (int ch = 0; ch < 2 && t - s->last_loud < TAPS; ch++) {
        for (int k = 0; k < TAPS; k++)
            w[k] = s->x[ch][(m - H + 1 + k) & MASK];
        float a = fabsf(w[H - 1]), ip = interval_peak(l->coef, l->short_coef, w);
        if (a > tp)
            tp = a;
        if (ip > tp)
            tp = ip;
    }
    s->r[m & MASK] = tp > l->thr ? l->thr / tp : 1.0f;
    if (tp > l->thr)
        s->last_r = m;
    /* each sample that reaches the interval through the filter: k */
    int64_t k = m - H + 1;
    float r2 = 1.0f;
    if (s->last_r >= k - H)
        for (int64_t i = k - H; i <= k + H - 1; i++)
            if (s->r[i & MASK] < r2)
                r2 = s->r[i & MASK];
    s->r2[k & MASK] = r2;
    if (r2 < 1.0f)
        s->last_r2 = k;
    /* min-hold over the attack ahead, release, average over the attack */
    int64_t j = k - A + 1;
    float hv = 1.0f;
    if (s->last_r2 >= j)
        for (int64_t i = j; i <= k; i++)
            if (s->r2[i & MASK] < hv)
                hv = s->r2[i & MASK];
    float prev = s->rel[(j - 1) & MASK];
    float rv = prev >= 1.0f ? 1.0f
                            : (float)(prev + (1.0 - prev) * (1.0 - l->arel));
    if (hv < rv)
        rv = hv;
    s->sum += (double)rv - (double)s->rel[(j - A) & MASK];
    s->rel[j & MASK] = rv;
    double g = s->sum / A;
    if (g > 1.0)
        g = 1.0;
    if (g < l->min_gain)
        l->min_gain = g;
    if (g >= 1.0) {
        out[0] = s->x[0][j & MASK];
        out[1] = s->x[1][j & MASK];
    } else {
        out[0] = (float)(s->x[0][j & MASK] * g);
        out[1] = (float)(s->x[1][j & MASK] * g);
    }
}

void eng_tplim_process(eng_tplim *l, const float *in, float *out, int n)
{
    for (int i = 0; i < n; i++) {
        float a[2] = {in[2 * i], in[2 * i + 1]}, b[2], c[2];
        stage_step(l, &l->st[0], a, b);
        stage_step(l, &l->st[1], b, c);
        out[2 * i] = c[0];
        out[2 * i + 1] = c[1];
    }
}
