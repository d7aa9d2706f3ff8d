/* versions.c -- named versions and their review workflow: version.create
 * {name, note} names the room's head revision; version.list;
 * version.set_status {version, status}; version.rename {version, name}
 * and version.delete {version}, both refused with `conflict` once the
 * version is approved.
 *
 * Workflow (who may move a version, see docs/review.md):
 *   draft             -> in_review                      editor or owner
 *   in_review         -> draft (withdrawn)              editor or owner
 *   in_review         -> approved | changes_requested   owner only
 *   changes_requested -> in_review | draft              editor or owner
 *   approved          -> (final)
 * The latest move is recorded (status_by, status_at), and every move is
 * kept in version_status_log (who, when, from -> to, the optional note of
 * version.set_status), returned as each version's `status_log`, oldest
 * first. A new version emits the event "version", a move "status"
 * (server/core/events.h), after commit.
 *
 * Versions take no revision (the document does not change). Writes go
 * through the store writer; a change whose guard fails there (the version
 * moved or was approved meanwhile) answers `conflict`. After commit the
 * version is broadcast to the project's connections as
 * {"type":"version","version":{...}} (the requester's copy carries the
 * request id; a delete carries "deleted": true). */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/auth/auth.h"
#include "server/core/events.h"
#include "server/core/log.h"
#include "server/core/server.h"
#include "server/review/review_priv.h"
#include "server/rooms/room.h"
#include "server/core/store.h"
#include "server/core/store_stmt.h"
#include "server/core/writer.h"
#include "server/net/ws.h"

enum vop { V_CREATE, V_STATUS, V_RENAME, V_DELETE };

struct vjob {
    enum vop op;
    char project_id[64];
    char id[32];
    char user[64];
    char name[4 * REVIEW_NAME_MAX + 1];
    char *note;
    char status[24], old_status[24];
    char *status_note;        /* version.set_status's note, or NULL */
    char who[128];            /* the requester's name, for events */
    long long rev, now;
    int changes;              /* rows changed (writer) */
    json_t *version;          /* the row after the change (writer builds
                                 nothing; the loop reads it back) */
    json_t *reply_id;         /* loop thread only */
    uint64_t serial;
};

static void vjob_free(struct vjob *j)
{
    free(j->note);
    free(j->status_note);
    json_decref(j->version);
    json_decref(j->reply_id);
    free(j);
}

static json_t *version_row(db_stmt *st)
{
    json_t *o = json_object();

    json_object_set_new(o, "id", json_string(store_col_text(st, 0)));
    json_object_set_new(o, "rev", json_integer(db_column_int64(st, 1)));
    json_object_set_new(o, "name", json_string(store_col_text(st, 2)));
    json_object_set_new(o, "note", json_string(store_col_text(st, 3)));
    json_object_set_new(o, "status", json_string(store_col_text(st, 4)));
    json_object_set_new(o, "created_by", store_col_json_text(st, 5));
    json_object_set_new(o, "created_at",
                        json_integer(db_column_int64(st, 6)));
    json_object_set_new(o, "status_by", store_col_json_text(st, 7));
    json_object_set_new(o, "status_at", store_col_json_int(st, 8));
    return o;
}

/* Adds `status_log` (every move of the version, oldest first: from, to,
 * by, by_name, at, note) to version o. */
static void add_status_log(db_conn *db, const char *project_id, json_t *o)
{
    const char *id = json_string_value(json_object_get(o, "id"));
    json_t *log = json_array();
    db_stmt *st;

    st = store_prepare(db, "SELECT l.from_status, l.to_status, l.user_id,"
                           " coalesce(u.display_name, u.name), l.at, l.note"
                           " FROM version_status_log l LEFT JOIN users u ON"
                           " u.id=l.user_id WHERE l.project_id=? AND"
                           " l.version_id=? ORDER BY l.id",
                       STORE_ARGS(project_id, id), NULL, 0);
    while (st && db_step(st) == DB_ROW)
        json_array_append_new(
            log, json_pack("{s:s, s:s, s:o, s:o, s:I, s:o}", "from",
                           store_col_text(st, 0), "to", store_col_text(st, 1),
                           "by", store_col_json_text(st, 2), "by_name",
                           store_col_json_text(st, 3), "at",
                           (json_int_t)db_column_int64(st, 4), "note",
                           store_col_json_text(st, 5)));
    db_finalize(st);
    json_object_set_new(o, "status_log", log);
}

