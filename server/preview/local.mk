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
	server/preview/stream_share.c \
	server/preview/stream_share.h \
	server/preview/export_http.c \
	server/preview/export_http.h \
	server/preview/export_mid.c \
	server/preview/cli_render.c \
	server/preview/cli_render.h \
	server/preview/asset_missing.c \
	server/preview/asset_missing.h
# loudness-matched A/B (owner: loudness)
libserver_la_SOURCES += server/preview/match.c server/preview/match.h \
	server/preview/delivery_parse.c server/preview/delivery_parse.h
