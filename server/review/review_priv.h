/* review_priv.h -- what comments.c, versions.c and restore.c (the review
 * module) share: small helpers for names, times and request fields. Not
 * for other modules (they use review.h). Loop thread only. */
#ifndef MIXROOM_SERVER_REVIEW_PRIV_H
#define MIXROOM_SERVER_REVIEW_PRIV_H

#include <jansson.h>
#include "server/core/db.h"
#include <stddef.h>

struct srv_conn;

/* Comment/version texts: at most this many characters. */
#define REVIEW_BODY_MAX 4000
#define REVIEW_NAME_MAX 200
#define REVIEW_NOTE_MAX 4000

/* The name a person reads for c's user (display name, else login name). */
const char *review_who(const struct srv_conn *c);

/* Writes "1:42" (m:ss; h:mm:ss past an hour) for a frame position. */
void review_fmt_time(char *buf, size_t len, long long frames, int rate);

/* Number of characters (code points) of a UTF-8 string. */
size_t review_utf8_len(const char *s);

/* A new random id "<prefix><12 base-36 chars>" in buf. */
void review_new_id(char *buf, size_t len, const char *prefix);

/* The id of the project's newest version (by revision, then creation), or
 * "" when it has none. */
void review_current_version(db_conn *db, const char *project_id, char *buf,
                            size_t len);

/* ---- versions.c ---- */
void review_versions_init(void);
/* ---- restore.c ---- */
void review_restore_init(void);
/* ---- project_rename.c: PATCH /api/projects/{id} ---- */
void review_rename_init(void);

#endif
