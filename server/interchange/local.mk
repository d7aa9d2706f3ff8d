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
# The import: the zip reader, the XML reader and mapper, POST
# /api/projects/import, and the embedded schemas (server/interchange/
# schema/, MIT, see LICENSE there).
libserver_la_SOURCES += \
	server/interchange/zip_read.c \
	server/interchange/zip_read.h \
	server/interchange/dawproject_read.c \
	server/interchange/dawproject_map.c \
	server/interchange/dawproject_devices.c \
	server/interchange/dawproject_priv.h \
	server/interchange/dawproject.h \
	server/interchange/http_dawproject_import.c \
	server/interchange/cli_dawproject_import.c
IX_SCHEMAS = server/interchange/schema/Project.xsd \
	server/interchange/schema/MetaData.xsd
EXTRA_DIST += $(IX_SCHEMAS) server/interchange/schema/LICENSE \
	build-aux/embed-schemas.sh
nodist_libserver_la_SOURCES += server/interchange/schemas_gen.c
BUILT_SOURCES += server/interchange/schemas_gen.c
CLEANFILES += server/interchange/schemas_gen.c
server/interchange/schemas_gen.c: $(IX_SCHEMAS) $(srcdir)/build-aux/embed-schemas.sh
	@$(MKDIR_P) server/interchange
	$(AM_V_GEN)sh $(srcdir)/build-aux/embed-schemas.sh $(srcdir) > $@.tmp && mv $@.tmp $@
