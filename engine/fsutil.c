/* fsutil.c -- crash-safe file handling for the asset store: temp files
 * renamed into place, directory fsyncs, the content-addressed layout,
 * storing originals and start-up removal of leftover temporaries. */
#include "engine/fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int fmt_path(char *out, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fmt_path(char *out, size_t n, const char *fmt, ...)
{
    va_list ap;
    int len;

    va_start(ap, fmt);
    len = vsnprintf(out, n, fmt, ap);
    va_end(ap);
    if (len < 0 || (size_t)len >= n) {
        errno = ENAMETOOLONG;
        return -1;
    }
    return 0;
}

int eng_asset_dir(char *out, size_t n, const char *data_dir,
                  const char *sha_hex)
{
    size_t i;

    for (i = 0; sha_hex[i]; i++) {
        char c = sha_hex[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            errno = EINVAL;
            return -1;
        }
    }
    if (i != 64) {
        errno = EINVAL;
        return -1;
    }
    return fmt_path(out, n, "%s/assets/%.2s/%s", data_dir, sha_hex, sha_hex);
}

int eng_asset_file(char *out, size_t n, const char *dir, const char *base,
                   int rate)
{
    return fmt_path(out, n, "%s/%s-%d", dir, base, rate);
}

int eng_fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int rc;

    if (fd < 0)
        return -1;
    rc = fsync(fd);
    if (rc != 0 && errno == EINVAL) /* some file systems refuse; harmless */
        rc = 0;
    close(fd);
    return rc;
}

/* The directory part of path ("." if none) into out. */
static void parent_of(char *out, size_t n, const char *path)
{
    const char *slash = strrchr(path, '/');

    if (!slash) {
        snprintf(out, n, ".");
    } else if (slash == path) {
        snprintf(out, n, "/");
    } else {
        size_t len = (size_t)(slash - path);
        if (len >= n)
            len = n - 1;
        memcpy(out, path, len);
        out[len] = '\0';
    }
}

int eng_mkdirs(const char *path)
{
    char buf[4096], parent[4096];
    size_t len = strlen(path);

    if (len == 0 || len >= sizeof buf) {
        errno = len ? ENAMETOOLONG : ENOENT;
        return -1;
    }
    memcpy(buf, path, len + 1);
    while (len > 1 && buf[len - 1] == '/')
        buf[--len] = '\0';
    for (size_t i = 1; i <= len; i++) {
        if (buf[i] != '/' && buf[i] != '\0')
            continue;
        char saved = buf[i];
        buf[i] = '\0';
        if (mkdir(buf, 0755) == 0) {
            /* Make the new entry durable in its parent. */
            parent_of(parent, sizeof parent, buf);
            if (eng_fsync_dir(parent) != 0)
                return -1;
        } else if (errno != EEXIST) {
            return -1;
        } else {
            struct stat st;
            if (stat(buf, &st) != 0)
                return -1;
            if (!S_ISDIR(st.st_mode)) {
                errno = ENOTDIR;
                return -1;
            }
        }
        buf[i] = saved;
    }
    return 0;
}

