/* comments.c -- timestamped comments: comment.add / edit / resolve /
 * reopen / delete / list, their place in welcome and catch-up, and the
 * review module's init.
 *
 * Every change of a comment is a revision of the project (ops row of kind
 * 'comment' whose ops column holds the comment as JSON, inverse []), made
 * with srv_room_commit_rev: the document is untouched, the undo stacks
 * never see it, the comments row is written in the same transaction, and
 * {"type":"comment","rev","comment"} goes to every client after commit
 * (the author's copy carries the request's id: its answer).
 *
 * The comments of a loaded project are kept in memory (a cache per
 * project, loaded from the comments table on first use, changed on the
 * loop thread when a change is committed -- like the room's document, it
 * may be ahead of the database by revisions being written). A cache is
 * dropped when its room unloads, and reloaded if the room was reloaded
 * after a failed commit (its head went back below what the cache wrote).
 *
 * changed_since: a comment on a clip or track carries changed_since true
 * when that object's stored revision (objects.rev) is after the comment's
 * rev, or it was deleted; changed_fields then names the fields set since,
 * read from the ops rows after the comment that mention the object's id.
 *
 * Global state (documented; loop thread only): the list of caches. */
#include "server/review/review.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/document.h"
#include "protocol/errors.h"
#include "server/auth/auth.h"
#include "server/core/events.h"
#include "server/core/log.h"
#include "server/core/writer.h"
#include "server/core/server.h"
#include "server/review/review_priv.h"
#include "server/rooms/room.h"
#include "server/core/store.h"
#include "server/core/store_stmt.h"
#include "server/net/ws.h"

/* Positions: at most 24 hours at 48 kHz. */
#define COMMENT_MAX_FRAMES (24LL * 3600 * 48000)

struct cstore {
    struct cstore *next;
    char project_id[64];
    const struct srv_room *room;
    long long last_rev;       /* newest revision this cache committed */
    json_t *byid;             /* id -> comment object (owned) */
    json_t *order;            /* ids in creation order */
};

static struct cstore *stores;

static void cstore_free(struct cstore *s)
{
    json_decref(s->byid);
    json_decref(s->order);
    free(s);
}

/* Loads every comment of the project (deleted ones too: they keep their
 * threads and refuse changes). */
static int cstore_load(struct cstore *s, db_conn *db)
{
    db_stmt *st = NULL;
    int rc;

    st = store_prepare(
        db,
        "SELECT c.id, c.parent, c.author, c.at, c.end_at, c.track, c.clip,"
        " c.body, c.mentions, c.rev, c.version_id, c.resolved, c.deleted,"
        " c.created_at, c.edited_at, c.updated_rev, u.display_name"
        " FROM comments c LEFT JOIN users u ON u.id = c.author"
        " WHERE c.project_id=? ORDER BY c.created_at, c.rev, c.id",
        STORE_ARGS(s->project_id), NULL, 0);
    if (!st)
        return -1;
    while ((rc = db_step(st)) == DB_ROW) {
        json_t *o = json_object();
        json_t *m = json_loads(store_col_text(st, 8), 0, NULL);
        json_object_set_new(o, "id", json_string(store_col_text(st, 0)));
        json_object_set_new(o, "parent", store_col_json_text(st, 1));
        json_object_set_new(o, "author", store_col_json_text(st, 2));
        json_object_set_new(o, "at", store_col_json_int(st, 3));
        json_object_set_new(o, "end", store_col_json_int(st, 4));
        json_object_set_new(o, "track", store_col_json_text(st, 5));
        json_object_set_new(o, "clip", store_col_json_text(st, 6));
        json_object_set_new(o, "body", json_string(store_col_text(st, 7)));
        json_object_set_new(o, "mentions", json_is_array(m) ? m : json_array());
        if (!json_is_array(m))
            json_decref(m);
        json_object_set_new(o, "rev", store_col_json_int(st, 9));
        json_object_set_new(o, "version", store_col_json_text(st, 10));
        json_object_set_new(o, "resolved",
                            json_boolean(db_column_int(st, 11)));
        json_object_set_new(o, "deleted",
                            json_boolean(db_column_int(st, 12)));
        json_object_set_new(o, "created_at", store_col_json_int(st, 13));
        json_object_set_new(o, "edited_at", store_col_json_int(st, 14));
        json_object_set_new(o, "updated_rev", store_col_json_int(st, 15));
        /* the author's name, and whether a share link's guest wrote it */
        json_object_set_new(o, "author_name", store_col_json_text(st, 16));
        json_object_set_new(o, "guest", json_boolean(srv_auth_is_guest_id(
                                            store_col_text(st, 2))));
        json_array_append_new(s->order, json_string(store_col_text(st, 0)));
        json_object_set_new(s->byid, store_col_text(st, 0), o);
    }
    db_finalize(st);
    return rc == DB_DONE ? 0 : -1;
}

