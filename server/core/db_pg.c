/* db_pg.c -- the PostgreSQL engine of the store interface (db.h) over
 * libpq. A statement's SQL is translated once at prepare (`?`/`?N` to
 * `$N`, outside literals and comments); the first db_step sends it with the
 * bound parameters (text format; blobs as binary bytea) and keeps the whole
 * PGresult, which the later steps walk row by row. A persistent statement
 * is prepared server-side (PQprepare) at its first step with the types of
 * that first binding, and run with PQexecPrepared while later bindings
 * have the same types (otherwise PQexecParams). Column getters convert the
 * text-format results as SQLite would (bool t/f as 1/0, bytea through
 * PQunescapeBytea). Errors carry PostgreSQL's message; SQLSTATE classes
 * map to the nearest SQLite code (23 constraint, 57014 interrupt, 53100
 * full, 40001/40P01 busy). SQLite's BEGIN IMMEDIATE / EXCLUSIVE / DEFERRED
 * are sent as BEGIN; a COMMIT that PostgreSQL turned into a ROLLBACK (the
 * transaction had failed) is an error, never a success.
 * BEGIN, SAVEPOINT and RELEASE that PostgreSQL cannot refuse wait in a
 * queue and go out in front of the next statement in one libpq pipeline
 * (or db_exec's text); if one fails, so does that statement (storage.md,
 * "Round trips"). */
#include "server/core/db_priv.h"
#include "server/core/log.h"

#include <ctype.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <strings.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* PostgreSQL type oids (pg_type.dat; stable) */
#define OID_BOOL 16
#define OID_BYTEA 17
#define OID_INT8 20
#define OID_TEXT 25
#define OID_INT2 21
#define OID_INT4 23
#define OID_FLOAT4 700
#define OID_FLOAT8 701
#define OID_NUMERIC 1700

#define PEND_MAX 8 /* deferred statements queued at most, and their length */
#define PEND_LEN 64

enum { CTL_NONE, CTL_BEGIN, CTL_SAVEPOINT, CTL_RELEASE }; /* deferrable */

struct pg_conn {
    struct db_conn base;
    PGconn *pg;
    char *err;                 /* the latest error, or NULL */
    int errcode;
    int changes;
    unsigned long long names;  /* for server-side statement names */
    pthread_mutex_t cancel_lock;
    PGcancel *cancel;
    char pend[PEND_MAX][PEND_LEN]; /* deferred, sent before the next */
    int npend;
    bool pend_begin;           /* a BEGIN is among them */
};

struct pg_param {
    bool set, is_null;
    int fmt;                   /* 0 text, 1 binary */
    Oid type;
    char *val;                 /* owned copy, or NULL */
    int len;
};

struct pg_stmt {
    struct db_stmt base;
    char *pgsql;               /* the translated text */
    int nparams;
    struct pg_param *params;
    unsigned char *used;       /* used[i]: $i+1 appears in the text */
    bool persistent, prepared, prep_failed;
    char name[32];
    Oid *prep_types;
    PGresult *res;
    int row, nrows;            /* row: the current one, -1 before */
    bool executed;
    bool commit;               /* a COMMIT / END statement */
    int ctl;                   /* CTL_*: a statement that may be deferred */
    int last_rc;
    unsigned char *blob;       /* the decoded bytea of blob_col/blob_row */
    size_t blob_len;
    int blob_col, blob_row;
};

static struct pg_conn *C(db_conn *c)
{
    return (struct pg_conn *)c;
}

static struct pg_stmt *S(db_stmt *s)
{
    return (struct pg_stmt *)s;
}

/* Records msg (trailing newlines dropped) as the connection's error. */
static int set_err(struct pg_conn *c, int code, const char *msg)
{
    size_t n;

    free(c->err);
    c->err = strdup(msg ? msg : "unknown error");
    if (c->err) {
        n = strlen(c->err);
        while (n && (c->err[n - 1] == '\n' || c->err[n - 1] == ' '))
            c->err[--n] = '\0';
    }
    c->errcode = code;
    srv_debug("postgresql: %s", c->err ? c->err : "out of memory");
    return code;
}

static void clear_err(struct pg_conn *c)
{
    free(c->err);
    c->err = NULL;
    c->errcode = DB_OK;
}

