/* migrate.h -- schema migrations embedded in the binary and applied in
 * order at start-up, each in its own transaction. */
#ifndef MIXROOM_SERVER_MIGRATE_H
#define MIXROOM_SERVER_MIGRATE_H

#include "server/core/db.h"
#include <stddef.h>

struct srv_migration {
    int version;       /* NNNN from the file name */
    const char *name;  /* file name without .sql */
    const char *sql;
};

/* The migrations compiled in (server/migrations_gen.c), in order. */
extern const struct srv_migration srv_migrations[];
extern const int srv_migrations_count;

/* The same versions in PostgreSQL's dialect (migrations/pg/NNNN_*.sql,
 * server/core/migrations_pg_gen.c). */
extern const struct srv_migration srv_pg_migrations[];
extern const int srv_pg_migrations_count;

/* Applies every migration of `list` newer than the database's version, each
 * in its own transaction, recording it in schema_migrations. Returns the
 * number applied (>= 0), or -1 with a message in err (naming the file and
 * SQLite's message) when one fails (it is rolled back) or when the database
 * is newer than the newest migration known. */
int srv_migrate(db_conn *db, const struct srv_migration *list, int count,
                char *err, size_t errlen);

/* srv_migrate without PostgreSQL's advisory lock (the caller holds it). */
int srv_migrate_list(db_conn *db, const struct srv_migration *list, int count,
                     char *err, size_t errlen);

#endif