/* The cache of a loaded room (loaded or reloaded as needed); NULL on a
 * database error. */
static struct cstore *cstore_get(struct srv_server *srv, struct srv_room *room,
                                 const char *project_id)
{
    struct cstore *s, **p;

    for (p = &stores; (s = *p); p = &s->next)
        if (strcmp(s->project_id, project_id) == 0)
            break;
    if (s && (s->room != room || srv_room_head(room) < s->last_rev)) {
        *p = s->next;
        cstore_free(s);
        s = NULL;
    }
    if (s)
        return s;
    s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    snprintf(s->project_id, sizeof s->project_id, "%s", project_id);
    s->room = room;
    s->byid = json_object();
    s->order = json_array();
    if (cstore_load(s, srv->db) != 0) {
        srv_err("comments: project %s: %s", project_id,
                db_errmsg(srv->db));
        cstore_free(s);
        return NULL;
    }
    s->next = stores;
    stores = s;
    return s;
}

/* Drops the caches of rooms no longer loaded. */
static void comments_tick(struct srv_server *srv)
{
    (void)srv;
    for (struct cstore **p = &stores, *s; (s = *p);) {
        if (srv_room_find(s->project_id) != s->room) {
            *p = s->next;
            cstore_free(s);
        } else {
            p = &s->next;
        }
    }
}

/* ------------------------------------------------------------------ */
/* changed_since                                                        */

/* Adds changed_since and changed_fields to a copy of a comment. */
static json_t *with_changes(db_conn *db, const char *project_id,
                            const json_t *cm)
{
    json_t *out = json_deep_copy(cm);
    json_t *fields = json_array();
    const char *target = json_string_value(json_object_get(cm, "clip"));
    long long rev = json_integer_value(json_object_get(cm, "rev"));
    db_stmt *st = NULL;
    bool changed = false;

    if (!target)
        target = json_string_value(json_object_get(cm, "track"));
    if (!target)
        goto out;
    st = store_prepare(db, "SELECT rev FROM objects WHERE project_id=? "
                           "AND id=?",
                       STORE_ARGS(project_id, target), NULL, 0);
    if (!st)
        goto out;
    bool gone = db_step(st) != DB_ROW;
    changed = gone || db_column_int64(st, 0) > rev;
    db_finalize(st);
    st = NULL;
    if (!changed)
        goto out;

    char needle[96];
    json_t *seen = json_object();
    snprintf(needle, sizeof needle, "\"id\":\"%s\"", target);
    /* raw: an integer parameter (?2) between the text ones */
    if (db_prepare(db, "SELECT ops FROM ops WHERE project_id=?1 AND "
                               "rev>?2 AND kind<>'comment' AND "
                               "length(replace(ops, ?3, '')) < length(ops)"
                               " ORDER BY rev", &st) == DB_OK) {
        db_bind_text(st, 1, project_id, -1, DB_STATIC);
        db_bind_int64(st, 2, rev);
        db_bind_text(st, 3, needle, -1, DB_STATIC);
        while (db_step(st) == DB_ROW) {
            json_t *ops = json_loads(store_col_text(st, 0), 0, NULL);
            size_t i;
            json_t *op;
            json_array_foreach(ops, i, op) {
                const char *id = json_string_value(json_object_get(op, "id"));
                const char *kind = json_string_value(json_object_get(op, "op"));
                if (!id || !kind || strcmp(id, target) != 0)
                    continue;
                if (strcmp(kind, "set") == 0) {
                    const char *f;
                    json_t *v;
                    json_object_foreach(json_object_get(op, "fields"), f, v)
                        json_object_set_new(seen, f, json_true());
                } else if (strcmp(kind, "delete") == 0) {
                    json_object_set_new(seen, "deleted", json_true());
                } else if (strcmp(kind, "create") == 0) {
                    json_object_set_new(seen, "created", json_true());
                }
            }
            json_decref(ops);
        }
    }
    if (gone)
        json_object_set_new(seen, "deleted", json_true());
    const char *f;
    json_t *v;
    json_object_foreach(seen, f, v) json_array_append_new(fields,
                                                          json_string(f));
    json_decref(seen);
out:
    db_finalize(st);
    json_object_set_new(out, "changed_since", json_boolean(changed));
    json_object_set_new(out, "changed_fields", fields);
    return out;
}

