/* store_stmt.c -- column getters, the per-connection statement cache and
 * the one-shot query helpers of store_stmt.h. */
#include "server/core/store_stmt.h"

#include <assert.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *store_col_text(db_stmt *st, int i)
{
    const unsigned char *t = db_column_text(st, i);

    return t ? (const char *)t : "";
}

void store_col_copy(char *dst, size_t n, db_stmt *st, int i)
{
    assert(dst && n > 0);
    snprintf(dst, n, "%s", store_col_text(st, i));
}

json_t *store_col_json_text(db_stmt *st, int i)
{
    if (db_column_type(st, i) == DB_NULL)
        return json_null();
    return json_string(store_col_text(st, i));
}

json_t *store_col_json_int(db_stmt *st, int i)
{
    if (db_column_type(st, i) == DB_NULL)
        return json_null();
    return json_integer(db_column_int64(st, i));
}

db_stmt *store_stmt_cache_get(struct store_stmt_cache *c, db_conn *db,
                                   const char *sql)
{
    db_stmt *st = NULL;

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
        db_reset(st);
        db_clear_bindings(st);
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
    if (db_prepare_persistent(db, sql, &st) != DB_OK) {
        db_finalize(st);
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
        db_finalize(c->v[i].st);
    free(c->v);
    memset(c, 0, sizeof *c);
}

/* Copies SQLite's current message of db into err (if any). */
static void db_message(db_conn *db, char *err, size_t errlen)
{
    if (err && errlen)
        snprintf(err, errlen, "%s", db_errmsg(db));
}

int store_step_done(db_stmt *st, char *err, size_t errlen)
{
    int rc;

    assert(st);
    while ((rc = db_step(st)) == DB_ROW)
        ;
    if (rc != DB_DONE)
        db_message(db_db_handle(st), err, errlen);
    db_reset(st);
    return rc == DB_DONE ? 0 : -1;
}

db_stmt *store_prepare(db_conn *db, const char *sql,
                            const char *const *args, char *err,
                            size_t errlen)
{
    db_stmt *st = NULL;

    assert(db && sql);
    if (db_prepare(db, sql, &st) != DB_OK)
        goto fail;
    for (int i = 0; args && args[i]; i++)
        if (db_bind_text(st, i + 1, args[i], -1, DB_STATIC) !=
            DB_OK)
            goto fail;
    return st;
fail:
    db_message(db, err, errlen);
    db_finalize(st);
    return NULL;
}

/* Runs sql with args to its first row: 1 with the statement in *out (the
 * caller finalizes it), 0 without a row (finalized), -1 with err. */
static int first_row(db_conn *db, const char *sql, const char *const *args,
                     db_stmt **out, char *err, size_t errlen)
{
    db_stmt *st = store_prepare(db, sql, args, err, errlen);
    int rc = -1;

    *out = NULL;
    if (!st)
        goto out;
    switch (db_step(st)) {
    case DB_ROW:
        *out = st;
        st = NULL;
        rc = 1;
        break;
    case DB_DONE:
        rc = 0;
        break;
    default:
        db_message(db, err, errlen);
        break;
    }
out:
    db_finalize(st);
    return rc;
}

int store_query_int(db_conn *db, const char *sql, const char *const *args,
                    long long *out, char *err, size_t errlen)
{
    db_stmt *st;
    int rc = first_row(db, sql, args, &st, err, errlen);

    assert(out);
    if (rc == 1)
        *out = db_column_int64(st, 0);
    db_finalize(st);
    return rc;
}

int store_query_text(db_conn *db, const char *sql, const char *const *args,
                     char *buf, size_t len, char *err, size_t errlen)
{
    db_stmt *st;
    int rc = first_row(db, sql, args, &st, err, errlen);

    assert(buf && len > 0);
    if (rc == 1)
        store_col_copy(buf, len, st, 0);
    db_finalize(st);
    return rc;
}
