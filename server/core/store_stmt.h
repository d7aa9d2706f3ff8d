/* store_stmt.h -- small helpers over SQLite statements, shared by every
 * module that reads or writes the database: column getters that never
 * return NULL, a per-connection cache of persistent prepared statements,
 * and one-shot helpers for the common query shapes (run to completion, one
 * integer, one text).
 *
 * Thread ownership: a struct store_stmt_cache belongs to exactly one
 * connection and is used by exactly one thread (the one that owns that
 * connection: the loop thread for srv->db, the writer thread for the
 * writer's connection). The cache asserts both. The one-shot helpers use
 * whatever connection they are given, on the calling thread. */
#ifndef MIXROOM_SERVER_STORE_STMT_H
#define MIXROOM_SERVER_STORE_STMT_H

#include <jansson.h>
#include <pthread.h>
#include "server/core/db.h"
#include <stddef.h>

/* ---- columns (of the current row of st) ---- */

/* The text of column i, "" when it is NULL. Valid until the next step,
 * reset or finalize of st. */
const char *store_col_text(db_stmt *st, int i);

/* Copies the text of column i into dst (n bytes, always terminated,
 * truncated if longer); "" when it is NULL. */
void store_col_copy(char *dst, size_t n, db_stmt *st, int i);

/* Column i as a new JSON string, or JSON null when it is NULL. */
json_t *store_col_json_text(db_stmt *st, int i);

/* Column i as a new JSON integer, or JSON null when it is NULL. (For an
 * integer that is 0 when NULL, db_column_int64 already does that.) */
json_t *store_col_json_int(db_stmt *st, int i);

/* ---- the statement cache ---- */

struct store_stmt_slot {
    const char *sql;           /* the key: the caller's string */
    db_stmt *st;
};

struct store_stmt_cache {
    db_conn *db;               /* the connection; NULL while empty */
    pthread_t owner;           /* the thread using it (while db is set) */
    struct store_stmt_slot *v;
    size_t n, cap;
};

/* An empty cache (a zeroed struct is one too). */
#define STORE_STMT_CACHE_INIT {0}

/* The statement for sql on db, prepared once (SQLITE_PREPARE_PERSISTENT)
 * and kept in c; each call returns it reset and with its bindings cleared.
 * sql is the key, compared by pointer and then by text: it must stay valid
 * and unchanged while c holds it (in practice a string literal). The first
 * call binds c to db and the calling thread; every later call must pass
 * the same db on the same thread until store_stmt_cache_clear (asserted).
 * Returns NULL if preparing fails (SQLite's message in db_errmsg(db))
 * or memory runs out; the caller must not finalize the statement. */
db_stmt *store_stmt_cache_get(struct store_stmt_cache *c, db_conn *db,
                                   const char *sql);

/* Hands c, with its connection, to the calling thread (for a connection
 * prepared on one thread and then used by the thread started for it: the
 * writer). The previous owner must not use c any more. */
void store_stmt_cache_adopt(struct store_stmt_cache *c);

/* Finalizes every statement of c and frees its memory; c is empty
 * afterwards and may then be used with another connection. Call it on the
 * owning thread, or once that thread has ended, before the connection is
 * closed. */
void store_stmt_cache_clear(struct store_stmt_cache *c);

/* ---- one-shot queries ---- */

/* A NULL-terminated list of text parameters bound to ?1, ?2, ... in order
 * (DB_STATIC: the strings must outlive the statement's use):
 * STORE_ARGS(a, b). Each argument must be a const char * (the compiler
 * checks it); a NULL one ends the list early, leaving it and the later
 * parameters unbound (SQL NULL), so pass NULL only last. STORE_NO_ARGS for
 * none. */
#define STORE_ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})
#define STORE_NO_ARGS ((const char *const *)NULL)

/* Steps st until DB_DONE (any rows are skipped) and resets it.
 * Returns 0, or -1 with SQLite's message in err (err may be NULL). */
int store_step_done(db_stmt *st, char *err, size_t errlen);

/* Prepares sql on db and binds args (see STORE_ARGS). Returns the
 * statement, which the caller finalizes, or NULL with SQLite's message in
 * err (err may be NULL). */
db_stmt *store_prepare(db_conn *db, const char *sql,
                            const char *const *args, char *err,
                            size_t errlen);

/* Runs a query with args and reads column 0 of its first row as an
 * integer into *out. Returns 1 (a row), 0 (no row; *out untouched) or -1
 * with SQLite's message in err (err may be NULL; *out untouched). */
int store_query_int(db_conn *db, const char *sql, const char *const *args,
                    long long *out, char *err, size_t errlen);

/* As store_query_int, but copies column 0 of the first row as text into
 * buf (len bytes, terminated; "" when the column is NULL). buf is left
 * untouched when there is no row or on error. */
int store_query_text(db_conn *db, const char *sql, const char *const *args,
                     char *buf, size_t len, char *err, size_t errlen);

#endif