/* ------------------------------------------------------------------ */
/* committing a change                                                  */

/* The writer's copy of one comment change (owned by the revision). */
struct cwrite {
    char project_id[64];
    json_t *comment;          /* a deep copy only the writer reads */
};

static void cwrite_free(void *arg)
{
    struct cwrite *w = arg;

    json_decref(w->comment);
    free(w);
}

static void bind_str(db_stmt *st, int i, const json_t *o, const char *k)
{
    const char *v = json_string_value(json_object_get(o, k));
    if (v)
        db_bind_text(st, i, v, -1, DB_STATIC);
    else
        db_bind_null(st, i);
}

static void bind_int(db_stmt *st, int i, const json_t *o, const char *k)
{
    const json_t *v = json_object_get(o, k);
    if (json_is_integer(v))
        db_bind_int64(st, i, json_integer_value(v));
    else
        db_bind_null(st, i);
}

/* Writer thread: the comments row, in the revision's transaction. */
static int cwrite_run(db_conn *db, long long rev, void *arg)
{
    struct cwrite *w = arg;
    const json_t *o = w->comment;
    db_stmt *st = NULL;
    char *mentions = json_dumps(json_object_get(o, "mentions"), JSON_COMPACT);
    int rc = -1;

    assert(store_on_writer_thread());

    /* raw prepare: 17 parameters of mixed types bound from the comment */
    if (db_prepare(
            db,
            "INSERT INTO comments(id, project_id, parent, author, at, end_at,"
            " track, clip, body, mentions, rev, version_id, resolved, deleted,"
            " created_at, edited_at, updated_rev)"
            " VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17)"
            " ON CONFLICT(project_id, id) DO UPDATE SET body=excluded.body,"
            " mentions=excluded.mentions, resolved=excluded.resolved,"
            " deleted=excluded.deleted, edited_at=excluded.edited_at,"
            " updated_rev=excluded.updated_rev", &st) != DB_OK)
        goto out;
    bind_str(st, 1, o, "id");
    db_bind_text(st, 2, w->project_id, -1, DB_STATIC);
    bind_str(st, 3, o, "parent");
    bind_str(st, 4, o, "author");
    bind_int(st, 5, o, "at");
    bind_int(st, 6, o, "end");
    bind_str(st, 7, o, "track");
    bind_str(st, 8, o, "clip");
    bind_str(st, 9, o, "body");
    db_bind_text(st, 10, mentions ? mentions : "[]", -1, DB_STATIC);
    bind_int(st, 11, o, "rev");
    bind_str(st, 12, o, "version");
    db_bind_int(st, 13, json_is_true(json_object_get(o, "resolved")));
    db_bind_int(st, 14, json_is_true(json_object_get(o, "deleted")));
    bind_int(st, 15, o, "created_at");
    bind_int(st, 16, o, "edited_at");
    db_bind_int64(st, 17, rev);
    rc = store_step_done(st, NULL, 0);
    if (rc != 0)
        srv_err("comments: storing %s: %s",
                json_string_value(json_object_get(o, "id")),
                db_errmsg(db));
out:
    db_finalize(st);
    free(mentions);
    return rc;
}

/* Commits the new state of a comment (cm: a new object, stolen) as one
 * revision and puts it in the cache. Replies with an error itself when
 * it cannot. Returns 0 when committed, -1 when not. */