int eng_write_all(int fd, const void *buf, size_t len)
{
    const unsigned char *p = buf;

    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

int eng_tmpfile_open(eng_tmpfile *t, const char *dir, const char *final_name)
{
    t->fd = -1;
    t->tmp_path[0] = '\0';
    if (fmt_path(t->dir, sizeof t->dir, "%s", dir) != 0 ||
        fmt_path(t->final_name, sizeof t->final_name, "%s", final_name) != 0 ||
        fmt_path(t->tmp_path, sizeof t->tmp_path, "%s/" ENG_TMP_PREFIX "%s-XXXXXX",
                 dir, final_name) != 0)
        return -1;
    t->fd = mkostemp(t->tmp_path, O_CLOEXEC);
    if (t->fd < 0) {
        t->tmp_path[0] = '\0';
        return -1;
    }
    if (fchmod(t->fd, 0644) != 0) {
        eng_tmpfile_abort(t);
        return -1;
    }
    return 0;
}

int eng_tmpfile_commit(eng_tmpfile *t)
{
    char final_path[4096 + 256 + 2];
    int saved;

    if (t->fd < 0) {
        errno = EBADF;
        return -1;
    }
    if (fmt_path(final_path, sizeof final_path, "%s/%s", t->dir,
                 t->final_name) != 0)
        goto fail;
    if (fsync(t->fd) != 0)
        goto fail;
    if (close(t->fd) != 0) {
        t->fd = -1;
        goto fail;
    }
    t->fd = -1;
    if (rename(t->tmp_path, final_path) != 0)
        goto fail;
    t->tmp_path[0] = '\0';
    return 0;
fail:
    saved = errno;
    eng_tmpfile_abort(t);
    errno = saved;
    return -1;
}

void eng_tmpfile_abort(eng_tmpfile *t)
{
    if (t->fd >= 0) {
        close(t->fd);
        t->fd = -1;
    }
    if (t->tmp_path[0]) {
        unlink(t->tmp_path);
        t->tmp_path[0] = '\0';
    }
}

int eng_copy_into(const char *src, const char *dir, const char *name)
{
    eng_tmpfile t;
    char buf[65536];
    int in = open(src, O_RDONLY | O_CLOEXEC);
    int rc = -1, saved = 0;
    ssize_t r;

    if (in < 0)
        return -1;
    if (eng_tmpfile_open(&t, dir, name) != 0)
        goto out;
    while ((r = read(in, buf, sizeof buf)) != 0) {
        if (r < 0) {
            if (errno == EINTR)
                continue;
            goto out;
        }
        if (eng_write_all(t.fd, buf, (size_t)r) != 0)
            goto out;
    }
    if (eng_tmpfile_commit(&t) != 0)
        goto out;
    rc = 0;
out:
    saved = errno;
    if (rc != 0)
        eng_tmpfile_abort(&t);
    close(in);
    errno = saved;
    return rc;
}

int eng_store_original(const char *tmp_path, const char *dir)
{
    char dst[4096 + 16];
    struct stat st;
    int fd;

    if (eng_mkdirs(dir) != 0 ||
        fmt_path(dst, sizeof dst, "%s/original", dir) != 0)
        return -1;
    if (stat(dst, &st) == 0 && S_ISREG(st.st_mode)) {
        /* Same hash, same bytes: keep the stored copy. */
        return unlink(tmp_path) == 0 || errno == ENOENT ? 0 : -1;
    }
    fd = open(tmp_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    if (fsync(fd) != 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    close(fd);
    if (rename(tmp_path, dst) != 0) {
        if (errno != EXDEV || eng_copy_into(tmp_path, dir, "original") != 0)
            return -1;
        unlink(tmp_path);
    }
    return eng_fsync_dir(dir);
}

static _Thread_local int cleanup_count;

static int cleanup_visit(const char *path, const struct stat *sb, int flag,
                         struct FTW *ftw)
{
    (void)sb;
    if (flag == FTW_F &&
        strncmp(path + ftw->base, ENG_TMP_PREFIX, strlen(ENG_TMP_PREFIX)) == 0 &&
        unlink(path) == 0)
        cleanup_count++;
    return 0;
}

/* Uses nftw, whose callback has no context pointer: cleanup_count is a
 * thread-local counter (the only file-level state here). */
int eng_import_cleanup_temps(const char *data_dir)
{
    char root[4096];

    if (fmt_path(root, sizeof root, "%s/assets", data_dir) != 0)
        return -1;
    cleanup_count = 0;
    if (nftw(root, cleanup_visit, 16, FTW_PHYS) != 0)
        return errno == ENOENT ? 0 : -1;
    return cleanup_count;
}

void eng_remove_dir(const char *dir, bool and_parent)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char p[4400], parent[4096];
    char *slash;

    while (d && (e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
            fmt_path(p, sizeof p, "%s/%s", dir, e->d_name) == 0)
            unlink(p);
    if (d)
        closedir(d);
    rmdir(dir);
    if (!and_parent || fmt_path(parent, sizeof parent, "%s", dir) != 0)
        return;
    slash = strrchr(parent, '/');
    if (slash) {
        *slash = '\0';
        rmdir(parent);
    }
}
