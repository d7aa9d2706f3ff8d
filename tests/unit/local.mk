# the player's AudioWorklet in Node: jitter buffer, cuts, continuity (owner: h15-heard)
TESTS += tests/unit/web_worklet.sh
EXTRA_DIST += tests/unit/web_worklet.sh tests/unit/web_worklet.test.mjs
