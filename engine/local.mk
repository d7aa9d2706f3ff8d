# engine/local.mk -- libengine.la: audio import, the mix plan and renderer,
# effects, Opus preview encoding, exports, loudness.
libengine_la_SOURCES += \
	engine/asset.h engine/asset.c
# audio import (owner: import)
libengine_la_SOURCES += \
	engine/fsutil.h engine/fsutil.c \
	engine/hashfile.h engine/hashfile.c \
	engine/fold.h engine/fold.c \
	engine/peaks.h engine/peaks.c \
	engine/import_probe.h engine/import_probe.c \
	engine/import.h engine/import.c engine/import_limits.c \
	engine/demo_audio.h engine/demo_audio.c
libengine_la_SOURCES += \
	engine/dsp.h engine/dsp_basic.c engine/dsp_fx.c engine/dsp_reverb4.c \
	engine/plan.h engine/plan.c engine/plan_doc.c \
	engine/fades.h engine/fades.c \
	engine/render.h engine/render.c engine/render_priv.h engine/render_adopt.c \
	engine/render_finish.c \
	engine/render_scratch.h engine/render_scratch.c \
	engine/v4.h engine/simd.h engine/simd.c engine/simd_avx2.c \
	engine/export.h engine/export.c \
	engine/loudness.h engine/loudness.c
# instruments: plan notes, voices, synth, drums, General MIDI (owner: #16 engine)
libengine_la_SOURCES += \
	engine/instrument.h engine/plan_inst.c engine/voices.h engine/voices.c \
	engine/inst_priv.h engine/synth.c engine/drums.c engine/gm.c \
	engine/render_inst.c
# the block cache of source tracks' rendered blocks (owner: h15-cache)
libengine_la_SOURCES += engine/blockcache.h engine/blockcache.c
# true-peak detector and limiter for deliveries (owner: loudness)
libengine_la_SOURCES += engine/limiter.h engine/limiter.c
# live preview encoding (owner: preview)
libengine_la_SOURCES += engine/opus_stream.h engine/opus_stream.c
# Standard MIDI File reader and writer (owner: notes)
libengine_la_SOURCES += engine/midi_file.h engine/midi_file.c
# streaming ZIP writer for stems over HTTP (owner: stems)
libengine_la_SOURCES += engine/zipw.h engine/zipw.c
# render path speed (owner: render): the loop optimisations of -O3 on top
# of whatever -O level CFLAGS sets (explicit -f flags win over -O, which
# CFLAGS, coming last, would otherwise reset); no FMA contraction, so every
# build renders the same bits.
libengine_la_CFLAGS = $(AM_CFLAGS) -fvect-cost-model=dynamic -funswitch-loops \
	-fpeel-loops -fipa-cp-clone -fsplit-loops -fversion-loops-for-strides \
	-ftree-partial-pre -fpredictive-commoning -fgcse-after-reload \
	-ftree-loop-distribution -ffp-contract=off
