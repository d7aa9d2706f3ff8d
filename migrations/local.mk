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

# The same versions in PostgreSQL's dialect (--store postgresql://), applied
# by server/core/migrate.c to a PostgreSQL store. One file per file above,
# same number.
PG_MIGRATIONS = \
	migrations/pg/0001_initial.sql \
	migrations/pg/0002_ops_client.sql \
	migrations/pg/0003_links.sql \
	migrations/pg/0004_activity.sql \
	migrations/pg/0005_takes.sql

EXTRA_DIST += $(PG_MIGRATIONS)
nodist_libserver_la_SOURCES += server/core/migrations_pg_gen.c
BUILT_SOURCES += server/core/migrations_pg_gen.c
CLEANFILES += server/core/migrations_pg_gen.c
server/core/migrations_pg_gen.c: $(PG_MIGRATIONS) $(srcdir)/build-aux/embed-migrations.sh
	@$(MKDIR_P) server/core
	$(AM_V_GEN)sh $(srcdir)/build-aux/embed-migrations.sh --table srv_pg_migrations $(srcdir) $(PG_MIGRATIONS) > $@.tmp && mv $@.tmp $@
