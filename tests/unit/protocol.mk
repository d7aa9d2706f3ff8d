# tests/unit/protocol.mk -- build fragment (see Makefile.am): the cmocka
# unit tests of libprotocol.
PROTO_UNIT_TESTS = tests/unit/test_proto_ops tests/unit/test_proto_fields \
	tests/unit/test_proto_random tests/unit/test_proto_summary
UNIT_TESTS += $(PROTO_UNIT_TESTS)
check_PROGRAMS += $(PROTO_UNIT_TESTS)
EXTRA_DIST += tests/unit/proto_helpers.h
tests_unit_test_proto_ops_SOURCES = tests/unit/test_proto_ops.c
tests_unit_test_proto_ops_LDADD = $(MX_TEST_LIBS)
tests_unit_test_proto_fields_SOURCES = tests/unit/test_proto_fields.c
tests_unit_test_proto_fields_LDADD = $(MX_TEST_LIBS)
tests_unit_test_proto_random_SOURCES = tests/unit/test_proto_random.c
tests_unit_test_proto_random_LDADD = $(MX_TEST_LIBS)
tests_unit_test_proto_summary_SOURCES = tests/unit/test_proto_summary.c
tests_unit_test_proto_summary_LDADD = $(MX_TEST_LIBS)
