# server/net/local.mk -- the libwebsockets context, HTTP routing, static
# files, WebSocket sessions, multipart, /healthz and /metrics (the only
# folder that includes libwebsockets.h).
libserver_la_SOURCES += \
	server/net/loop.c \
	server/net/loop.h \
	server/net/lws_log.h \
	server/net/lws_log.c \
	server/net/http.c \
	server/net/http.h \
	server/net/http_parse.c \
	server/net/http_parse.h \
	server/net/static.c \
	server/net/static.h \
	server/net/ws.c \
	server/net/ws.h \
	server/net/ws_envelope.h \
	server/net/ws_envelope.c \
	server/net/ws_params.c \
	server/net/ws_params.h \
	server/net/multipart.c \
	server/net/multipart.h \
	server/net/http_core.c \
	server/net/http_core.h \
	server/net/http_pipe.c \
	server/net/http_pipe.h
