/* main.c -- the mixroom process entry point: hands argv to the CLI. */
#include "server/app/cli.h"

int main(int argc, char **argv)
{
    return srv_cli_main(argc, argv);
}
