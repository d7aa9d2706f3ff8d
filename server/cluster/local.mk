# server/cluster/local.mk -- more than one node (docs/deploy.md): the
# node's name, the project lease on PostgreSQL, the LISTEN/NOTIFY fan-out.
libserver_la_SOURCES += \
	server/cluster/cluster.c \
	server/cluster/cluster.h \
	server/cluster/cluster_priv.h \
	server/cluster/event.c \
	server/cluster/event.h \
	server/cluster/lease.c \
	server/cluster/notify.c \
	server/cluster/resync.c