/* The SQLite code nearest to a failed result's SQLSTATE. */
static int code_of(const PGresult *r)
{
    const char *st = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;

    if (!st)
        return DB_ERROR;
    if (!strncmp(st, "23", 2))
        return DB_CONSTRAINT;
    if (!strcmp(st, "57014"))
        return DB_INTERRUPT;
    if (!strcmp(st, "53100"))
        return DB_FULL;
    if (!strcmp(st, "40001") || !strcmp(st, "40P01") || !strcmp(st, "55P03"))
        return DB_BUSY;
    if (!strcmp(st, "25006"))
        return DB_READONLY;
    return DB_ERROR;
}

/* Whether sql (after blanks) starts with the keyword kw (a whole word). */
static bool starts_with_word(const char *sql, const char *kw)
{
    size_t n = strlen(kw);

    while (isspace((unsigned char)*sql))
        sql++;
    return !strncasecmp(sql, kw, n) && !isalnum((unsigned char)sql[n]) &&
           sql[n] != '_';
}

/* Checks r: DB_OK for a command or rows, else the error (recorded). The
 * caller still owns r. commit: r answers a COMMIT, which must not have
 * become a ROLLBACK. */
static int check_result(struct pg_conn *c, PGresult *r, bool commit)
{
    ExecStatusType s = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;

    if (commit && s == PGRES_COMMAND_OK && !strcmp(PQcmdStatus(r), "ROLLBACK"))
        return set_err(c, DB_ERROR,
                       "the transaction had failed: COMMIT rolled it back");
    if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK ||
        s == PGRES_EMPTY_QUERY) {
        const char *n = r ? PQcmdTuples(r) : "";
        if (n && *n)
            c->changes = atoi(n);
        clear_err(c);
        return DB_OK;
    }
    return set_err(c, code_of(r),
                   r ? PQresultErrorMessage(r) : PQerrorMessage(c->pg));
}

/* SQLite's BEGIN IMMEDIATE|EXCLUSIVE|DEFERRED [TRANSACTION] as a new
 * "BEGIN..." string, or NULL when sql is not one. */
static char *begin_plain(const char *sql, size_t len)
{
    static const char *const modes[] = {"IMMEDIATE", "EXCLUSIVE", "DEFERRED"};
    const char *p = sql, *end = sql + len;
    char *out;

    if (!starts_with_word(sql, "BEGIN"))
        return NULL;
    while (p < end && isspace((unsigned char)*p))
        p++;
    p += 5;
    for (size_t i = 0; i < 3; i++)
        if (starts_with_word(p, modes[i])) {
            while (p < end && isspace((unsigned char)*p))
                p++;
            p += strlen(modes[i]);
            if (!(out = malloc((size_t)(end - p) + 6)))
                return NULL;
            memcpy(out, "BEGIN", 5);
            memcpy(out + 5, p, (size_t)(end - p));
            out[5 + (end - p)] = '\0';
            return out;
        }
    return NULL;
}

/* The CTL_* kind of a translated statement text. */
static int ctl_kind(const char *pgsql, int nparams)
{
    if (nparams > 0 || strchr(pgsql, ';') || strlen(pgsql) >= PEND_LEN)
        return CTL_NONE;
    if (starts_with_word(pgsql, "BEGIN"))
        return CTL_BEGIN;
    if (starts_with_word(pgsql, "SAVEPOINT"))
        return CTL_SAVEPOINT;
    if (starts_with_word(pgsql, "RELEASE"))
        return CTL_RELEASE;
    return CTL_NONE;
}

/* Queues a statement of kind ctl when PostgreSQL cannot refuse it now;
 * true when queued. */
static bool defer(struct pg_conn *c, int ctl, const char *pgsql)
{
    PGTransactionStatusType ts = PQtransactionStatus(c->pg);
    bool in_tx = c->pend_begin || ts == PQTRANS_INTRANS;

    if (ctl == CTL_NONE || c->npend >= PEND_MAX)
        return false;
    if (ctl == CTL_BEGIN ? (ts != PQTRANS_IDLE || c->pend_begin) : !in_tx)
        return false;
    snprintf(c->pend[c->npend++], PEND_LEN, "%s", pgsql);
    c->pend_begin |= ctl == CTL_BEGIN;
    clear_err(c);
    return true;
}

