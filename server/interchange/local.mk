# server/interchange/local.mk -- DAWproject interchange: the export
# (dawproject_write.c: project.xml and metadata.xml; dawproject_zip.c: the
# streamed archive; http_dawproject.c: format=dawproject of the export
# route; cli_dawproject.c: `mixroom export-dawproject`). The import
# appends its files below.
libserver_la_SOURCES += \
	server/interchange/interchange.h \
	server/interchange/dawproject_write.c \
	server/interchange/dawproject_zip.c \
	server/interchange/http_dawproject.c \
	server/interchange/cli_dawproject.c
