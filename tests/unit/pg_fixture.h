/* pg_fixture.h -- the second engine of the store-level unit tests: with
 * MXT_PGURL naming a PostgreSQL server (tests/unit/test_db_pg.sh starts a
 * private one), a test runs its cases once on SQLite and once more on
 * PostgreSQL, each case on a fresh database that is dropped afterwards.
 * Without MXT_PGURL the PostgreSQL half is skipped (reported, not failed).
 *
 * Use: main() runs its group with mxt_engine_pg false, then, when
 * mxt_pg_init() says PostgreSQL is there, sets it true and runs the group
 * again. Setups call mxt_db_open() (":memory:" SQLite, or a fresh
 * PostgreSQL database) with mxt_migrations() / mxt_migrations_count(), or,
 * for a data directory, mxt_store_begin(dir) before store_migrate /
 * store_open / store_writer_start (it points store_configure at a fresh
 * database) and mxt_store_end() after. Single-threaded test setup only
 * (the state below belongs to the test's main thread). */
#ifndef MIXROOM_TESTS_PG_FIXTURE_H
#define MIXROOM_TESTS_PG_FIXTURE_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/core/db.h"
#include "server/core/migrate.h"
#include "server/core/store.h"

/* Which engine the cases run on now (main's, between the two runs). */
static bool mxt_engine_pg;
/* MXT_PGURL, or "" when unset */
static char mxt_pg_admin[2048];
/* the current case's PostgreSQL database, "" when none */
static char mxt_pg_name[64];
static unsigned mxt_pg_serial;

/* Whether MXT_PGURL is set (and remembered for the helpers below). */
static inline bool mxt_pg_init(void)
{
    const char *url = getenv("MXT_PGURL");

    if (!url || !*url) {
        fprintf(stderr, "MXT_PGURL unset: the PostgreSQL half is skipped "
                        "(tests/unit/test_db_pg.sh runs it)\n");
        return false;
    }
    snprintf(mxt_pg_admin, sizeof mxt_pg_admin, "%s", url);
    return true;
}

/* MXT_PGURL with its database replaced by name. */
static inline void mxt_pg_url(char *out, size_t n, const char *name)
{
    const char *slash = strrchr(mxt_pg_admin, '/');
    int head = slash ? (int)(slash - mxt_pg_admin) : (int)strlen(mxt_pg_admin);

    snprintf(out, n, "%.*s/%s", head, mxt_pg_admin, name);
}

/* Runs sql on the admin database; DB_OK or the error (printed). */
static inline int mxt_pg_admin_exec(const char *sql)
{
    db_conn *a = NULL;
    int rc = db_open_pg(mxt_pg_admin, &a);

    if (rc == DB_OK)
        rc = db_exec(a, sql, NULL, NULL, NULL);
    if (rc != DB_OK)
        fprintf(stderr, "pg_fixture: %s: %s\n", sql, db_errmsg(a));
    db_close(a);
    return rc;
}

/* Creates a fresh database for the current case; its URL into url. */
static inline int mxt_pg_create(char *url, size_t n)
{
    char sql[128];

    snprintf(mxt_pg_name, sizeof mxt_pg_name, "mxu_%d_%u", (int)getpid(),
             ++mxt_pg_serial);
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", mxt_pg_name);
    if (mxt_pg_admin_exec(sql) != DB_OK) {
        mxt_pg_name[0] = '\0';
        return -1;
    }
    mxt_pg_url(url, n, mxt_pg_name);
    return 0;
}

/* Drops the current case's database (every connection to it closed). */
static inline void mxt_pg_drop(void)
{
    char sql[128];

    if (!mxt_pg_name[0])
        return;
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)",
             mxt_pg_name);
    mxt_pg_admin_exec(sql);
    mxt_pg_name[0] = '\0';
}

/* A connection of the current engine: SQLite ":memory:" or a fresh
 * PostgreSQL database. DB_OK or the error. */
static inline int mxt_db_open(db_conn **db)
{
    char url[2300];

    *db = NULL;
    if (!mxt_engine_pg)
        return db_open(":memory:", db);
    if (mxt_pg_create(url, sizeof url) != 0)
        return DB_ERROR;
    return db_open_pg(url, db);
}

/* Closes a connection of mxt_db_open and drops its database. */
static inline void mxt_db_close(db_conn *db)
{
    db_close(db);
    if (mxt_engine_pg)
        mxt_pg_drop();
}

/* The migration set of the current engine. */
static inline const struct srv_migration *mxt_migrations(void)
{
    return mxt_engine_pg ? srv_pg_migrations : srv_migrations;
}

static inline int mxt_migrations_count(void)
{
    return mxt_engine_pg ? srv_pg_migrations_count : srv_migrations_count;
}

/* Points the store (store_configure) at the current engine for a data
 * directory: "sqlite:" (the file under dir), or a fresh database. */
static inline int mxt_store_begin(void)
{
    char url[2300], err[512];

    if (!mxt_engine_pg)
        return store_configure("sqlite:", err, sizeof err);
    if (mxt_pg_create(url, sizeof url) != 0)
        return -1;
    if (store_configure(url, err, sizeof err) != 0) {
        fprintf(stderr, "pg_fixture: %s\n", err);
        return -1;
    }
    return 0;
}

/* After the case: its database dropped, the store back to SQLite. */
static inline void mxt_store_end(void)
{
    char err[512];

    if (mxt_engine_pg)
        mxt_pg_drop();
    store_configure("sqlite:", err, sizeof err);
}

/* The engine's name, for group names. */
static inline const char *mxt_engine_name(void)
{
    return mxt_engine_pg ? "postgresql" : "sqlite";
}

#endif
