/* resync.c -- what the event listener may have missed. Events are sent in
 * the transaction of their change (store_writer_notify), but a listener
 * whose connection was lost hears nothing until it has connected and
 * said LISTEN again. Once it has, cl_resync re-checks every room socket of
 * this node against the store: a member whose membership is gone is
 * closed (4403, as member_removed does), and so is a guest whose share
 * link is no longer active (revoked, expired, deleted). Sessions need no
 * re-check here: auth re-checks every socket's session about once a
 * second (auth_conns.c). So no socket a change revoked survives a
 * listener's reconnect.
 *
 * One query per welcomed socket, on the loop thread, once per reconnect
 * (rare: PostgreSQL restarted or the connection was cut).
 *
 * No global state. */
#include "server/cluster/cluster_priv.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/auth/auth.h"
#include "server/auth/links.h"
#include "server/core/log.h"
#include "server/core/server.h"
#include "server/core/store.h"
#include "server/net/ws.h"

struct resync {
    db_conn *db;
    long long now;
    /* members to close, collected first (closing goes through srv_ws_each) */
    struct gone {
        char project[64], user[64];
    } *gone;
    size_t n, cap;
    int guests;
};

static void note_gone(struct resync *r, const struct srv_conn *c)
{
    if (r->n == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 16;
        struct gone *g = realloc(r->gone, cap * sizeof *g);
        if (!g)
            return; /* out of memory: this one is missed, logged by caller */
        r->gone = g;
        r->cap = cap;
    }
    snprintf(r->gone[r->n].project, sizeof r->gone[r->n].project, "%s",
             c->project_id);
    snprintf(r->gone[r->n].user, sizeof r->gone[r->n].user, "%s",
             c->user_id);
    r->n++;
}

static void check_one(struct srv_conn *c, void *arg)
{
    struct resync *r = arg;
    struct srv_guest g;

    if (!c->welcomed || c->closing || !c->project_id[0] || !c->user_id[0])
        return;
    if (!srv_auth_is_guest_id(c->user_id)) {
        if (srv_auth_member_role(r->db, c->project_id, c->user_id) ==
            SRV_ROLE_NONE)
            note_gone(r, c);
        return;
    }
    if (srv_guest_by_user(r->db, c->user_id, &g) == 0 &&
        !strcmp(g.link.project_id, c->project_id) &&
        srv_link_state(&g.link, r->now) == SRV_LINK_ACTIVE)
        return;
    srv_ws_close(c, SRV_CLOSE_LINK_REVOKED,
                 "the share link was revoked by its owner");
    r->guests++;
}

int cl_resync(struct srv_server *srv)
{
    struct resync r = {.db = srv->db, .now = store_now_ms()};
    int closed;

    assert(srv_on_loop_thread());
    if (!srv->db)
        return 0;
    srv_ws_each(check_one, &r);
    for (size_t i = 0; i < r.n; i++)
        srv_auth_conns_member_removed(r.gone[i].project, r.gone[i].user);
    closed = (int)r.n + r.guests;
    srv_info("cluster: re-checked the sockets after the event listener "
             "reconnected: %d closed (%zu members removed, %d guests of "
             "inactive links)", closed, r.n, r.guests);
    free(r.gone);
    return closed;
}
