/* db.h -- the store interface: one set of calls over two engines, the
 * embedded SQLite (db_sqlite.c, the default) and PostgreSQL through libpq
 * (db_pg.c). The calls mirror the sqlite3_* calls the tree used, with the
 * same argument order and the same result codes (DB_OK, DB_ROW, DB_DONE
 * have SQLite's values), so the conversion of a call site is a rename
 * (/work/briefs/dbrename.sh, documented in docs/storage.md).
 *
 * SQL text is written once, in the common subset of both dialects (see
 * docs/storage.md "Dialect rules"): `?` and `?N` placeholders are rewritten
 * to `$N` for PostgreSQL inside db_prepare.
 *
 * Thread ownership: a db_conn and its statements are used by one thread at
 * a time (the thread that owns the connection), as with SQLite's
 * SQLITE_OPEN_NOMUTEX connections; only db_interrupt may be called from
 * another thread. */
#ifndef MIXROOM_SERVER_DB_H
#define MIXROOM_SERVER_DB_H

#include <stdbool.h>
#include <stddef.h>

typedef struct db_conn db_conn;
typedef struct db_stmt db_stmt;
typedef long long db_int64;
typedef void (*db_destructor)(void *);

/* result codes: SQLite's primary codes, whichever the engine */
enum {
    DB_OK = 0,
    DB_ERROR = 1,
    DB_ERR = 1,
    DB_INTERNAL = 2,
    DB_BUSY = 5,
    DB_LOCKED = 6,
    DB_NOMEM = 7,
    DB_READONLY = 8,
    DB_INTERRUPT = 9,
    DB_FULL = 13,
    DB_CONSTRAINT = 19,
    DB_MISUSE = 21,
    DB_RANGE = 25,
    DB_ROW = 100,
    DB_DONE = 101
};

/* column types (db_column_type) */
enum {
    DB_INTEGER = 1,
    DB_FLOAT = 2,
    DB_TEXT = 3,
    DB_BLOB = 4,
    DB_NULL = 5
};

/* open flags (db_open_v2), SQLite's values */
#define DB_OPEN_READONLY 0x00000001
#define DB_OPEN_READWRITE 0x00000002
#define DB_OPEN_CREATE 0x00000004
#define DB_OPEN_NOMUTEX 0x00008000

/* bind destructors: DB_STATIC (the caller keeps the bytes alive until the
 * statement is reset or finalized), DB_TRANSIENT (copied at once), or a
 * function called on the pointer once the engine is done with it. */
#define DB_STATIC ((db_destructor)0)
#define DB_TRANSIENT ((db_destructor)-1)

/* which engine a connection uses */
enum db_engine_kind { DB_ENGINE_SQLITE = 1, DB_ENGINE_PG = 2 };

/* ---- connections ---- */

/* Opens an SQLite database file (sqlite3_open_v2's arguments; vfs must be
 * NULL). *out is set even on failure (as SQLite does) so db_errmsg can
 * say why; close it with db_close. Returns DB_OK or an error code. */
int db_open_v2(const char *path, db_conn **out, int flags, const char *vfs);

/* db_open_v2 with DB_OPEN_READWRITE | DB_OPEN_CREATE. */
int db_open(const char *path, db_conn **out);

/* Opens a PostgreSQL connection from a libpq URL (postgresql://...).
 * *out is set even on failure (db_errmsg says why). Returns DB_OK or
 * DB_ERROR. In a build without libpq, always DB_ERROR. */
int db_open_pg(const char *url, db_conn **out);

/* Closes conn (NULL is a no-op). Returns DB_BUSY, keeping conn open, while
 * statements of it are not finalized; else DB_OK. */
int db_close(db_conn *conn);

/* The engine of conn. */
enum db_engine_kind db_engine(const db_conn *conn);

/* The latest error of conn ("not an error" after success). Valid until
 * the next call on conn. */
const char *db_errmsg(db_conn *conn);

/* The latest result code of conn (DB_OK after success). */
int db_errcode(db_conn *conn);

/* SQLite: sqlite3_busy_timeout. PostgreSQL: ignored (a lock waits). */
int db_busy_timeout(db_conn *conn, int ms);

/* Asks the running statement of conn to stop (DB_INTERRUPT); any
 * thread. */
void db_interrupt(db_conn *conn);

/* Whether conn is outside an explicit transaction. */
int db_get_autocommit(db_conn *conn);

/* Rows changed by the latest INSERT/UPDATE/DELETE of conn. */
int db_changes(db_conn *conn);

