/* links.h -- share links and guest sessions inside server/auth/: the
 * stored form of a link (links.c: rows, states, the writes), its HTTP
 * routes (http_links.c) and the guest policy (guest.c: what a guest
 * session may reach, by WebSocket and HTTP). Not for other modules: they
 * see a guest only as a user whose role in one project is SRV_ROLE_GUEST
 * (srv_auth_member_role) and srv_auth_is_guest_id (auth.h).
 *
 * A guest session is a users row (id "g_...", name "guest~<id>", display
 * name "<name> (guest)", a pw_hash that never verifies) with an ordinary
 * sessions row, tied to its link by the `guests` table
 * (migrations/0003_links.sql). So tokens, expiry, logout and the socket
 * re-check work for guests unchanged. */
#ifndef MIXROOM_SERVER_AUTH_LINKS_H
#define MIXROOM_SERVER_AUTH_LINKS_H

#include <jansson.h>
#include "server/core/db.h"
#include <stdbool.h>
#include <stddef.h>

#include "protocol/errors.h"
#include "server/auth/auth.h"

struct srv_http_req;
struct srv_http_resp;
struct srv_perm;

#define SRV_LINK_LABEL_MAX 200  /* characters of a label */
#define SRV_GUEST_NAME_MAX 40   /* characters of a guest's name */
#define SRV_GUEST_ID_PREFIX "g_"
#define SRV_GUEST_NAME_PREFIX "guest~" /* never a valid user name */

/* The WebSocket close status of a guest socket whose link was revoked. */
#define SRV_CLOSE_LINK_REVOKED 4403

/* Where a link stands. */
enum srv_link_state {
    SRV_LINK_ACTIVE = 0,
    SRV_LINK_REVOKED,
    SRV_LINK_EXPIRED,
    SRV_LINK_USED_UP,
};

/* One share link as stored (no token: only its hash is kept). */
struct srv_link {
    char id[128];
    char project_id[128];
    char project_name[256];
    bool can_comment, can_download;   /* listen is always implied */
    char version_id[64];              /* "" when the link has none */
    char version_name[256];
    long long version_rev;            /* -1 when the link has no version */
    bool pinned;                      /* plays version_rev only */
    long long expires_at;             /* ms; 0: never */
    long long max_uses;               /* 0: unlimited */
    long long uses;
    char pw_hash[SRV_PW_HASH_MAX];    /* "" when no password */
    char label[SRV_LINK_LABEL_MAX * 4 + 1];
    long long created_at, revoked_at; /* revoked_at 0: live */
};

/* A guest session's user and its link. */
struct srv_guest {
    char user_id[64];
    char name[SRV_GUEST_NAME_MAX * 4 + 1];
    struct srv_link link;
};

/* ---- link_parse.c: the request bodies (pure; any thread) ---- */

/* Characters (UTF-8 code points) of s; 0 for NULL. */
size_t srv_link_utf8_chars(const char *s);

/* Is `name` a guest's name: 1 to SRV_GUEST_NAME_MAX characters, no control
 * characters, not starting with a space? */
bool srv_link_name_ok(const char *name);

/* Reads the owner's create body {"rights","version","pinned","expires_at",
 * "max_uses","password","label"} into l (rights, version_id, pinned,
 * expires_at, max_uses, label; version_rev -1: the caller looks the
 * version up) and password (pwlen bytes; "" for none). PROTO_OK, or
 * PROTO_INVALID_VALUE with err naming the field and its limit (an unknown
 * field too). */
proto_code srv_link_parse_create(json_t *body, struct srv_link *l,
                                 char *password, size_t pwlen, char *err,
                                 size_t errlen);

/* Reads a guest's session body {"name","password"}: name (namelen bytes)
 * and, when a non-empty password is given, password with *has_pw true.
 * PROTO_OK or PROTO_INVALID_VALUE with err naming the field. */
proto_code srv_link_parse_session(json_t *body, char *name, size_t namelen,
                                  char *password, size_t pwlen, bool *has_pw,
                                  char *err, size_t errlen);

/* ---- links.c: reads (any connection of the calling thread) ---- */

