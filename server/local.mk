# server/local.mk -- libserver.la, one fragment per folder (the folders are
# the modules; see docs/architecture.md for what each owns and the allowed
# include directions, checked by `make check`).
include server/core/local.mk
include server/objstore/local.mk
include server/net/local.mk
include server/auth/local.mk
include server/rooms/local.mk
include server/review/local.mk
include server/activity/local.mk
include server/assets/local.mk
include server/preview/local.mk
include server/interchange/local.mk
include server/cluster/local.mk
include server/app/local.mk
