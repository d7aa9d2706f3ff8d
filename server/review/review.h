/* review.h -- the review module: timestamped comments (comment.*),
 * named versions with an approval workflow (version.*), restore, diff
 * and the document at a revision for other modules. Loop thread only
 * unless said otherwise. The wire format is in docs/review.md. */
#ifndef MIXROOM_SERVER_REVIEW_H
#define MIXROOM_SERVER_REVIEW_H

#include <jansson.h>

struct srv_room;
struct srv_server;

/* Registers the review message handlers (comment.*, version.*, restore,
 * diff) and the catch-up form of comment revisions. Call once before
 * srv_loop_run (from srv_modules_init). */
void srv_review_init(void);

/* The project's live comments (not deleted) as a new JSON array, oldest
 * first, each with changed_since/changed_fields computed: the comments of
 * a welcome snapshot. Never NULL. */
json_t *srv_comments_snapshot(struct srv_server *srv, struct srv_room *room,
                              const char *project_id);

#endif
