/* activity.h -- the activity module: the per-user activity feed (who
 * mentioned you, replied to your thread, commented on your project, moved
 * a version, joined ...), its HTTP API (GET /api/activity, POST
 * /api/activity/read), the live `activity` message to the recipient's
 * sockets, and the projects' webhooks with their delivery worker. It
 * subscribes to the event registry (server/core/events.h). The wire format
 * is in docs/protocol.md and docs/review.md. */
#ifndef MIXROOM_SERVER_ACTIVITY_H
#define MIXROOM_SERVER_ACTIVITY_H

/* Subscribes to the events, registers the routes and the webhook worker's
 * start/stop hooks. Call once before srv_loop_run (srv_modules_init). */
void srv_activity_init(void);

#endif
