# server/activity/local.mk -- the activity feed, notifications over HTTP
# and WebSocket, and the projects' webhooks with their delivery thread.
libserver_la_SOURCES += \
	server/activity/activity.h \
	server/activity/activity_priv.h \
	server/activity/activity.c \
	server/activity/http_activity.c \
	server/activity/webhooks.h \
	server/activity/webhooks.c \
	server/activity/webhook_check.c \
	server/activity/webhook_worker.c
