/* config.c -- settings: defaults, the `key = value` config file, MIXROOM_*
 * environment variables, and the setter that flags also use. Every value is
 * checked; a bad one gives a message naming the setting. */
#include "server/core/config.h"
#include "server/core/store.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/core/log.h"

#define LIMIT(k, lo, hi, d, unit, help)                                      \
    {#k, offsetof(struct srv_config, k), lo, hi, d, unit, help}
#define KIB 1024LL
#define MIB (1024LL * KIB)
#define GIB (1024LL * MIB)

static const struct srv_config_limit limits[] = {
    LIMIT(max_upload_seconds, 1, 86400, 1800, "seconds",
          "longest upload, in seconds of audio"),
    LIMIT(max_upload_decoded, MIB, 1024 * GIB, 2 * GIB, "bytes",
          "largest decoded size of one upload (float samples at the "
          "project rate)"),
    LIMIT(max_project_decoded, MIB, 16384 * GIB, 20 * GIB, "bytes",
          "largest decoded size of all of a project's audio"),
    LIMIT(max_message_bytes, KIB, 64 * MIB, MIB, "bytes",
          "largest WebSocket message a client may send (closed with 1009 "
          "past it)"),
    LIMIT(json_limit, KIB, 64 * MIB, 64 * KIB, "bytes",
          "largest JSON request body (413 past it)"),
    LIMIT(max_push_ops, 1, 1000000, 10000, "",
          "most ops in one push"),
    LIMIT(max_push_bytes, KIB, 64 * MIB, MIB, "bytes",
          "largest push message"),
    LIMIT(max_doc_objects, 10, 10000000, 100000, "",
          "most objects in one project's document"),
    LIMIT(max_doc_bytes, MIB, 4 * GIB, 64 * MIB, "bytes",
          "largest project document (as JSON)"),
    LIMIT(room_unload, 0, 86400, 30, "seconds",
          "how long an open project stays in memory after its last "
          "connection left"),
    LIMIT(job_deadline, 1, 86400, 600, "seconds",
          "longest an export or loudness job may run"),
    LIMIT(import_workers, 0, 255, 1, "",
          "engine workers kept for imports (exports cannot take them)"),
    LIMIT(render_tail, 0, 86400, 600, "seconds",
          "how far past the song's end an export or loudness range may reach"),
    LIMIT(login_account_failures, 1, 1000000, 10, "",
          "failed logins per account per window before 429"),
    LIMIT(login_address_failures, 1, 1000000, 100, "",
          "failed logins per client address per window before 429"),
    LIMIT(login_window, 1, 86400, 900, "seconds",
          "the window of the login failure limits"),
    LIMIT(max_path_bytes, 64, 4000, 2048, "bytes",
          "longest request path, and longest query (414 past it)"),
    LIMIT(max_header_bytes, 1024, 256 * KIB, 16384, "bytes",
          "largest request headers that libwebsockets keeps (431 past it)"),
    LIMIT(drain_bytes, 0, 1024 * MIB, 8 * MIB, "bytes",
          "how much of the body of a request refused early (401, 403, 413) "
          "is read and dropped so the client sees the answer"),
    LIMIT(drain_seconds, 0, 600, 5, "seconds",
          "how long such a body is read and dropped at most"),
    LIMIT(min_free_disk, 0, 1024 * GIB, 256 * MIB, "bytes",
          "free space the data folder needs; below it /readyz says 503"),
    /* notes and instruments: rows go here */
    LIMIT(max_midi_bytes, KIB, 256 * MIB, 4 * MIB, "bytes",
          "largest MIDI file upload (POST .../midi; 413 past it)"),
    /* instrument rendering and audition: rows go here */
    /* share links and guests: rows go here */
    LIMIT(guest_session_hours, 1, 8760, 168, "hours",
          "longest a guest session of a share link lives (never past the "
          "link's expiry)"),
    LIMIT(links_per_project, 1, 100000, 200, "",
          "share links a project may have (revoked ones included)"),
    /* activity and webhooks: rows go here */
    LIMIT(webhook_retries, 0, 20, 5, "",
          "how often a failed webhook delivery is retried"),
    LIMIT(webhook_timeout, 1, 120, 10, "seconds",
          "longest one webhook delivery attempt may take"),
    LIMIT(webhook_backoff, 10, 3600000, 2000, "milliseconds",
          "wait before the first retry of a webhook delivery (doubled "
          "after each further failure)"),
    /* recording: rows go here */
    LIMIT(max_take_chunk_bytes, KIB, 64 * MIB, MIB, "bytes",
          "largest chunk of a recorded take (PUT .../takes/{take}/chunks/{seq}; "
          "413 past it)"),
    LIMIT(max_take_seconds, 1, 86400, 1800, "seconds",
          "longest recorded take (413 past it)"),
    LIMIT(max_open_takes_per_user, 1, 1000, 4, "",
          "unfinished takes (recording or stopped) one user may have"),
    /* interchange: rows go here */
    LIMIT(max_dawproject_bytes, KIB, 1024 * GIB, GIB, "bytes",
          "largest .dawproject file imported (POST /api/projects/import; "
          "413 past it)"),
    LIMIT(max_dawproject_unpacked_bytes, MIB, 1024 * GIB, 4 * GIB, "bytes",
          "most bytes all entries of a .dawproject may inflate to (counted "
          "while inflating)"),
    LIMIT(max_dawproject_entries, 1, 1000000, 10000, "",
          "most entries in a .dawproject zip"),
    LIMIT(max_dawproject_ratio, 2, 100000, 200, "",
          "largest inflated/compressed ratio of a .dawproject entry over "
          "1 MiB (zip bombs)"),
    LIMIT(max_dawproject_xml_bytes, KIB, GIB, 64 * MIB, "bytes",
          "largest project.xml or metadata.xml inside a .dawproject"),
    /* listening and delivery: rows go here */
    LIMIT(stream_render_ahead, 1, 5, 5, "",
          "20 ms packets the live preview renders in one block (1: one at "
          "a time; more is cheaper for many listeners, and an edit reaches "
          "what was rendered ahead no sooner)"),
    LIMIT(stream_render_ahead_max, 1, 20, 20, "",
          "most 20 ms packets the live preview renders in one block when a "
          "pacing thread is at its complexity floor and still over its "
          "load (doubles from stream_render_ahead; each source's buffer "
          "grows to 7.5 KiB a packet; an edit reaches audio rendered "
          "ahead no sooner)"),
    LIMIT(block_cache_bytes, 0, 64 * GIB, 0, "bytes",
          "memory of the live preview's block cache of unchanged tracks' "
          "rendered blocks, shared by every stream (0: off)"),
    LIMIT(loudness_cache, 0, 1000000, 256, "",
          "revisions whose integrated loudness is kept in memory for "
          "loudness-matched A/B"),
    /* assets in S3: rows go here */
    LIMIT(asset_cache_bytes, 64 * KIB, 1024 * 1024 * GIB, 2 * GIB, "bytes",
          "largest size of the data folder's assets/ when the assets are in "
          "S3 (--assets s3://BUCKET): least recently used files not held by "
          "a render are evicted past it"),
    LIMIT(opus_complexity_min, 0, 10, 0, "",
          "lowest Opus complexity live preview steps down to under load "
          "(opus_complexity is the highest)"),
    LIMIT(stream_share, 0, 1, 1, "",
          "1: listeners of the same source at the same position share one "
          "render and Opus encode; 0: each listener has its own"),
    LIMIT(stream_test_load, 0, 1000, 0, "",
          "test hook: percent added to the load the preview threads measure "
          "(makes the Opus complexity step down)"),
};

const struct srv_config_limit *srv_config_limits(int *n)
{
    *n = (int)(sizeof limits / sizeof limits[0]);
    return limits;
}

static int64_t *limit_field(struct srv_config *cfg,
                            const struct srv_config_limit *l)
{
    return (int64_t *)(void *)((char *)cfg + l->offset);
}

/* The default web client: ./web if it has index.html; else the installed
 * one, MIXROOM_PKGDATADIR/web; else, when the whole installed tree was
 * moved (a DESTDIR staging, an unpacked tree), the same place under its
 * new root: /proc/self/exe is ROOT + MIXROOM_BINDIR + "/mixroom", so the
 * client is at ROOT + MIXROOM_PKGDATADIR + "/web". */
static void default_web_dir(char *out, size_t n)
{
    if (access("./web/index.html", R_OK) == 0) {
        snprintf(out, n, "./web");
        return;
    }
    snprintf(out, n, "%s/web", MIXROOM_PKGDATADIR);
#ifdef MIXROOM_BINDIR
    {
        const char *tail = MIXROOM_BINDIR "/mixroom";
        size_t tl = strlen(tail);
        char exe[4096], root[4096], try[4096 + 64];
        ssize_t len;

        snprintf(try, sizeof try, "%s/index.html", out);
        if (access(try, R_OK) == 0)
            return;
        len = readlink("/proc/self/exe", exe, sizeof exe - 1);
        if (len <= 0)
            return;
        exe[len] = '\0';
        if ((size_t)len <= tl || strcmp(exe + len - (ssize_t)tl, tail))
            return;
        snprintf(root, sizeof root, "%.*s", (int)((size_t)len - tl), exe);
        snprintf(try, sizeof try, "%s%s/web/index.html", root,
                 MIXROOM_PKGDATADIR);
        if (access(try, R_OK) == 0 &&
            strlen(root) + strlen(MIXROOM_PKGDATADIR) + 4 < n)
            snprintf(out, n, "%s%s/web", root, MIXROOM_PKGDATADIR);
    }
#endif
}

void srv_config_defaults(struct srv_config *cfg)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);

    memset(cfg, 0, sizeof *cfg);
    snprintf(cfg->listen_host, sizeof cfg->listen_host, "127.0.0.1");
    cfg->listen_port = 8080;
    snprintf(cfg->data_dir, sizeof cfg->data_dir, "./data");
    default_web_dir(cfg->web_dir, sizeof cfg->web_dir);
    cfg->log_level = SRV_LOG_INFO;
    cfg->log_format = SRV_LOG_TEXT;
    snprintf(cfg->synchronous, sizeof cfg->synchronous, "FULL");
    cfg->session_days = 30;
    cfg->upload_limit = (int64_t)1 << 30;
    cfg->opus_bitrate = 128000;
    cfg->opus_complexity = 8;
    cfg->workers = cores > 0 ? (int)cores : 2;
    cfg->demo = true;
    /* cluster: the node's name defaults to the host name */
    if (gethostname(cfg->node_name, sizeof cfg->node_name - 1) != 0 ||
        !srv_config_node_name_ok(cfg->node_name))
        snprintf(cfg->node_name, sizeof cfg->node_name, "mixroom");
    for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++)
        *limit_field(cfg, &limits[i]) = limits[i].def;
}

