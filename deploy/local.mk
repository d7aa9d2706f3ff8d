# deploy/local.mk -- what a service needs besides the binary: the systemd
# unit (deploy/mixroom.service.in with @bindir@ filled in at make time, so
# `make bindir=...` and every --prefix agree) and the sysusers.d file for
# its user. Installed into $(systemdsystemunitdir) and $(sysusersdir)
# (configure: --with-systemdsystemunitdir, --with-sysusersdir).
EXTRA_DIST += deploy/mixroom.service.in
CLEANFILES += deploy/mixroom.service
noinst_DATA = deploy/mixroom.service
if HAVE_SYSTEMDUNITDIR
systemdsystemunit_DATA = deploy/mixroom.service
endif
if HAVE_SYSUSERSDIR
dist_sysusers_DATA = deploy/sysusers.d/mixroom.conf
else
EXTRA_DIST += deploy/sysusers.d/mixroom.conf
endif

deploy/mixroom.service: $(srcdir)/deploy/mixroom.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) deploy && \
	sed -e 's|@bindir[@]|$(bindir)|g' $(srcdir)/deploy/mixroom.service.in > $@.tmp && \
	mv $@.tmp $@

# the HAProxy configuration of a cluster (docs/deploy.md)
EXTRA_DIST += deploy/haproxy.cfg
