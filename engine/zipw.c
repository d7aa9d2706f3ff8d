/* zipw.c -- the streaming ZIP writer (see zipw.h): local headers, stored
 * data with a running CRC-32, data descriptors, then the central directory
 * and the end records (ZIP64 ones only when something overflows). Record
 * layouts follow PKWARE's APPNOTE.TXT 6.3 (sections 4.3 and 4.5). */
#include "engine/zipw.h"

#include <assert.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SIG_LOCAL 0x04034b50u
#define SIG_DESCRIPTOR 0x08074b50u
#define SIG_CENTRAL 0x02014b50u
#define SIG_END64 0x06064b50u
#define SIG_LOCATOR64 0x07064b50u
#define SIG_END 0x06054b50u

#define FLAG_DESCRIPTOR 0x0008u /* bit 3: CRC and sizes after the data */
#define FLAG_UTF8 0x0800u       /* bit 11: the name is UTF-8 */
#define VERSION_PLAIN 20        /* 2.0: stored entries, descriptors */
#define VERSION_ZIP64 45        /* 4.5: ZIP64 */
#define MADE_BY_UNIX 3
#define U32_MAX 0xFFFFFFFFu
#define U16_MAX 0xFFFFu

struct zentry {
    char *name;
    uint32_t crc;
    uint64_t size;   /* stored: compressed size == size */
    uint64_t offset; /* of the local header */
    uint16_t dos_time, dos_date;
    bool zip64;      /* local header carried a ZIP64 extra field */
};

struct eng_zipw {
    eng_zipw_write_fn write;
    void *ctx;
    uint64_t pos;          /* bytes written */
    uint64_t limit;        /* 32-bit overflow threshold (tests lower it) */
    struct zentry *e;
    size_t n, cap;
    bool open;             /* e[n-1] is being written */
    bool finished;
    int failed;            /* 0, or the code every call now returns */
    char err[256];
};

/* ---- CRC-32, slicing by 8 ---- */

/* Built once, read-only afterwards (the only global state here). */
static uint32_t crc_tab[8][256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void crc_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? (c >> 1) ^ 0xEDB88320u : c >> 1;
        crc_tab[0][i] = c;
    }
    for (int t = 1; t < 8; t++)
        for (int i = 0; i < 256; i++)
            crc_tab[t][i] = (crc_tab[t - 1][i] >> 8) ^
                            crc_tab[0][crc_tab[t - 1][i] & 0xFF];
}

