/* store_url.c -- the process's store: which engine and where, from
 * --store, MIXROOM_STORE or the config file's `store = URL`
 * (store_configure). Kept apart from store.c so that the config parser (and
 * its fuzzer) can check a store URL without the database code. */
#include "server/core/store.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The configured store: written once by store_configure, on the main
 * thread before any other starts; read-only afterwards. */
static struct {
    bool pg;
    char pg_url[2048];
    char sqlite_file[4096];   /* "" = <data>/mixroom.db */
    bool explicit;            /* set by --store or MIXROOM_STORE */
} store_cfg;

/* Parses url into store_cfg; 0 or -1 with err. */
static int parse_url(const char *url, char *err, size_t errlen)
{
    memset(&store_cfg, 0, sizeof store_cfg);
    if (!url || !*url || !strcmp(url, "sqlite:"))
        return 0;
    if (!strncmp(url, "sqlite:", 7)) {
        if (strlen(url + 7) >= sizeof store_cfg.sqlite_file)
            goto bad;
        snprintf(store_cfg.sqlite_file, sizeof store_cfg.sqlite_file, "%s",
                 url + 7);
        return 0;
    }
    if (!strncmp(url, "postgresql://", 13) || !strncmp(url, "postgres://", 11)) {
        if (strlen(url) >= sizeof store_cfg.pg_url)
            goto bad;
        store_cfg.pg = true;
        snprintf(store_cfg.pg_url, sizeof store_cfg.pg_url, "%s", url);
        return 0;
    }
bad:
    snprintf(err, errlen,
             "--store: '%.200s' is not a store URL (sqlite:[FILE] or "
             "postgresql://...)",
             url);
    return -1;
}

int store_configure(const char *url, char *err, size_t errlen)
{
    if (!url || !*url)
        url = getenv("MIXROOM_STORE");
    if (parse_url(url, err, errlen) != 0)
        return -1;
    store_cfg.explicit = url && *url;
    return 0;
}

int store_configure_setting(const char *url, char *err, size_t errlen)
{
    typeof(store_cfg) saved = store_cfg;

    if (parse_url(url, err, errlen) != 0) {
        store_cfg = saved;
        return -1;
    }
    if (saved.explicit)
        store_cfg = saved; /* the flag or the environment wins */
    return 0;
}

bool store_is_pg(void)
{
    return store_cfg.pg;
}

const char *store_pg_url(void)
{
    return store_cfg.pg_url;
}

void store_sqlite_path(char *buf, size_t len, const char *data_dir)
{
    if (store_cfg.sqlite_file[0])
        snprintf(buf, len, "%s", store_cfg.sqlite_file);
    else
        snprintf(buf, len, "%s/mixroom.db", data_dir);
}
