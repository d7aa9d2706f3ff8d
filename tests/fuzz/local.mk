# tests/fuzz/local.mk -- build fragment (see Makefile.am)
# The decode fuzzer is built and run by tests/fuzz/run.sh with clang
# (-fsanitize=fuzzer,address,undefined) straight from the engine sources,
# not by automake: `tests/fuzz/run.sh 30` (CI). Shipped in the tarball:
EXTRA_DIST += tests/fuzz/run.sh tests/fuzz/fuzz_decode.c tests/fuzz/lsan.supp \
	tests/fuzz/corpus/decode/f.flac tests/fuzz/corpus/decode/f32.wav \
	tests/fuzz/corpus/decode/l.mp3 tests/fuzz/corpus/decode/m.aiff \
	tests/fuzz/corpus/decode/o.opus tests/fuzz/corpus/decode/s16.wav \
	tests/fuzz/corpus/decode/six.wav tests/fuzz/corpus/decode/u8.wav \
	tests/fuzz/corpus/decode/v.ogg tests/fuzz/corpus/decode/x24.wav
