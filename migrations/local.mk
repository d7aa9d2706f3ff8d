# migrations/local.mk -- the SQL migrations, in order. They are embedded
# into the binary (server/core/migrations_gen.c) so `mixroom` runs from anywhere.
# Append new files; never edit or reorder applied ones.
MIGRATIONS = \
	migrations/0001_initial.sql \
	migrations/0002_ops_client.sql \
	migrations/0003_links.sql \
	migrations/0004_activity.sql \
	migrations/0005_takes.sql

EXTRA_DIST += $(MIGRATIONS) build-aux/embed-migrations.sh
nodist_libserver_la_SOURCES += server/core/migrations_gen.c
BUILT_SOURCES += server/core/migrations_gen.c
CLEANFILES += server/core/migrations_gen.c
server/core/migrations_gen.c: $(MIGRATIONS) $(srcdir)/build-aux/embed-migrations.sh
	@$(MKDIR_P) server/core
	$(AM_V_GEN)sh $(srcdir)/build-aux/embed-migrations.sh $(srcdir) $(MIGRATIONS) > $@.tmp && mv $@.tmp $@