bool srv_config_node_name_ok(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n > 63)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '.' && s[i] != '_' &&
            s[i] != '-')
            return false;
    return true;
}

static int parse_int(const char *s, long long lo, long long hi, long long *out)
{
    char *end;
    long long v;

    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

static int parse_bool(const char *s, bool *out)
{
    if (!strcmp(s, "true") || !strcmp(s, "yes") || !strcmp(s, "1") ||
        !strcmp(s, "on"))
        *out = true;
    else if (!strcmp(s, "false") || !strcmp(s, "no") || !strcmp(s, "0") ||
             !strcmp(s, "off"))
        *out = false;
    else
        return -1;
    return 0;
}

static int copy_str(char *dst, size_t n, const char *v)
{
    if (strlen(v) >= n || !*v)
        return -1;
    memcpy(dst, v, strlen(v) + 1);
    return 0;
}

/* Is host an address the server can bind exactly: an IPv4 literal
 * ("127.0.0.1", "0.0.0.0") or a bracketed IPv6 one ("[::1]", "[::]")? */
static bool listen_host_ok(const char *host)
{
    unsigned char buf[sizeof(struct in6_addr)];
    char v6[INET6_ADDRSTRLEN + 2];
    size_t n = strlen(host);

    if (inet_pton(AF_INET, host, buf) == 1)
        return true;
    if (n < 3 || n - 2 >= sizeof v6 || host[0] != '[' || host[n - 1] != ']')
        return false;
    memcpy(v6, host + 1, n - 2);
    v6[n - 2] = '\0';
    return inet_pton(AF_INET6, v6, buf) == 1;
}

static int set_listen(struct srv_config *cfg, const char *v)
{
    const char *colon = strrchr(v, ':');
    char host[sizeof cfg->listen_host] = "";
    long long port;
    size_t hl;

    if (!colon || colon == v)
        return -1;
    hl = (size_t)(colon - v);
    if (hl >= sizeof host)
        return -1;
    if (parse_int(colon + 1, 0, 65535, &port))
        return -1;
    memcpy(host, v, hl);
    host[hl] = '\0';
    if (!strcmp(host, "localhost"))
        snprintf(host, sizeof host, "127.0.0.1");
    if (!listen_host_ok(host))
        return -1;
    memcpy(cfg->listen_host, host, sizeof host);
    cfg->listen_port = (int)port;
    return 0;
}

static const struct srv_config_limit *find_limit(const char *key)
{
    for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++)
        if (!strcmp(limits[i].key, key))
            return &limits[i];
    return NULL;
}

