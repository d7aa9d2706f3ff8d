/* activity.c -- the activity feed: turns each event of the registry
 * (server/core/events.h) into one item per recipient, written by the
 * store writer, then tells each recipient's open sockets
 * {"type":"activity","item":{...},"unread":N}.
 *
 * Who gets an item (never the actor):
 *   mention          the mentioned member
 *   reply            the thread's author and everyone who replied before
 *   comment          the project's owners
 *   version, status, take   every member
 *   join             the project's owners
 *   member           the member who was added, changed or removed
 * A member mentioned in a comment or reply gets only the mention. A user
 * keeps at most ACTIVITY_KEEP items; older ones are dropped.
 *
 * Recipients are read on the loop with its reader connection (the thread
 * from the comments table, so a reply committed in the same instant may be
 * missed by the next one; the comment itself never is). */
#include "server/activity/activity.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/activity/activity_priv.h"
#include "server/core/events.h"
#include "server/core/log.h"
#include "server/core/server.h"
#include "server/core/store.h"
#include "server/core/store_stmt.h"
#include "server/core/writer.h"
#include "server/net/ws.h"

/* Most recipients of one event (a project's members). */
#define ACT_MAX_RECIPIENTS 256
#define ACT_EXCERPT 200

/* One event's items, on their way through the writer. */
struct act_job {
    char kind[16];
    char project[64];
    char actor[128];
    char actor_id[64];
    long long ts;
    char text[512];
    char url[256];
    int n;
    char users[ACT_MAX_RECIPIENTS][64];
    long long ids[ACT_MAX_RECIPIENTS];   /* written by the writer */
};

json_t *act_item_row(db_stmt *st)
{
    return json_pack("{s:I, s:s, s:s, s:o, s:I, s:s, s:s, s:b, s:o}", "id",
                     (json_int_t)db_column_int64(st, 0), "kind",
                     store_col_text(st, 1), "project", store_col_text(st, 2),
                     "actor", store_col_json_text(st, 3), "ts",
                     (json_int_t)db_column_int64(st, 4), "text",
                     store_col_text(st, 5), "url", store_col_text(st, 6),
                     "read", db_column_int(st, 7) != 0, "project_name",
                     store_col_json_text(st, 8));
}

long long act_unread(db_conn *db, const char *user, const char *project)
{
    long long n = 0;

    if (project)
        store_query_int(db, "SELECT count(*) FROM activity WHERE user_id=? "
                            "AND project_id=? AND read=0",
                        STORE_ARGS(user, project), &n, NULL, 0);
    else
        store_query_int(db, "SELECT count(*) FROM activity WHERE user_id=? "
                            "AND read=0",
                        STORE_ARGS(user), &n, NULL, 0);
    return n;
}

/* Adds user to the job once (not the actor, not one of skip). */
static void add_recipient(struct act_job *j, const char *user,
                          const char *const *skip)
{
    if (!user || !*user || strcmp(user, j->actor_id) == 0)
        return;
    for (const char *const *p = skip; p && *p; p++)
        if (strcmp(*p, user) == 0)
            return;
    for (int i = 0; i < j->n; i++)
        if (strcmp(j->users[i], user) == 0)
            return;
    if (j->n >= ACT_MAX_RECIPIENTS)
        return;
    snprintf(j->users[j->n++], sizeof j->users[0], "%s", user);
}

/* Adds the users of a one-column query (members of the project only). */
static void add_query(db_conn *db, struct act_job *j, const char *sql,
                      const char *const *args, const char *const *skip)
{
    db_stmt *st = store_prepare(db, sql, args, NULL, 0);

    while (st && db_step(st) == DB_ROW)
        add_recipient(j, store_col_text(st, 0), skip);
    db_finalize(st);
}

/* Copies at most max bytes of s into out, cut on a character boundary,
 * with "…" when cut. */
static void excerpt(char *out, size_t n, const char *s, size_t max)
{
    size_t len = strlen(s);

    if (max > n - 4)
        max = n - 4;
    if (len <= max) {
        snprintf(out, n, "%s", s);
        return;
    }
    while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
        max--;
    snprintf(out, n, "%.*s\xE2\x80\xA6", (int)max, s);
}

