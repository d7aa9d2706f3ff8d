# server/core/local.mk -- the spine below the event loop: the server struct,
# hooks and the post queue, log, config, metrics, the SQLite store and
# migrations, the writer thread, the job pool (no libwebsockets).
libserver_la_SOURCES += \
	server/core/server.h \
	server/core/server.c \
	server/core/access.h \
	server/core/access.c \
	server/core/config.c \
	server/core/config.h \
	server/core/log.c \
	server/core/log.h \
	server/core/db.h \
	server/core/db_priv.h \
	server/core/db.c \
	server/core/db_sqlite.c \
	server/core/db_pg.c \
	server/core/store.c \
	server/core/store_url.c \
	server/core/store.h \
	server/core/store_stmt.c \
	server/core/store_stmt.h \
	server/core/store_reader.c \
	server/core/store_reader.h \
	server/core/migrate.c \
	server/core/migrate.h \
	server/core/backup.c \
	server/core/backup.h \
	server/core/writer.c \
	server/core/writer.h \
	server/core/jobs.c \
	server/core/jobs.h \
	server/core/metrics.c \
	server/core/metrics.h \
	server/core/events.h \
	server/core/events.c \
	server/core/alloc.h \
	server/core/alloc.c
