/* cli_serve.c -- `mixroom serve`: settings from file, environment and
 * flags, then the modules and the event loop. */
#include "server/app/cli_serve.h"

#include <assert.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/core/config.h"
#include "server/core/log.h"
#include "server/net/loop.h"
#include "server/net/lws_log.h"
#include "server/app/modules.h"
#include "server/objstore/objstore.h"

extern char **environ;

/* Flags map to config keys; flags with a value take no argument. Their
 * help and default also make --help and the man pages (cli_man.c). */
static const struct srv_cli_flag flags[] = {
    {"listen", "listen", NULL, "ADDR:PORT", "127.0.0.1:8080", "address and port to listen on, exactly that address: an IPv4 address, [IPv6] or localhost (0.0.0.0 for every IPv4 address)"},
    {"data", "data", NULL, "DIR", "./data", "directory of the database and the audio"},
    {"web", "web", NULL, "DIR", "(./web if it has index.html, else the installed client)", "directory of the web client to serve"},
    {"log-level", "log_level", NULL, "LEVEL", "info", "error, warn, info or debug"},
    {"log-format", "log_format", NULL, "FORMAT", "text", "text, or json: one JSON object per line (ts, level, msg and fields)"},
    {"log-file", "log_file", NULL, "FILE", "(stderr)", "append the log to FILE (created 0640) instead of stderr; SIGHUP reopens it, for logrotate"},
    {"synchronous", "synchronous", NULL, "MODE", "FULL", "SQLite durability: FULL or NORMAL"},
    {"session-days", "session_days", NULL, "DAYS", "30", "login sessions last this many days (1 to 3650)"},
    {"upload-limit", "upload_limit", NULL, "BYTES", "1073741824", "largest upload in bytes (1073741824 is 1 GiB)"},
    {"allowed-origin", "allowed_origin", NULL, "ORIGIN", "(none)", "another origin whose pages may connect (repeatable, at most 16)"},
    {"tls-cert", "tls_cert", NULL, "FILE", "(none: plain HTTP)", "PEM certificate: serve HTTPS and WSS"},
    {"tls-key", "tls_key", NULL, "FILE", "(none)", "PEM private key for --tls-cert"},
    {"opus-bitrate", "opus_bitrate", NULL, "BITS", "128000", "preview bitrate in bit/s (16000 to 512000)"},
    {"opus-complexity", "opus_complexity", NULL, "N", "8", "preview encoder complexity 0 to 10"},
    {"workers", "workers", NULL, "N", "(the number of cores)", "engine worker threads (1 to 256)"},
    {"no-demo", "demo", "false", NULL, "true", "do not create the demo user and project on first start (the setting: demo = true or false)"},
    {"trusted-proxy", "trusted_proxies", NULL, "ADDR", "(none)", "address of a reverse proxy whose X-Forwarded-For is believed (repeatable, at most 16)"},
    {"webhook-allow-private", "webhook_allow_private", "true", NULL, "false", "let webhooks reach loopback, private, link-local and ULA addresses (the setting: webhook_allow_private = true or false)"},
    /* assets in S3 (the secret key only from the config file or MIXROOM_S3_SECRET_KEY: a flag shows in ps) */
    {"assets", "assets", NULL, "URL", "(the data folder)", "s3://BUCKET: keep the audio files in S3-compatible storage (needs s3_endpoint, s3_region, s3_access_key, s3_secret_key); the data folder's assets/ is then a cache of asset_cache_bytes"},
    {"s3-endpoint", "s3_endpoint", NULL, "URL", "(none)", "http(s)://HOST[:PORT] of the S3 service (for --assets)"},
    {"s3-region", "s3_region", NULL, "REGION", "(none)", "the S3 region signed for, e.g. us-east-1"},
    {"s3-access-key", "s3_access_key", NULL, "KEY", "(none)", "the S3 access key id (the secret: s3_secret_key in the config file or MIXROOM_S3_SECRET_KEY)"},
    {"s3-virtual-host", "s3_virtual_host", "true", NULL, "false", "address the bucket as BUCKET.HOST instead of HOST/BUCKET (the setting: s3_virtual_host = true or false)"},
    {"node", "node", NULL, "NAME", "(the host name)", "this node's name, in welcome, /healthz and the project leases of a cluster (letters, digits, '.', '_', '-')"},
    {"store", "store", NULL, "URL", "(the SQLite database under --data)", "sqlite:[FILE], or postgresql://...: the store of the documents, accounts and history; with PostgreSQL, projects are leased to one node at a time (docs/storage.md, docs/deploy.md). Every command takes --store (or MIXROOM_STORE)"},
    {"metrics-token", "metrics_token", NULL, "TOKEN", "(none: /metrics is public)", "16 to 127 characters: GET /metrics then needs Authorization: Bearer TOKEN (prefer the config file or MIXROOM_METRICS_TOKEN, since a flag shows in ps)"},
};
#define N_FLAGS (sizeof flags / sizeof flags[0])

