# server/auth/local.mk -- users, sessions, roles and the permission gate;
# the login, project, member and invite routes; `mixroom
# user|project|token`.
libserver_la_SOURCES += \
	server/auth/auth.c \
	server/auth/auth.h \
	server/auth/auth_conns.c \
	server/auth/auth_db.c \
	server/auth/auth_db.h \
	server/auth/auth_internal.h \
	server/auth/perm.c \
	server/auth/http_projects.c \
	server/auth/http_project_copy.c \
	server/auth/cli_admin.c \
	server/auth/cli_admin.h \
	server/auth/http_sessions.c \
	server/auth/links.h \
	server/auth/links.c \
	server/auth/link_parse.c \
	server/auth/http_links.c \
	server/auth/guest.c