/* Reads the results of one pipelined query (until its NULL); records the
 * first error unless *rc already holds one; returns the last result when
 * keep (the caller clears it), else NULL. */
static PGresult *pipe_read(struct pg_conn *c, int *rc, bool keep, bool commit)
{
    PGresult *r, *last = NULL;

    while ((r = PQgetResult(c->pg))) {
        ExecStatusType st = PQresultStatus(r);
        if (st == PGRES_PIPELINE_SYNC) { /* a broken pipeline: past the end */
            PQclear(r);
            break;
        }
        if (*rc == DB_OK && st != PGRES_PIPELINE_ABORTED && !keep)
            *rc = check_result(c, r, false);
        PQclear(keep ? last : r);
        last = keep ? r : NULL;
    }
    if (keep && *rc == DB_OK)
        *rc = last ? check_result(c, last, commit)
                   : set_err(c, DB_ERROR, PQerrorMessage(c->pg));
    return last;
}

/* Sends the queued statements, then (when sql) one statement with its
 * parameters (name: prepared), in one pipeline ending in one Sync, and
 * reads every answer. Returns the statement's result (the caller clears
 * it) with *rc DB_OK, or NULL with the first error in *rc and recorded. */
static PGresult *pipe_run(struct pg_conn *c, const char *name,
                          const char *sql, int n, const Oid *types,
                          const char *const *vals, const int *lens,
                          const int *fmts, bool commit, int *rc)
{
    PGresult *out = NULL, *r;
    bool sent = true;
    int npend = c->npend;

    *rc = DB_OK;
    c->npend = 0;
    c->pend_begin = false;
    if (!PQenterPipelineMode(c->pg)) {
        *rc = set_err(c, DB_ERROR, PQerrorMessage(c->pg));
        return NULL;
    }
    for (int i = 0; i < npend && sent; i++)
        sent = PQsendQueryParams(c->pg, c->pend[i], 0, NULL, NULL, NULL,
                                 NULL, 0) == 1;
    if (sent && sql)
        sent = (name ? PQsendQueryPrepared(c->pg, name, n, vals, lens, fmts,
                                           0)
                     : PQsendQueryParams(c->pg, sql, n, types, vals, lens,
                                         fmts, 0)) == 1;
    if (!sent || PQpipelineSync(c->pg) != 1) {
        *rc = set_err(c, DB_ERROR, PQerrorMessage(c->pg));
        /* what was sent still answers; read it off before leaving */
        if (PQpipelineSync(c->pg) != 1) {
            PQexitPipelineMode(c->pg);
            return NULL;
        }
        sql = NULL;
    }
    for (int i = 0; i < npend; i++)
        pipe_read(c, rc, false, false);
    if (sql)
        out = pipe_read(c, rc, true, commit);
    /* the Sync's own result */
    while ((r = PQgetResult(c->pg))) {
        ExecStatusType st = PQresultStatus(r);
        PQclear(r);
        if (st == PGRES_PIPELINE_SYNC)
            break;
    }
    PQexitPipelineMode(c->pg);
    if (*rc != DB_OK) {
        PQclear(out);
        return NULL;
    }
    return out;
}

/* Sends the queued statements on their own (before a call that cannot
 * take them in front); DB_OK or the first one's error. */
static int flush_pend(struct pg_conn *c)
{
    int rc;

    if (!c->npend)
        return DB_OK;
    PQclear(pipe_run(c, NULL, NULL, 0, NULL, NULL, NULL, NULL, false, &rc));
    return rc;
}

static int pg_close(db_conn *dc)
{
    struct pg_conn *c = C(dc);

    if (c->cancel)
        PQfreeCancel(c->cancel);
    PQfinish(c->pg);
    pthread_mutex_destroy(&c->cancel_lock);
    free(c->err);
    free(c);
    return DB_OK;
}

static const char *pg_errmsg(db_conn *dc)
{
    struct pg_conn *c = C(dc);

    if (c->err)
        return c->err;
    return c->errcode == DB_OK ? "not an error" : "unknown error";
}

static int pg_errcode(db_conn *dc)
{
    return C(dc)->errcode;
}

static int pg_busy_timeout(db_conn *dc, int ms)
{
    (void)dc;
    (void)ms;
    return DB_OK;
}

