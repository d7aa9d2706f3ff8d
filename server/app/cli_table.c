/* cli_table.c -- subcommands that live in other modules (operators' user,
 * project and token commands; offline rendering; backup, restore and
 * check). A module adds one line. */
#include "server/app/cli.h"

#include <stddef.h>

#include "server/app/cli_backup.h"
#include "server/auth/cli_admin.h"
#include "server/interchange/interchange.h"
#include "server/preview/cli_render.h"

const struct srv_cli_command srv_cli_extra[] = {
    {"user", srv_cli_user, "manage accounts"},
    {"project", srv_cli_project, "manage projects and members"},
    {"token", srv_cli_token, "create session tokens for scripts"},
    {"render", srv_cli_render, "render a project to a file and print its loudness"},
    {"export-dawproject", srv_cli_export_dawproject, "write a project as a DAWproject file (arrangement, mix and audio)"},
    {"import-dawproject", srv_cli_import_dawproject, "create a project from a DAWproject file (arrangement, mix and audio)"},
    {"backup", srv_cli_backup, "copy the data folder while the server runs"},
    {"restore", srv_cli_restore, "put a backup into an empty data folder and check it"},
    {"check", srv_cli_check, "check the database and every asset file it refers to"},
    {NULL, NULL, NULL},
};
