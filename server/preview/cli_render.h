/* cli_render.h -- `mixroom render`: offline export and loudness of a
 * project from the data directory. */
#ifndef MIXROOM_SERVER_CLI_RENDER_H
#define MIXROOM_SERVER_CLI_RENDER_H

/* argv[0] is "render". Returns 0, 1 on failure, 2 on a usage error. */
int srv_cli_render(int argc, char **argv);

#endif
