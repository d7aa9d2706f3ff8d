/* guest.c -- what a guest session of a share link may reach. A guest is a
 * user whose id starts with "g_" (links.h); its role in its link's project
 * is SRV_ROLE_GUEST, below viewer, so every route refuses it by its role
 * alone. The two tables below are the only ways through: WebSocket message
 * types and HTTP routes a guest may use, each with the link right it needs
 * (listen is always granted). Everything else is forbidden: push, undo,
 * history, presence, versions, members, invites, links, uploads, other
 * projects (404, as for anyone who is not a member).
 *
 * A link pinned to a version plays and exports that version only: `play`
 * must name its revision (`rev`), an export `rev=`. An unpinned link plays
 * the head (no `rev`) and, when it has a version, that version's revision.
 *
 * Loop thread only. No global state (the tables are constant). */
#include "server/auth/links.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/core/log.h"
#include "server/core/server.h"
#include "server/core/store.h"
#include "server/core/writer.h"
#include "server/net/http.h"
#include "server/net/ws.h"

/* The rights a table entry may need. */
enum guest_right { G_NONE = 0, G_LISTEN, G_COMMENT, G_DOWNLOAD };

struct guest_rule {
    const char *key;       /* WS: the type; HTTP: "METHOD /pattern" */
    enum guest_right right;
};

static const struct guest_rule ws_rules[] = {
    {"ping", G_NONE},      {"play", G_LISTEN},       {"pause", G_LISTEN},
    {"seek", G_LISTEN},    {"comment.add", G_COMMENT},
};

static const struct guest_rule http_rules[] = {
    {"GET /api/me", G_NONE},
    {"POST /api/logout", G_NONE},
    {"GET /api/guest", G_NONE},
    {"GET /api/assets/{id}/peaks", G_LISTEN},
    {"GET /api/projects/{id}/assets/{asset}/peaks", G_LISTEN},
    {"GET /api/projects/{id}/export", G_DOWNLOAD},
};

static const struct guest_rule *rule_of(const struct guest_rule *t, size_t n,
                                        const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(t[i].key, key) == 0)
            return &t[i];
    return NULL;
}

static const char *right_name(enum guest_right r)
{
    return r == G_COMMENT ? "comment" : r == G_DOWNLOAD ? "download"
                                                        : "listen";
}

static bool has_right(const struct srv_link *l, enum guest_right r)
{
    return r != G_COMMENT ? (r != G_DOWNLOAD || l->can_download)
                          : l->can_comment;
}

/* Live for the guests it already has: not revoked, not expired (a link
 * used up still serves the sessions it started). */
static bool link_alive(const struct srv_link *l, long long now)
{
    enum srv_link_state s = srv_link_state(l, now);

    return s == SRV_LINK_ACTIVE || s == SRV_LINK_USED_UP;
}

int srv_guest_role(db_conn *db, const char *project_id, const char *user_id)
{
    struct srv_guest g;

    if (srv_guest_by_user(db, user_id, &g) != 0 ||
        strcmp(g.link.project_id, project_id) != 0 ||
        !link_alive(&g.link, store_now_ms()))
        return SRV_ROLE_NONE;
    return SRV_ROLE_GUEST;
}

/* May a guest of l play or export revision rev (-1: the head)? Fills why
 * when not. */
static bool rev_allowed(const struct srv_link *l, long long rev, char *why,
                        size_t n)
{
    if (l->pinned) {
        if (rev == l->version_rev)
            return true;
        snprintf(why, n,
                 "this share link plays version \"%s\" only (rev %lld)",
                 l->version_name, l->version_rev);
        return false;
    }
    if (rev < 0 || (l->version_rev >= 0 && rev == l->version_rev))
        return true;
    if (l->version_rev >= 0)
        snprintf(why, n,
                 "this share link plays the head and version \"%s\" (rev "
                 "%lld) only", l->version_name, l->version_rev);
    else
        snprintf(why, n, "this share link plays the head only (no rev)");
    return false;
}

/* ---- WebSocket ---- */

int srv_guest_message_check(struct srv_conn *c, const char *type,
                            json_t *msg)
{
    const struct guest_rule *r =
        rule_of(ws_rules, sizeof ws_rules / sizeof ws_rules[0], type);
    json_t *id = json_object_get(msg, "id");
    struct srv_guest g;
    char why[400];
    int need;

    assert(srv_on_loop_thread());
    assert(c->welcomed);
    c->role = SRV_ROLE_GUEST;
    if (r && r->right == G_NONE)
        return 0;
    if (srv_guest_by_user(c->srv->db, c->user_id, &g) != 0 ||
        strcmp(g.link.project_id, c->project_id) != 0 ||
        !link_alive(&g.link, store_now_ms())) {
        srv_ws_close(c, SRV_CLOSE_LINK_REVOKED,
                     "the share link was revoked or has expired");
        return -1;
    }
    if (!r) {
        srv_ws_error(c, id, PROTO_FORBIDDEN,
                     "a guest of a share link may not send %.64s", type);
        return -1;
    }
    if (!has_right(&g.link, r->right)) {
        srv_ws_error(c, id, PROTO_FORBIDDEN,
                     "this share link does not give the right \"%s\" that "
                     "%s needs", right_name(r->right), type);
        return -1;
    }
    if (strcmp(type, "play") == 0) {
        json_t *rv = json_object_get(msg, "rev");
        long long rev = json_is_integer(rv) ? json_integer_value(rv) : -1;
        if (rv && !json_is_null(rv) && !json_is_integer(rv))
            return 0; /* the parameter check answers invalid_value */
        if (!rev_allowed(&g.link, rev, why, sizeof why)) {
            srv_ws_error(c, id, PROTO_FORBIDDEN, "%s", why);
            return -1;
        }
    }
    need = srv_perm_ws(type);
    c->role = need > SRV_ROLE_GUEST ? need : SRV_ROLE_GUEST;
    return 0;
}