int srv_config_set(struct srv_config *cfg, const char *key, const char *value,
                   char *err, size_t errlen)
{
    const struct srv_config_limit *lim;
    char range[160];
    long long n;
    const char *want = NULL;

    if (!strcmp(key, "listen")) {
        if (set_listen(cfg, value))
            want = "ADDR:PORT: an IP address (127.0.0.1, 0.0.0.0, [::1] or "
                   "localhost) and a port from 0 to 65535, e.g. 127.0.0.1:8080";
    } else if (!strcmp(key, "data")) {
        if (copy_str(cfg->data_dir, sizeof cfg->data_dir, value))
            want = "a directory path";
    } else if (!strcmp(key, "store")) {
        char why[256];
        if (store_configure_setting(value, why, sizeof why) != 0)
            want = "sqlite:[FILE] or postgresql://USER@HOST:PORT/DB";
    } else if (!strcmp(key, "web")) {
        if (copy_str(cfg->web_dir, sizeof cfg->web_dir, value))
            want = "a directory path";
    } else if (!strcmp(key, "log_level")) {
        int l = srv_log_parse_level(value);
        if (l < 0)
            want = "one of error, warn, info, debug";
        else
            cfg->log_level = l;
    } else if (!strcmp(key, "log_format")) {
        int f = srv_log_parse_format(value);
        if (f < 0)
            want = "text or json";
        else
            cfg->log_format = f;
    } else if (!strcmp(key, "log_file")) {
        if (copy_str(cfg->log_file, sizeof cfg->log_file, value))
            want = "a file path";
    } else if (!strcmp(key, "synchronous")) {
        if (strcasecmp(value, "FULL") && strcasecmp(value, "NORMAL"))
            want = "FULL or NORMAL";
        else
            snprintf(cfg->synchronous, sizeof cfg->synchronous, "%s",
                     strcasecmp(value, "FULL") ? "NORMAL" : "FULL");
    } else if (!strcmp(key, "session_days")) {
        if (parse_int(value, 1, 3650, &n))
            want = "a whole number of days from 1 to 3650";
        else
            cfg->session_days = (int)n;
    } else if (!strcmp(key, "upload_limit")) {
        if (parse_int(value, 1024, (long long)1 << 40, &n))
            want = "a size in bytes from 1024 to 1099511627776";
        else
            cfg->upload_limit = n;
    } else if (!strcmp(key, "tls_cert")) {
        if (copy_str(cfg->tls_cert, sizeof cfg->tls_cert, value))
            want = "a file path";
    } else if (!strcmp(key, "tls_key")) {
        if (copy_str(cfg->tls_key, sizeof cfg->tls_key, value))
            want = "a file path";
    } else if (!strcmp(key, "allowed_origin")) {
        if (cfg->n_origins >= SRV_MAX_ORIGINS ||
            (strncmp(value, "http://", 7) && strncmp(value, "https://", 8)) ||
            copy_str(cfg->allowed_origins[cfg->n_origins],
                     sizeof cfg->allowed_origins[0], value))
            want = "an origin like https://studio.example.com (at most 16)";
        else
            cfg->n_origins++;
    } else if (!strcmp(key, "opus_bitrate")) {
        if (parse_int(value, 16000, 512000, &n))
            want = "bits per second from 16000 to 512000";
        else
            cfg->opus_bitrate = (int)n;
    } else if (!strcmp(key, "opus_complexity")) {
        if (parse_int(value, 0, 10, &n))
            want = "a whole number from 0 to 10";
        else
            cfg->opus_complexity = (int)n;
    } else if (!strcmp(key, "workers")) {
        if (parse_int(value, 1, 256, &n))
            want = "a whole number from 1 to 256";
        else
            cfg->workers = (int)n;
    } else if (!strcmp(key, "demo")) {
        if (parse_bool(value, &cfg->demo))
            want = "true or false";
    } else if (!strcmp(key, "trusted_proxies")) {
        unsigned char a[sizeof(struct in6_addr)];
        if (cfg->n_proxies >= SRV_MAX_PROXIES ||
            (inet_pton(AF_INET, value, a) != 1 &&
             inet_pton(AF_INET6, value, a) != 1) ||
            copy_str(cfg->trusted_proxies[cfg->n_proxies],
                     sizeof cfg->trusted_proxies[0], value))
            want = "the IP address of a proxy whose X-Forwarded-For is "
                   "trusted (at most 16)";
        else
            cfg->n_proxies++;
    } else if (!strcmp(key, "metrics_token")) {
        if (strlen(value) < 16 ||
            copy_str(cfg->metrics_token, sizeof cfg->metrics_token, value))
            want = "a token of 16 to 127 characters that GET /metrics "
                   "must carry as Authorization: Bearer TOKEN";
    } else if (!strcmp(key, "webhook_allow_private")) {
        /* activity and webhooks */
        if (parse_bool(value, &cfg->webhook_allow_private))
            want = "true or false (true lets webhooks reach loopback and "
                   "private addresses)";
    } else if (!strcmp(key, "assets")) {
        /* assets in S3 (checked in full by srv_objstore_configure) */
        if (strncmp(value, "s3://", 5) ||
            copy_str(cfg->assets, sizeof cfg->assets, value))
            want = "s3://BUCKET (absent: the data folder keeps the assets)";
    } else if (!strcmp(key, "s3_endpoint")) {
        if ((strncmp(value, "http://", 7) && strncmp(value, "https://", 8)) ||
            copy_str(cfg->s3_endpoint, sizeof cfg->s3_endpoint, value))
            want = "http://HOST[:PORT] or https://HOST[:PORT] of the S3 "
                   "service";
    } else if (!strcmp(key, "s3_region")) {
        if (copy_str(cfg->s3_region, sizeof cfg->s3_region, value))
            want = "a region name such as us-east-1";
    } else if (!strcmp(key, "s3_access_key")) {
        if (copy_str(cfg->s3_access_key, sizeof cfg->s3_access_key, value))
            want = "the access key id (1 to 255 characters)";
    } else if (!strcmp(key, "s3_secret_key")) {
        if (copy_str(cfg->s3_secret_key, sizeof cfg->s3_secret_key, value)) {
            /* never echo the secret */
            snprintf(err, errlen, "s3_secret_key: the value is not valid; "
                     "expected 1 to 255 characters");
            return -1;
        }
    } else if (!strcmp(key, "s3_virtual_host")) {
        if (parse_bool(value, &cfg->s3_virtual_host))
            want = "true (BUCKET.HOST) or false (HOST/BUCKET, the default)";
    } else if (!strcmp(key, "node") ||
               strcmp(key, "node_name") == 0 /* the name the contract gives */) {
        /* cluster */
        if (!srv_config_node_name_ok(value) ||
            copy_str(cfg->node_name, sizeof cfg->node_name, value))
            want = "a node name of 1 to 63 letters, digits, '.', '_' or '-'";
    } else if ((lim = find_limit(key))) {
        if (parse_int(value, lim->min, lim->max, &n)) {
            snprintf(range, sizeof range, "a whole number%s%s from %lld to %lld",
                     lim->unit[0] ? " of " : "", lim->unit, lim->min,
                     lim->max);
            want = range;
        } else {
            *limit_field(cfg, lim) = n;
        }
    } else {
        snprintf(err, errlen, "unknown setting '%s'", key);
        return -1;
    }
    if (want) {
        snprintf(err, errlen, "%s: '%s' is not valid; expected %s", key, value,
                 want);
        return -1;
    }
    return 0;
}

