/* cli.h -- the command line: subcommands (serve, migrate, version, user,
 * project, token, render) and their --help. */
#ifndef MIXROOM_SERVER_CLI_H
#define MIXROOM_SERVER_CLI_H

/* Runs the subcommand named by argv[1]; returns the process exit status
 * (0 ok, 1 runtime failure, 2 usage error). */
int srv_cli_main(int argc, char **argv);

#endif
