/* auth_internal.h -- glue between the auth files (auth.c, http_auth.c,
 * http_projects.c, auth_db.c); not for other modules. */
#ifndef MIXROOM_SERVER_AUTH_INTERNAL_H
#define MIXROOM_SERVER_AUTH_INTERNAL_H

#include <jansson.h>

#include "server/auth/auth.h"

struct srv_server;

/* Submits the sessions seen since the last call to the writer (last_seen)
 * and drops long-expired sessions. Loop thread. */
void srv_auth_seen_flush(struct srv_server *srv);

/* Route registration of http_auth.c and http_projects.c. */
void srv_auth_http_register(void);
void srv_projects_http_register(void);

/* Registers POST /api/projects/{id}/duplicate (http_project_copy.c). */
void srv_project_copy_http_register(void);

/* The login rate limit applied to another secret (a share link's
 * password, key "link:<id>"): the key counts like an account name, the
 * client address as for logins (cfg.login_*). check returns -1 with resp
 * filled (429, Retry-After) when blocked, else 0; fail counts a failure
 * of both; clear forgets the key's failures. Loop thread. */
struct srv_http_req;
struct srv_http_resp;
int srv_auth_limit_check(struct srv_http_req *req, const char *key,
                         struct srv_http_resp *resp);
void srv_auth_limit_fail(struct srv_http_req *req, const char *key);
void srv_auth_limit_clear(struct srv_http_req *req, const char *key);

/* Stops the login verifier threads (answering queued logins with 503). */
void srv_auth_login_stop(struct srv_server *srv);

/* {"id","name","display_name"} of a user. New reference. */
json_t *srv_auth_user_json(const struct srv_user *u);

/* Updates the role of every open connection of user_id in project_id
 * (role SRV_ROLE_NONE closes them: removed from the project); user_id NULL
 * means every connection of the project (project deleted). Loop thread. */
void srv_auth_conns_set_role(const char *project_id, const char *user_id,
                             int role);

#endif
