/* activity_priv.h -- what the files of server/activity/ share. Not for
 * other modules. Loop thread unless said otherwise. */
#ifndef MIXROOM_SERVER_ACTIVITY_PRIV_H
#define MIXROOM_SERVER_ACTIVITY_PRIV_H

#include <jansson.h>
#include "server/core/db.h"

struct srv_server;
struct srv_event;

/* Items kept per user (older ones are dropped when new ones arrive). */
#define ACTIVITY_KEEP 1000
/* GET /api/activity: default and largest page. */
#define ACTIVITY_PAGE_DEFAULT 50
#define ACTIVITY_PAGE_MAX 200

/* The activity item of row st (columns ACTIVITY_COLS) as JSON. */
#define ACTIVITY_COLS                                                        \
    "a.id, a.kind, a.project_id, a.actor, a.ts, a.text, a.url, a.read,"     \
    " p.name"
json_t *act_item_row(db_stmt *st);

/* The number of unread items of user (in project, when not NULL). */
long long act_unread(db_conn *db, const char *user, const char *project);

/* Sends {"type":"activity.read","upto","unread"} to user's sockets. */
void act_send_read(struct srv_server *srv, const char *user, long long upto);

/* http_activity.c: registers GET /api/activity, POST /api/activity/read. */
void act_http_init(void);

/* webhooks.c: registers the webhook routes, subscribes to the events and
 * the worker's start/stop hooks. */
void act_webhooks_init(void);

/* ---- webhook_worker.c: the delivery thread (no SQLite, no lws) ---- */

/* Starts / stops the worker (start and stop hooks of the loop). Stopping
 * aborts an attempt in flight and drops what is queued (those deliveries
 * stay `pending` in the table). */
int wh_worker_start(struct srv_server *srv);
void wh_worker_stop(struct srv_server *srv);

/* What one attempt came to, posted to the loop (status: "delivered",
 * "pending" while a retry is queued, "failed"). */
struct wh_result {
    char delivery[32];
    char status[16];
    int attempts;
    long http_status;         /* 0 when there was no answer */
    char error[256];          /* "" when delivered */
};

/* Queues a delivery of body (copied) to url, signed with secret. After
 * each attempt on_result(result) runs on the loop thread (and frees
 * nothing: result is the worker's, valid for the call). Loop thread. */
void wh_worker_deliver(const char *delivery, const char *webhook,
                       const char *event, const char *url,
                       const char *secret, const char *body);

/* Checks url off the loop (parse, resolve, classify); then
 * done(arg, error) runs on the loop thread with error NULL when the
 * target may be used. Loop thread. */
void wh_worker_check(const char *url, void (*done)(void *arg, const char *err),
                     void *arg);

/* Drops the queued deliveries of webhook (it was deleted). Loop thread. */
void wh_worker_cancel(const char *webhook);

/* webhooks.c: records an attempt's result through the writer. */
void wh_record_result(struct srv_server *srv, const struct wh_result *r);

#endif
