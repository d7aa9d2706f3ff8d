/* cli.c -- the command line: the subcommand table, `serve` with its flags
 * (flags beat MIXROOM_* environment beats --config file beats defaults),
 * `migrate`, `version`, and --help for each; --store and the asset store
 * (--assets s3://... and its S3 settings) for every other command. Usage
 * errors exit 2. */
#include "server/app/cli.h"

#include <assert.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <config.h>
#include "server/app/cli_man.h"
#include "server/app/cli_serve.h"
#include "server/core/config.h"
#include "server/core/log.h"
#include "server/core/server.h"
#include "server/core/store.h"
#include "server/objstore/objstore.h"

extern char **environ;

static int cmd_version(int argc, char **argv);
static int cmd_migrate(int argc, char **argv);

static const struct srv_cli_command commands[] = {
    {"serve", srv_cli_serve, "run the server"},
    {"migrate", cmd_migrate, "apply database migrations and exit"},
    {"version", cmd_version, "print the version"},
    {NULL, NULL, NULL},
};

const struct srv_cli_command *srv_cli_builtin(void)
{
    return commands;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: mixroom COMMAND [OPTIONS]\n\n"
               "mixroom: a server where a team makes a piece of music together.\n\n"
               "commands:\n");
    for (size_t i = 0; commands[i].name; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    for (int i = 0; srv_cli_extra[i].name; i++)
        fprintf(f, "  %-10s %s\n", srv_cli_extra[i].name,
                srv_cli_extra[i].summary);
    fprintf(f, "\nEvery command that touches data takes --store URL (or "
               "MIXROOM_STORE):\n"
               "sqlite:[FILE] (the default: <data>/mixroom.db) or "
               "postgresql://USER@HOST:PORT/DB.\n"
               "Every command that reads audio takes --assets s3://BUCKET "
               "with --s3-endpoint,\n--s3-region, --s3-access-key "
               "(MIXROOM_S3_SECRET_KEY) and --asset-cache-bytes,\nlike "
               "serve (or MIXROOM_ASSETS and the other MIXROOM_S3_*).\n");
    fprintf(f, "\nRun `mixroom COMMAND --help` for a command's options.\n");
}

static int cmd_version(int argc, char **argv)
{
    if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        printf("usage: mixroom version\n\nPrints the version and exits.\n");
        return 0;
    }
    if (argc > 1) {
        fprintf(stderr, "mixroom version: unexpected argument '%s'\n", argv[1]);
        return 2;
    }
    printf("mixroom %s\n", PACKAGE_VERSION);
    return 0;
}

static int cmd_migrate(int argc, char **argv)
{
    struct srv_config cfg;
    char err[1024];
    int n;

    if (srv_cli_load_config(&cfg, argc, argv, "migrate", err, sizeof err) != 0) {
        if (err[0])
            fprintf(stderr, "mixroom migrate: %s\n", err);
        return err[0] ? 2 : 0;
    }
    if (store_prepare_dir(cfg.data_dir, err, sizeof err) != 0 ||
        (n = store_migrate(cfg.data_dir, err, sizeof err)) < 0) {
        fprintf(stderr, "mixroom migrate: %s\n", err);
        return 1;
    }
    printf("applied %d migration%s\n", n, n == 1 ? "" : "s");
    return 0;
}

/* Takes --store URL / --store=URL out of argv (after the command name)
 * and configures the process's store with it, or with MIXROOM_STORE.
 * Returns 0, or 2 (usage) with the message printed. */
static int take_store(int *argc, char **argv)
{
    const char *url = NULL;
    char err[512];
    int out = 2;

    for (int i = 2; i < *argc; i++) {
        if (!strcmp(argv[i], "--")) {
            for (; i < *argc; i++)
                argv[out++] = argv[i];
            break;
        }
        if (!strcmp(argv[i], "--store")) {
            if (i + 1 >= *argc) {
                fprintf(stderr, "mixroom %s: --store needs a URL\n", argv[1]);
                return 2;
            }
            url = argv[++i];
        } else if (!strncmp(argv[i], "--store=", 8)) {
            url = argv[i] + 8;
        } else {
            argv[out++] = argv[i];
        }
    }
    argv[out] = NULL;
    *argc = out;
    if (store_configure(url, err, sizeof err) != 0) {
        fprintf(stderr, "mixroom %s: %s\n", argv[1], err);
        return 2;
    }
    return 0;
}

/* The asset store's flags every command takes (serve has them in its own
 * table): value flags, then the one without a value. */
static const char *const asset_flags[] = {"assets", "s3-endpoint",
                                          "s3-region", "s3-access-key",
                                          "asset-cache-bytes", NULL};