static void pg_interrupt(db_conn *dc)
{
    struct pg_conn *c = C(dc);
    char buf[256];

    pthread_mutex_lock(&c->cancel_lock);
    if (c->cancel)
        PQcancel(c->cancel, buf, sizeof buf);
    pthread_mutex_unlock(&c->cancel_lock);
}

static int pg_get_autocommit(db_conn *dc)
{
    struct pg_conn *c = C(dc);

    return !c->pend_begin && PQtransactionStatus(c->pg) == PQTRANS_IDLE;
}

static int pg_changes(db_conn *dc)
{
    return C(dc)->changes;
}

static db_int64 pg_last_insert_id(db_conn *dc)
{
    struct pg_conn *c = C(dc);
    PGresult *r;
    db_int64 v = 0;

    if (flush_pend(c) != DB_OK)
        return 0;
    r = PQexec(c->pg, "SELECT lastval()");
    if (check_result(c, r, false) == DB_OK && PQntuples(r) == 1)
        v = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    return v;
}

static int pg_exec(db_conn *dc, const char *sql,
                   int (*cb)(void *, int, char **, char **), void *arg,
                   char **errmsg)
{
    struct pg_conn *c = C(dc);
    char *plain = NULL;
    PGresult *r;
    int rc;

    bool commit;

    if ((plain = begin_plain(sql, strlen(sql))))
        sql = plain;
    commit = starts_with_word(sql, "COMMIT") || starts_with_word(sql, "END");
    if (c->npend) {
        /* the queued statements in front, in the same simple query (its
         * result is the last statement's, or the first failure's) */
        size_t len = strlen(sql) + 1;
        char *all, *o;
        for (int i = 0; i < c->npend; i++)
            len += strlen(c->pend[i]) + 2;
        if (!(all = malloc(len))) {
            free(plain);
            return set_err(c, DB_NOMEM, "out of memory");
        }
        o = all;
        for (int i = 0; i < c->npend; i++)
            o += sprintf(o, "%s; ", c->pend[i]);
        strcpy(o, sql);
        free(plain);
        sql = plain = all;
        c->npend = 0;
        c->pend_begin = false;
    }
    r = PQexec(c->pg, sql);
    rc = check_result(c, r, commit);
    free(plain);

    if (rc == DB_OK && cb && PQresultStatus(r) == PGRES_TUPLES_OK) {
        int nc = PQnfields(r);
        char **vals = calloc((size_t)nc + 1, sizeof *vals);
        char **names = calloc((size_t)nc + 1, sizeof *names);
        if (!vals || !names)
            rc = set_err(c, DB_NOMEM, "out of memory");
        for (int i = 0; rc == DB_OK && i < nc; i++)
            names[i] = PQfname(r, i);
        for (int row = 0; rc == DB_OK && row < PQntuples(r); row++) {
            for (int i = 0; i < nc; i++)
                vals[i] = PQgetisnull(r, row, i) ? NULL
                                                 : PQgetvalue(r, row, i);
            if (cb(arg, nc, vals, names) != 0)
                rc = set_err(c, DB_ERROR, "query aborted");
        }
        free(vals);
        free(names);
    }
    PQclear(r);
    if (errmsg)
        *errmsg = rc != DB_OK && c->err ? strdup(c->err) : NULL;
    return rc;
}

/* Translates SQLite placeholders (? and ?N) to $N outside quotes and
 * comments; *nparams gets the highest index. NULL when out of memory. */
static char *translate(const char *sql, size_t len, int *nparams,
                       unsigned char *used, int used_max)
{
    char *out = malloc(len * 4 + 16), *o = out;
    int maxn = 0;
    size_t i = 0;

    if (!out)
        return NULL;
    while (i < len) {
        char ch = sql[i];
        if (ch == '\'' || ch == '"') {
            *o++ = sql[i++];
            while (i < len && sql[i] != ch)
                *o++ = sql[i++];
            if (i < len)
                *o++ = sql[i++];
        } else if (ch == '-' && i + 1 < len && sql[i + 1] == '-') {
            while (i < len && sql[i] != '\n')
                *o++ = sql[i++];
        } else if (ch == '/' && i + 1 < len && sql[i + 1] == '*') {
            const char *e = strstr(sql + i + 2, "*/");
            size_t end = e ? (size_t)(e - sql) + 2 : len;
            while (i < end)
                *o++ = sql[i++];
        } else if (ch == '?') {
            int n = 0;
            i++;
            if (i < len && sql[i] >= '0' && sql[i] <= '9') {
                while (i < len && sql[i] >= '0' && sql[i] <= '9' && n < 100000)
                    n = n * 10 + (sql[i++] - '0');
            } else {
                n = maxn + 1;
            }
            if (n > maxn)
                maxn = n;
            if (used && n <= used_max)
                used[n - 1] = 1;
            o += sprintf(o, "$%d", n);
        } else {
            *o++ = sql[i++];
        }
    }
    *o = '\0';
    *nparams = maxn;
    return out;
}

