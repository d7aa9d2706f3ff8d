# tests/unit/engine.mk -- build fragment (see Makefile.am)
# audio import (owner: import)
UNIT_TESTS += tests/unit/test_import tests/unit/test_import_errors \
	tests/unit/test_peaks tests/unit/test_import_demo \
	tests/unit/test_import_limits
check_PROGRAMS += tests/unit/test_import tests/unit/test_import_errors \
	tests/unit/test_peaks tests/unit/test_import_demo \
	tests/unit/test_import_limits
tests_unit_test_import_limits_SOURCES = tests/unit/test_import_limits.c \
	tests/unit/test_import_util.h tests/unit/test_import_util.c
tests_unit_test_import_limits_LDADD = $(MX_TEST_LIBS)
tests_unit_test_import_SOURCES = tests/unit/test_import.c \
	tests/unit/test_import_util.h tests/unit/test_import_util.c
tests_unit_test_import_LDADD = $(MX_TEST_LIBS)
tests_unit_test_import_errors_SOURCES = tests/unit/test_import_errors.c \
	tests/unit/test_import_util.h tests/unit/test_import_util.c
tests_unit_test_import_errors_LDADD = $(MX_TEST_LIBS)
tests_unit_test_peaks_SOURCES = tests/unit/test_peaks.c \
	tests/unit/test_import_util.h tests/unit/test_import_util.c
tests_unit_test_peaks_LDADD = $(MX_TEST_LIBS)
# mix engine: DSP, renderer, exports, loudness (owner: render)
UNIT_TESTS += tests/unit/test_dsp tests/unit/test_render \
	tests/unit/test_render_routing tests/unit/test_export
check_PROGRAMS += tests/unit/test_dsp tests/unit/test_render \
	tests/unit/test_render_routing tests/unit/test_export
tests_unit_test_dsp_SOURCES = tests/unit/test_dsp.c
tests_unit_test_dsp_LDADD = $(MX_TEST_LIBS)
tests_unit_test_render_SOURCES = tests/unit/test_render.c \
	tests/unit/test_render_util.h tests/unit/test_render_util.c
tests_unit_test_render_LDADD = $(MX_TEST_LIBS)
tests_unit_test_render_routing_SOURCES = tests/unit/test_render_routing.c \
	tests/unit/test_render_util.h tests/unit/test_render_util.c
tests_unit_test_render_routing_LDADD = $(MX_TEST_LIBS)
tests_unit_test_export_SOURCES = tests/unit/test_export.c \
	tests/unit/test_render_util.h tests/unit/test_render_util.c
tests_unit_test_export_LDADD = $(MX_TEST_LIBS)
tests_unit_test_import_demo_SOURCES = tests/unit/test_import_demo.c \
	tests/unit/test_import_util.h tests/unit/test_import_util.c
tests_unit_test_import_demo_LDADD = $(MX_TEST_LIBS)
# streaming ZIP writer (owner: stems)
UNIT_TESTS += tests/unit/test_zipw
check_PROGRAMS += tests/unit/test_zipw
tests_unit_test_zipw_SOURCES = tests/unit/test_zipw.c
tests_unit_test_zipw_LDADD = $(MX_TEST_LIBS)
# The renderer's four-track vector paths against the one-track paths.
UNIT_TESTS += tests/unit/test_dsp_group
check_PROGRAMS += tests/unit/test_dsp_group
tests_unit_test_dsp_group_SOURCES = tests/unit/test_dsp_group.c
tests_unit_test_dsp_group_LDADD = $(MX_TEST_LIBS)
# instruments: notes, synth, drums, gm, voice pool (owner: #16 engine)
UNIT_TESTS += tests/unit/test_instruments
check_PROGRAMS += tests/unit/test_instruments
tests_unit_test_instruments_SOURCES = tests/unit/test_instruments.c
tests_unit_test_instruments_LDADD = $(MX_TEST_LIBS)
# Standard MIDI Files (owner: notes)
UNIT_TESTS += tests/unit/test_midi_file
check_PROGRAMS += tests/unit/test_midi_file
tests_unit_test_midi_file_SOURCES = tests/unit/test_midi_file.c
tests_unit_test_midi_file_LDADD = $(MX_TEST_LIBS)
# true-peak limiter (owner: loudness)
UNIT_TESTS += tests/unit/test_limiter
check_PROGRAMS += tests/unit/test_limiter
tests_unit_test_limiter_SOURCES = tests/unit/test_limiter.c
tests_unit_test_limiter_LDADD = $(MX_TEST_LIBS)
# fade shapes and crossfades (owner: h19-edit)
UNIT_TESTS += tests/unit/test_crossfade
check_PROGRAMS += tests/unit/test_crossfade
tests_unit_test_crossfade_SOURCES = tests/unit/test_crossfade.c \
	tests/unit/test_render_util.h tests/unit/test_render_util.c
tests_unit_test_crossfade_LDADD = $(MX_TEST_LIBS)
# dispatch paths (plain, sse2, avx2) and skipping silence (owner: render)
UNIT_TESTS += tests/unit/test_render_dispatch
check_PROGRAMS += tests/unit/test_render_dispatch
tests_unit_test_render_dispatch_SOURCES = tests/unit/test_render_dispatch.c \
	tests/unit/test_render_util.h tests/unit/test_render_util.c
tests_unit_test_render_dispatch_LDADD = $(MX_TEST_LIBS)
# the compressor and whole renders are block-size independent (owner: h15-comp)
UNIT_TESTS += tests/unit/test_comp_blocks
check_PROGRAMS += tests/unit/test_comp_blocks
tests_unit_test_comp_blocks_SOURCES = tests/unit/test_comp_blocks.c \
	tests/unit/test_render_util.h tests/unit/test_render_util.c
tests_unit_test_comp_blocks_LDADD = $(MX_TEST_LIBS)
# the block cache: cached = uncached (owner: h15-cache)
UNIT_TESTS += tests/unit/test_blockcache
check_PROGRAMS += tests/unit/test_blockcache
tests_unit_test_blockcache_SOURCES = tests/unit/test_blockcache.c \
	tests/unit/test_render_util.h tests/unit/test_render_util.c
tests_unit_test_blockcache_LDADD = $(MX_TEST_LIBS)
# the renderer's per-block scratch shared per thread (owner: h15-scratch)
UNIT_TESTS += tests/unit/test_render_scratch
check_PROGRAMS += tests/unit/test_render_scratch
tests_unit_test_render_scratch_SOURCES = tests/unit/test_render_scratch.c \
	tests/unit/test_render_util.h tests/unit/test_render_util.c
tests_unit_test_render_scratch_LDADD = $(MX_TEST_LIBS)
