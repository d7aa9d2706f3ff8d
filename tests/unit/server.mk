# tests/unit/server.mk -- build fragment (see Makefile.am)
# Core: settings, migrations, the writer thread.
UNIT_TESTS += tests/unit/test_config tests/unit/test_migrate tests/unit/test_writer
check_PROGRAMS += tests/unit/test_config tests/unit/test_migrate tests/unit/test_writer
tests_unit_test_config_SOURCES = tests/unit/test_config.c
tests_unit_test_config_LDADD = $(MX_TEST_LIBS)
tests_unit_test_migrate_SOURCES = tests/unit/test_migrate.c
tests_unit_test_migrate_LDADD = $(MX_TEST_LIBS)
tests_unit_test_writer_SOURCES = tests/unit/test_writer.c
tests_unit_test_writer_LDADD = $(MX_TEST_LIBS)