static int pg_prepare(db_conn *dc, const char *sql, int nbyte,
                      bool persistent, db_stmt **st, const char **tail)
{
    struct pg_conn *c = C(dc);
    struct pg_stmt *s = calloc(1, sizeof *s);
    size_t len = nbyte < 0 ? strlen(sql) : strnlen(sql, (size_t)nbyte);
    const char *p;

    if (!s)
        return set_err(c, DB_NOMEM, "out of memory");
    for (p = sql; p < sql + len && (*p == ' ' || *p == '\n' || *p == '\t');)
        p++;
    if (p == sql + len) {
        free(s);
        return set_err(c, DB_MISUSE, "empty statement");
    }
    {
        char *plain = begin_plain(sql, len);
        const char *text = plain ? plain : sql;
        size_t tlen = plain ? strlen(plain) : len;
        s->pgsql = translate(text, tlen, &s->nparams, NULL, 0);
        if (s->pgsql && s->nparams > 0 &&
            (s->used = calloc((size_t)s->nparams, 1))) {
            free(s->pgsql);
            s->pgsql = translate(text, tlen, &s->nparams, s->used, s->nparams);
        }
        free(plain);
    }
    s->commit = starts_with_word(sql, "COMMIT") || starts_with_word(sql, "END");
    s->ctl = s->pgsql ? ctl_kind(s->pgsql, s->nparams) : CTL_NONE;
    if (s->nparams > 0)
        s->params = calloc((size_t)s->nparams, sizeof *s->params);
    if (!s->pgsql || (s->nparams > 0 && (!s->params || !s->used))) {
        free(s->used);
        free(s->pgsql);
        free(s->params);
        free(s);
        return set_err(c, DB_NOMEM, "out of memory");
    }
    s->persistent = persistent;
    s->row = -1;
    s->blob_col = -1;
    if (tail)
        *tail = sql + len;
    clear_err(c);
    *st = &s->base;
    return DB_OK;
}

static void free_results(struct pg_stmt *s)
{
    PQclear(s->res);
    s->res = NULL;
    PQfreemem(s->blob);
    s->blob = NULL;
    s->blob_col = -1;
    s->row = -1;
    s->nrows = 0;
    s->executed = false;
}

/* Stores one parameter, copying v (len bytes) and handing v to d. */
static int put(db_stmt *ds, int i, bool is_null, int fmt, Oid type,
               const void *v, int len, db_destructor d)
{
    struct pg_stmt *s = S(ds);
    struct pg_param *p;
    int rc = DB_OK;

    if (i < 1 || i > s->nparams) {
        rc = DB_RANGE;
        goto out;
    }
    p = &s->params[i - 1];
    free(p->val);
    memset(p, 0, sizeof *p);
    p->set = true;
    p->is_null = is_null || (!v && type != OID_BYTEA);
    p->fmt = fmt;
    p->type = type;
    if (!p->is_null) {
        p->val = malloc((size_t)len + 1);
        if (!p->val) {
            p->set = false;
            rc = DB_NOMEM;
            goto out;
        }
        if (len)
            memcpy(p->val, v, (size_t)len);
        p->val[len] = '\0';
        p->len = len;
    }
out:
    if (v && d != DB_STATIC && d != DB_TRANSIENT)
        d((void *)v);
    return rc;
}

static int pg_bind_text(db_stmt *s, int i, const char *v, int n,
                        db_destructor d)
{
    int len = v ? (n < 0 ? (int)strlen(v) : (int)strnlen(v, (size_t)n)) : 0;

    return put(s, i, !v, 0, 0, v, len, d);
}

