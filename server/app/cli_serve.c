/* cli_serve.c -- `mixroom serve`: settings from file, environment and
 * flags, then the modules and the event loop. */
#include "server/app/cli_serve.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/core/config.h"
#include "server/core/log.h"
#include "server/net/loop.h"
#include "server/net/lws_log.h"
#include "server/app/modules.h"

extern char **environ;

/* Flags map to config keys; has_arg 0 flags set "true"/"false". */
static const struct {
    const char *flag, *key, *value;
    const char *help;
} flags[] = {
    {"listen", "listen", NULL, "ADDR:PORT to listen on, exactly that address: an IPv4 address, [IPv6] or localhost (default 127.0.0.1:8080; 0.0.0.0 for every IPv4 address)"},
    {"data", "data", NULL, "DIR for the database and audio (default ./data)"},
    {"web", "web", NULL, "DIR of the web client to serve (default ./web or the installed one)"},
    {"log-level", "log_level", NULL, "error, warn, info or debug (default info)"},
    {"synchronous", "synchronous", NULL, "SQLite durability: FULL (default) or NORMAL"},
    {"session-days", "session_days", NULL, "login sessions last this many days (default 30)"},
    {"upload-limit", "upload_limit", NULL, "largest upload in bytes (default 1 GiB)"},
    {"allowed-origin", "allowed_origin", NULL, "another ORIGIN whose pages may connect (repeatable)"},
    {"tls-cert", "tls_cert", NULL, "PEM certificate: serve HTTPS and WSS"},
    {"tls-key", "tls_key", NULL, "PEM private key for --tls-cert"},
    {"opus-bitrate", "opus_bitrate", NULL, "preview bitrate in bit/s (default 128000)"},
    {"opus-complexity", "opus_complexity", NULL, "preview encoder complexity 0-10 (default 8)"},
    {"workers", "workers", NULL, "engine worker threads (default: the number of cores)"},
    {"no-demo", "demo", "false", "do not create the demo user and project on first start"},
    {"trusted-proxy", "trusted_proxies", NULL, "ADDR of a reverse proxy whose X-Forwarded-For is believed (repeatable)"},
};
#define N_FLAGS (sizeof flags / sizeof flags[0])

/* The limits of server/core/config.c get a flag each: the key with '-'
 * for '_' (--max-upload-seconds). Written once by limit_flag_names. */
#define MAX_LIMITS 64
static char limit_flags[MAX_LIMITS][48];

static int limit_flag_names(const struct srv_config_limit **lim)
{
    int n;

    *lim = srv_config_limits(&n);
    if (n > MAX_LIMITS)
        n = MAX_LIMITS;
    for (int i = 0; i < n; i++) {
        snprintf(limit_flags[i], sizeof limit_flags[i], "%s", (*lim)[i].key);
        for (char *p = limit_flags[i]; *p; p++)
            if (*p == '_')
                *p = '-';
    }
    return n;
}

static void print_help(const char *cmd)
{
    printf("usage: mixroom %s [OPTIONS]\n\noptions:\n", cmd);
    printf("  --config FILE          read settings from FILE (key = value lines)\n");
    const struct srv_config_limit *lim;
    int nl = limit_flag_names(&lim);

    for (size_t i = 0; i < N_FLAGS; i++)
        printf("  --%-20s %s\n", flags[i].flag, flags[i].help);
    for (int i = 0; i < nl; i++)
        printf("  --%-20s %s (default %lld%s%s; %lld to %lld)\n",
               limit_flags[i], lim[i].help, lim[i].def,
               lim[i].unit[0] ? " " : "", lim[i].unit, lim[i].min,
               lim[i].max);
    printf("  --help                 show this help\n\n"
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

    if (srv_cli_load_config(&cfg, argc, argv, "serve", err, sizeof err) != 0) {
        if (!err[0])
            return 0;
        fprintf(stderr, "mixroom serve: %s\n", err);
        return 2;
    }
    srv_log_set_level((enum srv_log_level)cfg.log_level);
    srv_log_hook_lws();
    srv_modules_init();
    return srv_loop_run(&cfg);
}
