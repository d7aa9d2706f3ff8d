#!/bin/sh
# notify.sh -- sd_notify (Type=notify in deploy/mixroom.service.in): runs
# notify.py against the built binary. A build with libsystemd (config.h
# HAVE_SYSTEMD; ./bootstrap installs libsystemd-dev) must send READY=1 and
# STOPPING=1; a build without it must send nothing.
set -eu
srcdir=${srcdir:-$(dirname "$0")/../..}
command -v python3 >/dev/null 2>&1 || { echo "FAIL: python3 is missing (./bootstrap deps installs it)"; exit 1; }
if grep -q '^#define HAVE_SYSTEMD 1' config.h; then want=notify; else want=none; fi
WANT=$want exec python3 "$srcdir/tests/install/notify.py" "$(pwd)/mixroom"