/* The link whose token hash is `hash`, or -1 when there is none. */
int srv_link_by_hash(db_conn *db, const unsigned char *hash,
                     struct srv_link *out);

/* The link `link_id` of project_id, or -1. */
int srv_link_by_id(db_conn *db, const char *project_id, const char *link_id,
                   struct srv_link *out);

/* The guest behind user_id (a "g_" id) with its link, or -1. */
int srv_guest_by_user(db_conn *db, const char *user_id, struct srv_guest *out);

/* The state of l at time now (ms). */
enum srv_link_state srv_link_state(const struct srv_link *l, long long now);

/* "active", "revoked", "expired", "used_up". */
const char *srv_link_state_name(enum srv_link_state s);

/* A sentence for a guest about a link that cannot be used. */
const char *srv_link_state_message(enum srv_link_state s);

/* {"id","label","rights","version","pinned","expires_at","max_uses",
 * "uses","password","state","created_at","revoked_at","guests",
 * "downloads"} of l; guests and downloads are counted on db. New
 * reference. */
json_t *srv_link_json(db_conn *db, const struct srv_link *l, long long now);

/* ---- links.c: writes (writer thread) ---- */

/* Inserts l (id, project, rights, version, expiry, uses, password hash,
 * label, created_at) with its token hash, unless the project already has
 * `max_links` links (PROTO_CONFLICT, err says so). */
proto_code srv_linkdb_insert(db_conn *db, const struct srv_link *l,
                             const char *created_by,
                             const unsigned char *token_hash,
                             long long max_links, char *err, size_t errlen);

/* Marks the link revoked (at now) and deletes the sessions of its guests.
 * PROTO_NOT_FOUND when project_id has no such link. */
proto_code srv_linkdb_revoke(db_conn *db, const char *project_id,
                             const char *link_id, long long now, char *err,
                             size_t errlen);

/* Starts a guest session on link_id: counts a use if the link is still
 * active at `now` (else *state says why and PROTO_FORBIDDEN), creates the
 * guest's users and guests rows (user id guest_id, display name
 * "<name> (guest)") and its session (token hash, expiry). */
proto_code srv_linkdb_guest_start(db_conn *db, const char *link_id,
                                  const char *guest_id, const char *name,
                                  const unsigned char *token_hash,
                                  long long now, long long expires,
                                  enum srv_link_state *state, char *err,
                                  size_t errlen);

/* Records a download of a guest of link_id in `format`. */
proto_code srv_linkdb_download(db_conn *db, const char *link_id,
                               const char *user_id, const char *name,
                               const char *format, long long now, char *err,
                               size_t errlen);

/* ---- http_links.c ---- */

/* Registers the link routes (owner: POST/GET …/links, DELETE
 * …/links/{link}; public: GET /api/links/{token}, POST
 * /api/links/{token}/session; guests: GET /api/guest). */
void srv_links_http_register(void);

/* ---- guest.c: the guest policy (loop thread) ---- */

/* The gate's part for a request of a guest session (req->who is a guest):
 * allowed only for the routes of the guest table, each with the right it
 * needs, in the guest's own project, while the link is active; a pinned
 * link's export must name its version's revision. A guest's export is
 * recorded as a download. Returns 0 (req->role set to the route's role)
 * or -1 with resp filled (403, or 404 for another project). */
int srv_guest_gate(struct srv_http_req *req, const struct srv_perm *perm,
                   const char *project_id, struct srv_http_resp *resp);

/* The message check's part for a welcomed guest connection: refuses
 * (forbidden, naming the right or the version) what the guest table does
 * not allow and returns -1; else sets c->role to the role the message
 * type's route needs, so that the WebSocket layer's role check passes for
 * exactly that message, and returns 0. */
int srv_guest_message_check(struct srv_conn *c, const char *type,
                            json_t *msg);

/* SRV_ROLE_GUEST when user_id is a guest of an active link of project_id,
 * else SRV_ROLE_NONE. */
int srv_guest_role(db_conn *db, const char *project_id, const char *user_id);

/* Closes (4403) every open socket of a guest of link_id; returns how many. */
int srv_guest_close_link(db_conn *db, const char *link_id);

#endif
