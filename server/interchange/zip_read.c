/* zip_read.c -- the defensive zip reader of zip_read.h on libzip: the
 * directory is checked when the archive is opened (entry count, names,
 * duplicates, encryption, declared sizes against the caps), and every
 * entry is inflated through a counter that enforces the same caps on the
 * bytes that really come out, so a lying header changes nothing. */
#include "server/interchange/zip_read.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zip.h>

struct ix_zip {
    zip_t *za;
    ix_zip_limits lim;
    size_t n;
    char **names;        /* n names, owned copies */
    int64_t inflated;    /* bytes inflated from every entry so far */
};

static void fail(ix_zip_status *st, ix_zip_status v, char *err, size_t n,
                 const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void fail(ix_zip_status *st, ix_zip_status v, char *err, size_t n,
                 const char *fmt, ...)
{
    va_list ap;

    *st = v;
    va_start(ap, fmt);
    vsnprintf(err, n, fmt, ap);
    va_end(ap);
}

int ix_zip_path_ok(const char *name)
{
    size_t len = strlen(name), comp = 0;

    if (len == 0 || len > 1024 || name[0] == '/')
        return 0;
    if (len >= 2 && name[1] == ':')
        return 0;
    for (size_t i = 0; i <= len; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c == '/' || c == '\0') {
            size_t clen = i - comp;
            if (clen == 0 && !(c == '\0' && i == len && len > 0 &&
                               name[len - 1] == '/'))
                return 0;
            if ((clen == 1 && name[comp] == '.') ||
                (clen == 2 && name[comp] == '.' && name[comp + 1] == '.'))
                return 0;
            comp = i + 1;
            continue;
        }
        if (c < 0x20 || c == 0x7F || c == '\\')
            return 0;
    }
    return 1;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Copies name into out for an error sentence, control bytes as '?'. */
static void shown(const char *name, char *out, size_t n)
{
    size_t o = 0;

    for (const unsigned char *p = (const unsigned char *)name; *p && o + 1 < n; p++)
        out[o++] = (*p < 0x20 || *p == 0x7F) ? '?' : (char)*p;
    out[o] = '\0';
}

/* Checks the directory of an opened archive; fills z->names. */
static int check_dir(ix_zip *z, ix_zip_status *st, char *err, size_t errlen)
{
    zip_int64_t n = zip_get_num_entries(z->za, 0);
    int64_t declared = 0;
    char **sorted = NULL;
    char nm[160];
    int rc = -1;

    if (n <= 0) {
        fail(st, IX_ZIP_NOT_ZIP, err, errlen, n < 0 ? "the file is not a zip "
             "archive" : "the file is not a zip archive (it has no entries)");
        return -1;
    }
    if (n > z->lim.max_entries) {
        fail(st, IX_ZIP_TOO_MANY, err, errlen,
             "the archive has %lld entries; at most %lld are allowed "
             "(setting max_dawproject_entries)", (long long)n,
             (long long)z->lim.max_entries);
        return -1;
    }
    z->names = calloc((size_t)n + 1, sizeof *z->names);
    sorted = calloc((size_t)n + 1, sizeof *sorted);
    if (!z->names || !sorted) {
        fail(st, IX_ZIP_NOMEM, err, errlen, "out of memory");
        goto out;
    }
    for (zip_int64_t i = 0; i < n; i++) {
        zip_stat_t sb;
        zip_stat_init(&sb);
        if (zip_stat_index(z->za, (zip_uint64_t)i, ZIP_FL_ENC_RAW, &sb) != 0 ||
            !(sb.valid & ZIP_STAT_NAME) || !(sb.valid & ZIP_STAT_SIZE) ||
            !(sb.valid & ZIP_STAT_COMP_SIZE)) {
            fail(st, IX_ZIP_NOT_ZIP, err, errlen,
                 "entry %lld of the archive cannot be read", (long long)i);
            goto out;
        }
        shown(sb.name, nm, sizeof nm);
        if (!ix_zip_path_ok(sb.name)) {
            fail(st, IX_ZIP_BAD_PATH, err, errlen,
                 "the archive entry \"%s\" is not a plain relative path "
                 "(absolute paths, \"..\", backslashes and control "
                 "characters are refused)", nm);
            goto out;
        }
        if ((sb.valid & ZIP_STAT_ENCRYPTION_METHOD) &&
            sb.encryption_method != ZIP_EM_NONE) {
            fail(st, IX_ZIP_DAMAGED, err, errlen,
                 "the archive entry \"%s\" is encrypted", nm);
            goto out;
        }
        if (sb.size > IX_ZIP_RATIO_FLOOR &&
            (sb.comp_size == 0 ||
             sb.size / sb.comp_size > (zip_uint64_t)z->lim.max_ratio)) {
            fail(st, IX_ZIP_RATIO, err, errlen,
                 "the archive entry \"%s\" would inflate %llu bytes from %llu "
                 "(more than %lld times; setting max_dawproject_ratio)", nm,
                 (unsigned long long)sb.size, (unsigned long long)sb.comp_size,
                 (long long)z->lim.max_ratio);
            goto out;
        }
        if (sb.size > (zip_uint64_t)INT64_MAX / 2 ||
            (declared += (int64_t)sb.size) > z->lim.max_unpacked) {
            fail(st, IX_ZIP_TOO_BIG, err, errlen,
                 "the archive would inflate to more than %lld bytes "
                 "(setting max_dawproject_unpacked_bytes)",
                 (long long)z->lim.max_unpacked);
            goto out;
        }
        z->names[i] = strdup(sb.name);
        if (!z->names[i]) {
            fail(st, IX_ZIP_NOMEM, err, errlen, "out of memory");
            goto out;
        }
        sorted[i] = z->names[i];
        z->n = (size_t)i + 1;
    }
    qsort(sorted, z->n, sizeof *sorted, cmp_names);
    for (size_t i = 1; i < z->n; i++)
        if (!strcmp(sorted[i - 1], sorted[i])) {
            shown(sorted[i], nm, sizeof nm);
            fail(st, IX_ZIP_BAD_PATH, err, errlen,
                 "the archive has two entries named \"%s\"", nm);
            goto out;
        }
    rc = 0;
out:
    free(sorted);
    return rc;
}

static ix_zip *open_source(zip_source_t *src, const ix_zip_limits *lim,
                           ix_zip_status *st, char *err, size_t errlen)
{
    zip_error_t ze;
    ix_zip *z = calloc(1, sizeof *z);

    *st = IX_ZIP_OK;
    if (err && errlen)
        err[0] = '\0';
    if (!z || !src) {
        fail(st, IX_ZIP_NOMEM, err, errlen, "out of memory");
        zip_source_free(src);
        free(z);
        return NULL;
    }
    z->lim = *lim;
    zip_error_init(&ze);
    z->za = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze);
    if (!z->za) {
        fail(st, IX_ZIP_NOT_ZIP, err, errlen,
             "the file is not a zip archive (%s)", zip_error_strerror(&ze));
        zip_error_fini(&ze);
        zip_source_free(src);
        free(z);
        return NULL;
    }
    zip_error_fini(&ze);
    if (check_dir(z, st, err, errlen) != 0) {
        ix_zip_close(z);
        return NULL;
    }
    return z;
}