static int pg_bind_blob(db_stmt *s, int i, const void *v, int n,
                        db_destructor d)
{
    return put(s, i, !v && n <= 0 ? true : false, 1, OID_BYTEA,
               v ? v : "", v ? n : 0, d);
}

static int pg_bind_int64(db_stmt *s, int i, db_int64 v)
{
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%lld", v);

    return put(s, i, false, 0, OID_INT8, buf, n, DB_TRANSIENT);
}

static int pg_bind_double(db_stmt *s, int i, double v)
{
    char buf[64];
    int n = snprintf(buf, sizeof buf, "%.17g", v);

    return put(s, i, false, 0, OID_FLOAT8, buf, n, DB_TRANSIENT);
}

static int pg_bind_null(db_stmt *s, int i)
{
    return put(s, i, true, 0, 0, NULL, 0, DB_STATIC);
}

static int pg_bind_parameter_count(db_stmt *s)
{
    return S(s)->nparams;
}

/* Sends the statement with its parameters; keeps the result. */
static int execute(struct pg_stmt *s)
{
    struct pg_conn *c = C(s->base.conn);
    int n = s->nparams, rc;
    const char **vals = NULL;
    int *lens = NULL, *fmts = NULL;
    Oid *types = NULL;
    bool same = s->prepared;
    PGresult *r = NULL;

    if (defer(c, s->ctl, s->pgsql))
        return DB_OK; /* no result: db_step says DB_DONE */
    if (n > 0) {
        vals = calloc((size_t)n, sizeof *vals);
        lens = calloc((size_t)n, sizeof *lens);
        fmts = calloc((size_t)n, sizeof *fmts);
        types = calloc((size_t)n, sizeof *types);
        if (!vals || !lens || !fmts || !types) {
            rc = set_err(c, DB_NOMEM, "out of memory");
            goto out;
        }
    }
    for (int i = 0; i < n; i++) {
        struct pg_param *p = &s->params[i];
        vals[i] = p->set && !p->is_null ? p->val : NULL;
        lens[i] = p->len;
        fmts[i] = p->fmt;
        types[i] = p->set && !p->is_null ? p->type : 0;
        /* a number the text skips ("?5" without "?3") has no context to
         * give it a type: say text (its value is never read) */
        if (!s->used[i])
            types[i] = OID_TEXT;
        if (same && types[i] && s->prep_types[i] != types[i])
            same = false;
    }
    if (s->persistent && !s->prepared && !s->prep_failed) {
        /* once per statement: the queue goes out first, on its own */
        if ((rc = flush_pend(c)) != DB_OK)
            goto out;
        snprintf(s->name, sizeof s->name, "mx%llu", ++c->names);
        r = PQprepare(c->pg, s->name, s->pgsql, n, types);
        if (PQresultStatus(r) == PGRES_COMMAND_OK) {
            s->prepared = same = true;
            s->prep_types = types;
            types = NULL;
        } else {
            s->prep_failed = true; /* PQexecParams reports the error */
        }
        PQclear(r);
        /* a failed PREPARE inside a transaction aborts it; say so */
        if (!s->prepared && PQtransactionStatus(c->pg) == PQTRANS_INERROR) {
            r = NULL;
            rc = set_err(c, DB_ERROR, PQerrorMessage(c->pg));
            goto out;
        }
    }
    if (c->npend) {
        r = pipe_run(c, same ? s->name : NULL, s->pgsql, n, types, vals,
                     lens, fmts, s->commit, &rc);
    } else {
        if (same)
            r = PQexecPrepared(c->pg, s->name, n, vals, lens, fmts, 0);
        else
            r = PQexecParams(c->pg, s->pgsql, n, types, vals, lens, fmts, 0);
        rc = check_result(c, r, s->commit);
    }
    if (rc == DB_OK) {
        s->res = r;
        s->nrows = PQresultStatus(r) == PGRES_TUPLES_OK ? PQntuples(r) : 0;
        r = NULL;
    }
out:
    PQclear(r);
    free(vals);
    free(lens);
    free(fmts);
    free(types);
    return rc;
}

