# server/objstore/local.mk -- assets in S3-compatible object storage: the
# S3 client (libcurl SigV4) and the bounded local cache of asset files
# (owner: h20-s3).
libserver_la_SOURCES += \
	server/objstore/s3.c \
	server/objstore/s3.h \
	server/objstore/objstore.c \
	server/objstore/objstore.h
