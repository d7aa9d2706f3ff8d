/* cli_table.c -- subcommands that live in other modules (operators' user,
 * project and token commands; offline rendering). A module adds one line. */
#include "server/cli.h"

#include <stddef.h>

const struct srv_cli_command srv_cli_extra[] = {
    {NULL, NULL, NULL},
};
