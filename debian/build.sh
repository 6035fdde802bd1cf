#!/bin/bash
# debian/build.sh - `make deb`: build the Debian package from a copy of the
# tree in OUT/src (so the .deb and .changes land in OUT, not beside the
# checkout), then run lintian on it, which must report no error.
#   bash debian/build.sh OUT
set -euo pipefail
out=${1:?usage: debian/build.sh OUT}
src=$(cd "$(dirname "$0")/.." && pwd)
rm -rf "$out"
mkdir -p "$out/src"
out=$(cd "$out" && pwd)
(cd "$src" && tar --exclude=./build --exclude=./var --exclude=./.git \
    --exclude=./tests/web/node_modules -cf - .) | tar -xf - -C "$out/src"
(cd "$out/src" && dpkg-buildpackage -us -uc -b) >"$out/build.log" 2>&1 ||
    { tail -n 40 "$out/build.log" >&2; echo "dpkg-buildpackage failed: $out/build.log" >&2; exit 1; }
changes=$(ls "$out"/*.changes)
lintian --fail-on error --tag-display-limit 0 "$changes" | tee "$out/lintian.log"
echo "built: $(ls "$out"/*.deb)"