static int commit_comment(struct srv_conn *c, struct cstore *s, json_t *cm,
                           bool is_new, const char *summary, json_t *id)
{
    struct srv_room *room = c->room;
    long long rev = srv_room_head(room) + 1;
    const char *cid = json_string_value(json_object_get(cm, "id"));
    struct cwrite *w = calloc(1, sizeof *w);
    proto_err err;

    if (!w) {
        json_decref(cm);
        srv_ws_error(c, id, PROTO_INTERNAL, "out of memory");
        return -1;
    }
    json_object_set_new(cm, "updated_rev", json_integer(rev));
    if (is_new)
        json_object_set_new(cm, "rev", json_integer(rev));
    snprintf(w->project_id, sizeof w->project_id, "%s", c->project_id);
    w->comment = json_deep_copy(cm);
    json_t *msg = json_pack("{s:s, s:O}", "type", "comment", "comment", cm);
    json_t *out = json_object_get(msg, "comment");
    json_object_set_new(out, "changed_since", json_false());
    json_object_set_new(out, "changed_fields", json_array());
    struct srv_room_rev_opts o = {
        .summary = summary,
        .no_apply = true,
        .message = msg,
        .write = cwrite_run,
        .free_arg = cwrite_free,
        .arg = w,
    };
    long long r = srv_room_commit_rev(room, c, "comment", cm, id, &o, &err);
    json_decref(msg);
    if (r < 0) {
        json_decref(cm);
        srv_ws_error(c, id, err.code, "%s", err.message);
        return -1;
    }
    assert(r == rev);
    s->last_rev = r;
    if (is_new)
        json_array_append_new(s->order, json_string(cid));
    json_object_set_new(s->byid, cid, cm);
    return 0;
}

/* Tells the event registry about a new comment (kind "comment" or
 * "reply") and each member it mentions (kind "mention"). */
static void emit_comment(struct srv_conn *c, const json_t *cm,
                         const char *parent)
{
    const json_t *ms = json_object_get(cm, "mentions");
    const char *mention_ids[65];
    size_t i, n = 0;
    json_t *v;

    json_array_foreach(ms, i, v) if (n < 64 && json_is_string(v))
        mention_ids[n++] = json_string_value(v);
    mention_ids[n] = NULL;
    struct srv_event ev = {
        .kind = parent ? "reply" : "comment",
        .project = c->project_id,
        .actor = c->user_id[0] ? c->user_id : NULL,
        .actor_name = review_who(c),
        .target = json_string_value(json_object_get(cm, "id")),
        .at_frame = json_integer_value(json_object_get(cm, "at")),
        .text = json_string_value(json_object_get(cm, "body")),
        .thread = parent,
        .mentions = mention_ids,
    };
    srv_event_emit(c->srv, &ev);
    ev.kind = "mention";
    for (i = 0; i < n; i++) {
        ev.recipient = mention_ids[i];
        srv_event_emit(c->srv, &ev);
    }
}

/* ------------------------------------------------------------------ */
/* requests                                                             */

/* The room and the comment cache of c; replies with an error if none. */
static struct cstore *cstore_of(struct srv_conn *c, json_t *id)
{
    struct srv_room *room = c->room;

    if (!room || !c->room_link) {
        srv_ws_error(c, id, PROTO_UNAUTHORIZED, "say hello first");
        return NULL;
    }
    struct cstore *s = cstore_get(c->srv, room, c->project_id);
    if (!s)
        srv_ws_error(c, id, PROTO_INTERNAL, "the comments could not be read");
    return s;
}

/* The comment named by the `comment` field (a live one); replies if none. */
static json_t *find_comment(struct srv_conn *c, struct cstore *s,
                            const struct srv_ws_args *a, json_t *id)
{
    const char *cid = srv_ws_arg_str(a, "comment");

    assert(cid); /* a required row */
    json_t *cm = json_object_get(s->byid, cid);
    if (!cm || json_is_true(json_object_get(cm, "deleted"))) {
        srv_ws_error(c, id, PROTO_NOT_FOUND, "comment %s does not exist", cid);
        return NULL;
    }
    return cm;
}

