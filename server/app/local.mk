# server/app/local.mk -- the process: main, the subcommands and their table,
# the module list (the only place that knows every module).
libserver_la_SOURCES += \
	server/app/cli.c \
	server/app/cli.h \
	server/app/cli_backup.c \
	server/app/cli_backup.h \
	server/app/cli_man.c \
	server/app/cli_man.h \
	server/app/cli_serve.c \
	server/app/cli_serve.h \
	server/app/cli_table.c \
	server/app/modules.c \
	server/app/module_metrics.c \
	server/app/modules.h