/* The limits of server/core/config.c get a flag each: the key with '-'
 * for '_' (--max-upload-seconds). Written once by limit_flag_names. */
#define MAX_LIMITS 64
static char limit_flags[MAX_LIMITS][48];

const struct srv_cli_flag *srv_cli_flags(int *n)
{
    *n = (int)N_FLAGS;
    return flags;
}

void srv_cli_key_flag(const char *key, char *out, size_t n)
{
    snprintf(out, n, "%s", key);
    for (char *p = out; *p; p++)
        if (*p == '_')
            *p = '-';
}

static int limit_flag_names(const struct srv_config_limit **lim)
{
    int n;

    *lim = srv_config_limits(&n);
    assert(n <= MAX_LIMITS);
    if (n > MAX_LIMITS)
        n = MAX_LIMITS;
    for (int i = 0; i < n; i++)
        srv_cli_key_flag((*lim)[i].key, limit_flags[i], sizeof limit_flags[i]);
    return n;
}

/* One option line of --help: "  --flag ARG   help". */
static void help_line(const char *flag, const char *arg, const char *help)
{
    int w = printf("  --%s%s%s", flag, arg ? " " : "", arg ? arg : "");

    printf("%*s %s", w < 30 ? 30 - w : 0, "", help);
}

static void print_help(const char *cmd)
{
    printf("usage: mixroom %s [OPTIONS]\n\noptions:\n", cmd);
    printf("  --config FILE                read settings from FILE (key = value lines,\n"
           "                               mixroom.conf(5)); also MIXROOM_CONFIG\n");
    const struct srv_config_limit *lim;
    int nl = limit_flag_names(&lim);

    for (size_t i = 0; i < N_FLAGS; i++) {
        const char *d = flags[i].def;
        help_line(flags[i].flag, flags[i].arg, flags[i].help);
        if (flags[i].value)
            printf("\n");
        else if (d[0] == '(')
            printf(" (default: %.*s)\n", (int)strlen(d) - 2, d + 1);
        else
            printf(" (default %s)\n", d);
    }
    for (int i = 0; i < nl; i++) {
        help_line(limit_flags[i],
                  !strcmp(lim[i].unit, "bytes")     ? "BYTES"
                  : !strcmp(lim[i].unit, "seconds") ? "SECONDS"
                                                    : "N",
                  lim[i].help);
        printf(" (default %lld%s%s; %lld to %lld)\n", lim[i].def,
               lim[i].unit[0] ? " " : "", lim[i].unit, lim[i].min, lim[i].max);
    }
    printf("  --help                       show this help\n\n"
           "Every setting can also come from the environment as MIXROOM_<KEY>\n"
           "(e.g. MIXROOM_LISTEN, MIXROOM_DATA) or from the config file as\n"
           "<key> = <value> (e.g. listen = 127.0.0.1:8080). Flags beat the\n"
           "environment, which beats the file, which beats the defaults.\n");
}