#define VERSION_COLS                                                          \
    "id, rev, name, note, status, created_by, created_at, status_by, "       \
    "status_at"

/* One version of the project by id (NULL if none). */
static json_t *version_get(db_conn *db, const char *project_id,
                           const char *id)
{
    db_stmt *st = NULL;
    json_t *o = NULL;

    st = store_prepare(db, "SELECT " VERSION_COLS " FROM versions WHERE "
                           "project_id=? AND id=?",
                       STORE_ARGS(project_id, id), NULL, 0);
    if (!st)
        return NULL;
    if (db_step(st) == DB_ROW)
        o = version_row(st);
    db_finalize(st);
    if (o)
        add_status_log(db, project_id, o);
    return o;
}

/* Writer thread. */
static int vjob_write(db_conn *db, void *arg)
{
    struct vjob *j = arg;
    db_stmt *st = NULL;
    const char *sql = NULL;
    int rc;

    assert(store_on_writer_thread());

    switch (j->op) {
    case V_CREATE:
        sql = "INSERT INTO versions(id, project_id, rev, name, note, status,"
              " created_by, created_at) VALUES(?1,?2,?3,?4,?5,'draft',?6,?7)";
        break;
    case V_STATUS:
        sql = "UPDATE versions SET status=?8, status_by=?6, status_at=?7"
              " WHERE id=?1 AND project_id=?2 AND status=?9";
        break;
    case V_RENAME:
        sql = "UPDATE versions SET name=?4, note=coalesce(?5, note)"
              " WHERE id=?1 AND project_id=?2 AND status<>'approved'";
        break;
    case V_DELETE:
        sql = "DELETE FROM versions WHERE id=?1 AND project_id=?2"
              " AND status<>'approved'";
        break;
    }
    st = store_prepare(db, sql, STORE_ARGS(j->id, j->project_id), NULL, 0);
    if (!st) {
        srv_err("versions: %s", db_errmsg(db));
        return -1;
    }
    if (j->op == V_CREATE)
        db_bind_int64(st, 3, j->rev);
    if (j->op == V_CREATE || j->op == V_RENAME)
        db_bind_text(st, 4, j->name, -1, DB_STATIC);
    if (j->note)
        db_bind_text(st, 5, j->note, -1, DB_STATIC);
    else if (j->op == V_CREATE)
        db_bind_text(st, 5, "", -1, DB_STATIC);
    if (j->op == V_CREATE || j->op == V_STATUS) {
        db_bind_text(st, 6, j->user, -1, DB_STATIC);
        db_bind_int64(st, 7, j->now);
    }
    if (j->op == V_STATUS) {
        db_bind_text(st, 8, j->status, -1, DB_STATIC);
        db_bind_text(st, 9, j->old_status, -1, DB_STATIC);
    }
    rc = db_step(st);
    db_finalize(st);
    if (rc != DB_DONE) {
        srv_err("versions: %s", db_errmsg(db));
        return -1;
    }
    j->changes = db_changes(db);
    if (j->op == V_STATUS && j->changes == 1) {
        /* raw: the note may be NULL */
        rc = db_prepare(
            db, "INSERT INTO version_status_log(project_id, version_id,"
                " from_status, to_status, user_id, at, note)"
                " VALUES(?1,?2,?3,?4,?5,?6,?7)", &st);
        if (rc == DB_OK) {
            db_bind_text(st, 1, j->project_id, -1, DB_STATIC);
            db_bind_text(st, 2, j->id, -1, DB_STATIC);
            db_bind_text(st, 3, j->old_status, -1, DB_STATIC);
            db_bind_text(st, 4, j->status, -1, DB_STATIC);
            db_bind_text(st, 5, j->user, -1, DB_STATIC);
            db_bind_int64(st, 6, j->now);
            if (j->status_note)
                db_bind_text(st, 7, j->status_note, -1, DB_STATIC);
            rc = db_step(st);
        }
        db_finalize(st);
        if (rc != DB_DONE) {
            srv_err("versions: status log: %s", db_errmsg(db));
            return -1;
        }
    }
    return 0;
}

