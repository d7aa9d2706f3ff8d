# server/local.mk -- libserver.la: the process, config, event loop, HTTP
# and WebSocket, rooms, store and writer thread, auth, jobs, streams.
libserver_la_SOURCES += \
	server/cli.h server/cli.c \
	server/migrate.h
libserver_la_SOURCES += \
	server/cli_serve.h server/cli_serve.c server/cli_table.c \
	server/config.h server/config.c \
	server/log.h server/log.c \
	server/store.h server/store.c server/migrate.c \
	server/writer.h server/writer.c \
	server/loop.h server/loop.c \
	server/http.h server/http.c server/static.h server/static.c \
	server/http_core.h server/http_core.c \
	server/metrics.h server/metrics.c \
	server/ws.h server/ws.c \
	server/modules.h server/modules.c
# rooms (owner: rooms): open projects, pushes, revisions, catch-up, undo,
# presence, history.
libserver_la_SOURCES += \
	server/room.h server/room_priv.h server/room.c server/room_commit.c server/room_hello.c \
	server/room_push.c server/room_undo.c server/room_history.c \
	server/presence.c
# Accounts, sessions and the permission table (the auth module adds its
# further files here).
libserver_la_SOURCES += \
	server/auth.h server/auth.c server/auth_db.h server/auth_db.c \
	server/auth_internal.h server/perm.c
libserver_la_SOURCES += \
	server/http_auth.c server/http_projects.c \
	server/cli_admin.h server/cli_admin.c
# preview streams, plans for rooms, exports over HTTP, `mixroom render`
# (owner: preview)
libserver_la_SOURCES += \
	server/asset_cache.h server/asset_cache.c \
	server/doc_at.h server/doc_at.c
# assets (owner: assets): the engine worker pool, streamed uploads
# (raw and multipart), asset rows and progress, peaks, the demo song.
libserver_la_SOURCES += \
	server/jobs.h server/jobs.c \
	server/multipart.h server/multipart.c \
	server/assets.h server/assets.c server/http_assets.c \
	server/demo.c
libserver_la_SOURCES += server/room_plans.h server/room_plans.c
libserver_la_SOURCES += server/stream.h server/stream_priv.h \
	server/stream.c server/stream_thread.c
libserver_la_SOURCES += server/export_http.h server/export_http.c
libserver_la_SOURCES += server/cli_render.h server/cli_render.c
# review (owner: review): comments, versions and their workflow, restore,
# diff; snapshots for the document at a revision live in room.c/doc_at.c.
libserver_la_SOURCES += server/review.h server/review_priv.h \
	server/comments.c server/versions.c server/restore.c \
	server/review_util.c