static int pg_step(db_stmt *ds)
{
    struct pg_stmt *s = S(ds);
    int rc;

    if (!s->executed) {
        s->executed = true;
        s->row = -1;
        rc = execute(s);
        if (rc != DB_OK) {
            s->last_rc = rc;
            return rc;
        }
    }
    if (s->blob) {
        PQfreemem(s->blob);
        s->blob = NULL;
        s->blob_col = -1;
    }
    if (s->row + 1 < s->nrows) {
        s->row++;
        s->last_rc = DB_ROW;
        return DB_ROW;
    }
    s->row = s->nrows;
    s->last_rc = DB_DONE;
    return DB_DONE;
}

/* Whether column i of the current row is there and not NULL. */
static bool have(struct pg_stmt *s, int i)
{
    return s->res && s->row >= 0 && s->row < s->nrows && i >= 0 &&
           i < PQnfields(s->res) && !PQgetisnull(s->res, s->row, i);
}

static int pg_column_count(db_stmt *ds)
{
    struct pg_stmt *s = S(ds);

    return s->res ? PQnfields(s->res) : 0;
}

static int pg_column_type(db_stmt *ds, int i)
{
    struct pg_stmt *s = S(ds);

    if (!have(s, i))
        return DB_NULL;
    switch (PQftype(s->res, i)) {
    case OID_BOOL: case OID_INT2: case OID_INT4: case OID_INT8:
        return DB_INTEGER;
    case OID_FLOAT4: case OID_FLOAT8:
        return DB_FLOAT;
    case OID_NUMERIC:
        return strchr(PQgetvalue(s->res, s->row, i), '.') ? DB_FLOAT
                                                          : DB_INTEGER;
    case OID_BYTEA:
        return DB_BLOB;
    default:
        return DB_TEXT;
    }
}

static db_int64 pg_column_int64(db_stmt *ds, int i)
{
    struct pg_stmt *s = S(ds);
    const char *v;

    if (!have(s, i))
        return 0;
    v = PQgetvalue(s->res, s->row, i);
    if (PQftype(s->res, i) == OID_BOOL)
        return v[0] == 't';
    if (strchr(v, '.') || strchr(v, 'e') || strchr(v, 'E'))
        return (db_int64)strtod(v, NULL);
    return strtoll(v, NULL, 10);
}

static double pg_column_double(db_stmt *ds, int i)
{
    struct pg_stmt *s = S(ds);

    if (!have(s, i))
        return 0.0;
    if (PQftype(s->res, i) == OID_BOOL)
        return PQgetvalue(s->res, s->row, i)[0] == 't';
    return strtod(PQgetvalue(s->res, s->row, i), NULL);
}

/* Decodes the bytea column i of the current row into s->blob. */
static bool decode_blob(struct pg_stmt *s, int i)
{
    if (s->blob_col == i && s->blob_row == s->row)
        return true;
    PQfreemem(s->blob);
    s->blob = PQunescapeBytea(
        (const unsigned char *)PQgetvalue(s->res, s->row, i), &s->blob_len);
    s->blob_col = s->blob ? i : -1;
    s->blob_row = s->row;
    return s->blob != NULL;
}

static const unsigned char *pg_column_text(db_stmt *ds, int i)
{
    struct pg_stmt *s = S(ds);

    if (!have(s, i))
        return NULL;
    if (PQftype(s->res, i) == OID_BOOL)
        return (const unsigned char *)(PQgetvalue(s->res, s->row, i)[0] == 't'
                                           ? "1"
                                           : "0");
    return (const unsigned char *)PQgetvalue(s->res, s->row, i);
}

static const void *pg_column_blob(db_stmt *ds, int i)
{
    struct pg_stmt *s = S(ds);

    if (!have(s, i))
        return NULL;
    if (PQftype(s->res, i) != OID_BYTEA)
        return PQgetvalue(s->res, s->row, i);
    if (!decode_blob(s, i))
        return NULL;
    return s->blob_len ? s->blob : (const void *)"";
}

static int pg_column_bytes(db_stmt *ds, int i)
{
    struct pg_stmt *s = S(ds);

    if (!have(s, i))
        return 0;
    if (PQftype(s->res, i) != OID_BYTEA)
        return PQgetlength(s->res, s->row, i);
    return decode_blob(s, i) ? (int)s->blob_len : 0;
}

