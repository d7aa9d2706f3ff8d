# tests/bench/local.mk -- benchmarks: they print figures and never fail on
# time. Built on demand (`make bench`), never run by `make check`.
EXTRA_PROGRAMS += tests/bench/bench_proto_apply tests/bench/bench_render \
	tests/bench/bench_import tests/bench/bench_sqlite_single \
	tests/bench/bench_streams tests/bench/bench_store
tests_bench_bench_store_SOURCES = tests/bench/bench_store.c
tests_bench_bench_store_LDADD = $(MX_ALL_LIBS)
tests_bench_bench_sqlite_single_SOURCES = tests/bench/bench_sqlite_single.c
tests_bench_bench_sqlite_single_LDADD = $(MX_ALL_LIBS)
tests_bench_bench_streams_SOURCES = tests/bench/bench_streams.c tests/bench/bench_util.h
tests_bench_bench_streams_LDADD = $(MX_ALL_LIBS)
EXTRA_DIST += tests/bench/coedit.mjs tests/bench/soak.mjs tests/bench/takes.mjs \
	tests/bench/listeners.mjs
EXTRA_DIST += tests/bench/failover.mjs
EXTRA_DIST += tests/bench/coedit.mjs tests/bench/soak.mjs tests/bench/takes.mjs
tests_bench_bench_proto_apply_SOURCES = tests/bench/bench_proto_apply.c
tests_bench_bench_proto_apply_LDADD = $(MX_TEST_LIBS)
tests_bench_bench_render_SOURCES = tests/bench/bench_render.c tests/bench/bench_util.h \
	tests/bench/bench_render_proj.h
tests_bench_bench_render_LDADD = $(MX_ALL_LIBS)
tests_bench_bench_import_SOURCES = tests/bench/bench_import.c
tests_bench_bench_import_LDADD = $(MX_ALL_LIBS)
CLEANFILES += $(EXTRA_PROGRAMS)

bench: $(EXTRA_PROGRAMS)
.PHONY: bench
# doc_at benchmark (review)
EXTRA_PROGRAMS += tests/bench/bench_doc_at
tests_bench_bench_doc_at_SOURCES = tests/bench/bench_doc_at.c \
	tests/unit/history_gen.h tests/unit/history_gen.c
tests_bench_bench_doc_at_LDADD = $(MX_TEST_LIBS)
# Co-editing load generator (libwebsockets client), driven by coedit.mjs.
EXTRA_PROGRAMS += tests/bench/bench_coedit
tests_bench_bench_coedit_SOURCES = tests/bench/bench_coedit.c
tests_bench_bench_coedit_LDADD = $(LWS_LIBS) -lpthread
# MIDI import cost (notes)
EXTRA_PROGRAMS += tests/bench/bench_midi
tests_bench_bench_midi_SOURCES = tests/bench/bench_midi.c
tests_bench_bench_midi_LDADD = $(MX_TEST_LIBS)
# instruments: 16 synth tracks x 64 voices against 16 audio tracks (#16 engine)
EXTRA_PROGRAMS += tests/bench/bench_instruments
tests_bench_bench_instruments_SOURCES = tests/bench/bench_instruments.c tests/bench/bench_util.h
tests_bench_bench_instruments_LDADD = $(MX_ALL_LIBS)
# true-peak limiter and meter detector (owner: loudness)
EXTRA_PROGRAMS += tests/bench/bench_limiter
tests_bench_bench_limiter_SOURCES = tests/bench/bench_limiter.c
tests_bench_bench_limiter_LDADD = $(MX_ALL_LIBS)
# crossfade cost (owner: h19-edit)
EXTRA_PROGRAMS += tests/bench/bench_crossfade
tests_bench_bench_crossfade_SOURCES = tests/bench/bench_crossfade.c tests/bench/bench_util.h
tests_bench_bench_crossfade_LDADD = $(MX_ALL_LIBS)
# DAWproject export: CLI and HTTP against cat of the samples (interchange)
EXTRA_DIST += tests/bench/dawproject.mjs
# wide projects: 16, 64 and 128 tracks, dense and sparse (owner: render)
EXTRA_PROGRAMS += tests/bench/bench_render_wide
tests_bench_bench_render_wide_SOURCES = tests/bench/bench_render_wide.c \
	tests/bench/bench_util.h tests/bench/bench_render_proj.h
tests_bench_bench_render_wide_LDADD = $(MX_ALL_LIBS)
# large rooms: loop-thread work at 100..50,000 objects (h15-room, #15);
# tests/bench/room_scale.sh builds it against main's protocol/ as well
EXTRA_PROGRAMS += tests/bench/bench_room_scale
tests_bench_bench_room_scale_SOURCES = tests/bench/bench_room_scale.c tests/bench/bench_util.h
tests_bench_bench_room_scale_LDADD = $(MX_TEST_LIBS)
EXTRA_DIST += tests/bench/room_scale.sh tests/bench/room_scale.mjs