/* Tells the event registry about a committed new version or move. */
static void vjob_emit(struct srv_server *srv, const struct vjob *j,
                      const json_t *v)
{
    char text[4 * REVIEW_NAME_MAX + 128];
    const char *name = json_string_value(json_object_get(v, "name"));

    if (j->op == V_CREATE)
        snprintf(text, sizeof text, "%s", name ? name : j->id);
    else
        snprintf(text, sizeof text, "%s: %s \u2192 %s", name ? name : j->id,
                 j->old_status, j->status);
    struct srv_event ev = {
        .kind = j->op == V_CREATE ? "version" : "status",
        .project = j->project_id,
        .actor = j->user[0] ? j->user : NULL,
        .actor_name = j->who,
        .target = j->id,
        .at_frame = -1,
        .text = text,
    };
    srv_event_emit(srv, &ev);
}

struct send_ctx {
    struct vjob *j;
    const char *text;
};

static void send_each(struct srv_conn *c, void *arg)
{
    struct send_ctx *x = arg;

    if (!c->welcomed || strcmp(c->project_id, x->j->project_id) != 0)
        return;
    if (c->serial == x->j->serial)
        return;
    srv_ws_send_text(c, x->text, strlen(x->text));
}

/* Loop thread, after commit: answer and broadcast. */
static void vjob_done(void *arg, int status)
{
    struct vjob *j = arg;
    struct srv_server *srv = srv_server_instance;
    struct srv_conn *req = srv_room_requester(j->serial, j->project_id);

    if (status != 0) {
        if (req)
            srv_ws_error(req, j->reply_id, PROTO_INTERNAL,
                         "the version could not be saved");
        goto out;
    }
    if (j->changes != 1) {
        if (req)
            srv_ws_error(req, j->reply_id, PROTO_CONFLICT,
                         "version %s changed meanwhile (or is approved); "
                         "list the versions and try again", j->id);
        goto out;
    }
    json_t *v = j->op == V_DELETE ? json_pack("{s:s, s:b}", "id", j->id,
                                              "deleted", 1)
                                  : version_get(srv->db, j->project_id, j->id);
    if (!v) {
        if (req)
            srv_ws_error(req, j->reply_id, PROTO_INTERNAL,
                         "the version could not be read back");
        goto out;
    }
    json_t *msg = json_pack("{s:s, s:o}", "type", "version", "version", v);
    char *text = json_dumps(msg, JSON_COMPACT | JSON_SORT_KEYS);
    struct send_ctx x = {j, text};
    if (text)
        srv_ws_each(send_each, &x);
    free(text);
    if (j->op == V_CREATE || j->op == V_STATUS)
        vjob_emit(srv, j, v);
    if (req)
        srv_ws_send(req, msg, j->reply_id);
    else
        json_decref(msg);
out:
    vjob_free(j);
}

static struct vjob *vjob_new(struct srv_conn *c, enum vop op, json_t *id)
{
    struct vjob *j = calloc(1, sizeof *j);

    if (!j)
        return NULL;
    j->op = op;
    snprintf(j->project_id, sizeof j->project_id, "%s", c->project_id);
    snprintf(j->user, sizeof j->user, "%s", c->user_id);
    snprintf(j->who, sizeof j->who, "%s", review_who(c));
    j->now = store_now_ms();
    j->serial = c->serial;
    j->reply_id = id ? json_incref(id) : NULL;
    return j;
}

static void vjob_submit(struct srv_conn *c, struct vjob *j)
{
    store_writer_submit(c->srv->writer, vjob_write, vjob_done, j);
}

static bool hello_done(struct srv_conn *c, json_t *id)
{
    if (!c->room || !c->room_link) {
        srv_ws_error(c, id, PROTO_UNAUTHORIZED, "say hello first");
        return false;
    }
    return true;
}

/* The fields of the version messages (checked by ws.c, see ws_params.h):
 * name 1..REVIEW_NAME_MAX characters, note up to REVIEW_NOTE_MAX, the
 * version's id (shorter than vjob.id). */
