/* take_file.c -- the disk side of recorded takes, never on the loop
 * thread: one small worker thread that appends each acknowledged chunk to
 * <data>/takes/<id>.s16 with O_APPEND and fsyncs it before the loop hears
 * back (the HTTP answer goes out only after that), truncates a torn tail
 * left by a crash back to the acknowledged length, removes discarded take
 * files; and the WAV made from a take when it is finished (run on the
 * engine job pool: it may be hundreds of MB). See takes.h and
 * docs/uploads.md "Takes". */
#include "server/assets/takes.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/fsutil.h"
#include "server/core/log.h"
#include "server/core/server.h"

/* One queued piece of work for the take worker. */
struct tf_item {
    struct tf_item *next;
    void (*work)(void *arg);
    void (*done)(void *arg);
    void *arg;
};

/* The worker's queue: shared between the loop (producer) and the worker
 * thread, guarded by mu. One worker per process (the server's takes). */
static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct tf_item *head, *tail;
    bool running, stop;
    pthread_t thread;
} tf = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, NULL, NULL,
        false, false, 0};

static void *tf_main(void *unused)
{
    (void)unused;
    pthread_mutex_lock(&tf.mu);
    for (;;) {
        while (!tf.head && !tf.stop)
            pthread_cond_wait(&tf.cv, &tf.mu);
        if (!tf.head)
            break;
        struct tf_item *it = tf.head;
        tf.head = it->next;
        if (!tf.head)
            tf.tail = NULL;
        pthread_mutex_unlock(&tf.mu);
        it->work(it->arg);
        if (it->done)
            srv_loop_post(it->done, it->arg);
        free(it);
        pthread_mutex_lock(&tf.mu);
    }
    pthread_mutex_unlock(&tf.mu);
    return NULL;
}

int srv_take_worker_start(void)
{
    int rc;

    pthread_mutex_lock(&tf.mu);
    tf.stop = false;
    rc = tf.running ? 0 : pthread_create(&tf.thread, NULL, tf_main, NULL);
    if (rc == 0)
        tf.running = true;
    pthread_mutex_unlock(&tf.mu);
    return rc == 0 ? 0 : -1;
}

void srv_take_worker_stop(void)
{
    bool join;

    pthread_mutex_lock(&tf.mu);
    tf.stop = true;
    join = tf.running;
    tf.running = false;
    pthread_cond_signal(&tf.cv);
    pthread_mutex_unlock(&tf.mu);
    if (join)
        pthread_join(tf.thread, NULL);
}

int srv_take_worker_submit(void (*work)(void *arg), void (*done)(void *arg),
                           void *arg)
{
    struct tf_item *it = calloc(1, sizeof *it);

    if (!it)
        return -1;
    it->work = work;
    it->done = done;
    it->arg = arg;
    pthread_mutex_lock(&tf.mu);
    if (!tf.running) {
        pthread_mutex_unlock(&tf.mu);
        free(it);
        return -1;
    }
    if (tf.tail)
        tf.tail->next = it;
    else
        tf.head = it;
    tf.tail = it;
    pthread_cond_signal(&tf.cv);
    pthread_mutex_unlock(&tf.mu);
    return 0;
}

/* The test hook: the most bytes a take file may hold, from the number in
 * the file named by MIXROOM_TEST_TAKE_SPACE_FILE, or -1 (no hook). */
static int64_t test_space_limit(void)
{
    const char *p = getenv("MIXROOM_TEST_TAKE_SPACE_FILE");
    long long v = -1;
    FILE *f;

    if (!p || !*p || !(f = fopen(p, "r")))
        return -1;
    if (fscanf(f, "%lld", &v) != 1)
        v = -1;
    fclose(f);
    return v;
}

/* Writes len bytes at the end of fd, failing with ENOSPC past limit (the
 * test hook; -1 = none) after writing what fits, as a full disk does. */
static int append_limited(int fd, int64_t offset, const unsigned char *data,
                          size_t len, int64_t limit)
{
    size_t fits = len;

    if (limit >= 0 && offset + (int64_t)len > limit)
        fits = offset >= limit ? 0 : (size_t)(limit - offset);
    if (fits && eng_write_all(fd, data, fits) != 0)
        return -1;
    if (fits < len) {
        errno = ENOSPC;
        return -1;
    }
    return 0;
}