/* The sentence people read for ev. */
static void item_text(char *out, size_t n, const struct srv_event *ev,
                      const char *actor)
{
    char body[ACT_EXCERPT + 8];
    const char *k = ev->kind;

    excerpt(body, sizeof body, ev->text ? ev->text : "", ACT_EXCERPT);
    if (!strcmp(k, "comment"))
        snprintf(out, n, "%s commented: %s", actor, body);
    else if (!strcmp(k, "reply"))
        snprintf(out, n, "%s replied: %s", actor, body);
    else if (!strcmp(k, "mention"))
        snprintf(out, n, "%s mentioned you: %s", actor, body);
    else if (!strcmp(k, "version"))
        snprintf(out, n, "%s saved the version %s", actor, body);
    else if (!strcmp(k, "status"))
        snprintf(out, n, "%s moved the version %s", actor, body);
    else if (!strcmp(k, "take"))
        snprintf(out, n, "%s recorded a take%s%s", actor, *body ? ": " : "",
                 body);
    else if (!strcmp(k, "join"))
        snprintf(out, n, "%s joined the project (%s)", actor, body);
    else if (!strcmp(k, "member") && !strcmp(body, "removed"))
        snprintf(out, n, "%s removed you from the project", actor);
    else if (!strcmp(k, "member"))
        snprintf(out, n, "%s made you %s of the project", actor, body);
    else
        snprintf(out, n, "%s: %s", actor, body);
}

/* Where an item opens: the comment at its position, the version, or the
 * project. */
static void item_url(char *out, size_t n, const struct srv_event *ev)
{
    const char *k = ev->kind;
    bool is_comment = !strcmp(k, "comment") || !strcmp(k, "reply") ||
                      !strcmp(k, "mention");

    if (is_comment && ev->target)
        snprintf(out, n, "/p/%s?t=%lld&comment=%s", ev->project,
                 (long long)(ev->at_frame > 0 ? ev->at_frame : 0), ev->target);
    else if ((!strcmp(k, "version") || !strcmp(k, "status")) && ev->target)
        snprintf(out, n, "/p/%s?version=%s", ev->project, ev->target);
    else
        snprintf(out, n, "/p/%s", ev->project);
}

/* Writer thread: one row per recipient, and the oldest items past
 * ACTIVITY_KEEP of each dropped. */
static int act_write(db_conn *db, void *arg)
{
    struct act_job *j = arg;
    db_stmt *ins = NULL, *trim = NULL;
    int rc = -1;

    assert(store_on_writer_thread());
    /* raw: integer and nullable parameters */
    if (db_prepare(db, "INSERT INTO activity(user_id, kind,"
                               " project_id, actor, actor_id, ts, text, url)"
                               " VALUES(?1,?2,?3,?4,?5,?6,?7,?8)", &ins) != DB_OK ||
        db_prepare(db, "DELETE FROM activity WHERE user_id=?1 AND"
                               " id <= (SELECT id FROM activity WHERE"
                               " user_id=?1 ORDER BY id DESC LIMIT 1"
                               " OFFSET ?2)", &trim) != DB_OK)
        goto out;
    for (int i = 0; i < j->n; i++) {
        db_reset(ins);
        db_bind_text(ins, 1, j->users[i], -1, DB_STATIC);
        db_bind_text(ins, 2, j->kind, -1, DB_STATIC);
        db_bind_text(ins, 3, j->project, -1, DB_STATIC);
        db_bind_text(ins, 4, j->actor, -1, DB_STATIC);
        if (j->actor_id[0])
            db_bind_text(ins, 5, j->actor_id, -1, DB_STATIC);
        else
            db_bind_null(ins, 5);
        db_bind_int64(ins, 6, j->ts);
        db_bind_text(ins, 7, j->text, -1, DB_STATIC);
        db_bind_text(ins, 8, j->url, -1, DB_STATIC);
        if (db_step(ins) != DB_DONE)
            goto out;
        j->ids[i] = db_last_insert_id(db);
        db_reset(trim);
        db_bind_text(trim, 1, j->users[i], -1, DB_STATIC);
        db_bind_int(trim, 2, ACTIVITY_KEEP);
        if (db_step(trim) != DB_DONE)
            goto out;
    }
    rc = 0;
out:
    if (rc != 0)
        srv_err("activity: storing %s items: %s", j->kind, db_errmsg(db));
    db_finalize(ins);
    db_finalize(trim);
    return rc;
}

struct send_ctx {
    const char *user;
    const char *text;
};

