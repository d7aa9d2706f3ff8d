#!/bin/sh
# tests/arch/test_check_layers.sh -- the test of the architecture check
# (tests/arch/check-layers.py) itself: builds small fixture trees in a temp
# folder and asserts that a clean tree passes and that each kind of
# violation fails, naming the file and the line.
set -u
top=${srcdir:-$(dirname "$0")/../..}
check="$top/tests/arch/check-layers.py"
if ! command -v python3 >/dev/null 2>&1; then
  echo "FAIL: python3 is required for the architecture check (./bootstrap deps)"
  exit 1
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-layers.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
fails=0

put() {  # put FILE LINE... -- write FILE of the current fixture
  f="$tree/$1"; shift
  mkdir -p "$(dirname "$f")"
  printf '%s\n' "$@" > "$f"
}
lines() {  # lines FILE N -- write FILE of N lines
  mkdir -p "$(dirname "$tree/$1")"
  awk -v n="$2" 'BEGIN { for (i = 1; i <= n; i++) print "/* " i " */" }' \
    > "$tree/$1"
}
fixture() {  # fixture NAME -- a fresh clean tree that obeys every rule
  tree="$tmp/$1"
  put protocol/ops.h '#include <stdint.h>'
  put engine/plan.h '#include "protocol/ops.h"'
  put engine/render_priv.h '/* private */'
  put engine/render.c '#include "engine/plan.h"' '#include "engine/render_priv.h"'
  put server/core/log.h '#include "protocol/ops.h"'
  put server/net/ws.h '#include "server/core/log.h"'
  put server/net/ws.c '#include <libwebsockets.h>' '#include "server/net/ws.h"'
  put server/auth/auth_internal.h '#include "server/net/ws.h"'
  put server/auth/auth.c '#include "server/auth/auth_internal.h"'
  put server/auth/auth.h '#include "server/core/log.h"'
  put server/rooms/room.h '#include "server/auth/auth.h"'
  put server/rooms/room_priv.h '#include "server/rooms/room.h"'
  put server/rooms/room.c '#include "server/rooms/room_priv.h"'
  put server/review/review.c '#include "server/rooms/room.h"'
  put server/assets/assets.c '#include "engine/plan.h"' '#include "server/rooms/room.h"'
  put server/preview/preview.c '#include "engine/plan.h"'
  put server/app/main.c '#include "server/preview/preview.h"' \
    '#include "server/review/review.h"' '#include "engine/plan.h"'
  lines server/core/big.c 1000
  lines web/app.js 1000
  lines web/vendor/huge.js 2000
  lines tests/unit/test_x.c 1000
  put tests/unit/test_y.c '#include "server/rooms/room_priv.h"'
}
run() {  # run ARG... -- run the check on $tree; sets $out and $rc
  out=$(python3 "$check" "$@" "$tree" 2>&1); rc=$?
}
ok() { echo "PASS: $1"; }
no() { echo "FAIL: $1"; printf '%s\n' "$out" | sed 's/^/    /'; fails=$((fails + 1)); }
expect_pass() {  # expect_pass NAME [ARG...]
  name=$1; shift; run "$@"
  if [ "$rc" = 0 ] && printf '%s\n' "$out" | grep -q '^layers: [0-9]* files, 0 violations$'
  then ok "$name"; else no "$name (want exit 0, got $rc)"; fi
}
expect_fail() {  # expect_fail NAME TEXT... -- fails, printing every TEXT
  name=$1; shift
  if [ "$rc" != 1 ]; then no "$name (want exit 1, got $rc)"; return; fi
  for want in "$@"; do
    if ! printf '%s\n' "$out" | grep -qF -- "$want"; then
      no "$name (no line with: $want)"; return
    fi
  done
  ok "$name"
}

fixture clean
expect_pass "a clean tree passes (1,000-line files, own private headers, lws in net)"

fixture net_auth
put server/net/ws.c '#include <libwebsockets.h>' '#include "server/auth/auth.h"'
run
expect_fail "net including auth fails" \
  'server/net/ws.c:2: server/net may not include server/auth/auth.h (net → auth is against the direction' \
  'circle: server/auth -> server/net -> server/auth' ' files, 2 violations'

