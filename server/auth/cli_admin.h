/* cli_admin.h -- the operator commands on the data directory: `mixroom
 * user ...`, `mixroom project ...`, `mixroom token ...`. Each opens its own
 * connection on <data>/mixroom.db (migrating it first), so it works while
 * the server runs (WAL + busy timeout). */
#ifndef MIXROOM_SERVER_CLI_ADMIN_H
#define MIXROOM_SERVER_CLI_ADMIN_H

/* Each takes the argv of its group: argv[0] is the group name ("user"),
 * argv[1] the action ("add", "passwd", "list", ...), then arguments and
 * options (--data DIR anywhere, default $MIXROOM_DATA or ./data; --help).
 * Returns the exit status: 0 ok, 1 failure, 2 usage error. */

/* user add NAME [--password-stdin] [--display NAME]
 * user passwd NAME [--password-stdin]
 * user list */
int srv_cli_user(int argc, char **argv);

/* project create NAME --owner USER [--sample-rate 48000]
 * project add-member PROJECT USER ROLE
 * project list */
int srv_cli_project(int argc, char **argv);

/* token create USER [--expires-in SECONDS] */
int srv_cli_token(int argc, char **argv);

#endif