ix_zip *ix_zip_open_file(const char *path, const ix_zip_limits *lim,
                         ix_zip_status *st, char *err, size_t errlen)
{
    zip_error_t ze;
    zip_source_t *src;

    zip_error_init(&ze);
    src = zip_source_file_create(path, 0, -1, &ze);
    zip_error_fini(&ze);
    return open_source(src, lim, st, err, errlen);
}

ix_zip *ix_zip_open_mem(const void *buf, size_t len, const ix_zip_limits *lim,
                        ix_zip_status *st, char *err, size_t errlen)
{
    zip_error_t ze;
    zip_source_t *src;

    zip_error_init(&ze);
    src = zip_source_buffer_create(len ? buf : "", len, 0, &ze);
    zip_error_fini(&ze);
    return open_source(src, lim, st, err, errlen);
}

void ix_zip_close(ix_zip *z)
{
    if (!z)
        return;
    if (z->za)
        zip_discard(z->za);
    for (size_t i = 0; i < z->n; i++)
        free(z->names[i]);
    free(z->names);
    free(z);
}

size_t ix_zip_count(const ix_zip *z)
{
    return z->n;
}

const char *ix_zip_name(const ix_zip *z, size_t i)
{
    return i < z->n ? z->names[i] : NULL;
}

static long find(const ix_zip *z, const char *name)
{
    size_t len = strlen(name);

    if (!len || name[len - 1] == '/')
        return -1;
    for (size_t i = 0; i < z->n; i++)
        if (!strcmp(z->names[i], name))
            return (long)i;
    return -1;
}

int ix_zip_has(const ix_zip *z, const char *name)
{
    return find(z, name) >= 0;
}

int64_t ix_zip_inflated(const ix_zip *z)
{
    return z->inflated;
}

/* Where inflated bytes go: a growing buffer or a file. */
struct sink {
    unsigned char *buf;
    size_t len, cap;
    int fd;
};

static int sink_put(struct sink *s, const unsigned char *p, size_t n)
{
    if (s->fd >= 0) {
        while (n > 0) {
            ssize_t w = write(s->fd, p, n);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0)
                return -1;
            p += w;
            n -= (size_t)w;
        }
        return 0;
    }
    if (s->len + n + 1 > s->cap) {
        size_t cap = s->cap ? s->cap : 65536;
        while (cap < s->len + n + 1)
            cap *= 2;
        unsigned char *b = realloc(s->buf, cap);
        if (!b)
            return -2;
        s->buf = b;
        s->cap = cap;
    }
    memcpy(s->buf + s->len, p, n);
    s->len += n;
    s->buf[s->len] = '\0';
    return 0;
}

