/* events.c -- the event registry (see events.h): a fixed table of
 * subscribers filled at start-up and called inline on the loop thread. */
#include "server/core/events.h"

#include <assert.h>
#include <stddef.h>

#include "server/core/log.h"
#include "server/core/server.h"

#define EVENTS_MAX_SUBS 16

/* The registry: written only by srv_event_subscribe before the loop runs
 * (module inits), read only on the loop thread afterwards. */
static struct {
    srv_event_fn fn;
    void *arg;
} subs[EVENTS_MAX_SUBS];
static int n_subs;

void srv_event_subscribe(srv_event_fn fn, void *arg)
{
    assert(fn);
    if (n_subs >= EVENTS_MAX_SUBS) {
        srv_warn("too many event subscribers; one ignored");
        return;
    }
    subs[n_subs].fn = fn;
    subs[n_subs].arg = arg;
    n_subs++;
}

void srv_event_emit(struct srv_server *srv, const struct srv_event *ev)
{
    assert(srv_on_loop_thread());
    assert(ev && ev->kind && ev->project);
    for (int i = 0; i < n_subs; i++)
        subs[i].fn(srv, ev, subs[i].arg);
}

void srv_event_reset(void)
{
    n_subs = 0;
}