#define MAX_ASSET_FLAGS 16

/* Is argv[i] --name or --name=VALUE? Sets *value (NULL for the first). */
static bool is_flag(const char *arg, const char *name, const char **value)
{
    size_t n = strlen(name);

    if (strncmp(arg, "--", 2) || strncmp(arg + 2, name, n))
        return false;
    if (arg[2 + n] == '=') {
        *value = arg + 3 + n;
        return true;
    }
    *value = NULL;
    return arg[2 + n] == '\0';
}

/* Takes the asset store's flags (--assets s3://BUCKET, --s3-endpoint,
 * --s3-region, --s3-access-key, --s3-virtual-host, --asset-cache-bytes)
 * out of argv for every command but serve and, when they or
 * MIXROOM_ASSETS name an asset store, configures it for the process
 * (srv_objstore_configure) with the MIXROOM_* environment (the secret:
 * MIXROOM_S3_SECRET_KEY) and the data folder of --data (left in argv),
 * MIXROOM_DATA or ./data as its cache. Then `render`, `backup`, `check`
 * and every other reader of asset files fetch what they need from S3.
 * Returns 0, or 2 (usage) with the message printed. */
static int take_assets(int *argc, char **argv)
{
    struct srv_config cfg;
    const char *keys[MAX_ASSET_FLAGS], *vals[MAX_ASSET_FLAGS], *data = NULL;
    char err[1024], key[32];
    int out = 2, n = 0;

    if (!strcmp(argv[1], "serve"))
        return 0;
    for (int i = 2; i < *argc; i++) {
        const char *v = NULL;
        bool taken = false;

        if (!strcmp(argv[i], "--")) {
            for (; i < *argc; i++)
                argv[out++] = argv[i];
            break;
        }
        for (int f = 0; asset_flags[f] && !taken; f++) {
            if (!is_flag(argv[i], asset_flags[f], &v))
                continue;
            if (!v && i + 1 >= *argc) {
                fprintf(stderr, "mixroom %s: --%s needs a value\n", argv[1],
                        asset_flags[f]);
                return 2;
            }
            if (!v)
                v = argv[++i];
            keys[n] = asset_flags[f], vals[n++] = v, taken = true;
        }
        if (!taken && !strcmp(argv[i], "--s3-virtual-host"))
            keys[n] = "s3-virtual-host", vals[n++] = "true", taken = true;
        if (!taken && is_flag(argv[i], "data", &v))
            data = v ? v : (i + 1 < *argc ? argv[i + 1] : NULL);
        if (!taken)
            argv[out++] = argv[i];
        if (n == MAX_ASSET_FLAGS) {
            fprintf(stderr, "mixroom %s: too many asset store flags\n",
                    argv[1]);
            return 2;
        }
    }
    argv[out] = NULL;
    *argc = out;
    const char *env_assets = getenv("MIXROOM_ASSETS");
    if (!n && (!env_assets || !env_assets[0]))
        return 0; /* the data folder is the asset store */
    srv_config_defaults(&cfg);
    if (srv_config_load_env(&cfg, environ, err, sizeof err) != 0 ||
        (data && srv_config_set(&cfg, "data", data, err, sizeof err) != 0))
        goto fail;
    for (int i = 0; i < n; i++) {
        snprintf(key, sizeof key, "%s", keys[i]);
        for (char *p = key; *p; p++)
            if (*p == '-')
                *p = '_';
        if (srv_config_set(&cfg, key, vals[i], err, sizeof err) != 0)
            goto fail;
    }
    if (srv_objstore_configure(&cfg, err, sizeof err) != 0)
        goto fail;
    return 0;
fail:
    fprintf(stderr, "mixroom %s: %s\n", argv[1], err);
    return 2;
}

int srv_cli_main(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
        !strcmp(argv[1], "help")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "--version"))
        return cmd_version(1, argv);
    /* hidden: the man pages, for the build (docs/man/local.mk) */
    if (!strcmp(argv[1], "help-man"))
        return srv_cli_man(argc - 1, argv + 1);
    if (take_store(&argc, argv) != 0 || take_assets(&argc, argv) != 0)
        return 2;
    /* Only serve has an event loop (srv_loop_run names its thread); every
     * other command runs without one, on no loop thread: loop-only code
     * asserts, and fetches from the asset store run inline (server.h). */
    assert(!srv_server_has_loop());
    for (size_t i = 0; commands[i].name; i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].fn(argc - 1, argv + 1);
    for (int i = 0; srv_cli_extra[i].name; i++)
        if (!strcmp(argv[1], srv_cli_extra[i].name))
            return srv_cli_extra[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "mixroom: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return 2;
}
