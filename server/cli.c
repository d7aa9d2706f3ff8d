/* cli.c -- placeholder, replaced below. */
#include "server/cli.h"
#include <stdio.h>
int srv_cli_main(int argc, char **argv)
{
    (void)argc; (void)argv;
    puts("mixroom");
    return 0;
}