uint32_t eng_crc32(uint32_t crc, const void *data, size_t len)
{
    const unsigned char *p = data;

    pthread_once(&crc_once, crc_init);
    crc = ~crc;
    while (len >= 8) {
        uint32_t a = crc ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 |
                            (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
        crc = crc_tab[7][a & 0xFF] ^ crc_tab[6][(a >> 8) & 0xFF] ^
              crc_tab[5][(a >> 16) & 0xFF] ^ crc_tab[4][a >> 24] ^
              crc_tab[3][p[4]] ^ crc_tab[2][p[5]] ^ crc_tab[1][p[6]] ^
              crc_tab[0][p[7]];
        p += 8;
        len -= 8;
    }
    while (len--)
        crc = (crc >> 8) ^ crc_tab[0][(crc ^ *p++) & 0xFF];
    return ~crc;
}

/* ---- helpers ---- */

static int fail(eng_zipw *z, int code, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(z->err, sizeof z->err, fmt, ap);
    va_end(ap);
    z->failed = code;
    return code;
}

static int emit(eng_zipw *z, const void *data, size_t len)
{
    if (len == 0)
        return 0;
    if (z->write(z->ctx, data, len) != 0)
        return fail(z, -2, "the archive's reader went away");
    z->pos += len;
    return 0;
}

/* Little-endian appends into a byte buffer. */
static unsigned char *le16(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    return p + 2;
}

static unsigned char *le32(unsigned char *p, uint32_t v)
{
    p = le16(p, v & 0xFFFF);
    return le16(p, v >> 16);
}

static unsigned char *le64(unsigned char *p, uint64_t v)
{
    p = le32(p, (uint32_t)v);
    return le32(p, (uint32_t)(v >> 32));
}

static void dos_stamp(time_t t, uint16_t *dtime, uint16_t *ddate)
{
    struct tm tm;

    if (!localtime_r(&t, &tm) || tm.tm_year < 80) {
        *dtime = 0;
        *ddate = (1 << 5) | 1; /* 1980-01-01 */
        return;
    }
    if (tm.tm_year > 207) /* the DOS year field ends in 2107 */
        tm.tm_year = 207;
    *dtime = (uint16_t)(tm.tm_hour << 11 | tm.tm_min << 5 | tm.tm_sec / 2);
    *ddate = (uint16_t)((tm.tm_year - 80) << 9 | (tm.tm_mon + 1) << 5 |
                        tm.tm_mday);
}

static int check(eng_zipw *z)
{
    if (z->failed)
        return z->failed;
    if (z->finished)
        return fail(z, -1, "the archive is already finished");
    return 0;
}

/* ---- public ---- */

eng_zipw *eng_zipw_new(eng_zipw_write_fn write, void *ctx)
{
    eng_zipw *z = calloc(1, sizeof *z);

    assert(write);
    if (!z)
        return NULL;
    z->write = write;
    z->ctx = ctx;
    z->limit = U32_MAX;
    return z;
}

void eng_zipw_free(eng_zipw *z)
{
    if (!z)
        return;
    for (size_t i = 0; i < z->n; i++)
        free(z->e[i].name);
    free(z->e);
    free(z);
}

void eng_zipw_set_limit(eng_zipw *z, uint64_t limit)
{
    assert(z->n == 0 && limit > 0 && limit <= U32_MAX);
    z->limit = limit;
}

const char *eng_zipw_error(const eng_zipw *z)
{
    return z->err;
}

uint64_t eng_zipw_bytes(const eng_zipw *z)
{
    return z->pos;
}

int eng_zipw_begin(eng_zipw *z, const char *name, time_t mtime,
                   uint64_t max_size)
{
    unsigned char h[30 + 20], *p = h;
    size_t nlen = strlen(name);
    int rc;

    if ((rc = eng_zipw_end(z)) != 0)
        return rc;
    if (nlen == 0 || nlen > U16_MAX || name[0] == '/')
        return fail(z, -1, "bad entry name \"%.64s\": 1..65535 bytes, not "
                           "starting with '/'", name);
    if (z->n == z->cap) {
        size_t cap = z->cap ? 2 * z->cap : 16;
        struct zentry *e = realloc(z->e, cap * sizeof *e);
        if (!e)
            return fail(z, -1, "out of memory");
        z->e = e;
        z->cap = cap;
    }
    struct zentry *e = &z->e[z->n];
    memset(e, 0, sizeof *e);
    if (!(e->name = strdup(name)))
        return fail(z, -1, "out of memory");
    z->n++;
    e->offset = z->pos;
    e->zip64 = max_size >= z->limit;
    dos_stamp(mtime, &e->dos_time, &e->dos_date);

    p = le32(p, SIG_LOCAL);
    p = le16(p, e->zip64 ? VERSION_ZIP64 : VERSION_PLAIN);
    p = le16(p, FLAG_DESCRIPTOR | FLAG_UTF8);
    p = le16(p, 0); /* stored */
    p = le16(p, e->dos_time);
    p = le16(p, e->dos_date);
    p = le32(p, 0); /* CRC-32: in the descriptor */
    p = le32(p, e->zip64 ? U32_MAX : 0); /* compressed size */
    p = le32(p, e->zip64 ? U32_MAX : 0); /* uncompressed size */
    p = le16(p, (uint32_t)nlen);
    p = le16(p, e->zip64 ? 20 : 0); /* extra field length */
    assert(p == h + 30);
    if (e->zip64) { /* ZIP64 extended information, sizes unknown yet */
        p = le16(p, 0x0001);
        p = le16(p, 16);
        p = le64(p, 0);
        p = le64(p, 0);
    }
    if ((rc = emit(z, h, 30)) != 0 || (rc = emit(z, name, nlen)) != 0 ||
        (rc = emit(z, h + 30, (size_t)(p - h) - 30)) != 0)
        return rc;
    z->open = true;
    return 0;
}

int eng_zipw_write(eng_zipw *z, const void *data, size_t len)
{
    int rc;

    if ((rc = check(z)) != 0)
        return rc;
    if (!z->open)
        return fail(z, -1, "no entry is open");
    struct zentry *e = &z->e[z->n - 1];
    if (!e->zip64 && e->size + len >= z->limit)
        return fail(z, -1, "entry \"%.64s\" passed 4 GiB but was begun "
                           "without ZIP64 (max_size below 4 GiB)", e->name);
    e->crc = eng_crc32(e->crc, data, len);
    e->size += len;
    return emit(z, data, len);
}

int eng_zipw_end(eng_zipw *z)
{
    unsigned char d[24], *p = d;
    int rc;

    if ((rc = check(z)) != 0)
        return rc;
    if (!z->open)
        return 0;
    struct zentry *e = &z->e[z->n - 1];
    p = le32(p, SIG_DESCRIPTOR);
    p = le32(p, e->crc);
    if (e->zip64) {
        p = le64(p, e->size);
        p = le64(p, e->size);
    } else {
        p = le32(p, (uint32_t)e->size);
        p = le32(p, (uint32_t)e->size);
    }
    z->open = false;
    return emit(z, d, (size_t)(p - d));
}

/* One central directory header. */
static int central(eng_zipw *z, const struct zentry *e)
{
    unsigned char h[46 + 28], *p = h;
    bool big_size = e->zip64 || e->size >= z->limit;
    bool big_off = e->offset >= z->limit;
    uint32_t xlen = (big_size ? 16u : 0u) + (big_off ? 8u : 0u);
    int version = big_size || big_off ? VERSION_ZIP64 : VERSION_PLAIN;
    size_t nlen = strlen(e->name);
    int rc;

    p = le32(p, SIG_CENTRAL);
    p = le16(p, MADE_BY_UNIX << 8 | version);
    p = le16(p, version);
    p = le16(p, FLAG_DESCRIPTOR | FLAG_UTF8);
    p = le16(p, 0);
    p = le16(p, e->dos_time);
    p = le16(p, e->dos_date);
    p = le32(p, e->crc);
    p = le32(p, big_size ? U32_MAX : (uint32_t)e->size);
    p = le32(p, big_size ? U32_MAX : (uint32_t)e->size);
    p = le16(p, (uint32_t)nlen);
    p = le16(p, xlen ? xlen + 4 : 0);
    p = le16(p, 0);                   /* comment length */
    p = le16(p, 0);                   /* disk number start */
    p = le16(p, 0);                   /* internal attributes */
    p = le32(p, 0100644u << 16);      /* external: a regular file, 0644 */
    p = le32(p, big_off ? U32_MAX : (uint32_t)e->offset);
    assert(p == h + 46);
    if (xlen) { /* only the overflowing fields, in the APPNOTE's order */
        p = le16(p, 0x0001);
        p = le16(p, xlen);
        if (big_size) {
            p = le64(p, e->size); /* original */
            p = le64(p, e->size); /* compressed */
        }
        if (big_off)
            p = le64(p, e->offset);
    }
    if ((rc = emit(z, h, 46)) != 0 || (rc = emit(z, e->name, nlen)) != 0 ||
        (rc = emit(z, h + 46, (size_t)(p - h) - 46)) != 0)
        return rc;
    return 0;
}

int eng_zipw_finish(eng_zipw *z)
{
    unsigned char t[56 + 20 + 22], *p = t;
    uint64_t count_limit = z->limit < U16_MAX ? z->limit : U16_MAX;
    int rc;

    if ((rc = eng_zipw_end(z)) != 0)
        return rc;
    uint64_t cd_off = z->pos;
    for (size_t i = 0; i < z->n; i++)
        if ((rc = central(z, &z->e[i])) != 0)
            return rc;
    uint64_t cd_size = z->pos - cd_off, end64 = z->pos;
    bool zip64 = z->n >= count_limit || cd_off >= z->limit ||
                 cd_size >= z->limit;
    if (zip64) {
        p = le32(p, SIG_END64);
        p = le64(p, 44); /* size of the rest of this record */
        p = le16(p, MADE_BY_UNIX << 8 | VERSION_ZIP64);
        p = le16(p, VERSION_ZIP64);
        p = le32(p, 0); /* this disk */
        p = le32(p, 0); /* disk of the central directory */
        p = le64(p, z->n);
        p = le64(p, z->n);
        p = le64(p, cd_size);
        p = le64(p, cd_off);
        p = le32(p, SIG_LOCATOR64);
        p = le32(p, 0);
        p = le64(p, end64);
        p = le32(p, 1); /* total disks */
    }
    p = le32(p, SIG_END);
    p = le16(p, 0);
    p = le16(p, 0);
    p = le16(p, zip64 ? U16_MAX : (uint32_t)z->n);
    p = le16(p, zip64 ? U16_MAX : (uint32_t)z->n);
    p = le32(p, zip64 ? U32_MAX : (uint32_t)cd_size);
    p = le32(p, zip64 ? U32_MAX : (uint32_t)cd_off);
    p = le16(p, 0); /* comment length */
    if ((rc = emit(z, t, (size_t)(p - t))) != 0)
        return rc;
    z->finished = true;
    return 0;
}

void eng_zipw_safe_name(char *out, size_t n, const char *in)
{
    size_t len = 0;

    assert(n >= 1);
    while (*in == ' ' || *in == '.')
        in++;
    for (; *in && len + 1 < n; in++) {
        unsigned char c = (unsigned char)*in;
        if (c < 32 || c == 127 || strchr("/\\:*?\"<>|", c))
            c = '_';
        out[len++] = (char)c;
    }
    /* do not cut a UTF-8 sequence: drop a trailing partial character */
    if (*in) {
        size_t k = len;
        while (k > 0 && ((unsigned char)out[k - 1] & 0xC0) == 0x80)
            k--;
        if (k > 0 && ((unsigned char)out[k - 1] & 0x80)) {
            unsigned char lead = (unsigned char)out[k - 1];
            size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
            if (len - (k - 1) < need)
                len = k - 1;
        }
    }
    while (len > 0 && (out[len - 1] == ' ' || out[len - 1] == '.'))
        len--;
    if (len == 0 && n > 1)
        out[len++] = '_';
    out[len] = '\0';
}
