/* store.c -- opening the process's store (chosen in store_url.c) with the
 * settings every connection needs, preparing the data directory, and
 * small helpers. */
#include "server/core/store.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>

#include "server/core/migrate.h"

int store_query_only(db_conn *db, char *err, size_t errlen)
{
    return store_exec(db,
                      db_engine(db) == DB_ENGINE_PG
                          ? "SET default_transaction_read_only=on;"
                            " SET default_transaction_isolation="
                            "'repeatable read'"
                          : "PRAGMA query_only=ON;",
                      err, errlen);
}

/* A PostgreSQL connection for store_open. */
static db_conn *open_pg(bool read_only, char *err, size_t errlen)
{
    db_conn *db = NULL;

    if (db_open_pg(store_pg_url(), &db) != DB_OK) {
        snprintf(err, errlen, "cannot connect to PostgreSQL: %s",
                 db_errmsg(db));
        goto fail;
    }
    if (store_exec(db,
                   /* a reader's BEGIN ... COMMIT sees one state, as an
                    * SQLite read transaction does */
                   read_only ? "SET default_transaction_read_only=on;"
                               " SET default_transaction_isolation="
                               "'repeatable read'"
                             : "SET synchronous_commit=on",
                   err, errlen) != 0)
        goto fail;
    return db;
fail:
    db_close(db);
    return NULL;
}

int store_prepare_dir(const char *data_dir, char *err, size_t errlen)
{
    char path[4200];

    if (mkdir(data_dir, 0700) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "cannot create data directory %s: %s", data_dir,
                 strerror(errno));
        return -1;
    }
    snprintf(path, sizeof path, "%s/assets", data_dir);
    if (mkdir(path, 0700) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
        return -1;
    }
    snprintf(path, sizeof path, "%s/tmp", data_dir);
    if (mkdir(path, 0700) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

int store_exec(db_conn *db, const char *sql, char *err, size_t errlen)
{
    char *msg = NULL;

    if (db_exec(db, sql, NULL, NULL, &msg) != DB_OK) {
        snprintf(err, errlen, "%s", msg ? msg : db_errmsg(db));
        db_free(msg);
        return -1;
    }
    return 0;
}

db_conn *store_open(const char *data_dir, const char *synchronous,
                    bool read_only, char *err, size_t errlen)
{
    char path[4200], sql[256];
    db_conn *db = NULL;
    int flags = read_only ? DB_OPEN_READONLY
                          : DB_OPEN_READWRITE | DB_OPEN_CREATE;

    if (store_is_pg())
        return open_pg(read_only, err, errlen);
    store_sqlite_path(path, sizeof path, data_dir);
    if (db_open_v2(path, &db, flags | DB_OPEN_NOMUTEX, NULL) !=
        DB_OK) {
        snprintf(err, errlen, "cannot open %s: %s", path,
                 db ? db_errmsg(db) : "out of memory");
        goto fail;
    }
    db_busy_timeout(db, 5000);
    snprintf(sql, sizeof sql,
             "%s PRAGMA synchronous=%s; PRAGMA foreign_keys=ON;",
             read_only ? "" : "PRAGMA journal_mode=WAL;",
             strcmp(synchronous, "NORMAL") ? "FULL" : "NORMAL");
    if (store_exec(db, sql, err, errlen) != 0)
        goto fail;
    return db;
fail:
    db_close(db);
    return NULL;
}

int store_migrate(const char *data_dir, char *err, size_t errlen)
{
    int n;
    db_conn *db = store_open(data_dir, "FULL", false, err, errlen);

    if (!db)
        return -1;
    if (db_engine(db) == DB_ENGINE_PG)
        n = srv_migrate(db, srv_pg_migrations, srv_pg_migrations_count, err,
                        errlen);
    else
        n = srv_migrate(db, srv_migrations, srv_migrations_count, err, errlen);
    db_close(db);
    return n;
}

long long store_now_ms(void)
{
    struct timeval tv;

    gettimeofday(&tv, NULL);
    return (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

void store_new_id(char *out, size_t outlen, const char *prefix)
{
    static const char alphabet[] =
        "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    unsigned char rnd[16];
    size_t p = strlen(prefix), i;

    randombytes_buf(rnd, sizeof rnd);
    if (outlen < p + sizeof rnd + 1) {
        if (outlen)
            out[0] = '\0';
        return;
    }
    memcpy(out, prefix, p);
    for (i = 0; i < sizeof rnd; i++)
        out[p + i] = alphabet[rnd[i] % 62];
    out[p + i] = '\0';
}
