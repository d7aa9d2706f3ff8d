# server/assets/local.mk -- uploads, asset rows and progress, import jobs,
# the demo song.
libserver_la_SOURCES += \
	server/assets/assets.c \
	server/assets/assets.h \
	server/assets/http_assets.c \
	server/assets/http_midi.c \
	server/assets/limits.c \
	server/assets/demo.c
