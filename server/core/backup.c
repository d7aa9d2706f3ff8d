/* backup.c -- the database half of `mixroom backup`, `restore` and
 * `check`: SQLite's online backup API from a read transaction (a
 * consistent snapshot while the server keeps committing), and the
 * integrity and foreign-key checks. */
#include "server/core/backup.h"

#include "server/core/db.h"
#include <sqlite3.h> /* sqlite-only: the online backup */
#include <assert.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "server/core/migrate.h"
#include "server/core/store_stmt.h"

/* A pause between backup steps, so a busy disk is shared fairly. */
static void step_pause(void)
{
    struct timespec ts = {0, 2 * 1000 * 1000};

    nanosleep(&ts, NULL);
}

/* sqlite-only: begin (the online backup works on files) */
long long store_backup(const char *src_path, const char *dst_path, char *err,
                       size_t errlen)
{
    sqlite3 *src = NULL, *dst = NULL;
    sqlite3_backup *b = NULL;
    long long pages = -1;
    bool reading = false;
    int rc;

    assert(src_path && dst_path);
    if (access(dst_path, F_OK) == 0) {
        snprintf(err, errlen, "%s already exists", dst_path);
        return -1;
    }
    if (sqlite3_open_v2(src_path, &src, SQLITE_OPEN_READONLY, NULL) !=
        SQLITE_OK) {
        snprintf(err, errlen, "cannot open %s: %s", src_path,
                 src ? sqlite3_errmsg(src) : "out of memory");
        goto out;
    }
    sqlite3_busy_timeout(src, 5000);
    /* the snapshot: every step reads the same state of the source */
    if (sqlite3_exec(src, "BEGIN; SELECT count(*) FROM sqlite_schema;", NULL,
                     NULL, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "cannot read %s: %s", src_path,
                 sqlite3_errmsg(src));
        goto out;
    }
    reading = true;
    if (sqlite3_open_v2(dst_path, &dst,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK) {
        snprintf(err, errlen, "cannot create %s: %s", dst_path,
                 dst ? sqlite3_errmsg(dst) : "out of memory");
        goto out;
    }
    sqlite3_exec(dst, "PRAGMA synchronous=FULL", NULL, NULL, NULL);
    if (!(b = sqlite3_backup_init(dst, "main", src, "main"))) {
        snprintf(err, errlen, "cannot start the backup into %s: %s", dst_path,
                 sqlite3_errmsg(dst));
        goto out;
    }
    while ((rc = sqlite3_backup_step(b, STORE_BACKUP_STEP_PAGES)) == SQLITE_OK ||
           rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
        step_pause();
    pages = sqlite3_backup_pagecount(b);
    rc = sqlite3_backup_finish(b);
    b = NULL;
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "backup of %s into %s failed: %s", src_path,
                 dst_path, sqlite3_errmsg(dst));
        pages = -1;
        goto out;
    }
    if (sqlite3_exec(dst, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL) !=
        SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", dst_path, sqlite3_errmsg(dst));
        pages = -1;
    }
out:
    if (b)
        sqlite3_backup_finish(b);
    if (reading)
        sqlite3_exec(src, "COMMIT", NULL, NULL, NULL);
    sqlite3_close(src);
    if (dst && sqlite3_close(dst) != SQLITE_OK && pages >= 0) {
        snprintf(err, errlen, "closing %s failed", dst_path);
        pages = -1;
    }
    if (pages < 0 && dst)
        unlink(dst_path);
    return pages;
}
/* sqlite-only: end */

/* store_check on PostgreSQL: the schema version against this binary's
 * (integrity is PostgreSQL's business). */
static int check_pg(db_conn *db, void (*problem)(void *ctx, const char *msg),
                    void *ctx, char *err, size_t errlen)
{
    long long v = 0;
    int newest = srv_pg_migrations_count
                     ? srv_pg_migrations[srv_pg_migrations_count - 1].version
                     : 0;
    char msg[256];

    /* a database that was never migrated: named like SQLite's missing file */
    if (store_query_int(db,
                        "SELECT count(*) FROM information_schema.tables "
                        "WHERE table_schema = current_schema() AND "
                        "table_name = 'schema_migrations'",
                        STORE_NO_ARGS, &v, err, errlen) < 0)
        return -1;
    if (v == 0) {
        snprintf(err, errlen,
                 "no database: the PostgreSQL store holds no mixroom schema "
                 "(`mixroom migrate` or `mixroom serve` creates it)");
        return -1;
    }
    if (store_query_int(db,
                        "SELECT coalesce(max(version), 0) FROM "
                        "schema_migrations",
                        STORE_NO_ARGS, &v, err, errlen) < 0)
        return -1;
    if (v == newest)
        return 0;
    snprintf(msg, sizeof msg,
             "database schema: version %lld, this mixroom's is %d (%s)", v,
             newest, v < newest ? "run `mixroom migrate`" : "a newer mixroom");
    problem(ctx, msg);
    return 1;
}

int store_check(db_conn *db, void (*problem)(void *ctx, const char *msg),
                void *ctx, char *err, size_t errlen)
{
    db_stmt *st = NULL;
    char msg[1024];
    int n = 0, rc;

    if (db_engine(db) == DB_ENGINE_PG)
        return check_pg(db, problem, ctx, err, errlen);

    if (db_prepare(db, "PRAGMA integrity_check", &st) !=
        DB_OK)
        goto fail;
    while ((rc = db_step(st)) == DB_ROW) {
        const char *line = (const char *)db_column_text(st, 0);
        if (line && !strcmp(line, "ok"))
            continue;
        snprintf(msg, sizeof msg, "database integrity: %s",
                 line ? line : "(no text)");
        problem(ctx, msg);
        n++;
    }
    if (rc != DB_DONE)
        goto fail;
    db_finalize(st);
    if (db_prepare(db, "PRAGMA foreign_key_check", &st) !=
        DB_OK)
        goto fail;
    while ((rc = db_step(st)) == DB_ROW) {
        const char *table = (const char *)db_column_text(st, 0);
        const char *parent = (const char *)db_column_text(st, 2);
        if (db_column_type(st, 1) == DB_NULL)
            snprintf(msg, sizeof msg,
                     "foreign key: a row of %s refers to a missing row of %s",
                     table ? table : "?", parent ? parent : "?");
        else
            snprintf(msg, sizeof msg,
                     "foreign key: row %lld of %s refers to a missing row "
                     "of %s", (long long)db_column_int64(st, 1),
                     table ? table : "?", parent ? parent : "?");
        problem(ctx, msg);
        n++;
    }
    if (rc != DB_DONE)
        goto fail;
    db_finalize(st);
    return n;
fail:
    snprintf(err, errlen, "checking the database: %s", db_errmsg(db));
    db_finalize(st);
    return -1;
}
