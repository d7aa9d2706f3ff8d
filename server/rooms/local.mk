# server/rooms/local.mk -- one open project: hello and catch-up, push, the
# commit pipeline, undo/redo, history, presence, the document at a revision;
# registries for welcome sections and change events.
libserver_la_SOURCES += \
	server/rooms/room.c \
	server/rooms/room.h \
	server/rooms/room_priv.h \
	server/rooms/registry.c \
	server/rooms/room_load.c \
	server/rooms/room_commit.c \
	server/rooms/room_delta.c \
	server/rooms/room_delta.h \
	server/rooms/room_hello.c \
	server/rooms/room_catchup.c \
	server/rooms/room_push.c \
	server/rooms/room_undo.c \
	server/rooms/room_history.c \
	server/rooms/presence.c \
	server/rooms/doc_at.c \
	server/rooms/doc_at.h \
	server/rooms/room_snapshot.c \
	server/rooms/room_snapshot.h
