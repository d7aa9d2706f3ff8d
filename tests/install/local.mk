# tests/install/local.mk -- the install as an operator gets it:
#   install.sh  `make install DESTDIR=...`: every file in place, the
#               installed binary serves its web client without --web, the
#               installed unit passes `systemd-analyze verify` and its
#               hardening check, both man pages render (`man -l`) and list
#               every subcommand, flag and setting
#   notify.sh   sd_notify: READY=1 once the server answers, STOPPING=1 on
#               SIGTERM (notify.py is the NOTIFY_SOCKET end)
TESTS += tests/install/install.sh tests/install/notify.sh
EXTRA_DIST += tests/install/install.sh tests/install/notify.sh \
	tests/install/notify.py
