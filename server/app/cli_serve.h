/* cli_serve.h -- `mixroom serve` and the option parsing it shares with the
 * other subcommands that work on a data directory. */
#ifndef MIXROOM_SERVER_CLI_SERVE_H
#define MIXROOM_SERVER_CLI_SERVE_H

#include <stddef.h>

#include "server/core/config.h"

/* Fills cfg from defaults, the config file (--config FILE or
 * MIXROOM_CONFIG), MIXROOM_* variables and the flags in argv (argv[0] is
 * the subcommand name), in that order of precedence (flags win). Returns 0;
 * or -1 with err set for a bad flag or value; or -1 with err empty after
 * printing --help. */
int srv_cli_load_config(struct srv_config *cfg, int argc, char **argv,
                        const char *cmd, char *err, size_t errlen);

/* One flag of `mixroom serve` (and the other subcommands that read the
 * settings): --flag ARG sets the setting key; a flag with value set takes
 * no argument and sets key to value. def is the default as a value the
 * setting accepts, or "(a description)" when it has none such. */
struct srv_cli_flag {
    const char *flag, *key, *value, *arg, *def, *help;
};

/* The flag table (static; n set to its length). The limits of
 * srv_config_limits have a flag each besides, named by srv_cli_key_flag. */
const struct srv_cli_flag *srv_cli_flags(int *n);

/* The flag of a setting key: '_' becomes '-' (max_push_ops ->
 * max-push-ops), written to out (n bytes). */
void srv_cli_key_flag(const char *key, char *out, size_t n);

/* `mixroom serve [OPTIONS]`: runs the server until SIGINT/SIGTERM. */
int srv_cli_serve(int argc, char **argv);

#endif