/* The member ids named by @name in body (each once, in order). */
static json_t *mentions_of(db_conn *db, const char *project_id,
                           const char *body)
{
    json_t *out = json_array();
    db_stmt *st = NULL;

    /* raw: prepared once, then reset and bound again for each @name;
     * users.name compares without case in both engines (SQLite: the
     * column's COLLATE NOCASE; PostgreSQL: citext) */
    if (db_prepare(db, "SELECT u.id FROM members m JOIN users u ON "
                               "u.id=m.user_id WHERE m.project_id=? AND "
                               "u.name=?", &st) != DB_OK)
        return out;
    for (const char *p = body; (p = strchr(p, '@'));) {
        char name[65];
        size_t n = 0;
        if (p > body && (p[-1] == '_' || (p[-1] >= '0' && p[-1] <= '9') ||
                         ((p[-1] | 32) >= 'a' && (p[-1] | 32) <= 'z'))) {
            p++; /* an e-mail address, not a mention */
            continue;
        }
        p++;
        while (n < sizeof name - 1 &&
               (p[n] == '_' || p[n] == '-' || p[n] == '.' ||
                (p[n] >= '0' && p[n] <= '9') ||
                ((p[n] | 32) >= 'a' && (p[n] | 32) <= 'z')))
            n++;
        while (n > 0 && p[n - 1] == '.') /* "@ana." ends a sentence */
            n--;
        memcpy(name, p, n);
        name[n] = '\0';
        p += n;
        if (!n)
            continue;
        db_reset(st);
        db_bind_text(st, 1, project_id, -1, DB_STATIC);
        db_bind_text(st, 2, name, -1, DB_TRANSIENT);
        if (db_step(st) == DB_ROW) {
            const char *uid = store_col_text(st, 0);
            bool dup = false;
            size_t i;
            json_t *v;
            json_array_foreach(out, i, v) if (strcmp(json_string_value(v), uid) == 0) dup = true;
            if (!dup)
                json_array_append_new(out, json_string(uid));
        }
    }
    db_finalize(st);
    return out;
}

/* The fields of the comment messages (checked by ws.c, see ws_params.h). */
#define POS_ROW(n, fl)                                                      \
    {.name = n, .type = SRV_WS_FRAME, .flags = fl,                          \
     .code = PROTO_INVALID_VALUE, .max = COMMENT_MAX_FRAMES}
#define BODY_ROW(fl)                                                        \
    {.name = "body", .type = SRV_WS_STRING, .flags = SRV_WS_REQUIRED | fl,  \
     .code = PROTO_INVALID_VALUE, .min = 1, .max = REVIEW_BODY_MAX}
#define COMMENT_ROW                                                         \
    {.name = "comment", .type = SRV_WS_KEY, .flags = SRV_WS_REQUIRED,       \
     .code = PROTO_BAD_REQUEST, .what = "the id of a comment"}

static const struct srv_ws_param add_params[] = {
    POS_ROW("at", SRV_WS_REQUIRED),
    POS_ROW("end", SRV_WS_NULLABLE),
    {.name = "track", .type = SRV_WS_KEY, .flags = SRV_WS_NULLABLE,
     .code = PROTO_INVALID_VALUE, .what = "the id of a track"},
    {.name = "clip", .type = SRV_WS_KEY, .flags = SRV_WS_NULLABLE,
     .code = PROTO_INVALID_VALUE, .what = "the id of a clip"},
    BODY_ROW(0),
    {.name = "parent", .type = SRV_WS_KEY, .flags = SRV_WS_NULLABLE,
     .code = PROTO_INVALID_VALUE, .what = "the id of a comment"},
    {.name = NULL}};

/* edit: the body after the author check, as before */
static const struct srv_ws_param edit_params[] = {
    COMMENT_ROW, BODY_ROW(SRV_WS_LATER), {.name = NULL}};

/* resolve, reopen, delete */
static const struct srv_ws_param change_params[] = {COMMENT_ROW,
                                                    {.name = NULL}};

static const char *const list_statuses[] = {"open", "resolved", "all", NULL};

