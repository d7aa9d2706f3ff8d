/* cli.c -- the command line: the subcommand table, `serve` with its flags
 * (flags beat MIXROOM_* environment beats --config file beats defaults),
 * `migrate`, `version`, and --help for each. Usage errors exit 2. */
#include "server/app/cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <config.h>
#include "server/app/cli_man.h"
#include "server/app/cli_serve.h"
#include "server/core/config.h"
#include "server/core/log.h"
#include "server/core/store.h"

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
               "postgresql://USER@HOST:PORT/DB.\n");
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
    if (take_store(&argc, argv) != 0)
        return 2;
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
