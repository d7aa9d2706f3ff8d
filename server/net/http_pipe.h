/* http_pipe.h -- a bounded queue of bytes from a worker thread to a
 * streamed HTTP response (srv_http_resp.produce): the worker writes (and
 * waits while max bytes are queued and the client has not left), the
 * loop's producer reads. Used by the exports (server/preview/export_http.c,
 * server/interchange/http_dawproject.c). The pipe is embedded in its
 * owner, which keeps the owner alive as long as the pipe: when the
 * producer said SRV_HTTP_AGAIN and bytes (or the end) arrive, the pipe
 * calls wake(owner) from the writing thread, with the pipe's lock held
 * (so wake must not call back into the pipe: it posts to the loop, which
 * calls srv_http_wake). */
#ifndef MIXROOM_SERVER_HTTP_PIPE_H
#define MIXROOM_SERVER_HTTP_PIPE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct srv_http_chunk;

struct srv_http_pipe {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct srv_http_chunk *head, *tail;  /* under mu */
    size_t queued;                       /* under mu */
    size_t max;                          /* bytes queued before write waits */
    bool done, failed, aborted;          /* under mu */
    bool waiting;                        /* under mu: the producer said AGAIN */
    const atomic_int *cancel;            /* the job's flag, or NULL */
    void (*wake)(void *owner);
    void *owner;
};

/* Sets up p: at most max bytes queued ahead of the reader; cancel (may be
 * NULL) stops a waiting writer when it goes up; wake(owner) as above. */
void srv_http_pipe_init(struct srv_http_pipe *p, size_t max,
                        const atomic_int *cancel, void (*wake)(void *owner),
                        void *owner);

/* Frees what is still queued and the lock. */
void srv_http_pipe_destroy(struct srv_http_pipe *p);

/* Worker: queues a copy of len bytes, first waiting (looking at the flags
 * every 200 ms) while more than max are queued. Returns 0, or -1 when the
 * reader is gone (srv_http_pipe_abort), the cancel flag is up, or memory
 * ran out. Has the shape of eng_write_fn / eng_zipw_write_fn. */
int srv_http_pipe_write(void *pipe, const void *data, size_t len);

/* Worker: no more bytes; ok false makes the reader end with an error (the
 * response is cut short). Always wakes a waiting reader. */
void srv_http_pipe_finish(struct srv_http_pipe *p, bool ok);

/* Loop thread, as a response's produce: copies up to len queued bytes
 * into buf. Returns the count, 0 at the end, -1 at the end of a failed
 * stream, or SRV_HTTP_AGAIN when nothing is queued yet (wake follows). */
ssize_t srv_http_pipe_read(struct srv_http_pipe *p, unsigned char *buf,
                           size_t len);

/* Loop thread: the reader is gone (the response's close); a waiting
 * writer returns -1. When the writer had not finished, cancel (if not
 * NULL) is raised first with reason (srv_job_cancel), under the lock, so
 * the writer sees why it stops. */
void srv_http_pipe_abort(struct srv_http_pipe *p, atomic_int *cancel,
                         int reason);

/* Loop thread: queues len bytes only when nothing is queued and the
 * writer has not finished (a keep-alive byte). Returns 1 when queued and
 * the reader was waiting (the caller wakes it with srv_http_wake), 0 when
 * queued and no wake is needed, -1 when not queued (nothing to free). */
int srv_http_pipe_idle_write(struct srv_http_pipe *p, const void *data,
                             size_t len);

#endif
