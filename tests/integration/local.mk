# tests/integration/local.mk -- the integration tests: the real server and
# real WebSocket clients (Node + ws), run by tests/integration/run.sh.
TESTS += tests/integration/run.sh
EXTRA_DIST += tests/integration/run.sh \
	$(wildcard $(srcdir)/tests/integration/*.mjs) \
	$(wildcard $(srcdir)/tests/integration/*.py)
