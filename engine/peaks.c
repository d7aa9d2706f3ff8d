/* peaks.c -- waveform overview: a one-pass hierarchical min/max
 * accumulator (the 256-frame level is fed with frames, each coarser level
 * with the finished pairs of the level below), the MXPEAKS1 writer, and
 * the reader the HTTP endpoint serves from. Format: peaks.h. */
#include "engine/peaks.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const int eng_peaks_fpp[ENG_PEAKS_LEVELS] = {256, 1024, 4096, 16384};

static void wr16(unsigned char *p, uint16_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
}

static void wr32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static void wr64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t rd32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static uint64_t rd64(const unsigned char *p)
{
    return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static void reset_bucket(eng_peaks_level_acc *l)
{
    l->min[0] = l->min[1] = INFINITY;
    l->max[0] = l->max[1] = -INFINITY;
    l->filled = 0;
}

void eng_peaks_init(eng_peaks *p, int channels, int sample_rate)
{
    assert(channels == 1 || channels == 2);
    memset(p, 0, sizeof *p);
    p->channels = channels;
    p->sample_rate = sample_rate;
    for (int k = 0; k < ENG_PEAKS_LEVELS; k++)
        reset_bucket(&p->lv[k]);
}

static int16_t quantize(float v, int up)
{
    double s = (double)v;

    if (!(s > -1.0)) /* also NaN, which never reaches here */
        s = -1.0;
    if (s > 1.0)
        s = 1.0;
    s *= 32767.0;
    s = up ? ceil(s) : floor(s);
    return (int16_t)s;
}

static void push_pair(eng_peaks *p, int k, const float *mn, const float *mx);

/* Emits the open bucket of level k as a pair and feeds it upward. */
static void close_bucket(eng_peaks *p, int k)
{
    eng_peaks_level_acc *l = &p->lv[k];
    float mn[2], mx[2];

    if (l->filled == 0)
        return;
    if (l->count == l->cap && !p->failed) {
        size_t cap = l->cap ? l->cap * 2 : 256;
        int16_t *n = realloc(l->pairs, cap * (size_t)p->channels * 2 *
                                           sizeof(int16_t));
        if (!n)
            p->failed = 1;
        else {
            l->pairs = n;
            l->cap = cap;
        }
    }
    if (!p->failed) {
        int16_t *d = l->pairs + l->count * (size_t)p->channels * 2;
        for (int c = 0; c < p->channels; c++) {
            d[2 * c] = quantize(l->min[c], 0);
            d[2 * c + 1] = quantize(l->max[c], 1);
        }
        l->count++;
    }
    memcpy(mn, l->min, sizeof mn);
    memcpy(mx, l->max, sizeof mx);
    reset_bucket(l);
    if (k + 1 < ENG_PEAKS_LEVELS)
        push_pair(p, k + 1, mn, mx);
}

/* Merges one finished pair of level k-1 into level k. */
static void push_pair(eng_peaks *p, int k, const float *mn, const float *mx)
{
    eng_peaks_level_acc *l = &p->lv[k];

    for (int c = 0; c < p->channels; c++) {
        if (mn[c] < l->min[c])
            l->min[c] = mn[c];
        if (mx[c] > l->max[c])
            l->max[c] = mx[c];
    }
    if (++l->filled == eng_peaks_fpp[k] / eng_peaks_fpp[k - 1])
        close_bucket(p, k);
}

int eng_peaks_add(eng_peaks *p, const float *s, size_t frames)
{
    eng_peaks_level_acc *l = &p->lv[0];
    const int ch = p->channels;

    for (size_t f = 0; f < frames; f++) {
        for (int c = 0; c < ch; c++) {
            float v = s[f * (size_t)ch + (size_t)c];
            if (v < l->min[c])
                l->min[c] = v;
            if (v > l->max[c])
                l->max[c] = v;
        }
        if (++l->filled == eng_peaks_fpp[0])
            close_bucket(p, 0);
    }
    p->frames += (int64_t)frames;
    return p->failed ? -1 : 0;
}

int eng_peaks_serialize(eng_peaks *p, unsigned char **buf, size_t *len)
{
    size_t total = ENG_PEAKS_HEADER + ENG_PEAKS_LEVELS * ENG_PEAKS_LEVEL_ENTRY;
    size_t off;
    unsigned char *b;

    /* Close partial buckets finest first so each feeds the next. */
    for (int k = 0; k < ENG_PEAKS_LEVELS; k++)
        close_bucket(p, k);
    if (p->failed) {
        errno = ENOMEM;
        return -1;
    }
    for (int k = 0; k < ENG_PEAKS_LEVELS; k++)
        total += p->lv[k].count * (size_t)p->channels * 4;
    b = malloc(total);
    if (!b)
        return -1;
    memcpy(b, ENG_PEAKS_MAGIC, 8);
    wr32(b + 8, ENG_PEAKS_VERSION);
    wr32(b + 12, (uint32_t)p->channels);
    wr32(b + 16, (uint32_t)p->sample_rate);
    wr32(b + 20, ENG_PEAKS_LEVELS);
    wr64(b + 24, (uint64_t)p->frames);
    off = ENG_PEAKS_HEADER + ENG_PEAKS_LEVELS * ENG_PEAKS_LEVEL_ENTRY;
    for (int k = 0; k < ENG_PEAKS_LEVELS; k++) {
        const eng_peaks_level_acc *l = &p->lv[k];
        unsigned char *e = b + ENG_PEAKS_HEADER + k * ENG_PEAKS_LEVEL_ENTRY;
        size_t n = l->count * (size_t)p->channels * 2;
        wr32(e, (uint32_t)eng_peaks_fpp[k]);
        wr32(e + 4, 0);
        wr64(e + 8, l->count);
        wr64(e + 16, off);
        for (size_t i = 0; i < n; i++)
            wr16(b + off + 2 * i, (uint16_t)l->pairs[i]);
        off += n * 2;
    }
    assert(off == total);
    *buf = b;
    *len = total;
    return 0;
}

void eng_peaks_free(eng_peaks *p)
{
    for (int k = 0; k < ENG_PEAKS_LEVELS; k++) {
        free(p->lv[k].pairs);
        p->lv[k].pairs = NULL;
        p->lv[k].count = p->lv[k].cap = 0;
    }
}

int eng_peaks_parse(const unsigned char *b, size_t len, eng_peaks_file *f)
{
    memset(f, 0, sizeof *f);
    if (len < ENG_PEAKS_HEADER || memcmp(b, ENG_PEAKS_MAGIC, 8) != 0 ||
        rd32(b + 8) != ENG_PEAKS_VERSION)
        goto bad;
    uint32_t ch = rd32(b + 12), rate = rd32(b + 16), levels = rd32(b + 20);
    uint64_t frames = rd64(b + 24);
    if ((ch != 1 && ch != 2) || rate == 0 || rate > 1000000 || levels < 1 ||
        levels > ENG_PEAKS_LEVELS || frames > (uint64_t)INT64_MAX ||
        len < ENG_PEAKS_HEADER + (size_t)levels * ENG_PEAKS_LEVEL_ENTRY)
        goto bad;
    f->channels = (int)ch;
    f->sample_rate = (int)rate;
    f->levels = (int)levels;
    f->frames = (int64_t)frames;
    for (uint32_t k = 0; k < levels; k++) {
        const unsigned char *e = b + ENG_PEAKS_HEADER + k * ENG_PEAKS_LEVEL_ENTRY;
        uint32_t fpp = rd32(e);
        uint64_t count = rd64(e + 8), off = rd64(e + 16);
        if (fpp == 0 || fpp > (1u << 30) ||
            count != (frames + fpp - 1) / fpp || off > len ||
            count > (len - off) / (4u * ch))
            goto bad;
        f->level[k].frames_per_pair = (int)fpp;
        f->level[k].count = (int64_t)count;
        f->level[k].data = b + off;
    }
    f->image = (unsigned char *)(uintptr_t)b;
    f->len = len;
    return 0;
bad:
    memset(f, 0, sizeof *f);
    errno = EINVAL;
    return -1;
}

/* Reads a whole (small) file into a malloc'd buffer. */
static int slurp(const char *path, unsigned char **buf, size_t *len)
{
    struct stat st;
    unsigned char *b = NULL;
    size_t got = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC), saved;

    if (fd < 0)
        return -1;
    if (fstat(fd, &st) != 0)
        goto fail;
    if (st.st_size < 0 || (uint64_t)st.st_size > (uint64_t)1 << 31) {
        errno = EFBIG;
        goto fail;
    }
    b = malloc(st.st_size ? (size_t)st.st_size : 1);
    if (!b)
        goto fail;
    while (got < (size_t)st.st_size) {
        ssize_t r = read(fd, b + got, (size_t)st.st_size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            if (r == 0)
                errno = EINVAL; /* shrank under us */
            goto fail;
        }
        got += (size_t)r;
    }
    close(fd);
    *buf = b;
    *len = got;
    return 0;
fail:
    saved = errno;
    free(b);
    close(fd);
    errno = saved;
    return -1;
}

