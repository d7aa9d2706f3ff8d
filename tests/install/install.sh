#!/bin/sh
# install.sh -- `make install DESTDIR=TMP` from the build directory, then:
# the binary, web client, man pages, unit and sysusers.d file are where
# they belong; the installed binary, started from there without --web,
# serves the installed web client; the installed unit (ExecStart pointed
# at the DESTDIR binary) passes `systemd-analyze verify` with no message
# and `systemd-analyze security --offline` at exposure 2.0 or less; both
# man pages render with `man -l` (no groff warning) and list every
# subcommand of `mixroom --help`, every flag of `mixroom serve --help` and
# every setting key the config setter knows (server/core/config.c).
set -eu
srcdir=${srcdir:-$(dirname "$0")/../..}
top_srcdir=$(cd "$srcdir" && pwd)
builddir=$(pwd)
for tool in systemd-analyze man groff curl python3; do
  command -v "$tool" >/dev/null 2>&1 || {
    echo "FAIL: $tool is missing (./bootstrap deps installs it)"; exit 1; }
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mixroom-install-XXXXXX")
pid=
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }

dest=$tmp/dest
env -u MAKEFLAGS -u MFLAGS "${MAKE:-make}" -s -C "$builddir" install DESTDIR="$dest" >"$tmp/install.log" 2>&1 ||
  { cat "$tmp/install.log"; fail "make install DESTDIR=$dest"; }

one() { # one installed file matching a path pattern (empty if none)
  find "$dest" -path "$1" -type f | head -n 1
}
bin=$(one '*/bin/mixroom')
man1=$(one '*/man/man1/mixroom.1')
man5=$(one '*/man/man5/mixroom.conf.5')
unit=$(one '*/lib/systemd/system/mixroom.service')
sysusers=$(one '*/lib/sysusers.d/mixroom.conf')
index=$(one '*/mixroom/web/index.html')
for f in "$bin" "$man1" "$man5" "$unit" "$sysusers" "$index"; do
  [ -n "$f" ] || { find "$dest" -type f | grep -v /web/; fail "not installed: bin/mixroom, man1/mixroom.1, man5/mixroom.conf.5, lib/systemd/system/mixroom.service, lib/sysusers.d/mixroom.conf or share/mixroom/web/index.html"; }
