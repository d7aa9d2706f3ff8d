/* store.h -- the SQLite database: opening it (WAL, synchronous, foreign
 * keys, busy timeout), migrating it, and the data-directory layout. The
 * connection returned here is either the writer thread's (the only one
 * that writes while the server runs) or a reader's. */
#ifndef MIXROOM_SERVER_STORE_H
#define MIXROOM_SERVER_STORE_H

#include "server/core/db.h"
#include <stdbool.h>
#include <stddef.h>

/* Creates data_dir (and data_dir/assets) if missing. Returns 0 or -1 with
 * err. */
int store_prepare_dir(const char *data_dir, char *err, size_t errlen);

/* Opens <data_dir>/mixroom.db with WAL, the given synchronous mode ("FULL"
 * or "NORMAL"), foreign_keys=ON and a busy timeout; read_only opens a
 * reader connection. Returns the handle or NULL with err. */
db_conn *store_open(const char *data_dir, const char *synchronous,
                    bool read_only, char *err, size_t errlen);

/* Opens the database and applies pending migrations; returns the number
 * applied or -1 with err (the failing file and SQLite's message, or that
 * the database is newer than this binary). Closes the handle. */
int store_migrate(const char *data_dir, char *err, size_t errlen);

/* Runs sql (no rows expected); returns 0 or -1 with err. */
int store_exec(db_conn *db, const char *sql, char *err, size_t errlen);

/* Milliseconds since the Unix epoch (wall clock), for stored timestamps. */
long long store_now_ms(void);

/* A fresh random id with a prefix ("u_" + 16 url-safe chars) into out. */
void store_new_id(char *out, size_t outlen, const char *prefix);

#endif