static const char *pg_column_name(db_stmt *ds, int i)
{
    struct pg_stmt *s = S(ds);

    if (!s->res || i < 0 || i >= PQnfields(s->res))
        return NULL;
    return PQfname(s->res, i);
}

static int pg_reset(db_stmt *ds)
{
    struct pg_stmt *s = S(ds);
    int rc = s->last_rc;

    free_results(s);
    s->last_rc = DB_OK;
    return rc == DB_ROW || rc == DB_DONE ? DB_OK : rc;
}

static int pg_clear_bindings(db_stmt *ds)
{
    struct pg_stmt *s = S(ds);

    for (int i = 0; i < s->nparams; i++) {
        free(s->params[i].val);
        memset(&s->params[i], 0, sizeof s->params[i]);
    }
    return DB_OK;
}

static int pg_finalize(db_stmt *ds)
{
    struct pg_stmt *s = S(ds);
    struct pg_conn *c = C(ds->conn);
    int rc = s->last_rc == DB_ROW || s->last_rc == DB_DONE ? DB_OK
                                                           : s->last_rc;

    free_results(s);
    if (s->prepared && PQstatus(c->pg) == CONNECTION_OK &&
        flush_pend(c) == DB_OK &&
        PQtransactionStatus(c->pg) != PQTRANS_INERROR) {
        char sql[64];
        snprintf(sql, sizeof sql, "DEALLOCATE %s", s->name);
        PQclear(PQexec(c->pg, sql));
    }
    pg_clear_bindings(ds);
    free(s->params);
    free(s->used);
    free(s->prep_types);
    free(s->pgsql);
    free(s);
    return rc;
}

static int pg_stmt_busy(db_stmt *ds)
{
    struct pg_stmt *s = S(ds);

    return s->executed && s->row < s->nrows;
}

static void *pg_sqlite_handle(db_conn *c)
{
    (void)c;
    return NULL;
}

static const struct db_ops pg_ops = {
    .close = pg_close,
    .errmsg = pg_errmsg,
    .errcode = pg_errcode,
    .busy_timeout = pg_busy_timeout,
    .interrupt = pg_interrupt,
    .get_autocommit = pg_get_autocommit,
    .changes = pg_changes,
    .last_insert_id = pg_last_insert_id,
    .exec = pg_exec,
    .prepare = pg_prepare,
    .bind_text = pg_bind_text,
    .bind_blob = pg_bind_blob,
    .bind_int64 = pg_bind_int64,
    .bind_double = pg_bind_double,
    .bind_null = pg_bind_null,
    .bind_parameter_count = pg_bind_parameter_count,
    .step = pg_step,
    .column_count = pg_column_count,
    .column_type = pg_column_type,
    .column_int64 = pg_column_int64,
    .column_double = pg_column_double,
    .column_text = pg_column_text,
    .column_blob = pg_column_blob,
    .column_bytes = pg_column_bytes,
    .column_name = pg_column_name,
    .reset = pg_reset,
    .clear_bindings = pg_clear_bindings,
    .finalize = pg_finalize,
    .stmt_busy = pg_stmt_busy,
    .sqlite_handle = pg_sqlite_handle,
};

/* libpq's notices (e.g. "there is no transaction in progress") are not
 * errors of ours: dropped. */
static void quiet(void *arg, const char *msg)
{
    (void)arg;
    (void)msg;
}

int db_open_pg(const char *url, db_conn **out)
{
    struct pg_conn *c = calloc(1, sizeof *c);

    *out = NULL;
    if (!c)
        return DB_NOMEM;
    c->base.ops = &pg_ops;
    c->base.kind = DB_ENGINE_PG;
    pthread_mutex_init(&c->cancel_lock, NULL);
    *out = &c->base;
    c->pg = PQconnectdb(url);
    if (!c->pg)
        return set_err(c, DB_NOMEM, "out of memory");
    if (PQstatus(c->pg) != CONNECTION_OK)
        return set_err(c, DB_ERROR, PQerrorMessage(c->pg));
    PQsetNoticeProcessor(c->pg, quiet, NULL);
    c->cancel = PQgetCancel(c->pg);
    /* integer booleans and UTC timestamps; no surprises from the role */
    PQclear(PQexec(c->pg, "SET client_min_messages=warning"));
    return DB_OK;
}
