/* backup.h -- copying a live SQLite database with the online backup API,
 * and checking one (integrity and foreign keys). The asset files that go
 * with a database are the business of the command line
 * (server/app/cli_backup.c). */
#ifndef MIXROOM_SERVER_CORE_BACKUP_H
#define MIXROOM_SERVER_CORE_BACKUP_H

#include "server/core/db.h"
#include <stddef.h>

/* Copies the database at src_path (which a running server may be writing)
 * into dst_path, which must not exist yet. The copy is one consistent
 * state of the source: a read transaction on the source is held for the
 * whole copy (in WAL mode that does not block the writer), and pages are
 * copied STORE_BACKUP_STEP_PAGES at a time with a short pause between
 * steps. The copy is left in rollback-journal mode (one self-contained
 * file; the server switches it back to WAL when it opens it) and synced.
 * Returns the number of pages copied, or -1 with err naming the file and
 * SQLite's message (then dst_path is removed). */
long long store_backup(const char *src_path, const char *dst_path, char *err,
                       size_t errlen);

#define STORE_BACKUP_STEP_PAGES 256

/* Runs PRAGMA integrity_check and PRAGMA foreign_key_check on db (on
 * PostgreSQL: compares the schema version with this binary's) and calls
 * problem(ctx, sentence) once per problem found. Returns the number of
 * problems, or -1 with err when the checks could not run. */
int store_check(db_conn *db, void (*problem)(void *ctx, const char *msg),
                void *ctx, char *err, size_t errlen);

#endif
