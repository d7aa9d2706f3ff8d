/* cli_man.h -- `mixroom help-man 1|5` (hidden): prints the source of the
 * man pages mixroom(1) and mixroom.conf(5), made from the subcommand
 * tables, their own --help and the settings tables, so that the installed
 * pages always match the program (docs/man/local.mk). */
#ifndef MIXROOM_SERVER_CLI_MAN_H
#define MIXROOM_SERVER_CLI_MAN_H

/* argv[0] is "help-man", argv[1] the section ("1" or "5"). Prints the
 * page to stdout; returns 0, or 2 for a missing or unknown section. */
int srv_cli_man(int argc, char **argv);

#endif