/* author and track: any other type than a string reads as no filter */
static const struct srv_ws_param list_params[] = {
    {.name = "status", .type = SRV_WS_CHOICE, .flags = SRV_WS_NULLABLE,
     .code = PROTO_INVALID_VALUE, .choices = list_statuses},
    {.name = "author", .type = SRV_WS_KEY, .flags = SRV_WS_LOOSE},
    {.name = "track", .type = SRV_WS_KEY, .flags = SRV_WS_LOOSE},
    POS_ROW("from", SRV_WS_NULLABLE),
    POS_ROW("to", SRV_WS_NULLABLE),
    {.name = NULL}};

/* The object of kind key named by the field key, if given: *out = its id
 * (NULL when the field is absent). Returns -1 after replying when there is
 * no such object of that kind in the live document. */
static int get_ref(struct srv_conn *c, const struct srv_ws_args *a,
                   const char *key, const char **out, json_t *id)
{
    const char *ref = srv_ws_arg_str(a, key);
    const proto_doc *doc = srv_room_doc(c->room);

    *out = NULL;
    if (!ref)
        return 0;
    const json_t *o = proto_doc_get(doc, ref);
    const char *kind = o ? json_string_value(json_object_get(o, "kind")) : NULL;
    if (!kind || strcmp(kind, key) != 0) {
        srv_ws_error(c, id, PROTO_INVALID_VALUE,
                     "%s must be the id of an existing %s; there is none "
                     "with id %s", key, key, ref);
        return -1;
    }
    *out = ref;
    return 0;
}

static int on_add(struct srv_conn *c, struct srv_ws_args *a, json_t *id)
{
    struct cstore *s = cstore_of(c, id);
    long long at = srv_ws_arg_int(a, "at", -1);
    long long end = srv_ws_arg_int(a, "end", -1);
    const char *track, *clip, *body = srv_ws_arg_str(a, "body");
    char cid[32], ver[64], when[32], summary[256];

    if (!s)
        return 0;
    if (get_ref(c, a, "track", &track, id) != 0 ||
        get_ref(c, a, "clip", &clip, id) != 0)
        return 0;
    if (end >= 0 && end <= at)
        return srv_ws_error(c, id, PROTO_INVALID_VALUE,
                            "end must be after at (%lld)", at), 0;
    if (clip) {
        const json_t *co = proto_doc_get(srv_room_doc(c->room), clip);
        const char *ct = json_string_value(json_object_get(co, "track"));
        if (track && ct && strcmp(track, ct) != 0)
            return srv_ws_error(c, id, PROTO_INVALID_VALUE,
                                "clip %s is not on track %s", clip, track), 0;
        if (!track)
            track = ct;
    }
    const char *jp = srv_ws_arg_str(a, "parent");
    const char *parent = NULL;
    if (jp) {
        json_t *pc = json_object_get(s->byid, jp);
        if (!pc || json_is_true(json_object_get(pc, "deleted")))
            return srv_ws_error(c, id, PROTO_INVALID_VALUE,
                                "parent must be the id of an existing "
                                "comment"), 0;
        /* a reply to a reply joins the thread of its root */
        const char *root = json_string_value(json_object_get(pc, "parent"));
        parent = root ? root : jp;
    }
    review_new_id(cid, sizeof cid, "cm_");
    review_current_version(c->srv->db, c->project_id, ver, sizeof ver);
    json_t *cm = json_object();
    json_object_set_new(cm, "id", json_string(cid));
    json_object_set_new(cm, "parent", parent ? json_string(parent) : json_null());
    json_object_set_new(cm, "author", json_string(c->user_id));
    json_object_set_new(cm, "author_name", json_string(c->display_name));
    json_object_set_new(cm, "guest",
                        json_boolean(srv_auth_is_guest_id(c->user_id)));
    json_object_set_new(cm, "at", json_integer(at));
    json_object_set_new(cm, "end", end >= 0 ? json_integer(end) : json_null());
    json_object_set_new(cm, "track", track ? json_string(track) : json_null());
    json_object_set_new(cm, "clip", clip ? json_string(clip) : json_null());
    json_object_set_new(cm, "body", json_string(body));
    json_object_set_new(cm, "mentions",
                        mentions_of(c->srv->db, c->project_id, body));
    json_object_set_new(cm, "version", ver[0] ? json_string(ver) : json_null());
    json_object_set_new(cm, "resolved", json_false());
    json_object_set_new(cm, "deleted", json_false());
    json_object_set_new(cm, "created_at", json_integer(store_now_ms()));
    json_object_set_new(cm, "edited_at", json_null());
    review_fmt_time(when, sizeof when, at,
                    proto_doc_sample_rate(srv_room_doc(c->room)));
    snprintf(summary, sizeof summary, "%s %s at %s", review_who(c),
             parent ? "replied" : "commented", when);
    json_incref(cm);
    if (commit_comment(c, s, cm, true, summary, id) == 0)
        emit_comment(c, cm, parent);
    json_decref(cm);
    return 0;
}

