# server/local.mk -- libserver.la: the process, config, event loop, HTTP
# and WebSocket, rooms, store and writer thread, auth, jobs, streams.
libserver_la_SOURCES += \
	server/cli.h server/cli.c \
	server/migrate.h