/* Inflates entry `name` into s, counting every byte against the entry's
 * declared size, the caller's cap, the ratio and the archive's total. */
static int read_entry(ix_zip *z, const char *name, int64_t max,
                      const char *max_setting, struct sink *s,
                      ix_zip_status *st, char *err, size_t errlen)
{
    long idx = find(z, name);
    zip_stat_t sb;
    zip_file_t *zf = NULL;
    unsigned char buf[65536];
    int64_t got = 0;
    char nm[160];
    int rc = -1;

    *st = IX_ZIP_OK;
    shown(name, nm, sizeof nm);
    if (idx < 0) {
        fail(st, IX_ZIP_MISSING, err, errlen,
             "the archive has no file \"%s\"", nm);
        return -1;
    }
    zip_stat_init(&sb);
    if (zip_stat_index(z->za, (zip_uint64_t)idx, 0, &sb) != 0 ||
        !(zf = zip_fopen_index(z->za, (zip_uint64_t)idx, 0))) {
        fail(st, IX_ZIP_DAMAGED, err, errlen,
             "the archive entry \"%s\" cannot be opened (%s)", nm,
             zip_strerror(z->za));
        return -1;
    }
    for (;;) {
        zip_int64_t r = zip_fread(zf, buf, sizeof buf);
        if (r < 0) {
            fail(st, IX_ZIP_DAMAGED, err, errlen,
                 "the archive entry \"%s\" does not inflate (%s)", nm,
                 zip_file_strerror(zf));
            goto out;
        }
        if (r == 0)
            break;
        got += r;
        z->inflated += r;
        if (z->inflated > z->lim.max_unpacked) {
            fail(st, IX_ZIP_TOO_BIG, err, errlen,
                 "the archive inflates to more than %lld bytes (setting "
                 "max_dawproject_unpacked_bytes)",
                 (long long)z->lim.max_unpacked);
            goto out;
        }
        if (max > 0 && got > max) {
            fail(st, IX_ZIP_TOO_BIG, err, errlen,
                 "the archive entry \"%s\" is larger than %lld bytes "
                 "(setting %s)", nm, (long long)max, max_setting);
            goto out;
        }
        if (got > IX_ZIP_RATIO_FLOOR &&
            got / (int64_t)(sb.comp_size ? sb.comp_size : 1) > z->lim.max_ratio) {
            fail(st, IX_ZIP_RATIO, err, errlen,
                 "the archive entry \"%s\" inflates more than %lld times "
                 "its compressed size (setting max_dawproject_ratio)", nm,
                 (long long)z->lim.max_ratio);
            goto out;
        }
        if ((sb.valid & ZIP_STAT_SIZE) && (zip_uint64_t)got > sb.size) {
            fail(st, IX_ZIP_DAMAGED, err, errlen,
                 "the archive entry \"%s\" inflates past its declared size",
                 nm);
            goto out;
        }
        int w = sink_put(s, buf, (size_t)r);
        if (w != 0) {
            fail(st, w == -2 ? IX_ZIP_NOMEM : IX_ZIP_IO, err, errlen,
                 w == -2 ? "out of memory" : "cannot write \"%s\": %s", nm,
                 strerror(errno));
            goto out;
        }
    }
    if ((sb.valid & ZIP_STAT_SIZE) && (zip_uint64_t)got != sb.size) {
        fail(st, IX_ZIP_DAMAGED, err, errlen,
             "the archive entry \"%s\" is shorter than its declared size", nm);
        goto out;
    }
    rc = 0;
out:
    zip_fclose(zf);
    return rc;
}

int ix_zip_read_mem(ix_zip *z, const char *name, int64_t max,
                    const char *max_setting, unsigned char **out,
                    size_t *len, ix_zip_status *st, char *err, size_t errlen)
{
    struct sink s = {NULL, 0, 0, -1};

    *out = NULL;
    *len = 0;
    if (read_entry(z, name, max, max_setting ? max_setting : "?", &s, st,
                   err, errlen) != 0) {
        free(s.buf);
        return -1;
    }
    if (!s.buf && sink_put(&s, (const unsigned char *)"", 0) != 0) {
        fail(st, IX_ZIP_NOMEM, err, errlen, "out of memory");
        return -1;
    }
    *out = s.buf;
    *len = s.len;
    return 0;
}

int ix_zip_read_fd(ix_zip *z, const char *name, int fd, int64_t *written,
                   ix_zip_status *st, char *err, size_t errlen)
{
    struct sink s = {NULL, 0, 0, fd};
    int64_t before = z->inflated;
    int rc = read_entry(z, name, 0, NULL, &s, st, err, errlen);

    *written = z->inflated - before;
    return rc;
}
