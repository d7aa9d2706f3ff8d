#!/bin/sh
# tests/arch/merge_markers.sh -- no merge-conflict markers left in the tree:
# a line that starts with "<<<<<<< ", "||||||| " or ">>>>>>> " in any source,
# script, test, web or documentation file under $srcdir (set by automake's
# test driver, else found from this script's place) fails the check and is
# named. ("=======" alone is not looked for: Markdown uses it.)
top=${srcdir:-$(dirname "$0")/../..}
hits=$(find "$top" \( -name .git -o -name node_modules -o -name build \
                      -o -name 'data' -o -name autom4te.cache \) -prune -o \
            -type f \( -name '*.[ch]' -o -name '*.md' -o -name '*.mjs' \
                       -o -name '*.js' -o -name '*.css' -o -name '*.html' \
                       -o -name '*.sh' -o -name '*.py' -o -name '*.am' \
                       -o -name '*.mk' -o -name '*.ac' -o -name '*.sql' \) \
            -print | xargs grep -n -E '^(<{7}|\|{7}|>{7}) ' /dev/null)
if [ -n "$hits" ]; then
  echo "FAIL: merge-conflict markers left in the tree:"
  echo "$hits"
  exit 1
fi
echo "PASS: no merge-conflict markers"