fixture core_net
put server/core/log.c '#include "server/core/log.h"' '' '#include "server/net/ws.h"'
run
expect_fail "core including net fails" \
  'server/core/log.c:3: server/core may not include server/net/ws.h (core → net'

fixture peers
put server/preview/preview.c '#include "server/assets/assets.h"'
run
expect_fail "peers including each other fails" \
  'server/preview/preview.c:1: server/preview may not include server/assets/assets.h (preview and assets are peers'

fixture engine_server
put engine/plan.h '#include "protocol/ops.h"' '#include "server/core/log.h"'
put protocol/ops.c '#include "engine/plan.h"'
run
expect_fail "engine including server, protocol including anything fails" \
  'engine/plan.h:2: engine may not include server/core/log.h' \
  'protocol/ops.c:1: protocol may not include engine/plan.h'

fixture circle
put server/rooms/room.c '#include "server/rooms/room_priv.h"' '#include "server/review/review.h"'
run --allow rooms=review
expect_fail "a circle fails even when the rules allow both edges" \
  'server/review/review.c:1: circle: server/review -> server/rooms -> server/review (server/review/review.c:1 includes server/rooms/room.h; server/rooms/room.c:2 includes server/review/review.h)' \
  ' files, 1 violations'
run --allow server/rooms=server/review
expect_fail "--allow takes full unit names too" ' files, 1 violations'
run
expect_fail "without --allow the same tree also breaks the direction" \
  'server/rooms/room.c:2: server/rooms may not include server/review/review.h' \
  'circle: server/review -> server/rooms -> server/review'

fixture circle3
put server/core/log.h '#include "protocol/ops.h"' '#include "server/app/app.h"'
run --allow core=app
expect_fail "a longer circle fails" \
  'server/app/main.c:2: circle: server/app -> server/review -> server/rooms -> server/auth -> server/core -> server/app (' \
  'server/core/log.h:2 includes server/app/app.h)' ' files, 2 violations'

fixture private
put server/review/review.c '#include "server/rooms/room.h"' '#include "server/rooms/room_priv.h"'
put server/app/main.c '#include "server/auth/auth_internal.h"'
run
expect_fail "a private header included from another folder fails" \
  'server/review/review.c:2: server/review may not include server/rooms/room_priv.h (a private header of server/rooms)' \
  'server/app/main.c:1: server/app may not include server/auth/auth_internal.h (a private header of server/auth)'

fixture lws
put server/core/loop.c '#include "server/core/log.h"' '#include <libwebsockets.h>'
run
expect_fail "<libwebsockets.h> outside server/net fails" \
  'server/core/loop.c:2: server/core may not include <libwebsockets.h> (only server/net may)'

fixture outside
put server/foo.h '/* not in a unit */'
put server/core/log.c '#include "server/foo.h"'
put server/rooms/room.c '#include "room_priv.h"' '#include "nowhere.h"'
run
expect_fail "files and includes outside any unit fail" \
  'server/foo.h:1: file outside any unit' \
  'server/core/log.c:1: server/core may not include server/foo.h, a file outside any unit' \
  'server/rooms/room.c:2: "nowhere.h" is no file of the tree' \
  ' files, 3 violations'

fixture size
lines server/core/big.c 1001
lines web/style.css 1001
lines tests/integration/t.mjs 1001
run
expect_fail "files of 1,001 lines fail" \
  'server/core/big.c:1001: 1001 lines, over the limit of 1000 lines' \
  'web/style.css:1001: 1001 lines' 'tests/integration/t.mjs:1001: 1001 lines' \
  ' files, 3 violations'

fixture usage
run --allow rooms=nowhere
if [ "$rc" = 2 ]; then ok "a bad --allow is a usage error"; else no "bad --allow (want exit 2, got $rc)"; fi

echo "test_check_layers: $fails failed"
[ "$fails" = 0 ]
