/* events.h -- a tiny synchronous event registry on the loop thread: the
 * modules that change something people care about (review: comments,
 * replies, mentions, versions, status changes; auth: members joining;
 * takes) emit a srv_event, and the modules that tell people (activity,
 * webhooks) subscribe. Subscribers run inline, in registration order, on
 * the loop thread and must never block it: database writes go through the
 * writer, network deliveries through a worker thread. Every string in an
 * event is borrowed for the duration of the call only (copy what you
 * keep). */
#ifndef MIXROOM_SERVER_CORE_EVENTS_H
#define MIXROOM_SERVER_CORE_EVENTS_H

#include <stdint.h>

struct srv_server;

/* One thing that happened in a project. */
struct srv_event {
    const char *kind;       /* "comment","reply","mention","version",
                               "status","take","member","join" */
    const char *project;    /* project id (never NULL) */
    const char *actor;      /* user id of who did it, or NULL (a guest or
                               the system) */
    const char *actor_name; /* display name of the actor ("Sam (guest)"),
                               or NULL */
    const char *target;     /* the comment / version / user id it is about,
                               or NULL */
    int64_t at_frame;       /* the comment's position in frames, or -1 */
    const char *text;       /* a short human text (comment body, version
                               label, "draft → approved"), or NULL */
    const char *recipient;  /* for "mention": the mentioned user id; for
                               "member": the added/removed user id; else
                               NULL */
    const char *thread;     /* for "reply"/"mention": the root comment id
                               of the thread, or NULL */
    const char *const *mentions; /* for "comment"/"reply": the user ids the
                               text mentions, NULL-terminated, or NULL
                               (they get a "mention" event of their own) */
};

typedef void (*srv_event_fn)(struct srv_server *srv,
                             const struct srv_event *ev, void *arg);

/* Registers fn(srv, ev, arg) to be called for every event emitted from
 * now on. Call from module inits before the loop starts (at most 16;
 * further ones are ignored with a warning). Not thread-safe by design:
 * the registry is filled once at start-up and only read afterwards. */
void srv_event_subscribe(srv_event_fn fn, void *arg);

/* Calls every subscriber with ev, synchronously, in registration order.
 * Loop thread only. ev->kind and ev->project must be set. */
void srv_event_emit(struct srv_server *srv, const struct srv_event *ev);

/* Forgets every subscriber (for tests that init modules more than once). */
void srv_event_reset(void);

#endif