static void send_each(struct srv_conn *c, void *arg)
{
    struct send_ctx *x = arg;

    if (c->welcomed && strcmp(c->user_id, x->user) == 0)
        srv_ws_send_text(c, x->text, strlen(x->text));
}

/* Sends j (a JSON message, stolen) to every socket of user. */
static void send_user(const char *user, json_t *msg)
{
    char *text = json_dumps(msg, JSON_COMPACT);
    struct send_ctx x = {user, text};

    if (text)
        srv_ws_each(send_each, &x);
    free(text);
    json_decref(msg);
}

void act_send_read(struct srv_server *srv, const char *user, long long upto)
{
    send_user(user, json_pack("{s:s, s:I, s:I}", "type", "activity.read",
                              "upto", (json_int_t)upto, "unread",
                              (json_int_t)act_unread(srv->db, user, NULL)));
}

/* Loop thread, after commit: the live message to each recipient. */
static void act_done(void *arg, int status)
{
    struct act_job *j = arg;
    struct srv_server *srv = srv_server_instance;
    char pname[256] = "";

    if (status != 0 || !srv)
        goto out;
    store_query_text(srv->db, "SELECT name FROM projects WHERE id=?",
                     STORE_ARGS(j->project), pname, sizeof pname, NULL, 0);
    for (int i = 0; i < j->n; i++) {
        json_t *item = json_pack(
            "{s:I, s:s, s:s, s:s, s:I, s:s, s:s, s:b, s:s}", "id",
            (json_int_t)j->ids[i], "kind", j->kind, "project", j->project,
            "actor", j->actor, "ts", (json_int_t)j->ts, "text", j->text,
            "url", j->url, "read", 0, "project_name", pname);
        send_user(j->users[i],
                  json_pack("{s:s, s:o, s:I}", "type", "activity", "item",
                            item, "unread",
                            (json_int_t)act_unread(srv->db, j->users[i],
                                                   NULL)));
    }
out:
    free(j);
}

static void on_event(struct srv_server *srv, const struct srv_event *ev,
                     void *arg)
{
    const char *k = ev->kind;
    struct act_job *j;

    (void)arg;
    assert(srv_on_loop_thread());
    if (!srv->writer || !srv->db)
        return;
    j = calloc(1, sizeof *j);
    if (!j)
        return;
    snprintf(j->kind, sizeof j->kind, "%s", k);
    snprintf(j->project, sizeof j->project, "%s", ev->project);
    snprintf(j->actor, sizeof j->actor, "%s",
             ev->actor_name ? ev->actor_name : "someone");
    snprintf(j->actor_id, sizeof j->actor_id, "%s",
             ev->actor ? ev->actor : "");
    j->ts = store_now_ms();
    item_text(j->text, sizeof j->text, ev, j->actor);
    item_url(j->url, sizeof j->url, ev);

    db_conn *db = srv->db;
    const char *p = ev->project;
    if (!strcmp(k, "mention")) {
        add_query(db, j, "SELECT user_id FROM members WHERE project_id=? AND "
                         "user_id=?",
                  STORE_ARGS(p, ev->recipient ? ev->recipient : ""), NULL);
    } else if (!strcmp(k, "reply") && ev->thread) {
        add_query(db, j, "SELECT c.author FROM comments c JOIN members m ON"
                         " m.project_id=c.project_id AND m.user_id=c.author"
                         " WHERE c.project_id=?1 AND (c.id=?2 OR c.parent=?2)"
                         " ORDER BY c.created_at",
                  STORE_ARGS(p, ev->thread), ev->mentions);
    } else if (!strcmp(k, "comment") || !strcmp(k, "join")) {
        add_query(db, j, "SELECT user_id FROM members WHERE project_id=? AND "
                         "role='owner'",
                  STORE_ARGS(p), ev->mentions);
    } else if (!strcmp(k, "version") || !strcmp(k, "status") ||
               !strcmp(k, "take")) {
        add_query(db, j, "SELECT user_id FROM members WHERE project_id=?",
                  STORE_ARGS(p), NULL);
    } else if (!strcmp(k, "member")) {
        add_recipient(j, ev->recipient, NULL);
    }
    if (j->n == 0) {
        free(j);
        return;
    }
    store_writer_submit(srv->writer, act_write, act_done, j);
}

void srv_activity_init(void)
{
    static bool done; /* main thread, before the loop runs */

    if (done)
        return;
    done = true;
    srv_event_subscribe(on_event, NULL);
    act_http_init();
    act_webhooks_init();
}
