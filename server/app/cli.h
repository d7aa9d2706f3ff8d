/* cli.h -- the command line: subcommands (serve, migrate, version, user,
 * project, token, render) and their --help. */
#ifndef MIXROOM_SERVER_CLI_H
#define MIXROOM_SERVER_CLI_H

/* Runs the subcommand named by argv[1]; returns the process exit status
 * (0 ok, 1 runtime failure, 2 usage error). */
int srv_cli_main(int argc, char **argv);

/* A subcommand provided by another module (user, project, token, render):
 * fn gets argv with the subcommand name as argv[0]. */
struct srv_cli_command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
};

/* The built-in subcommands (serve, migrate, version), ended by {NULL}. */
const struct srv_cli_command *srv_cli_builtin(void);

/* The extra subcommands, ended by a {NULL} entry (server/cli_table.c). */
extern const struct srv_cli_command srv_cli_extra[];

#endif
