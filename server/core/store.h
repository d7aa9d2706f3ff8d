/* store.h -- the database: which store the process uses (--store URL:
 * the embedded SQLite under the data folder, or PostgreSQL), opening it
 * (SQLite: WAL, synchronous, foreign keys, busy timeout; PostgreSQL:
 * synchronous_commit=on, read-only readers), migrating it, and the
 * data-directory layout. The connection returned here is either the writer
 * thread's (the only one that writes while the server runs) or a
 * reader's. */
#ifndef MIXROOM_SERVER_STORE_H
#define MIXROOM_SERVER_STORE_H

#include "server/core/db.h"
#include <stdbool.h>
#include <stddef.h>

/* The process's store, set once by the command line before any thread
 * starts and read-only afterwards (the one piece of process-wide state of
 * the store, documented in docs/storage.md): url NULL or "" takes
 * MIXROOM_STORE from the environment, and without it the default; "sqlite:"
 * or "sqlite:FILE" is the embedded SQLite (FILE instead of
 * <data>/mixroom.db); "postgresql://..." or "postgres://..." is PostgreSQL
 * (a libpq URL). Returns 0, or -1 with err naming the bad URL. */
int store_configure(const char *url, char *err, size_t errlen);

/* The config file's `store = URL`: checked like store_configure, applied
 * only when neither --store nor MIXROOM_STORE gave one. 0 or -1 with
 * err. */
int store_configure_setting(const char *url, char *err, size_t errlen);

/* Whether the configured store is PostgreSQL. */
bool store_is_pg(void);

/* The configured PostgreSQL URL ("" for SQLite). */
const char *store_pg_url(void);

/* The path of the SQLite database for data_dir into buf: the FILE of
 * sqlite:FILE, else <data_dir>/mixroom.db. */
void store_sqlite_path(char *buf, size_t len, const char *data_dir);

/* Makes db refuse writes (the loop's reader): SQLite's query_only,
 * PostgreSQL's default_transaction_read_only. 0 or -1 with err. */
int store_query_only(db_conn *db, char *err, size_t errlen);

/* Creates data_dir (and data_dir/assets) if missing. Returns 0 or -1 with
 * err. */
int store_prepare_dir(const char *data_dir, char *err, size_t errlen);

/* Opens the configured store. SQLite: <data_dir>/mixroom.db with WAL, the
 * given synchronous mode ("FULL" or "NORMAL"), foreign_keys=ON and a busy
 * timeout. PostgreSQL: a new libpq connection with synchronous_commit=on
 * (synchronous is ignored: every commit is durable). read_only opens a
 * reader connection. Returns the handle or NULL with err. */
db_conn *store_open(const char *data_dir, const char *synchronous,
                    bool read_only, char *err, size_t errlen);

/* Opens the database and applies pending migrations (migrations/NNNN_*.sql for
 * SQLite, migrations/pg/NNNN_*.sql for PostgreSQL, under an advisory lock so
 * nodes starting together migrate once); returns the number applied or -1
 * with err (the failing file and the engine's message, or that the
 * database is newer than this binary). Closes the handle. */
int store_migrate(const char *data_dir, char *err, size_t errlen);

/* Runs sql (no rows expected); returns 0 or -1 with err. */
int store_exec(db_conn *db, const char *sql, char *err, size_t errlen);

/* Milliseconds since the Unix epoch (wall clock), for stored timestamps. */
long long store_now_ms(void);

/* A fresh random id with a prefix ("u_" + 16 url-safe chars) into out. */
void store_new_id(char *out, size_t outlen, const char *prefix);

#endif
