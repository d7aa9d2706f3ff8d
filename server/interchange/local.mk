# server/interchange/local.mk -- DAWproject interchange: import (the zip
# reader, the XML reader and mapper, POST /api/projects/import) and the
# embedded schemas (server/interchange/schema/, MIT, see LICENSE there).
libserver_la_SOURCES += \
	server/interchange/zip_read.c \
	server/interchange/zip_read.h \
	server/interchange/dawproject_read.c \
	server/interchange/dawproject_map.c \
	server/interchange/dawproject.h \
	server/interchange/http_dawproject_import.c \
	server/interchange/interchange.h
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
