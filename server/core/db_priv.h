/* db_priv.h -- what the two store engines (db_sqlite.c, db_pg.c) share with
 * the dispatching front (db.c): the connection and statement headers every
 * engine embeds first in its own structs, and the table of engine
 * functions. Private to server/core/db*.c. */
#ifndef MIXROOM_SERVER_DB_PRIV_H
#define MIXROOM_SERVER_DB_PRIV_H

#include "server/core/db.h"

struct db_ops;

struct db_conn {
    const struct db_ops *ops;
    enum db_engine_kind kind;
    db_stmt *stmts;            /* live statements, newest first */
};

struct db_stmt {
    db_conn *conn;
    db_stmt *prev, *next;      /* in conn->stmts */
    const char *sql;           /* the caller's text (copied) */
};

/* One engine. db.c keeps the statement list and the argument checks; the
 * engine does the rest. prepare allocates the engine's statement struct
 * (header zeroed except what the engine sets) and returns it in *st. */
struct db_ops {
    int (*close)(db_conn *c);
    const char *(*errmsg)(db_conn *c);
    int (*errcode)(db_conn *c);
    int (*busy_timeout)(db_conn *c, int ms);
    void (*interrupt)(db_conn *c);
    int (*get_autocommit)(db_conn *c);
    int (*changes)(db_conn *c);
    db_int64 (*last_insert_id)(db_conn *c);
    int (*exec)(db_conn *c, const char *sql,
                int (*cb)(void *, int, char **, char **), void *arg,
                char **errmsg);
    int (*prepare)(db_conn *c, const char *sql, int nbyte, bool persistent,
                   db_stmt **st, const char **tail);
    int (*bind_text)(db_stmt *s, int i, const char *v, int n,
                     db_destructor d);
    int (*bind_blob)(db_stmt *s, int i, const void *v, int n,
                     db_destructor d);
    int (*bind_int64)(db_stmt *s, int i, db_int64 v);
    int (*bind_double)(db_stmt *s, int i, double v);
    int (*bind_null)(db_stmt *s, int i);
    int (*bind_parameter_count)(db_stmt *s);
    int (*step)(db_stmt *s);
    int (*column_count)(db_stmt *s);
    int (*column_type)(db_stmt *s, int i);
    db_int64 (*column_int64)(db_stmt *s, int i);
    double (*column_double)(db_stmt *s, int i);
    const unsigned char *(*column_text)(db_stmt *s, int i);
    const void *(*column_blob)(db_stmt *s, int i);
    int (*column_bytes)(db_stmt *s, int i);
    const char *(*column_name)(db_stmt *s, int i);
    int (*reset)(db_stmt *s);
    int (*clear_bindings)(db_stmt *s);
    int (*finalize)(db_stmt *s); /* frees s */
    int (*stmt_busy)(db_stmt *s);
    void *(*sqlite_handle)(db_conn *c);
};

#endif
