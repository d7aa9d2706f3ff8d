# migrations/local.mk -- the SQL migrations, in order. They are embedded
# into the binary (server/migrations_gen.c) so `mixroom` runs from anywhere.
# Append new files; never edit or reorder applied ones.
MIGRATIONS = \
	migrations/0001_initial.sql \
	migrations/0002_ops_client.sql

EXTRA_DIST += $(MIGRATIONS) build-aux/embed-migrations.sh
nodist_libserver_la_SOURCES += server/migrations_gen.c
BUILT_SOURCES += server/migrations_gen.c
CLEANFILES += server/migrations_gen.c
server/migrations_gen.c: $(MIGRATIONS) $(srcdir)/build-aux/embed-migrations.sh
	@$(MKDIR_P) server
	$(AM_V_GEN)sh $(srcdir)/build-aux/embed-migrations.sh $(srcdir) $(MIGRATIONS) > $@.tmp && mv $@.tmp $@
