# tests/unit/protocol.mk -- build fragment (see Makefile.am): the cmocka
# unit tests of libprotocol.
PROTO_UNIT_TESTS = tests/unit/test_proto_ops tests/unit/test_proto_fields \
	tests/unit/test_proto_random tests/unit/test_proto_summary \
	tests/unit/test_notes tests/unit/test_json_enc
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
tests_unit_test_json_enc_SOURCES = tests/unit/test_json_enc.c
tests_unit_test_json_enc_LDADD = $(MX_TEST_LIBS)
tests_unit_test_notes_SOURCES = tests/unit/test_notes.c
tests_unit_test_notes_LDADD = $(MX_TEST_LIBS)
# The browser client's copies of protocol code (web/order.js, the effect
# tables of web/effects.js) held to the C: proto_vectors prints what the C
# computes, web_vectors.sh runs the Node test that compares. In TESTS, not
# UNIT_TESTS: it needs node, which the sanitizer run (check-unit) does not.
check_PROGRAMS += tests/unit/proto_vectors
tests_unit_proto_vectors_SOURCES = tests/unit/proto_vectors.c
tests_unit_proto_vectors_LDADD = libprotocol.la $(JANSSON_LIBS) -lm
TESTS += tests/unit/web_vectors.sh
EXTRA_DIST += tests/unit/web_vectors.sh tests/unit/web_vectors.test.mjs
# The browser client's note logic (web/notes.js, web/instruments.js) in Node.
TESTS += tests/unit/web_notes.sh
EXTRA_DIST += tests/unit/web_notes.sh tests/unit/web_notes.test.mjs
TESTS += tests/unit/web_worklet.sh
EXTRA_DIST += tests/unit/web_worklet.sh tests/unit/web_worklet.test.mjs
