# tests/integration/local.mk -- the integration tests: the real server and
# real WebSocket clients (Node + ws), run by tests/integration/run.sh.
TESTS += tests/integration/run.sh tests/integration/run_pg.sh
EXTRA_DIST += tests/integration/run.sh tests/integration/run_pg.sh tests/pg/pg.sh \
	$(wildcard $(srcdir)/tests/integration/*.mjs) \
	$(wildcard $(srcdir)/tests/integration/*.py)
EXTRA_DIST += tests/fixtures/make-fixture.mjs tests/fixtures/mixroom-0.1.0.db \
	$(wildcard $(srcdir)/tests/fixtures/mixroom-0.1.0-assets/*/*/*)
# the cluster tests (tests/cluster/run.sh, .ci/run's last step; not make check)
EXTRA_DIST += tests/cluster/cluster.sh tests/cluster/run.sh \
	$(wildcard $(srcdir)/tests/cluster/*.mjs)
# the S3 endpoint for tests (s3rver), the store rename tool, the push benchmark
EXTRA_DIST += tests/s3/s3.sh build-aux/dbrename.sh tests/bench/bench_push.mjs BENCHMARKS.md