/* edit, resolve, reopen, delete */
enum change { CH_EDIT, CH_RESOLVE, CH_REOPEN, CH_DELETE };

static int on_change(struct srv_conn *c, struct srv_ws_args *a, json_t *id,
                     enum change ch)
{
    struct cstore *s = cstore_of(c, id);
    json_t *cur;
    const char *body = NULL;
    char when[32], summary[256];

    if (!s || !(cur = find_comment(c, s, a, id)))
        return 0;
    const char *author = json_string_value(json_object_get(cur, "author"));
    bool mine = author && strcmp(author, c->user_id) == 0;
    if (ch == CH_EDIT && !mine)
        return srv_ws_error(c, id, PROTO_FORBIDDEN,
                            "only its author may edit a comment"), 0;
    if (ch == CH_DELETE && !mine && c->role < SRV_ROLE_OWNER)
        return srv_ws_error(c, id, PROTO_FORBIDDEN,
                            "only its author or an owner of the project may "
                            "delete a comment"), 0;
    if (ch == CH_EDIT && !srv_ws_check_later(c, a, id))
        return 0;
    if (ch == CH_EDIT)
        body = srv_ws_arg_str(a, "body");
    bool resolved = json_is_true(json_object_get(cur, "resolved"));
    if ((ch == CH_RESOLVE && resolved) || (ch == CH_REOPEN && !resolved))
        return srv_ws_error(c, id, PROTO_CONFLICT, "the comment is already %s",
                            resolved ? "resolved" : "open"), 0;

    json_t *cm = json_deep_copy(cur);
    const char *verb = "";
    switch (ch) {
    case CH_EDIT:
        json_object_set_new(cm, "body", json_string(body));
        json_object_set_new(cm, "mentions",
                            mentions_of(c->srv->db, c->project_id, body));
        json_object_set_new(cm, "edited_at", json_integer(store_now_ms()));
        verb = "edited the comment";
        break;
    case CH_RESOLVE:
        json_object_set_new(cm, "resolved", json_true());
        verb = "resolved the comment";
        break;
    case CH_REOPEN:
        json_object_set_new(cm, "resolved", json_false());
        verb = "reopened the comment";
        break;
    case CH_DELETE:
        json_object_set_new(cm, "deleted", json_true());
        verb = "deleted the comment";
        break;
    }
    review_fmt_time(when, sizeof when,
                    json_integer_value(json_object_get(cm, "at")),
                    proto_doc_sample_rate(srv_room_doc(c->room)));
    snprintf(summary, sizeof summary, "%s %s at %s", review_who(c), verb,
             when);
    commit_comment(c, s, cm, false, summary, id);
    return 0;
}

static int on_edit(struct srv_conn *c, struct srv_ws_args *a, json_t *id)
{
    return on_change(c, a, id, CH_EDIT);
}

static int on_resolve(struct srv_conn *c, struct srv_ws_args *a, json_t *id)
{
    return on_change(c, a, id, CH_RESOLVE);
}

static int on_reopen(struct srv_conn *c, struct srv_ws_args *a, json_t *id)
{
    return on_change(c, a, id, CH_REOPEN);
}

static int on_delete(struct srv_conn *c, struct srv_ws_args *a, json_t *id)
{
    return on_change(c, a, id, CH_DELETE);
}

/* comment.list {status?: "open"|"resolved"|"all", author?, track?,
 * from?, to?} -> {"type":"comment.list","comments":[...]} */
