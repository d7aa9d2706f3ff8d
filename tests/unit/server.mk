# tests/unit/server.mk -- build fragment (see Makefile.am)
# Core: settings, migrations, the writer thread, the statement helpers.
UNIT_TESTS += tests/unit/test_config tests/unit/test_migrate tests/unit/test_writer
check_PROGRAMS += tests/unit/test_config tests/unit/test_migrate tests/unit/test_writer
UNIT_TESTS += tests/unit/test_store
check_PROGRAMS += tests/unit/test_store
# The log (formats, log file, reopen) and the flag table's defaults.
UNIT_TESTS += tests/unit/test_log
check_PROGRAMS += tests/unit/test_log
tests_unit_test_log_SOURCES = tests/unit/test_log.c
tests_unit_test_log_LDADD = $(MX_TEST_LIBS)
tests_unit_test_store_SOURCES = tests/unit/test_store.c
tests_unit_test_store_LDADD = $(MX_TEST_LIBS)
# The reader kept per worker thread (server/core/store_reader.h).
UNIT_TESTS += tests/unit/test_store_reader
check_PROGRAMS += tests/unit/test_store_reader
tests_unit_test_store_reader_SOURCES = tests/unit/test_store_reader.c
tests_unit_test_store_reader_LDADD = $(MX_TEST_LIBS)
tests_unit_test_config_SOURCES = tests/unit/test_config.c
# the source tree it reads docs/security.md from when run by hand (make
# check sets srcdir)
tests_unit_test_config_CPPFLAGS = $(AM_CPPFLAGS) \
	-DMX_TOP_SRCDIR='"$(abs_top_srcdir)"'
tests_unit_test_config_LDADD = $(MX_TEST_LIBS)
tests_unit_test_migrate_SOURCES = tests/unit/test_migrate.c
tests_unit_test_migrate_LDADD = $(MX_TEST_LIBS)
tests_unit_test_writer_SOURCES = tests/unit/test_writer.c
tests_unit_test_writer_LDADD = $(MX_TEST_LIBS)
# Auth: name/password rules, hashing, tokens, roles, the permission table,
# origins; the account/member/invite writes on an in-memory database.
UNIT_TESTS += tests/unit/test_auth tests/unit/test_auth_db
check_PROGRAMS += tests/unit/test_auth tests/unit/test_auth_db
tests_unit_test_auth_SOURCES = tests/unit/test_auth.c
tests_unit_test_auth_LDADD = $(MX_TEST_LIBS)
tests_unit_test_auth_db_SOURCES = tests/unit/test_auth_db.c
tests_unit_test_auth_db_LDADD = $(MX_TEST_LIBS)
UNIT_TESTS += tests/unit/test_links
check_PROGRAMS += tests/unit/test_links
tests_unit_test_links_SOURCES = tests/unit/test_links.c
tests_unit_test_links_LDADD = $(MX_TEST_LIBS)
# Preview: the document at a revision (owner: preview).
UNIT_TESTS += tests/unit/test_doc_at
check_PROGRAMS += tests/unit/test_doc_at
tests_unit_test_doc_at_SOURCES = tests/unit/test_doc_at.c
tests_unit_test_doc_at_LDADD = $(MX_TEST_LIBS)
# Assets: the engine worker pool and the multipart/form-data parser
# (owner: assets).
UNIT_TESTS += tests/unit/test_jobs tests/unit/test_multipart
check_PROGRAMS += tests/unit/test_jobs tests/unit/test_multipart
tests_unit_test_jobs_SOURCES = tests/unit/test_jobs.c
tests_unit_test_jobs_LDADD = $(MX_TEST_LIBS)
tests_unit_test_multipart_SOURCES = tests/unit/test_multipart.c
tests_unit_test_multipart_LDADD = $(MX_TEST_LIBS)
# Preview: the Opus decoding helper of tests/integration/preview.test.mjs
# (owner: preview).
check_PROGRAMS += tests/integration/opus_decode
tests_integration_opus_decode_SOURCES = tests/integration/opus_decode.c
tests_integration_opus_decode_LDADD = $(MX_TEST_LIBS)
# Review (owner: review): the document at any revision with snapshots,
# property-tested on random histories.
UNIT_TESTS += tests/unit/test_review_doc_at
check_PROGRAMS += tests/unit/test_review_doc_at
tests_unit_test_review_doc_at_SOURCES = tests/unit/test_review_doc_at.c \
	tests/unit/history_gen.h tests/unit/history_gen.c
