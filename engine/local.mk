# engine/local.mk -- libengine.la: audio import, the mix plan and renderer,
# effects, Opus preview encoding, exports, loudness.
libengine_la_SOURCES += \
	engine/asset.h engine/asset.c