/* The id of the row the latest INSERT of conn created (SQLite's rowid;
 * PostgreSQL: lastval(), so the table needs an identity/serial id). */
db_int64 db_last_insert_id(db_conn *conn);

/* Runs one or more statements; rows, when cb is given, are handed to it as
 * text (sqlite3_exec's contract; cb returning non-zero stops with
 * DB_ERROR, "query aborted"). *errmsg (when errmsg is given) is set to a
 * message to free with db_free, or NULL. Returns DB_OK or an error. */
int db_exec(db_conn *conn, const char *sql,
            int (*cb)(void *, int, char **, char **), void *arg,
            char **errmsg);

/* Frees memory db_exec handed out. */
void db_free(void *p);

/* BEGIN / COMMIT / ROLLBACK on conn; DB_OK or an error (db_errmsg). */
int db_begin(db_conn *conn);
int db_commit(db_conn *conn);
int db_rollback(db_conn *conn);

/* ---- statements ---- */

/* Prepares one statement of sql (a NUL-terminated string) on conn into
 * *st (NULL on failure). Returns DB_OK or an error (db_errmsg(conn)). */
int db_prepare(db_conn *conn, const char *sql, db_stmt **st);

/* The same, for a statement kept for the connection's life (SQLite's
 * SQLITE_PREPARE_PERSISTENT; PostgreSQL prepares it server-side once). */
int db_prepare_persistent(db_conn *conn, const char *sql, db_stmt **st);

/* sqlite3_prepare_v2's arguments: nbyte < 0 means up to the NUL; *tail,
 * when given, is set to the end of the first statement (PostgreSQL: the
 * end of sql, one statement only). */
int db_prepare_v2(db_conn *conn, const char *sql, int nbyte, db_stmt **st,
                  const char **tail);

/* Bindings (1-based index; ?N binds index N). Return DB_OK, DB_RANGE for
 * an index out of range, or DB_NOMEM. n < 0 for text means up to the
 * NUL. */
int db_bind_text(db_stmt *st, int i, const char *v, int n, db_destructor d);
int db_bind_blob(db_stmt *st, int i, const void *v, int n, db_destructor d);
int db_bind_int(db_stmt *st, int i, int v);
int db_bind_int64(db_stmt *st, int i, db_int64 v);
int db_bind_double(db_stmt *st, int i, double v);
int db_bind_null(db_stmt *st, int i);
int db_bind_parameter_count(db_stmt *st);

/* Runs st (the first call) and moves to the next row: DB_ROW, DB_DONE or
 * an error code (db_errmsg(db_db_handle(st))). */
int db_step(db_stmt *st);

/* Column getters of the current row (0-based), SQLite's conversions:
 * NULL reads as 0 / NULL pointer. Pointers stay valid until the next
 * step, reset or finalize. */
int db_column_count(db_stmt *st);
int db_column_type(db_stmt *st, int i);
int db_column_int(db_stmt *st, int i);
db_int64 db_column_int64(db_stmt *st, int i);
double db_column_double(db_stmt *st, int i);
const unsigned char *db_column_text(db_stmt *st, int i);
const void *db_column_blob(db_stmt *st, int i);
int db_column_bytes(db_stmt *st, int i);
const char *db_column_name(db_stmt *st, int i);

/* Back to before the first step (bindings stay); returns DB_OK or the
 * error of the latest step. */
int db_reset(db_stmt *st);

/* Unbinds every parameter (they read as NULL). */
int db_clear_bindings(db_stmt *st);

/* Frees st (NULL is a no-op); returns DB_OK or the latest step's error. */
int db_finalize(db_stmt *st);

/* The connection of st. */
db_conn *db_db_handle(db_stmt *st);

/* The statement of conn after prev (NULL: the first), NULL at the end. */
db_stmt *db_next_stmt(db_conn *conn, db_stmt *prev);

/* Whether st has been stepped and not yet reset or run to the end. */
int db_stmt_busy(db_stmt *st);

/* The SQL st was prepared from (the caller's text, untranslated). */
const char *db_sql(db_stmt *st);

/* ---- engine escape hatch ---- */

/* The sqlite3 handle under conn, or NULL for another engine: only for the
 * SQLite-only code (WAL hook and checkpoints, the online backup, pragmas),
 * which must check for NULL. Declared as void * so callers that do not
 * include sqlite3.h stay free of it. */
void *db_sqlite_handle(db_conn *conn);

#endif
