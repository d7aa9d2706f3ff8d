/* migrate.c -- applies the embedded schema migrations in order, each in
 * its own transaction, and refuses a database newer than this binary. A
 * PostgreSQL store gets migrations/pg/NNNN_*.sql (the same versions in its
 * dialect) while holding an advisory lock, so nodes that start together
 * migrate it once. */
#include "server/core/migrate.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "server/core/log.h"
#include "server/core/store.h"
#include "server/core/store_stmt.h"

static int current_version(db_conn *db, int *version)
{
    long long v;

    if (store_query_int(db,
                        "SELECT coalesce(max(version), 0) FROM "
                        "schema_migrations",
                        STORE_NO_ARGS, &v, NULL, 0) != 1)
        return -1;
    *version = (int)v;
    return 0;
}

static int record(db_conn *db, const struct srv_migration *m)
{
    db_stmt *st = NULL;
    int rc = -1;

    st = store_prepare(db,
                       "INSERT INTO schema_migrations(version, name, "
                       "applied_at) VALUES (?, ?, ?)",
                       STORE_NO_ARGS, NULL, 0);
    if (!st)
        goto out;
    db_bind_int(st, 1, m->version);
    db_bind_text(st, 2, m->name, -1, DB_STATIC);
    db_bind_int64(st, 3, store_now_ms());
    rc = store_step_done(st, NULL, 0);
out:
    db_finalize(st);
    return rc;
}

/* The advisory lock key of migrations ("mixroom" in ASCII). */
#define MIGRATE_LOCK "7166094632710771"

int srv_migrate(db_conn *db, const struct srv_migration *list, int count,
                char *err, size_t errlen)
{
    bool pg = db_engine(db) == DB_ENGINE_PG;
    int n;

    if (pg && store_exec(db, "SELECT pg_advisory_lock(" MIGRATE_LOCK ")", err,
                         errlen) != 0)
        return -1;
    n = srv_migrate_list(db, list, count, err, errlen);
    if (pg)
        store_exec(db, "SELECT pg_advisory_unlock(" MIGRATE_LOCK ")", NULL, 0);
    return n;
}

int srv_migrate_list(db_conn *db, const struct srv_migration *list, int count,
                     char *err, size_t errlen)
{
    const char *begin =
        db_engine(db) == DB_ENGINE_PG ? "BEGIN" : "BEGIN IMMEDIATE";
    char msg[1024];
    int version = 0, applied = 0;
    int newest = count ? list[count - 1].version : 0;

    if (store_exec(db,
                 "CREATE TABLE IF NOT EXISTS schema_migrations ("
                 " version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
                 " applied_at BIGINT NOT NULL)",
                 msg, sizeof msg) != 0 ||
        current_version(db, &version) != 0) {
        snprintf(err, errlen, "cannot read schema_migrations: %s",
                 db_errmsg(db));
        return -1;
    }
    if (version > newest) {
        snprintf(err, errlen,
                 "the database is at schema version %d, newer than this "
                 "mixroom (which knows up to %d); use a newer mixroom",
                 version, newest);
        return -1;
    }
    for (int i = 0; i < count; i++) {
        const struct srv_migration *m = &list[i];
        if (m->version <= version)
            continue;
        if (store_exec(db, begin, msg, sizeof msg) != 0) {
            snprintf(err, errlen, "migration %s.sql: %s", m->name, msg);
            return -1;
        }
        msg[0] = '\0';
        if (store_exec(db, m->sql, msg, sizeof msg) != 0 || record(db, m) != 0) {
            if (!msg[0])
                snprintf(msg, sizeof msg, "%s", db_errmsg(db));
            store_exec(db, "ROLLBACK", err, errlen);
            snprintf(err, errlen, "migration %s.sql failed: %s", m->name, msg);
            return -1;
        }
        if (store_exec(db, "COMMIT", msg, sizeof msg) != 0) {
            store_exec(db, "ROLLBACK", err, errlen);
            snprintf(err, errlen, "migration %s.sql: %s", m->name, msg);
            return -1;
        }
        srv_info("applied migration %s", m->name);
        applied++;
    }
    return applied;
}