void srv_take_append_work(void *arg)
{
    struct srv_take_append *a = arg;
    struct stat sb;
    bool created;
    int fd;

    a->err = 0;
    created = stat(a->path, &sb) != 0;
    fd = open(a->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0 || fstat(fd, &sb) != 0) {
        a->err = errno ? errno : EIO;
        goto out;
    }
    if (sb.st_size < a->offset) {
        /* acknowledged audio is missing: never append after a hole */
        a->err = EIO;
        goto out;
    }
    /* a torn tail (a crash after the write, before the row was stored) */
    if (sb.st_size > a->offset && ftruncate(fd, a->offset) != 0) {
        a->err = errno;
        goto out;
    }
    if (append_limited(fd, a->offset, a->data, a->len, test_space_limit()) != 0 ||
        fsync(fd) != 0) {
        a->err = errno ? errno : EIO;
        /* keep exactly the acknowledged chunks */
        if (ftruncate(fd, a->offset) == 0)
            (void)fsync(fd);
        goto out;
    }
    if (created) {
        char dir[4200];
        snprintf(dir, sizeof dir, "%s", a->path);
        char *slash = strrchr(dir, '/');
        if (slash) {
            *slash = '\0';
            int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            if (dfd >= 0) {
                (void)fsync(dfd);
                close(dfd);
            }
        }
    }
out:
    if (fd >= 0)
        close(fd);
}

void srv_take_unlink_work(void *arg)
{
    struct srv_take_append *a = arg;

    a->err = (unlink(a->path) == 0 || errno == ENOENT) ? 0 : errno;
}

static void put_le32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

static void put_le16(unsigned char *p, uint16_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
}

void srv_take_wav_header(unsigned char out[44], int rate, int channels,
                         uint32_t data_bytes)
{
    memcpy(out, "RIFF", 4);
    put_le32(out + 4, 36 + data_bytes);
    memcpy(out + 8, "WAVEfmt ", 8);
    put_le32(out + 16, 16);
    put_le16(out + 20, 1); /* PCM */
    put_le16(out + 22, (uint16_t)channels);
    put_le32(out + 24, (uint32_t)rate);
    put_le32(out + 28, (uint32_t)(rate * channels * 2));
    put_le16(out + 32, (uint16_t)(channels * 2));
    put_le16(out + 34, 16);
    memcpy(out + 36, "data", 4);
    put_le32(out + 40, data_bytes);
}

void srv_take_wav_work(void *arg)
{
    struct srv_take_wav *w = arg;
    unsigned char hdr[44];
    unsigned char *buf = NULL;
    crypto_hash_sha256_state sha;
    unsigned char digest[crypto_hash_sha256_BYTES];
    int in = -1, out = -1;
    int64_t left = w->bytes;

    w->err = 0;
    if (w->bytes <= 0 || w->bytes > UINT32_MAX - 36) {
        w->err = EFBIG;
        goto out;
    }
    buf = malloc(1 << 16);
    in = open(w->src, O_RDONLY | O_CLOEXEC);
    out = open(w->dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (!buf || in < 0 || out < 0 || lseek(in, w->skip_bytes, SEEK_SET) < 0) {
        w->err = errno ? errno : ENOMEM;
        goto out;
    }
    srv_take_wav_header(hdr, w->rate, w->channels, (uint32_t)w->bytes);
    crypto_hash_sha256_init(&sha);
    crypto_hash_sha256_update(&sha, hdr, sizeof hdr);
    if (eng_write_all(out, hdr, sizeof hdr) != 0) {
        w->err = errno;
        goto out;
    }
    while (left > 0) {
        size_t want = left > (1 << 16) ? (size_t)(1 << 16) : (size_t)left;
        ssize_t got = read(in, buf, want);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0) {
            w->err = got < 0 ? errno : EIO; /* shorter than acknowledged */
            goto out;
        }
        crypto_hash_sha256_update(&sha, buf, (size_t)got);
        if (eng_write_all(out, buf, (size_t)got) != 0) {
            w->err = errno;
            goto out;
        }
        left -= got;
    }
    crypto_hash_sha256_final(&sha, digest);
    sodium_bin2hex(w->sha, sizeof w->sha, digest, sizeof digest);
    w->size = (int64_t)sizeof hdr + w->bytes;
out:
    if (in >= 0)
        close(in);
    if (out >= 0 && close(out) != 0 && !w->err)
        w->err = errno;
    if (w->err)
        unlink(w->dst);
    free(buf);
}
