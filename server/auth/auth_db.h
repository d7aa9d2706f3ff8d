/* auth_db.h -- the writes of accounts, sessions, projects, members and
 * invites, as plain functions on a writable SQLite connection. The server
 * calls them from jobs on the writer thread (inside its batch transaction);
 * the command line calls them on its own connection inside BEGIN IMMEDIATE.
 * None of them opens a transaction of its own. Results are proto codes
 * (PROTO_OK, or the error with a sentence in err). */
#ifndef MIXROOM_SERVER_AUTH_DB_H
#define MIXROOM_SERVER_AUTH_DB_H

#include "server/core/db.h"
#include <stddef.h>

#include "protocol/errors.h"
#include "server/auth/auth.h"

/* Creates a user. name must pass srv_auth_name_ok (checked again here);
 * display may be NULL or "" (then the name is used). pw_hash is an encoded
 * Argon2id hash. PROTO_CONFLICT when the name is taken (any case). */
proto_code srv_authdb_user_create(db_conn *db, const char *name,
                                  const char *display, const char *pw_hash,
                                  struct srv_user *out, char *err,
                                  size_t errlen);

/* Replaces a user's password hash and ends all of the user's sessions.
 * PROTO_NOT_FOUND if no such user. */
proto_code srv_authdb_user_set_password(db_conn *db, const char *user_id,
                                        const char *pw_hash, char *err,
                                        size_t errlen);

/* Stores a session: the token's hash, its user, and its expiry (ms). */
proto_code srv_authdb_session_insert(db_conn *db,
                                     const unsigned char *token_hash,
                                     const char *user_id, long long now_ms,
                                     long long expires_ms, char *err,
                                     size_t errlen);

/* Deletes the session with this token hash (no error if absent). */
proto_code srv_authdb_session_delete(db_conn *db,
                                     const unsigned char *token_hash,
                                     char *err, size_t errlen);

/* Creates a project (name 1-200 chars, sample_rate 44100 or 48000): the
 * projects row, the owner's membership and the initial `project` object
 * (rev 0). Fills id_out. */
proto_code srv_authdb_project_create(db_conn *db, const char *name,
                                     int sample_rate, const char *owner_id,
                                     char *id_out, size_t idlen, char *err,
                                     size_t errlen);

/* Deletes a project and everything of it (cascade). */
proto_code srv_authdb_project_delete(db_conn *db, const char *project_id,
                                     char *err, size_t errlen);

/* Sets user_id's role in the project (adding the member if needed).
 * Refuses (PROTO_CONFLICT) to demote the last owner. PROTO_NOT_FOUND if the
 * project or the user does not exist. */
proto_code srv_authdb_member_set(db_conn *db, const char *project_id,
                                 const char *user_id, int role, char *err,
                                 size_t errlen);

/* Removes a member. Refuses (PROTO_CONFLICT) to remove the last owner;
 * PROTO_NOT_FOUND if not a member. */
proto_code srv_authdb_member_remove(db_conn *db, const char *project_id,
                                    const char *user_id, char *err,
                                    size_t errlen);

/* Stores an invite (token hash, role, expiry in ms, max uses). */
proto_code srv_authdb_invite_insert(db_conn *db, const char *invite_id,
                                    const unsigned char *token_hash,
                                    const char *project_id, int role,
                                    const char *created_by, long long now_ms,
                                    long long expires_ms, int max_uses,
                                    char *err, size_t errlen);

/* Marks an invite of the project revoked. PROTO_NOT_FOUND if none. */
proto_code srv_authdb_invite_revoke(db_conn *db, const char *project_id,
                                    const char *invite_id, char *err,
                                    size_t errlen);

/* How an invite can be used. */
enum srv_invite_state {
    SRV_INVITE_OK = 0,
    SRV_INVITE_UNKNOWN,
    SRV_INVITE_REVOKED,
    SRV_INVITE_EXPIRED,
    SRV_INVITE_USED_UP,
};

/* Joins user_id to the invite's project: checks the invite (state_out says
 * why it cannot be used), adds the member with the invite's role (a member
 * who already has that role or a higher one keeps it and uses nothing) and
 * counts one use. Fills project_id and *role_out (the member's role after).
 * PROTO_OK, or PROTO_NOT_FOUND with *state_out set. */
proto_code srv_authdb_invite_use(db_conn *db, const unsigned char *token_hash,
                                 const char *user_id, long long now_ms,
                                 char *project_id, size_t idlen, int *role_out,
                                 int *state_out, char *err, size_t errlen);

/* A one-line sentence for an invite state ("this invite has expired"). */
const char *srv_invite_state_message(int state);

#endif
