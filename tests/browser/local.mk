# tests/browser/local.mk -- the browser tests: headless Chromium (Debian's
# chromium) driven by playwright-core against the real server, run by
# tests/browser/run.sh. Screenshots land in tests/browser/artifacts/.
TESTS += tests/browser/run.sh
EXTRA_DIST += tests/browser/run.sh tests/browser/lib.mjs tests/browser/fixture.mjs \
	$(wildcard $(srcdir)/tests/browser/*.test.mjs)
# constant tones, exports and levels for the automation and crossfade tests (owner: h19-edit)
EXTRA_DIST += tests/browser/tones.mjs
# the tone project of heard.test and tests/bench/heard.mjs (owner: h15-heard)
EXTRA_DIST += tests/browser/heard_fixture.mjs tests/bench/heard.mjs
