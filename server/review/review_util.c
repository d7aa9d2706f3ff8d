/* review_util.c -- small helpers of the review module (review_priv.h):
 * who a person is, positions as m:ss, character counts, random ids, the
 * current version. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "server/core/store_stmt.h"
#include "server/review/review_priv.h"
#include "server/net/ws.h"

const char *review_who(const struct srv_conn *c)
{
    if (c->display_name[0])
        return c->display_name;
    return c->user_name[0] ? c->user_name : c->user_id;
}

void review_fmt_time(char *buf, size_t len, long long frames, int rate)
{
    long long s = rate > 0 ? frames / rate : 0;

    if (s >= 3600)
        snprintf(buf, len, "%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
    else
        snprintf(buf, len, "%lld:%02lld", s / 60, s % 60);
}

size_t review_utf8_len(const char *s)
{
    size_t n = 0;

    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

void review_new_id(char *buf, size_t len, const char *prefix)
{
    static const char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
    char tail[13];

    for (size_t i = 0; i < sizeof tail - 1; i++)
        tail[i] = digits[randombytes_uniform(36)];
    tail[sizeof tail - 1] = '\0';
    snprintf(buf, len, "%s%s", prefix, tail);
}

void review_current_version(db_conn *db, const char *project_id, char *buf,
                            size_t len)
{
    buf[0] = '\0';
    store_query_text(db, "SELECT id FROM versions WHERE project_id=? "
                         "ORDER BY rev DESC, created_at DESC LIMIT 1",
                     STORE_ARGS(project_id), buf, len, NULL, 0);
}