#define NAME_ROW                                                            \
    {.name = "name", .type = SRV_WS_STRING, .flags = SRV_WS_REQUIRED,       \
     .code = PROTO_INVALID_VALUE, .min = 1, .max = REVIEW_NAME_MAX}
#define NOTE_ROW                                                            \
    {.name = "note", .type = SRV_WS_STRING, .flags = SRV_WS_NULLABLE,       \
     .code = PROTO_INVALID_VALUE, .max = REVIEW_NOTE_MAX}
#define VERSION_ROW                                                         \
    {.name = "version", .type = SRV_WS_KEY, .flags = SRV_WS_REQUIRED,       \
     .code = PROTO_BAD_REQUEST, .max = sizeof ((struct vjob *)0)->id - 1,  \
     .what = "the id of a version"}

static const char *const statuses[] = {"draft", "in_review", "approved",
                                       "changes_requested", NULL};

static const struct srv_ws_param create_params[] = {NAME_ROW, NOTE_ROW,
                                                    {.name = NULL}};
static const struct srv_ws_param set_status_params[] = {
    {.name = "status", .type = SRV_WS_CHOICE, .flags = SRV_WS_REQUIRED,
     .code = PROTO_INVALID_VALUE, .choices = statuses},
    VERSION_ROW,
    NOTE_ROW,
    {.name = NULL}};
static const struct srv_ws_param rename_params[] = {NAME_ROW, NOTE_ROW,
                                                    VERSION_ROW,
                                                    {.name = NULL}};
static const struct srv_ws_param delete_params[] = {VERSION_ROW,
                                                    {.name = NULL}};

static int on_create(struct srv_conn *c, struct srv_ws_args *a, json_t *id)
{
    const char *name = srv_ws_arg_str(a, "name");
    const char *note = srv_ws_arg_str(a, "note");

    if (!hello_done(c, id))
        return 0;
    struct vjob *j = vjob_new(c, V_CREATE, id);
    if (!j)
        return srv_ws_error(c, id, PROTO_INTERNAL, "out of memory"), 0;
    review_new_id(j->id, sizeof j->id, "v_");
    snprintf(j->name, sizeof j->name, "%s", name);
    j->note = strdup(note ? note : "");
    j->rev = srv_room_head(c->room);
    vjob_submit(c, j);
    return 0;
}

/* The version named by the `version` field, read now; replies if none. */
static json_t *current(struct srv_conn *c, const struct srv_ws_args *a,
                       json_t *id)
{
    const char *vid = srv_ws_arg_str(a, "version");

    assert(vid); /* a required row */
    json_t *v = version_get(c->srv->db, c->project_id, vid);
    if (!v)
        srv_ws_error(c, id, PROTO_NOT_FOUND, "version %s does not exist", vid);
    return v;
}

static bool may_move(const char *from, const char *to, int role)
{
    bool editor = role >= SRV_ROLE_EDITOR, owner = role >= SRV_ROLE_OWNER;

    if (strcmp(from, "draft") == 0)
        return strcmp(to, "in_review") == 0 && editor;
    if (strcmp(from, "in_review") == 0)
        return (strcmp(to, "draft") == 0 && editor) ||
               ((strcmp(to, "approved") == 0 ||
                 strcmp(to, "changes_requested") == 0) && owner);
    if (strcmp(from, "changes_requested") == 0)
        return (strcmp(to, "in_review") == 0 || strcmp(to, "draft") == 0) &&
               editor;
    return false;
}

