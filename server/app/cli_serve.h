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

/* `mixroom serve [OPTIONS]`: runs the server until SIGINT/SIGTERM. */
int srv_cli_serve(int argc, char **argv);

#endif