done
web=$(dirname "$index")
[ -x "$bin" ] || fail "$bin is not executable"
for f in $(cd "$top_srcdir" && ls web/*.js web/*.html web/*.css); do
  cmp -s "$top_srcdir/$f" "$web/${f#web/}" || fail "$f is not installed as $web/${f#web/}"
done
grep -q '^u mixroom ' "$sysusers" || fail "$sysusers makes no mixroom user"
echo "ok: installed $bin, $web, $man1, $man5, $unit, $sysusers"

# The installed binary serves the installed client without --web, from a
# directory with no ./web.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir "$tmp/cwd"
(cd "$tmp/cwd" && exec "$bin" serve --listen "127.0.0.1:$port" --data "$tmp/data" --no-demo) >"$tmp/serve.log" 2>&1 &
pid=$!
i=0
until curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null; do
  i=$((i + 1))
  [ $i -lt 300 ] || { cat "$tmp/serve.log"; fail "the installed server did not answer /healthz"; }
  kill -0 "$pid" 2>/dev/null || { cat "$tmp/serve.log"; fail "the installed server exited"; }
  sleep 0.05
done
curl -fsS "http://127.0.0.1:$port/" -o "$tmp/index.html" || fail "GET / from the installed server"
cmp -s "$tmp/index.html" "$top_srcdir/web/index.html" || fail "GET / is not the installed web/index.html"
curl -fsS "http://127.0.0.1:$port/app.js" -o "$tmp/app.js" || fail "GET /app.js"
cmp -s "$tmp/app.js" "$top_srcdir/web/app.js" || fail "GET /app.js is not the installed web/app.js"
kill "$pid"
wait "$pid" || { cat "$tmp/serve.log"; fail "the installed server did not stop cleanly"; }
pid=
echo "ok: the installed binary serves its web client without --web"

# The unit: verify on a copy whose ExecStart is the DESTDIR binary (the
# real path does not exist before a real install); the man pages its
# Documentation= names are looked up in the DESTDIR.
grep -q '^ExecStart=/.*/mixroom serve --data /var/lib/mixroom$' "$unit" || fail "ExecStart of $unit: $(grep ExecStart= "$unit")"
grep -q '@[a-z_]*@' "$unit" && fail "$unit has an unsubstituted @...@"
mkdir "$tmp/unit"
sed "s|^ExecStart=[^ ]*/mixroom |ExecStart=$bin |" "$unit" >"$tmp/unit/mixroom.service"
MANPATH=$(dirname "$(dirname "$man1")") systemd-analyze verify "$tmp/unit/mixroom.service" >"$tmp/verify.log" 2>&1 ||
  { cat "$tmp/verify.log"; fail "systemd-analyze verify $unit"; }
[ ! -s "$tmp/verify.log" ] || { cat "$tmp/verify.log"; fail "systemd-analyze verify $unit has something to say"; }
systemd-analyze security --offline=yes --threshold=20 "$tmp/unit/mixroom.service" >"$tmp/security.log" 2>&1 ||
  { tail -n 3 "$tmp/security.log"; fail "systemd-analyze security: exposure over 2.0"; }
for key in Type=notify User=mixroom StateDirectory=mixroom Restart=on-failure LimitNOFILE=65536 \
    NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes PrivateTmp=yes ReadWritePaths=/var/lib/mixroom; do
  grep -qx "$key" "$unit" || fail "$unit lacks $key"
done
echo "ok: systemd-analyze verify is clean; $(grep 'Overall exposure' "$tmp/security.log")"

# The man pages render and list everything.
for page in "$man1" "$man5"; do
  MANWIDTH=80 man -l -P cat "$page" >"$page.txt" 2>"$tmp/man.err" || fail "man -l $page"
  [ ! -s "$tmp/man.err" ] || { cat "$tmp/man.err"; fail "man -l $page warns"; }
  groff -man -ww -z "$page" 2>"$tmp/groff.err"
  [ ! -s "$tmp/groff.err" ] || { cat "$tmp/groff.err"; fail "groff warns on $page"; }
  [ "$(wc -l <"$page.txt")" -gt 40 ] || fail "$page renders to almost nothing"
done
# the pages say .nh (no hyphenation): compare with line ends as spaces
flat() { tr '\n' ' ' <"$1" | tr -s ' '; }
flat "$man1.txt" >"$tmp/man1.flat"
flat "$man5.txt" >"$tmp/man5.flat"
n=0
for c in $("$bin" --help | sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p'); do
  grep -q "^   $c\$" "$man1.txt" || fail "mixroom(1) has no section for the subcommand $c"
  n=$((n + 1))
done
[ $n -ge 7 ] || fail "mixroom --help lists only $n subcommands"
n=0
for f in $("$bin" serve --help | sed -n 's/^  \(--[a-z][a-z-]*\).*/\1/p'); do
  [ "$f" = --help ] && continue
  grep -q -- "$f" "$tmp/man1.flat" || fail "mixroom(1) does not list $f"
  grep -q -- "$f" "$tmp/man5.flat" || [ "$f" = --config ] || fail "mixroom.conf(5) does not name the flag $f"
  n=$((n + 1))
done
[ $n -ge 30 ] || fail "serve --help lists only $n flags"
# the keys, from the setter itself (a key added without a table row is caught)
keys=$(sed -n -e 's/.*!strcmp(key, "\([a-z_]*\)").*/\1/p' -e 's/^ *LIMIT(\([a-z_]*\),.*/\1/p' "$top_srcdir/server/core/config.c" | grep -vx config)  # config: --config itself
n=0
for k in $keys; do
  grep -q "^       $k\$\|^       $k " "$man5.txt" || fail "mixroom.conf(5) has no entry for the key $k"
  grep -q "key $k," "$tmp/man1.flat" || fail "mixroom(1) does not name the key $k"
  n=$((n + 1))
done
[ $n -ge 30 ] || fail "found only $n keys in server/core/config.c"
grep -q "Default: " "$tmp/man5.flat" || fail "mixroom.conf(5) states no defaults"
echo "ok: mixroom(1) and mixroom.conf(5) render and list every subcommand, flag and key ($n keys)"
