# server/preview/local.mk -- mix plans, the asset cache, preview streams,
# exports over HTTP, `mixroom render`.
libserver_la_SOURCES += \
	server/preview/plans.c \
	server/preview/plans.h \
	server/preview/asset_cache.c \
	server/preview/asset_cache.h \
	server/preview/stream.c \
	server/preview/stream.h \
	server/preview/stream_priv.h \
	server/preview/stream_thread.c \
	server/preview/export_http.c \
	server/preview/export_http.h \
	server/preview/export_mid.c \
	server/preview/cli_render.c \
	server/preview/cli_render.h