static int on_list(struct srv_conn *c, struct srv_ws_args *args, json_t *id)
{
    struct cstore *s = cstore_of(c, id);
    const char *status = srv_ws_arg_str(args, "status");
    const char *author = srv_ws_arg_str(args, "author");
    const char *track = srv_ws_arg_str(args, "track");
    long long from = srv_ws_arg_int(args, "from", -1);
    long long to = srv_ws_arg_int(args, "to", -1);

    if (!s)
        return 0;
    if (!status)
        status = "all";
    json_t *out = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(s->order, i, v) {
        const json_t *cm = json_object_get(s->byid, json_string_value(v));
        if (!cm || json_is_true(json_object_get(cm, "deleted")))
            continue;
        bool res = json_is_true(json_object_get(cm, "resolved"));
        if ((strcmp(status, "open") == 0 && res) ||
            (strcmp(status, "resolved") == 0 && !res))
            continue;
        const char *a = json_string_value(json_object_get(cm, "author"));
        const char *t = json_string_value(json_object_get(cm, "track"));
        if (author && (!a || strcmp(a, author) != 0))
            continue;
        if (track && (!t || strcmp(t, track) != 0))
            continue;
        long long at = json_integer_value(json_object_get(cm, "at"));
        json_t *je = json_object_get(cm, "end");
        long long end = json_is_integer(je) ? json_integer_value(je) : at;
        if ((from >= 0 && end < from) || (to >= 0 && at > to))
            continue;
        json_array_append_new(out, with_changes(c->srv->db, c->project_id, cm));
    }
    srv_ws_send(c, json_pack("{s:s, s:o}", "type", "comment.list", "comments",
                             out),
                id);
    return 0;
}

json_t *srv_comments_snapshot(struct srv_server *srv, struct srv_room *room,
                              const char *project_id)
{
    json_t *out = json_array();
    struct cstore *s = cstore_get(srv, room, project_id);
    size_t i;
    json_t *v;

    if (!s)
        return out;
    json_array_foreach(s->order, i, v) {
        const json_t *cm = json_object_get(s->byid, json_string_value(v));
        if (cm && !json_is_true(json_object_get(cm, "deleted")))
            json_array_append_new(out, with_changes(srv->db, project_id, cm));
    }
    return out;
}

/* Catch-up: a stored comment revision as the message clients got then. */
static json_t *comment_catchup(long long rev, const char *user, long long ts,
                               json_t *ops)
{
    (void)user;
    (void)ts;
    json_t *cm = json_deep_copy(ops);
    if (!json_is_object(cm)) {
        json_decref(cm);
        return NULL;
    }
    json_object_set_new(cm, "changed_since", json_false());
    json_object_set_new(cm, "changed_fields", json_array());
    return json_pack("{s:s, s:I, s:o}", "type", "comment", "rev",
                     (json_int_t)rev, "comment", cm);
}

static const struct srv_ws_route routes[] = {
    {"comment.add", SRV_MEMBER(SRV_ROLE_COMMENTER), on_add, false,
     add_params},
    {"comment.edit", SRV_MEMBER(SRV_ROLE_COMMENTER), on_edit, false,
     edit_params},
    {"comment.resolve", SRV_MEMBER(SRV_ROLE_COMMENTER), on_resolve, false,
     change_params},
    {"comment.reopen", SRV_MEMBER(SRV_ROLE_COMMENTER), on_reopen, false,
     change_params},
    {"comment.delete", SRV_MEMBER(SRV_ROLE_COMMENTER), on_delete, false,
     change_params},
    {"comment.list", SRV_MEMBER(SRV_ROLE_VIEWER), on_list, false,
     list_params},
};

void srv_review_init(void)
{
    static bool done; /* main thread, before the loop runs */

    if (done)
        return;
    done = true;
    srv_ws_add_routes(routes, (int)(sizeof routes / sizeof routes[0]));
    srv_room_on_catchup_kind("comment", comment_catchup);
    /* the snapshot's live comments, at the room's head */
    srv_room_add_section(SRV_ROOM_SNAPSHOT, "comments", srv_comments_snapshot);
    srv_loop_on_tick(comments_tick);
    review_versions_init();
    review_restore_init();
    review_rename_init();
}
