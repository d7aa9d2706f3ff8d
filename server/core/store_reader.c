/* store_reader.c -- the reader connection kept per worker thread
 * (store_reader.h). One struct reader per thread that has borrowed one,
 * reached through a pthread key whose destructor closes the connection
 * when the thread exits (the jobs pool's workers at srv_jobs_free, a room
 * loader thread when its load is done).
 *
 * Global state: the key (created once, pthread_once) and a counter of
 * opens (atomic, a figure only). Each struct reader is touched only by its
 * own thread. */
#include <assert.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/core/server.h"
#include "server/core/store.h"
#include "server/core/store_reader.h"
#include "server/core/writer.h"

struct reader {
    db_conn *db;      /* the kept connection, or NULL */
    bool lent;        /* db is out with a job */
    char store[4300]; /* what db was opened for: "sqlite:PATH" or the URL */
};

static pthread_key_t reader_key;
static pthread_once_t reader_once = PTHREAD_ONCE_INIT;
static atomic_ullong reader_opened;

/* Thread exit: the thread's reader is closed. */
static void reader_free(void *p)
{
    struct reader *r = p;

    db_close(r->db);
    free(r);
}

static void reader_key_make(void)
{
    int rc = pthread_key_create(&reader_key, reader_free);

    assert(rc == 0);
    (void)rc;
}

/* This thread's struct reader (created on first use), or NULL without
 * memory. */
static struct reader *reader_self(bool create)
{
    struct reader *r;

    pthread_once(&reader_once, reader_key_make);
    r = pthread_getspecific(reader_key);
    if (!r && create && (r = calloc(1, sizeof *r)) &&
        pthread_setspecific(reader_key, r) != 0) {
        free(r);
        r = NULL;
    }
    return r;
}

/* The store data_dir names now, into out. */
static void reader_store_id(char *out, size_t n, const char *data_dir)
{
    char path[4200];

    if (store_is_pg()) {
        snprintf(out, n, "%s", store_pg_url());
        return;
    }
    store_sqlite_path(path, sizeof path, data_dir);
    snprintf(out, n, "sqlite:%s", path);
}

/* Whether db is idle: no transaction open (SQLite: autocommit;
 * PostgreSQL: PQTRANS_IDLE, which a broken connection is not) and no
 * statement stepped and not reset (SQLite keeps its read snapshot while
 * one is). */
static bool reader_idle(db_conn *db)
{
    if (!db_get_autocommit(db))
        return false;
    for (db_stmt *st = db_next_stmt(db, NULL); st; st = db_next_stmt(db, st))
        if (db_stmt_busy(st))
            return false;
    return true;
}

/* Closes db, finalizing statements a failed job left (db_close refuses
 * while there are any). */
static void reader_close(db_conn *db)
{
    db_stmt *st;

    while (db && (st = db_next_stmt(db, NULL)))
        db_finalize(st);
    db_close(db);
}

static db_conn *reader_open(const char *data_dir, char *err, size_t errlen)
{
    db_conn *db = store_open(data_dir, "NORMAL", true, err, errlen);

    if (db)
        atomic_fetch_add(&reader_opened, 1);
    return db;
}

db_conn *store_reader_get(const char *data_dir, char *err, size_t errlen)
{
    char id[sizeof ((struct reader *)0)->store];
    struct reader *r;

    assert(!srv_on_loop_thread() && !store_on_writer_thread());
    if (!(r = reader_self(true)))
        return reader_open(data_dir, err, errlen); /* put closes it */
    if (r->lent)
        return reader_open(data_dir, err, errlen); /* nested: put closes */
    reader_store_id(id, sizeof id, data_dir);
    if (r->db && strcmp(r->store, id) != 0) {
        reader_close(r->db);
        r->db = NULL;
    }
    if (!r->db) {
        if (!(r->db = reader_open(data_dir, err, errlen)))
            return NULL;
        snprintf(r->store, sizeof r->store, "%s", id);
    }
    assert(reader_idle(r->db));
    r->lent = true;
    return r->db;
}

void store_reader_put(db_conn *db, bool ok)
{
    struct reader *r;

    assert(!srv_on_loop_thread() && !store_on_writer_thread());
    if (!db)
        return;
    r = reader_self(false);
    if (!r || db != r->db || !r->lent) { /* a separate connection */
        reader_close(db);
        return;
    }
    r->lent = false;
    if (!ok || !reader_idle(db)) {
        reader_close(db);
        r->db = NULL;
    }
    /* a kept reader holds no snapshot between jobs */
    assert(!r->db || reader_idle(r->db));
}

void store_reader_release(void)
{
    struct reader *r = reader_self(false);

    if (!r)
        return;
    assert(!r->lent);
    reader_close(r->db);
    r->db = NULL;
}

unsigned long long store_reader_opens(void)
{
    return atomic_load(&reader_opened);
}
