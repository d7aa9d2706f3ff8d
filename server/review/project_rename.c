/* project_rename.c -- PATCH /api/projects/{id} {"name"}: renames a project
 * from the project list (owner only).
 *
 * The name lives in the document (the project object's "name"; the
 * projects table follows it at each commit), so a rename is one revision
 * of kind "push" by the caller, made with srv_room_commit_rev (it does not
 * enter anybody's undo stack): every open studio sees it as a delta, the
 * history names it, and the answer goes out only once the revision is
 * durable. It lives here, not in server/auth, because auth may not use
 * rooms (docs/architecture.md). Loop thread. */
#include <assert.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/core/server.h"
#include "server/net/http.h"
#include "server/net/ws.h"
#include "server/review/review_priv.h"
#include "server/rooms/room.h"

/* A rename waiting for its revision to be durable (the revision's
 * free_arg). */
struct rename_commit {
    struct srv_http_req *req;
    struct srv_room *room;
    long long rev;      /* -1 until srv_room_commit_rev returned */
    bool failed_early;  /* free_arg ran inside a failed commit_rev */
    char name[4 * REVIEW_NAME_MAX + 1];
};

/* free_arg of the revision: answers once it is durable (or failed). */
static void rename_done(void *arg)
{
    struct rename_commit *rc = arg;
    struct srv_http_resp resp;

    if (rc->rev < 0) {
        rc->failed_early = true; /* the handler answers and frees */
        return;
    }
    memset(&resp, 0, sizeof resp);
    if (srv_room_committed(rc->room) >= rc->rev)
        srv_http_json(&resp, 200,
                      json_pack("{s:{s:s, s:s}, s:I}", "project", "id",
                                rc->req->params[0], "name", rc->name, "rev",
                                (json_int_t)rc->rev));
    else
        srv_http_error(&resp, PROTO_INTERNAL, 0,
                       "the new name could not be stored; nothing changed");
    srv_http_complete(rc->req, &resp);
    free(rc);
}

/* Contract: body {"name": 1..200 characters, not only spaces}; 400
 * invalid_value naming "name" otherwise, 409 conflict when it already has
 * that name; 200 {"project":{"id","name"},"rev"} after commit. */
static enum srv_http_result h_project_rename(struct srv_http_req *req,
                                             struct srv_http_resp *resp)
{
    struct srv_server *srv = req->srv;
    struct srv_room *room;
    struct srv_conn as_user;
    struct rename_commit *rc = NULL;
    const json_t *p;
    const char *name, *old;
    json_t *body, *ops = NULL;
    proto_err perr;
    char err[256], summary[1024];
    enum srv_http_result r = SRV_HTTP_DONE;
    long long rev;
    size_t n;

    if (!(body = srv_http_body_json(req, resp)))
        return SRV_HTTP_DONE;
    name = json_string_value(json_object_get(body, "name"));
    n = name ? review_utf8_len(name) : 0;
    if (!name || n < 1 || n > REVIEW_NAME_MAX ||
        strspn(name, " \t\r\n") == strlen(name)) {
        srv_http_error(resp, PROTO_INVALID_VALUE, 400,
                       "name must be a string of 1 to %d characters (not "
                       "only spaces)",
                       REVIEW_NAME_MAX);
        goto out;
    }
    room = srv_room_open(srv, req->params[0], err, sizeof err);
    if (!room) {
        srv_http_error(resp, PROTO_INTERNAL, 0, "%s", err);
        goto out;
    }
    p = proto_doc_get(srv_room_doc(room), "project");
    old = p ? json_string_value(json_object_get(p, "name")) : NULL;
    if (old && strcmp(old, name) == 0) {
        srv_http_error(resp, PROTO_CONFLICT, 409,
                       "the project is already named \"%s\"", name);
        goto out;
    }
    ops = json_pack("[{s:s, s:s, s:{s:s}}]", "op", "set", "id", "project",
                    "fields", "name", name);
    rc = calloc(1, sizeof *rc);
    if (!ops || !rc) {
        free(rc);
        srv_http_error(resp, PROTO_INTERNAL, 0, "out of memory");
        goto out;
    }
    rc->req = req;
    rc->room = room;
    rc->rev = -1;
    snprintf(rc->name, sizeof rc->name, "%s", name);
    memset(&as_user, 0, sizeof as_user);
    as_user.srv = srv;
    snprintf(as_user.user_id, sizeof as_user.user_id, "%s", req->who.id);
    snprintf(as_user.user_name, sizeof as_user.user_name, "%s", req->who.name);
    snprintf(as_user.display_name, sizeof as_user.display_name, "%s",
             req->who.display_name);
    snprintf(as_user.client_id, sizeof as_user.client_id, "http-rename");
    as_user.role = req->role;
    snprintf(summary, sizeof summary, "%s renamed the project to %s",
             review_who(&as_user), name);
    struct srv_room_rev_opts o = {.summary = summary, .free_arg = rename_done,
                                  .arg = rc};
    rev = srv_room_commit_rev(room, &as_user, "push", ops, NULL, &o, &perr);
    if (rev < 0) {
        assert(rc->failed_early);
        free(rc);
        srv_http_error(resp, perr.code, 0, "the project cannot be renamed: %s",
                       perr.message);
        goto out;
    }
    rc->rev = rev;
    r = SRV_HTTP_DEFER;
out:
    json_decref(ops);
    json_decref(body);
    return r;
}

static const struct srv_route rename_routes[] = {
    {.method = "PATCH", .pattern = "/api/projects/{id}",
     .perm = SRV_MEMBER(SRV_ROLE_OWNER), .handler = h_project_rename},
};

void review_rename_init(void)
{
    srv_http_add_routes(rename_routes, (int)(sizeof rename_routes /
                                             sizeof rename_routes[0]));
}