static char *trim(char *s)
{
    char *e;

    while (isspace((unsigned char)*s))
        s++;
    e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

int srv_config_load_file(struct srv_config *cfg, const char *path, char *err,
                         size_t errlen)
{
    char *line = NULL, msg[512];
    size_t cap = 0;
    int lineno = 0, rc = -1;
    FILE *f = fopen(path, "r");

    if (!f) {
        snprintf(err, errlen, "config file %s: %s", path, strerror(errno));
        return -1;
    }
    /* getline: a line of any length is one line (a long comment stays a
     * comment; a long value reaches the setter, which refuses it) */
    while (getline(&line, &cap, f) >= 0) {
        char *s = trim(line), *eq;
        lineno++;
        if (!*s || *s == '#')
            continue;
        eq = strchr(s, '=');
        if (!eq) {
            snprintf(err, errlen, "%s:%d: expected key = value", path, lineno);
            goto out;
        }
        *eq = '\0';
        if (srv_config_set(cfg, trim(s), trim(eq + 1), msg, sizeof msg)) {
            snprintf(err, errlen, "%s:%d: %s", path, lineno, msg);
            goto out;
        }
    }
    rc = 0;
out:
    free(line);
    fclose(f);
    return rc;
}

int srv_config_load_env(struct srv_config *cfg, char *const *envp, char *err,
                        size_t errlen)
{
    char key[64], msg[512];

    for (; envp && *envp; envp++) {
        const char *e = *envp, *eq;
        size_t kl;

        if (strncmp(e, "MIXROOM_", 8) != 0)
            continue;
        eq = strchr(e, '=');
        if (!eq)
            continue;
        kl = (size_t)(eq - e - 8);
        if (kl == 0 || kl >= sizeof key)
            continue;
        for (size_t i = 0; i < kl; i++)
            key[i] = (char)tolower((unsigned char)e[8 + i]);
        key[kl] = '\0';
        if (!strcmp(key, "config"))
            continue; /* handled by the CLI */
        if (!strncmp(key, "test_", 5))
            continue; /* MIXROOM_TEST_*: test hooks, not settings */
        if (srv_config_set(cfg, key, eq + 1, msg, sizeof msg)) {
            snprintf(err, errlen, "environment MIXROOM_%.*s: %s", (int)kl,
                     e + 8, msg);
            return -1;
        }
    }
    return 0;
}
