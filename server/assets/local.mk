# server/assets/local.mk -- uploads, asset rows and progress, import jobs,
# the demo song.
libserver_la_SOURCES += \
	server/assets/assets.c \
	server/assets/assets.h \
	server/assets/http_assets.c \
	server/assets/http_midi.c \
	server/assets/limits.c \
	server/assets/demo.c \
	server/assets/takes.h \
	server/assets/takes.c \
	server/assets/takes_ops.c \
	server/assets/take_file.c \
	server/assets/http_takes.c \
	server/assets/takes_finish.c \
	server/assets/asset_fetch.h \
	server/assets/asset_fetch.c
