/* db_sqlite.c -- the embedded SQLite engine of the store interface (db.h):
 * a thin pass-through to the sqlite3_* calls, which the interface mirrors
 * (same result codes, same conversions). The only file outside the
 * SQLite-only corners (WAL hook, online backup) that calls SQLite. */
#include "server/core/db_priv.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

struct sq_conn {
    struct db_conn base;
    sqlite3 *h;
};

struct sq_stmt {
    struct db_stmt base;
    sqlite3_stmt *s;
};

static sqlite3 *H(db_conn *c)
{
    return ((struct sq_conn *)c)->h;
}

static sqlite3_stmt *S(db_stmt *s)
{
    return ((struct sq_stmt *)s)->s;
}

/* SQLite's destructor for ours: the two markers have the same values. */
static sqlite3_destructor_type dtor(db_destructor d)
{
    if (d == DB_STATIC)
        return SQLITE_STATIC;
    if (d == DB_TRANSIENT)
        return SQLITE_TRANSIENT;
    return (sqlite3_destructor_type)d;
}

static int sq_close(db_conn *c)
{
    int rc = sqlite3_close(H(c));

    if (rc == SQLITE_OK)
        free(c);
    return rc;
}

static const char *sq_errmsg(db_conn *c)
{
    return H(c) ? sqlite3_errmsg(H(c)) : "out of memory";
}

static int sq_errcode(db_conn *c)
{
    return sqlite3_errcode(H(c));
}

static int sq_busy_timeout(db_conn *c, int ms)
{
    return sqlite3_busy_timeout(H(c), ms);
}

static void sq_interrupt(db_conn *c)
{
    sqlite3_interrupt(H(c));
}

static int sq_get_autocommit(db_conn *c)
{
    return sqlite3_get_autocommit(H(c));
}

static int sq_changes(db_conn *c)
{
    return sqlite3_changes(H(c));
}

static db_int64 sq_last_insert_id(db_conn *c)
{
    return sqlite3_last_insert_rowid(H(c));
}

static int sq_exec(db_conn *c, const char *sql,
                   int (*cb)(void *, int, char **, char **), void *arg,
                   char **errmsg)
{
    char *msg = NULL;
    int rc = sqlite3_exec(H(c), sql, cb, arg, errmsg ? &msg : NULL);

    if (errmsg) {
        *errmsg = NULL;
        if (msg) {
            *errmsg = strdup(msg);
            sqlite3_free(msg);
        }
    }
    return rc;
}

static int sq_prepare(db_conn *c, const char *sql, int nbyte, bool persistent,
                      db_stmt **st, const char **tail)
{
    struct sq_stmt *s = calloc(1, sizeof *s);
    int rc;

    if (!s)
        return SQLITE_NOMEM;
    rc = sqlite3_prepare_v3(H(c), sql, nbyte,
                            persistent ? SQLITE_PREPARE_PERSISTENT : 0, &s->s,
                            tail);
    if (rc != SQLITE_OK || !s->s) {
        sqlite3_finalize(s->s);
        free(s);
        return rc;
    }
    *st = &s->base;
    return SQLITE_OK;
}

static int sq_bind_text(db_stmt *s, int i, const char *v, int n,
                        db_destructor d)
{
    return sqlite3_bind_text(S(s), i, v, n, dtor(d));
}

static int sq_bind_blob(db_stmt *s, int i, const void *v, int n,
                        db_destructor d)
{
    return sqlite3_bind_blob(S(s), i, v, n, dtor(d));
}

static int sq_bind_int64(db_stmt *s, int i, db_int64 v)
{
    return sqlite3_bind_int64(S(s), i, v);
}

static int sq_bind_double(db_stmt *s, int i, double v)
{
    return sqlite3_bind_double(S(s), i, v);
}

static int sq_bind_null(db_stmt *s, int i)
{
    return sqlite3_bind_null(S(s), i);
}

static int sq_bind_parameter_count(db_stmt *s)
{
    return sqlite3_bind_parameter_count(S(s));
}

static int sq_step(db_stmt *s)
{
    return sqlite3_step(S(s));
}

static int sq_column_count(db_stmt *s)
{
    return sqlite3_column_count(S(s));
}

static int sq_column_type(db_stmt *s, int i)
{
    return sqlite3_column_type(S(s), i);
}

static db_int64 sq_column_int64(db_stmt *s, int i)
{
    return sqlite3_column_int64(S(s), i);
}

static double sq_column_double(db_stmt *s, int i)
{
    return sqlite3_column_double(S(s), i);
}

static const unsigned char *sq_column_text(db_stmt *s, int i)
{
    return sqlite3_column_text(S(s), i);
}

static const void *sq_column_blob(db_stmt *s, int i)
{
    return sqlite3_column_blob(S(s), i);
}

static int sq_column_bytes(db_stmt *s, int i)
{
    return sqlite3_column_bytes(S(s), i);
}

static const char *sq_column_name(db_stmt *s, int i)
{
    return sqlite3_column_name(S(s), i);
}

static int sq_reset(db_stmt *s)
{
    return sqlite3_reset(S(s));
}

static int sq_clear_bindings(db_stmt *s)
{
    return sqlite3_clear_bindings(S(s));
}

static int sq_finalize(db_stmt *s)
{
    int rc = sqlite3_finalize(S(s));

    free(s);
    return rc;
}

static int sq_stmt_busy(db_stmt *s)
{
    return sqlite3_stmt_busy(S(s));
}

static void *sq_sqlite_handle(db_conn *c)
{
    return H(c);
}

static const struct db_ops sq_ops = {
    .close = sq_close,
    .errmsg = sq_errmsg,
    .errcode = sq_errcode,
    .busy_timeout = sq_busy_timeout,
    .interrupt = sq_interrupt,
    .get_autocommit = sq_get_autocommit,
    .changes = sq_changes,
    .last_insert_id = sq_last_insert_id,
    .exec = sq_exec,
    .prepare = sq_prepare,
    .bind_text = sq_bind_text,
    .bind_blob = sq_bind_blob,
    .bind_int64 = sq_bind_int64,
    .bind_double = sq_bind_double,
    .bind_null = sq_bind_null,
    .bind_parameter_count = sq_bind_parameter_count,
    .step = sq_step,
    .column_count = sq_column_count,
    .column_type = sq_column_type,
    .column_int64 = sq_column_int64,
    .column_double = sq_column_double,
    .column_text = sq_column_text,
    .column_blob = sq_column_blob,
    .column_bytes = sq_column_bytes,
    .column_name = sq_column_name,
    .reset = sq_reset,
    .clear_bindings = sq_clear_bindings,
    .finalize = sq_finalize,
    .stmt_busy = sq_stmt_busy,
    .sqlite_handle = sq_sqlite_handle,
};

int db_open_v2(const char *path, db_conn **out, int flags, const char *vfs)
{
    struct sq_conn *c = calloc(1, sizeof *c);
    int rc;

    *out = NULL;
    if (!c)
        return SQLITE_NOMEM;
    c->base.ops = &sq_ops;
    c->base.kind = DB_ENGINE_SQLITE;
    rc = sqlite3_open_v2(path, &c->h, flags, vfs);
    if (!c->h) {
        free(c);
        return SQLITE_NOMEM;
    }
    *out = &c->base;
    return rc;
}
