/* store_stmt.c -- column getters, the per-connection statement cache and
 * the one-shot query helpers of store_stmt.h. */
#include "server/core/store_stmt.h"

#include <assert.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *store_col_text(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);

    return t ? (const char *)t : "";
}

void store_col_copy(char *dst, size_t n, sqlite3_stmt *st, int i)
{
    assert(dst && n > 0);
    snprintf(dst, n, "%s", store_col_text(st, i));
}

json_t *store_col_json_text(sqlite3_stmt *st, int i)
{
    if (sqlite3_column_type(st, i) == SQLITE_NULL)
        return json_null();
    return json_string(store_col_text(st, i));
}

json_t *store_col_json_int(sqlite3_stmt *st, int i)
{
    if (sqlite3_column_type(st, i) == SQLITE_NULL)
        return json_null();
    return json_integer(sqlite3_column_int64(st, i));
}

sqlite3_stmt *store_stmt_cache_get(struct store_stmt_cache *c, sqlite3 *db,
                                   const char *sql)
{
    sqlite3_stmt *st = NULL;

    assert(c && db && sql);
    if (c->db) {
        /* a cache belongs to one connection and one thread */
        assert(c->db == db);
        assert(pthread_equal(c->owner, pthread_self()));
    }
    for (size_t i = 0; i < c->n && !st; i++) /* by pointer: the fast way */
        if (c->v[i].sql == sql)
            st = c->v[i].st;
    for (size_t i = 0; i < c->n && !st; i++)
        if (strcmp(c->v[i].sql, sql) == 0)
            st = c->v[i].st;
    if (st) {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        goto out;
    }
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 16;
        struct store_stmt_slot *v = realloc(c->v, cap * sizeof *v);
        if (!v)
            goto out;
        c->v = v;
        c->cap = cap;
    }
    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st,
                           NULL) != SQLITE_OK) {
        sqlite3_finalize(st);
        st = NULL;
        goto out;
    }
    c->v[c->n].sql = sql;
    c->v[c->n].st = st;
    c->n++;
    c->db = db;
    c->owner = pthread_self();
out:
    return st;
}

void store_stmt_cache_adopt(struct store_stmt_cache *c)
{
    assert(c);
    c->owner = pthread_self();
}

void store_stmt_cache_clear(struct store_stmt_cache *c)
{
    assert(c);
    for (size_t i = 0; i < c->n; i++)
        sqlite3_finalize(c->v[i].st);
    free(c->v);
    memset(c, 0, sizeof *c);
}

/* Copies SQLite's current message of db into err (if any). */
static void db_message(sqlite3 *db, char *err, size_t errlen)
{
    if (err && errlen)
        snprintf(err, errlen, "%s", sqlite3_errmsg(db));
}

int store_step_done(sqlite3_stmt *st, char *err, size_t errlen)
{
    int rc;

    assert(st);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        ;
    if (rc != SQLITE_DONE)
        db_message(sqlite3_db_handle(st), err, errlen);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

sqlite3_stmt *store_prepare(sqlite3 *db, const char *sql,
                            const char *const *args, char *err,
                            size_t errlen)
{
    sqlite3_stmt *st = NULL;

    assert(db && sql);
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        goto fail;
    for (int i = 0; args && args[i]; i++)
        if (sqlite3_bind_text(st, i + 1, args[i], -1, SQLITE_STATIC) !=
            SQLITE_OK)
            goto fail;
    return st;
fail:
    db_message(db, err, errlen);
    sqlite3_finalize(st);
    return NULL;
}

/* Runs sql with args to its first row: 1 with the statement in *out (the
 * caller finalizes it), 0 without a row (finalized), -1 with err. */
static int first_row(sqlite3 *db, const char *sql, const char *const *args,
                     sqlite3_stmt **out, char *err, size_t errlen)
{
    sqlite3_stmt *st = store_prepare(db, sql, args, err, errlen);
    int rc = -1;

    *out = NULL;
    if (!st)
        goto out;
    switch (sqlite3_step(st)) {
    case SQLITE_ROW:
        *out = st;
        st = NULL;
        rc = 1;
        break;
    case SQLITE_DONE:
        rc = 0;
        break;
    default:
        db_message(db, err, errlen);
        break;
    }
out:
    sqlite3_finalize(st);
    return rc;
}

int store_query_int(sqlite3 *db, const char *sql, const char *const *args,
                    long long *out, char *err, size_t errlen)
{
    sqlite3_stmt *st;
    int rc = first_row(db, sql, args, &st, err, errlen);

    assert(out);
    if (rc == 1)
        *out = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return rc;
}

int store_query_text(sqlite3 *db, const char *sql, const char *const *args,
                     char *buf, size_t len, char *err, size_t errlen)
{
    sqlite3_stmt *st;
    int rc = first_row(db, sql, args, &st, err, errlen);

    assert(buf && len > 0);
    if (rc == 1)
        store_col_copy(buf, len, st, 0);
    sqlite3_finalize(st);
    return rc;
}