static int on_set_status(struct srv_conn *c, struct srv_ws_args *a,
                         json_t *id)
{
    const char *to = srv_ws_arg_str(a, "status");
    json_t *v;

    if (!hello_done(c, id))
        return 0;
    if (!(v = current(c, a, id)))
        return 0;
    const char *from = json_string_value(json_object_get(v, "status"));
    if (!may_move(from, to, SRV_ROLE_OWNER)) {
        srv_ws_error(c, id, PROTO_CONFLICT,
                     "a version cannot go from %s to %s", from, to);
    } else if (!may_move(from, to, c->role)) {
        srv_ws_error(c, id, PROTO_FORBIDDEN,
                     "only an owner of the project may approve a version or "
                     "request changes");
    } else {
        struct vjob *j = vjob_new(c, V_STATUS, id);
        if (!j) {
            srv_ws_error(c, id, PROTO_INTERNAL, "out of memory");
        } else {
            snprintf(j->id, sizeof j->id, "%s",
                     json_string_value(json_object_get(v, "id")));
            snprintf(j->status, sizeof j->status, "%s", to);
            snprintf(j->old_status, sizeof j->old_status, "%s", from);
            const char *note = srv_ws_arg_str(a, "note");
            j->status_note = note ? strdup(note) : NULL;
            vjob_submit(c, j);
        }
    }
    json_decref(v);
    return 0;
}

static int rename_or_delete(struct srv_conn *c, struct srv_ws_args *a,
                            json_t *id, enum vop op)
{
    const char *name = op == V_RENAME ? srv_ws_arg_str(a, "name") : NULL;
    const char *note = op == V_RENAME ? srv_ws_arg_str(a, "note") : NULL;
    json_t *v;

    if (!hello_done(c, id) || !(v = current(c, a, id)))
        return 0;
    if (strcmp(json_string_value(json_object_get(v, "status")), "approved") ==
        0) {
        srv_ws_error(c, id, PROTO_CONFLICT,
                     "version %s is approved: it cannot be %s",
                     json_string_value(json_object_get(v, "id")),
                     op == V_RENAME ? "renamed" : "removed");
    } else {
        struct vjob *j = vjob_new(c, op, id);
        if (!j) {
            srv_ws_error(c, id, PROTO_INTERNAL, "out of memory");
        } else {
            snprintf(j->id, sizeof j->id, "%s",
                     json_string_value(json_object_get(v, "id")));
            if (name)
                snprintf(j->name, sizeof j->name, "%s", name);
            j->note = note ? strdup(note) : NULL;
            vjob_submit(c, j);
        }
    }
    json_decref(v);
    return 0;
}

static int on_rename(struct srv_conn *c, struct srv_ws_args *a, json_t *id)
{
    return rename_or_delete(c, a, id, V_RENAME);
}

static int on_delete(struct srv_conn *c, struct srv_ws_args *a, json_t *id)
{
    return rename_or_delete(c, a, id, V_DELETE);
}

/* version.list -> {"type":"version.list","versions":[...]} newest first */
static int on_list(struct srv_conn *c, struct srv_ws_args *a, json_t *id)
{
    db_stmt *st = NULL;
    json_t *out;

    (void)a;
    if (!hello_done(c, id))
        return 0;
    st = store_prepare(c->srv->db,
                       "SELECT " VERSION_COLS " FROM versions WHERE "
                       "project_id=? ORDER BY rev DESC, created_at DESC",
                       STORE_ARGS(c->project_id), NULL, 0);
    if (!st)
        return srv_ws_error(c, id, PROTO_INTERNAL,
                            "the versions could not be read"), 0;
    out = json_array();
    while (db_step(st) == DB_ROW)
        json_array_append_new(out, version_row(st));
    db_finalize(st);
    size_t i;
    json_t *v;
    json_array_foreach(out, i, v) add_status_log(c->srv->db, c->project_id, v);
    srv_ws_send(c, json_pack("{s:s, s:o}", "type", "version.list", "versions",
                             out),
                id);
    return 0;
}

static const struct srv_ws_route routes[] = {
    {"version.create", SRV_MEMBER(SRV_ROLE_EDITOR), on_create, false,
     create_params},
    {"version.list", SRV_MEMBER(SRV_ROLE_VIEWER), on_list, false, NULL},
    {"version.set_status", SRV_MEMBER(SRV_ROLE_EDITOR), on_set_status, false,
     set_status_params},
    {"version.rename", SRV_MEMBER(SRV_ROLE_EDITOR), on_rename, false,
     rename_params},
    {"version.delete", SRV_MEMBER(SRV_ROLE_EDITOR), on_delete, false,
     delete_params},
};

void review_versions_init(void)
{
    srv_ws_add_routes(routes, (int)(sizeof routes / sizeof routes[0]));
}
