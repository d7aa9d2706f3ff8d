/* db.c -- the front of the store interface (db.h): every db_* call
 * dispatches to the connection's engine (db_sqlite.c or db_pg.c); this
 * file keeps the list of a connection's statements (db_next_stmt) and the
 * few calls that are the same for both engines. */
#include "server/core/db_priv.h"

#include <stdlib.h>
#include <string.h>

enum db_engine_kind db_engine(const db_conn *conn)
{
    return conn->kind;
}

int db_open(const char *path, db_conn **out)
{
    return db_open_v2(path, out, DB_OPEN_READWRITE | DB_OPEN_CREATE, NULL);
}

int db_close(db_conn *conn)
{
    if (!conn)
        return DB_OK;
    if (conn->stmts)
        return DB_BUSY;
    return conn->ops->close(conn);
}

const char *db_errmsg(db_conn *conn)
{
    if (!conn)
        return "out of memory";
    return conn->ops->errmsg(conn);
}

int db_errcode(db_conn *conn)
{
    return conn ? conn->ops->errcode(conn) : DB_NOMEM;
}

int db_busy_timeout(db_conn *conn, int ms)
{
    return conn->ops->busy_timeout(conn, ms);
}

void db_interrupt(db_conn *conn)
{
    if (conn)
        conn->ops->interrupt(conn);
}

int db_get_autocommit(db_conn *conn)
{
    return conn->ops->get_autocommit(conn);
}

int db_changes(db_conn *conn)
{
    return conn->ops->changes(conn);
}

db_int64 db_last_insert_id(db_conn *conn)
{
    return conn->ops->last_insert_id(conn);
}

int db_exec(db_conn *conn, const char *sql,
            int (*cb)(void *, int, char **, char **), void *arg,
            char **errmsg)
{
    return conn->ops->exec(conn, sql, cb, arg, errmsg);
}

void db_free(void *p)
{
    free(p);
}

int db_begin(db_conn *conn)
{
    return db_exec(conn, "BEGIN", NULL, NULL, NULL);
}

int db_commit(db_conn *conn)
{
    return db_exec(conn, "COMMIT", NULL, NULL, NULL);
}

int db_rollback(db_conn *conn)
{
    return db_exec(conn, "ROLLBACK", NULL, NULL, NULL);
}

/* Prepares through the engine and links the statement into conn's list. */
static int prepare(db_conn *conn, const char *sql, int nbyte,
                   bool persistent, db_stmt **st, const char **tail)
{
    db_stmt *s = NULL;
    int rc;
    size_t len;
    char *copy;

    *st = NULL;
    rc = conn->ops->prepare(conn, sql, nbyte, persistent, &s, tail);
    if (rc != DB_OK || !s)
        return rc;
    len = nbyte < 0 ? strlen(sql) : (size_t)nbyte;
    copy = malloc(len + 1);
    if (!copy) {
        conn->ops->finalize(s);
        return DB_NOMEM;
    }
    memcpy(copy, sql, len);
    copy[len] = '\0';
    s->sql = copy;
    s->conn = conn;
    s->prev = NULL;
    s->next = conn->stmts;
    if (conn->stmts)
        conn->stmts->prev = s;
    conn->stmts = s;
    *st = s;
    return DB_OK;
}

int db_prepare(db_conn *conn, const char *sql, db_stmt **st)
{
    return prepare(conn, sql, -1, false, st, NULL);
}

int db_prepare_persistent(db_conn *conn, const char *sql, db_stmt **st)
{
    return prepare(conn, sql, -1, true, st, NULL);
}

int db_prepare_v2(db_conn *conn, const char *sql, int nbyte, db_stmt **st,
                  const char **tail)
{
    return prepare(conn, sql, nbyte, false, st, tail);
}

int db_bind_text(db_stmt *st, int i, const char *v, int n, db_destructor d)
{
    return st->conn->ops->bind_text(st, i, v, n, d);
}

int db_bind_blob(db_stmt *st, int i, const void *v, int n, db_destructor d)
{
    return st->conn->ops->bind_blob(st, i, v, n, d);
}

int db_bind_int(db_stmt *st, int i, int v)
{
    return st->conn->ops->bind_int64(st, i, v);
}

int db_bind_int64(db_stmt *st, int i, db_int64 v)
{
    return st->conn->ops->bind_int64(st, i, v);
}

int db_bind_double(db_stmt *st, int i, double v)
{
    return st->conn->ops->bind_double(st, i, v);
}

int db_bind_null(db_stmt *st, int i)
{
    return st->conn->ops->bind_null(st, i);
}

int db_bind_parameter_count(db_stmt *st)
{
    return st->conn->ops->bind_parameter_count(st);
}

int db_step(db_stmt *st)
{
    return st->conn->ops->step(st);
}

int db_column_count(db_stmt *st)
{
    return st->conn->ops->column_count(st);
}

int db_column_type(db_stmt *st, int i)
{
    return st->conn->ops->column_type(st, i);
}

int db_column_int(db_stmt *st, int i)
{
    return (int)st->conn->ops->column_int64(st, i);
}

db_int64 db_column_int64(db_stmt *st, int i)
{
    return st->conn->ops->column_int64(st, i);
}

double db_column_double(db_stmt *st, int i)
{
    return st->conn->ops->column_double(st, i);
}

const unsigned char *db_column_text(db_stmt *st, int i)
{
    return st->conn->ops->column_text(st, i);
}

const void *db_column_blob(db_stmt *st, int i)
{
    return st->conn->ops->column_blob(st, i);
}

int db_column_bytes(db_stmt *st, int i)
{
    return st->conn->ops->column_bytes(st, i);
}

const char *db_column_name(db_stmt *st, int i)
{
    return st->conn->ops->column_name(st, i);
}

int db_reset(db_stmt *st)
{
    return st->conn->ops->reset(st);
}

int db_clear_bindings(db_stmt *st)
{
    return st->conn->ops->clear_bindings(st);
}

int db_finalize(db_stmt *st)
{
    db_conn *c;
    char *sql;

    if (!st)
        return DB_OK;
    c = st->conn;
    if (st->prev)
        st->prev->next = st->next;
    else
        c->stmts = st->next;
    if (st->next)
        st->next->prev = st->prev;
    sql = (char *)st->sql;
    free(sql);
    return c->ops->finalize(st);
}

db_conn *db_db_handle(db_stmt *st)
{
    return st->conn;
}

db_stmt *db_next_stmt(db_conn *conn, db_stmt *prev)
{
    return prev ? prev->next : conn->stmts;
}

int db_stmt_busy(db_stmt *st)
{
    return st ? st->conn->ops->stmt_busy(st) : 0;
}

const char *db_sql(db_stmt *st)
{
    return st->sql;
}

void *db_sqlite_handle(db_conn *conn)
{
    return conn ? conn->ops->sqlite_handle(conn) : NULL;
}
