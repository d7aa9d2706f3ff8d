#!/bin/sh
# tests/arch/layers.sh -- the architecture check over the real source tree:
# runs tests/arch/check-layers.py on $srcdir (the top of the tree; set by
# automake's test driver, else found from this script's place).
top=${srcdir:-$(dirname "$0")/../..}
if ! command -v python3 >/dev/null 2>&1; then
  echo "FAIL: python3 is required for the architecture check (./bootstrap deps)"
  exit 1
fi
exec python3 "$top/tests/arch/check-layers.py" "$top"
