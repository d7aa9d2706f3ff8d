# tests/unit/protocol.mk -- build fragment (see Makefile.am): the cmocka
# unit tests of libprotocol.
UNIT_TESTS += tests/unit/test_proto_ops
check_PROGRAMS += tests/unit/test_proto_ops
tests_unit_test_proto_ops_SOURCES = tests/unit/test_proto_ops.c tests/unit/proto_helpers.h
tests_unit_test_proto_ops_LDADD = $(MX_TEST_LIBS)
