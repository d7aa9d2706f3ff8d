/* bench_sqlite_single.c -- the baseline for group commit: a plain loop
 * that commits one SQLite row per transaction (WAL, synchronous=FULL, the
 * server's settings) and one that commits the same rows 100 per
 * transaction. Prints rows per second; never fails on time.
 * Usage: bench_sqlite_single [DIR] [SECONDS] */
#include "server/core/db.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Inserts rows, `per_tx` per transaction, for `seconds`; returns rows/s. */
static double run(db_conn *db, int per_tx, double seconds)
{
    db_stmt *st = NULL;
    long long rows = 0;
    double t0 = now_s(), t;
    const char *body = "[{\"op\":\"set\",\"id\":\"trk\",\"fields\":{\"gain\":-3.5}}]";

    if (db_prepare(db, "INSERT INTO ops(rev, body) VALUES(?, ?)",
                           &st) != DB_OK)
        return -1;
    do {
        db_exec(db, "BEGIN", NULL, NULL, NULL);
        for (int i = 0; i < per_tx; i++) {
            db_bind_int64(st, 1, ++rows + (long long)per_tx * 100000000);
            db_bind_text(st, 2, body, -1, DB_STATIC);
            db_step(st);
            db_reset(st);
        }
        db_exec(db, "COMMIT", NULL, NULL, NULL);
        t = now_s();
    } while (t - t0 < seconds);
    db_finalize(st);
    return (double)rows / (t - t0);
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : ".";
    double seconds = argc > 2 ? atof(argv[2]) : 3.0;
    char path[4096];
    db_conn *db = NULL;
    int status = 1;

    snprintf(path, sizeof path, "%s/bench_sqlite_single.db", dir);
    remove(path);
    if (db_open(path, &db) != DB_OK)
        goto out;
    db_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                     "CREATE TABLE ops(rev INTEGER PRIMARY KEY, body TEXT)",
                 NULL, NULL, NULL);
    printf("sqlite, WAL, synchronous=FULL, %s\n", path);
    printf("one row per transaction:   %10.0f rows/s\n", run(db, 1, seconds));
    printf("100 rows per transaction:  %10.0f rows/s\n", run(db, 100, seconds));
    status = 0;
out:
    if (db)
        db_close(db);
    remove(path);
    snprintf(path, sizeof path, "%s/bench_sqlite_single.db-wal", dir);
    remove(path);
    snprintf(path, sizeof path, "%s/bench_sqlite_single.db-shm", dir);
    remove(path);
    return status;
}
