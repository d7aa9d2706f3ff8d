/* cli_backup.h -- `mixroom backup`, `restore` and `check` (operators'
 * copies of a data folder and its check). */
#ifndef MIXROOM_SERVER_CLI_BACKUP_H
#define MIXROOM_SERVER_CLI_BACKUP_H

/* `mixroom backup DEST [--data DIR]`: copies the data folder into DEST
 * (empty or absent) while the server may run. Exit 0, 1 on failure or an
 * incomplete copy, 2 on a usage error. argv[0] is "backup". */
int srv_cli_backup(int argc, char **argv);

/* `mixroom restore SRC --data DIR`: copies a backup into an empty (or
 * absent) data folder, then checks it. Exit as srv_cli_check. */
int srv_cli_restore(int argc, char **argv);

/* `mixroom check [--data DIR]`: the database's integrity and foreign keys
 * and every referenced asset file. Exit 0 sound, 1 with the problems
 * listed on stdout, 2 on a usage error. */
int srv_cli_check(int argc, char **argv);

#endif
