# server/review/local.mk -- comments, versions and their workflow, restore,
# diff.
libserver_la_SOURCES += \
	server/review/comments.c \
	server/review/versions.c \
	server/review/restore.c \
	server/review/project_rename.c \
	server/review/review_util.c \
	server/review/review.h \
	server/review/review_priv.h