struct close_ctx {
    db_conn *db;
    const char *link_id;
    int n;
};

static void close_one(struct srv_conn *c, void *arg)
{
    struct close_ctx *x = arg;
    struct srv_guest g;

    if (c->closing || !srv_auth_is_guest_id(c->user_id) ||
        srv_guest_by_user(x->db, c->user_id, &g) != 0 ||
        strcmp(g.link.id, x->link_id) != 0)
        return;
    srv_ws_close(c, SRV_CLOSE_LINK_REVOKED,
                 "the share link was revoked by its owner");
    x->n++;
}

int srv_guest_close_link(db_conn *db, const char *link_id)
{
    struct close_ctx x = {db, link_id, 0};

    assert(srv_on_loop_thread());
    srv_ws_each(close_one, &x);
    return x.n;
}

/* ---- HTTP ---- */

struct download_job {
    char link_id[128], user_id[64], name[SRV_GUEST_NAME_MAX * 4 + 1];
    char format[40];
    long long at;
};

static int download_write(db_conn *db, void *arg)
{
    struct download_job *d = arg;
    char err[256];

    if (srv_linkdb_download(db, d->link_id, d->user_id, d->name, d->format,
                            d->at, err, sizeof err) != PROTO_OK) {
        srv_warn("links: could not record a download: %s", err);
        return -1;
    }
    return 0;
}

static void download_done(void *arg, int status)
{
    (void)status;
    free(arg);
}

/* Logs and records (through the writer) a guest's export. */
static void note_download(struct srv_http_req *req, const struct srv_guest *g)
{
    struct download_job *d = calloc(1, sizeof *d);
    char fmt[16] = "wav", v[8] = "";

    if (!d || !req->srv->writer) {
        free(d);
        return;
    }
    srv_http_query(req, "format", fmt, sizeof fmt);
    srv_http_query(req, "stems", v, sizeof v);
    snprintf(d->link_id, sizeof d->link_id, "%s", g->link.id);
    snprintf(d->user_id, sizeof d->user_id, "%s", g->user_id);
    snprintf(d->name, sizeof d->name, "%s", g->name);
    snprintf(d->format, sizeof d->format, "%s%s", fmt,
             strcmp(v, "1") == 0 ? " stems" : "");
    d->at = store_now_ms();
    srv_info("links: guest %s of link %s downloads project %s as %s",
             g->user_id, g->link.id, g->link.project_id, d->format);
    store_writer_submit((struct store_writer *)req->srv->writer,
                        download_write, download_done, d);
}

/* The "METHOD /pattern" of the route whose perm this is. */
static bool route_key(const struct srv_perm *perm, char *out, size_t n)
{
    int nr;
    const struct srv_route *r = srv_http_routes(&nr);

    for (int i = 0; i < nr; i++)
        if (&r[i].perm == perm) {
            snprintf(out, n, "%s %s", r[i].method, r[i].pattern);
            return true;
        }
    return false;
}

int srv_guest_gate(struct srv_http_req *req, const struct srv_perm *perm,
                   const char *project_id, struct srv_http_resp *resp)
{
    char key[200] = "", why[400], v[32];
    const struct guest_rule *r = NULL;
    struct srv_guest g;

    assert(srv_on_loop_thread());
    if (route_key(perm, key, sizeof key))
        r = rule_of(http_rules, sizeof http_rules / sizeof http_rules[0],
                    key);
    if (perm->scope == SRV_PERM_PROJECT &&
        srv_guest_role(req->srv->db, project_id, req->who.id) !=
            SRV_ROLE_GUEST) {
        srv_http_error(resp, PROTO_NOT_FOUND, 404,
                       "project %s does not exist or you are not a member "
                       "of it", project_id && project_id[0] ? project_id
                                                            : "(none)");
        return -1;
    }
    if (!r) {
        srv_http_error(resp, PROTO_FORBIDDEN, 403,
                       "a guest of a share link may not use %s",
                       key[0] ? key : req->path);
        return -1;
    }
    if (r->right == G_NONE)
        return 0;
    if (srv_guest_by_user(req->srv->db, req->who.id, &g) != 0 ||
        !link_alive(&g.link, store_now_ms())) {
        srv_http_error(resp, PROTO_UNAUTHORIZED, 401,
                       "the share link of this guest session was revoked "
                       "or has expired");
        return -1;
    }
    if (!has_right(&g.link, r->right)) {
        srv_http_error(resp, PROTO_FORBIDDEN, 403,
                       "this share link does not give the right \"%s\"",
                       right_name(r->right));
        return -1;
    }
    if (r->right == G_DOWNLOAD) {
        long long rev = -1;
        if (srv_http_query(req, "rev", v, sizeof v))
            rev = strtoll(v, NULL, 10);
        if (!rev_allowed(&g.link, rev, why, sizeof why)) {
            srv_http_error(resp, PROTO_FORBIDDEN, 403, "%s", why);
            return -1;
        }
        note_download(req, &g);
    }
    req->role = perm->role;
    return 0;
}
