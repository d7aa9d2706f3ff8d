/* http_pipe.c -- the worker-to-response byte queue (see http_pipe.h): a
 * linked list of malloc'd chunks under one mutex, a condition variable
 * for the writer waiting on a slow reader, and the owner's wake callback
 * when the reader waits for bytes. */
#include "server/net/http_pipe.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server/core/jobs.h"
#include "server/net/http.h"

struct srv_http_chunk {
    struct srv_http_chunk *next;
    size_t len, off;
    unsigned char data[];
};

void srv_http_pipe_init(struct srv_http_pipe *p, size_t max,
                        const atomic_int *cancel, void (*wake)(void *owner),
                        void *owner)
{
    memset(p, 0, sizeof *p);
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    p->max = max;
    p->cancel = cancel;
    p->wake = wake;
    p->owner = owner;
}

void srv_http_pipe_destroy(struct srv_http_pipe *p)
{
    while (p->head) {
        struct srv_http_chunk *c = p->head;
        p->head = c->next;
        free(c);
    }
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
}

/* With mu held: the reader waits for something; tell its owner. */
static void notify_locked(struct srv_http_pipe *p)
{
    if (p->waiting) {
        p->waiting = false;
        p->wake(p->owner);
    }
}

static bool stopped_locked(const struct srv_http_pipe *p)
{
    return p->aborted || (p->cancel && atomic_load(p->cancel));
}

int srv_http_pipe_write(void *pipe, const void *data, size_t len)
{
    struct srv_http_pipe *p = pipe;
    struct srv_http_chunk *c = malloc(sizeof *c + len);

    if (!c)
        return -1;
    memcpy(c->data, data, len);
    c->len = len;
    c->off = 0;
    c->next = NULL;
    pthread_mutex_lock(&p->mu);
    /* a slow client holds the writer here: wake up now and then to see
     * whether the job was stopped (deadline, shutdown) */
    while (p->queued > p->max && !stopped_locked(p)) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += 200 * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&p->cv, &p->mu, &until);
    }
    if (stopped_locked(p)) {
        pthread_mutex_unlock(&p->mu);
        free(c);
        return -1;
    }
    if (p->tail)
        p->tail->next = c;
    else
        p->head = c;
    p->tail = c;
    p->queued += len;
    notify_locked(p);
    pthread_mutex_unlock(&p->mu);
    return 0;
}

void srv_http_pipe_finish(struct srv_http_pipe *p, bool ok)
{
    pthread_mutex_lock(&p->mu);
    p->done = true;
    p->failed = !ok;
    p->waiting = true; /* the reader must see the end */
    notify_locked(p);
    pthread_mutex_unlock(&p->mu);
}

ssize_t srv_http_pipe_read(struct srv_http_pipe *p, unsigned char *buf,
                           size_t len)
{
    size_t n = 0;
    ssize_t r;

    pthread_mutex_lock(&p->mu);
    while (n < len && p->head) {
        struct srv_http_chunk *c = p->head;
        size_t take = c->len - c->off;
        if (take > len - n)
            take = len - n;
        memcpy(buf + n, c->data + c->off, take);
        c->off += take;
        n += take;
        if (c->off == c->len) {
            p->head = c->next;
            if (!p->head)
                p->tail = NULL;
            p->queued -= c->len;
            free(c);
        }
    }
    if (n > 0) {
        r = (ssize_t)n;
        pthread_cond_signal(&p->cv);
    } else if (p->done) {
        r = p->failed ? -1 : 0;
    } else {
        p->waiting = true;
        r = SRV_HTTP_AGAIN;
    }
    pthread_mutex_unlock(&p->mu);
    return r;
}

void srv_http_pipe_abort(struct srv_http_pipe *p, atomic_int *cancel,
                         int reason)
{
    pthread_mutex_lock(&p->mu);
    if (!p->done && cancel)
        srv_job_cancel(cancel, reason);
    p->aborted = true;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

int srv_http_pipe_idle_write(struct srv_http_pipe *p, const void *data,
                             size_t len)
{
    struct srv_http_chunk *c = malloc(sizeof *c + len);
    int rc = -1;

    if (!c)
        return -1;
    memcpy(c->data, data, len);
    c->len = len;
    c->off = 0;
    c->next = NULL;
    pthread_mutex_lock(&p->mu);
    if (!p->done && p->queued == 0) {
        p->head = p->tail = c;
        p->queued = len;
        rc = p->waiting ? 1 : 0;
        p->waiting = false;
        c = NULL;
    }
    pthread_mutex_unlock(&p->mu);
    free(c);
    return rc;
}