int eng_peaks_load(const char *path, eng_peaks_file *f)
{
    unsigned char *b;
    size_t len;

    memset(f, 0, sizeof *f);
    if (slurp(path, &b, &len) != 0)
        return -1;
    if (eng_peaks_parse(b, len, f) != 0) {
        free(b);
        errno = EINVAL;
        return -1;
    }
    return 0;
}

void eng_peaks_file_free(eng_peaks_file *f)
{
    free(f->image);
    memset(f, 0, sizeof *f);
}

int eng_peaks_read(const char *path, int fpp, unsigned char **buf, size_t *len)
{
    eng_peaks_file f;
    const eng_peaks_level *l = NULL;
    unsigned char *out;
    size_t data_len, total, off;

    if (eng_peaks_load(path, &f) != 0)
        return -1;
    if (fpp == 0) {
        *buf = f.image;
        *len = f.len;
        return 0;
    }
    for (int k = 0; k < f.levels; k++)
        if (f.level[k].frames_per_pair == fpp)
            l = &f.level[k];
    if (!l) {
        eng_peaks_file_free(&f);
        errno = ENOENT;
        return -1;
    }
    data_len = (size_t)l->count * (size_t)f.channels * 4;
    off = ENG_PEAKS_HEADER + ENG_PEAKS_LEVEL_ENTRY;
    total = off + data_len;
    out = malloc(total);
    if (!out) {
        eng_peaks_file_free(&f);
        return -1;
    }
    memcpy(out, f.image, ENG_PEAKS_HEADER);
    wr32(out + 20, 1);
    wr32(out + ENG_PEAKS_HEADER, (uint32_t)fpp);
    wr32(out + ENG_PEAKS_HEADER + 4, 0);
    wr64(out + ENG_PEAKS_HEADER + 8, (uint64_t)l->count);
    wr64(out + ENG_PEAKS_HEADER + 16, off);
    memcpy(out + off, l->data, data_len);
    eng_peaks_file_free(&f);
    *buf = out;
    *len = total;
    return 0;
}

void eng_peaks_get(const eng_peaks_file *f, const eng_peaks_level *l,
                   int64_t i, int c, float *min, float *max)
{
    const unsigned char *p = l->data + ((size_t)i * (size_t)f->channels +
                                        (size_t)c) * 4;
    int16_t mn = (int16_t)(uint16_t)(p[0] | p[1] << 8);
    int16_t mx = (int16_t)(uint16_t)(p[2] | p[3] << 8);

    assert(i >= 0 && i < l->count && c >= 0 && c < f->channels);
    *min = (float)mn / 32767.0f;
    *max = (float)mx / 32767.0f;
}
