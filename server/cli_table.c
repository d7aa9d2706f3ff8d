/* cli_table.c -- subcommands that live in other modules (operators' user,
 * project and token commands; offline rendering). A module adds one line. */
#include "server/cli.h"

#include <stddef.h>

#include "server/cli_render.h"

const struct srv_cli_command srv_cli_extra[] = {
    {"render", srv_cli_render, "render a project to a file and print its loudness"},
    {NULL, NULL, NULL},
};
