#!/bin/sh
# update.sh -- copies the browser's fallback Opus decoder (the npm package
# opus-decoder: libopus compiled to WebAssembly, embedded in one classic
# script) from node_modules into web/vendor/, so the server (which serves
# only web/) can hand it to browsers without WebCodecs. Run after `npm ci`
# or an upgrade of opus-decoder in package.json, then commit the copies.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
pkg="$top/node_modules/opus-decoder"
[ -f "$pkg/dist/opus-decoder.min.js" ] || { echo "run 'npm ci' in $top first" >&2; exit 1; }
version=$(node -p "require('$pkg/package.json').version")
# The source map is not shipped; drop its reference so browsers do not ask for it.
sed '/^\/\/# sourceMappingURL=/d' "$pkg/dist/opus-decoder.min.js" > "$here/opus-decoder.min.js"
sed -i "s/^opus-decoder [0-9.]*\$/opus-decoder $version/" "$here/LICENSE.opus-decoder.txt"
echo "copied opus-decoder $version to $here"