int srv_cli_load_config(struct srv_config *cfg, int argc, char **argv,
                        const char *cmd, char *err, size_t errlen)
{
    struct option opts[N_FLAGS + MAX_LIMITS + 3];
    const char *config_file = getenv("MIXROOM_CONFIG");
    const struct srv_config_limit *lim;
    char msg[768];
    int c, idx, nl = limit_flag_names(&lim);
    size_t no = N_FLAGS;

    err[0] = '\0';
    srv_config_defaults(cfg);
    for (size_t i = 0; i < N_FLAGS; i++) {
        opts[i].name = flags[i].flag;
        opts[i].has_arg = flags[i].value ? no_argument : required_argument;
        opts[i].flag = NULL;
        opts[i].val = 1000 + (int)i;
    }
    for (int i = 0; i < nl; i++)
        opts[no++] = (struct option){limit_flags[i], required_argument, NULL,
                                     2000 + i};
    opts[no++] = (struct option){"config", required_argument, NULL, 'c'};
    opts[no++] = (struct option){"help", no_argument, NULL, 'h'};
    opts[no] = (struct option){NULL, 0, NULL, 0};

    /* Pass 1: --help, --config and unknown flags. */
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":h", opts, &idx)) != -1) {
        if (c == 'h') {
            print_help(cmd);
            return -1;
        }
        if (c == 'c')
            config_file = optarg;
        if (c == '?') {
            snprintf(err, errlen, "unknown option '%s'", argv[optind - 1]);
            return -1;
        }
        if (c == ':') {
            snprintf(err, errlen, "option '%s' needs a value",
                     argv[optind - 1]);
            return -1;
        }
    }
    if (optind < argc) {
        snprintf(err, errlen, "unexpected argument '%s'", argv[optind]);
        return -1;
    }
    if (config_file &&
        srv_config_load_file(cfg, config_file, msg, sizeof msg) != 0) {
        snprintf(err, errlen, "%s", msg);
        return -1;
    }
    if (srv_config_load_env(cfg, environ, msg, sizeof msg) != 0) {
        snprintf(err, errlen, "%s", msg);
        return -1;
    }
    /* Pass 2: the flags themselves. */
    optind = 1;
    while ((c = getopt_long(argc, argv, ":h", opts, &idx)) != -1) {
        if (c >= 2000) {
            int j = c - 2000;
            if (srv_config_set(cfg, lim[j].key, optarg, msg, sizeof msg) != 0) {
                snprintf(err, errlen, "--%s: %s", limit_flags[j], msg);
                return -1;
            }
            continue;
        }
        if (c < 1000)
            continue;
        size_t i = (size_t)(c - 1000);
        const char *v = flags[i].value ? flags[i].value : optarg;
        if (srv_config_set(cfg, flags[i].key, v, msg, sizeof msg) != 0) {
            snprintf(err, errlen, "--%s: %s", flags[i].flag, msg);
            return -1;
        }
    }
    return 0;
}

int srv_cli_serve(int argc, char **argv)
{
    struct srv_config cfg;
    char err[1024];
    int rc;

    if (srv_cli_load_config(&cfg, argc, argv, "serve", err, sizeof err) != 0) {
        if (!err[0])
            return 0;
        fprintf(stderr, "mixroom serve: %s\n", err);
        return 2;
    }
    srv_log_set_level((enum srv_log_level)cfg.log_level);
    srv_log_set_format((enum srv_log_format)cfg.log_format);
    if (cfg.log_file[0] &&
        srv_log_open_file(cfg.log_file, err, sizeof err) != 0) {
        fprintf(stderr, "mixroom serve: --log-file: %s\n", err);
        return 1;
    }
    srv_log_hook_lws();
    if (srv_objstore_configure(&cfg, err, sizeof err) != 0) {
        fprintf(stderr, "mixroom serve: %s\n", err);
        return 2;
    }
    srv_modules_init();
    rc = srv_loop_run(&cfg);
    srv_objstore_shutdown();
    srv_log_close_file();
    return rc;
}