tests_unit_test_review_doc_at_LDADD = $(MX_TEST_LIBS)
# Rooms: the room pipeline (hello, push -> commit -> delta, reject, resend,
# catch-up, undo) on socketless connections, without libwebsockets running.
UNIT_TESTS += tests/unit/test_rooms
check_PROGRAMS += tests/unit/test_rooms
tests_unit_test_rooms_SOURCES = tests/unit/test_rooms.c tests/unit/rooms_fixture.h
tests_unit_test_rooms_LDADD = $(MX_TEST_LIBS)
UNIT_TESTS += tests/unit/test_rooms_more
check_PROGRAMS += tests/unit/test_rooms_more
tests_unit_test_rooms_more_SOURCES = tests/unit/test_rooms_more.c tests/unit/rooms_fixture.h
tests_unit_test_rooms_more_LDADD = $(MX_TEST_LIBS)
# Push (h15-push): the delta encoded once, shared frames and their counts.
UNIT_TESTS += tests/unit/test_shared_frame
check_PROGRAMS += tests/unit/test_shared_frame
tests_unit_test_shared_frame_SOURCES = tests/unit/test_shared_frame.c
tests_unit_test_shared_frame_LDADD = $(MX_TEST_LIBS)
# Push (h15-push2): one batch of revisions stores what commits one by one do.
UNIT_TESTS += tests/unit/test_push_batch
check_PROGRAMS += tests/unit/test_push_batch
tests_unit_test_push_batch_SOURCES = tests/unit/test_push_batch.c tests/unit/rooms_fixture.h
tests_unit_test_push_batch_LDADD = $(MX_TEST_LIBS)
# Net: the table-driven checker of WebSocket message fields.
UNIT_TESTS += tests/unit/test_ws_params
check_PROGRAMS += tests/unit/test_ws_params
tests_unit_test_ws_params_SOURCES = tests/unit/test_ws_params.c
tests_unit_test_ws_params_LDADD = $(MX_TEST_LIBS)
UNIT_TESTS += tests/unit/test_webhooks
check_PROGRAMS += tests/unit/test_webhooks
tests_unit_test_webhooks_SOURCES = tests/unit/test_webhooks.c
tests_unit_test_webhooks_LDADD = $(MX_TEST_LIBS)
# Recording: the ops of a finished take (take groups, mutes) and the WAV
# header (owner: h17-rec).
UNIT_TESTS += tests/unit/test_takes
check_PROGRAMS += tests/unit/test_takes
tests_unit_test_takes_SOURCES = tests/unit/test_takes.c
tests_unit_test_takes_LDADD = $(MX_TEST_LIBS)
# Interchange: the DAWproject import's zip reader, XML parse and mapping.
UNIT_TESTS += tests/unit/test_dawproject_read
check_PROGRAMS += tests/unit/test_dawproject_read
tests_unit_test_dawproject_read_SOURCES = tests/unit/test_dawproject_read.c
tests_unit_test_dawproject_read_LDADD = $(MX_TEST_LIBS)
# Interchange: project.xml/metadata.xml of in-memory documents, validated
# against the DAWproject schemas found above the source tree.
UNIT_TESTS += tests/unit/test_dawproject_write
check_PROGRAMS += tests/unit/test_dawproject_write
tests_unit_test_dawproject_write_SOURCES = tests/unit/test_dawproject_write.c
tests_unit_test_dawproject_write_CPPFLAGS = $(AM_CPPFLAGS) \
	-DMX_TOP_SRCDIR='"$(abs_top_srcdir)"'
tests_unit_test_dawproject_write_LDADD = $(MX_TEST_LIBS)
# The store interface against both engines (test_db alone: SQLite; under
# test_db_pg.sh, which starts a private PostgreSQL: both). Owner: h20-db.
UNIT_TESTS += tests/unit/test_db
check_PROGRAMS += tests/unit/test_db
tests_unit_test_db_SOURCES = tests/unit/test_db.c
tests_unit_test_db_LDADD = $(MX_TEST_LIBS)
TESTS += tests/unit/test_db_pg.sh
EXTRA_DIST += tests/unit/test_db_pg.sh tests/unit/pg_fixture.h
# Assets in S3: the S3 client's SigV4 signing against AWS's published
# examples, through a loopback capture server (owner: h20-s3).
UNIT_TESTS += tests/unit/test_sigv4
check_PROGRAMS += tests/unit/test_sigv4
tests_unit_test_sigv4_SOURCES = tests/unit/test_sigv4.c
tests_unit_test_sigv4_LDADD = $(MX_TEST_LIBS)
# Assets in S3: the bounded local cache against a fake S3 in the test
# (owner: h20-s3).
UNIT_TESTS += tests/unit/test_objstore
check_PROGRAMS += tests/unit/test_objstore
tests_unit_test_objstore_SOURCES = tests/unit/test_objstore.c
tests_unit_test_objstore_LDADD = $(MX_TEST_LIBS)
# Preview: shared listening sources and the Opus complexity controller
# (owner: preview, issue 15).
UNIT_TESTS += tests/unit/test_stream_share
check_PROGRAMS += tests/unit/test_stream_share
tests_unit_test_stream_share_SOURCES = tests/unit/test_stream_share.c \
	tests/unit/test_render_util.h tests/unit/test_render_util.c
tests_unit_test_stream_share_LDADD = $(MX_TEST_LIBS)
# Core: which thread is the loop's, with and without a loop (owner: h-clean).
UNIT_TESTS += tests/unit/test_loop_thread
check_PROGRAMS += tests/unit/test_loop_thread
tests_unit_test_loop_thread_SOURCES = tests/unit/test_loop_thread.c
tests_unit_test_loop_thread_LDADD = $(MX_TEST_LIBS)
