#!/bin/sh
# Refreshes tests/browser/vendor/axe.min.js from the npm registry (npm checks the
# package's integrity). Vendored so that `make test` and CI need no network.
# Usage: sh scripts/vendor-axe.sh 4.14.1
set -eu
version="${1:?usage: vendor-axe.sh VERSION}"
target="$(dirname "$0")/../tests/browser/vendor"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "axe-core@$version" >/dev/null && tar xzf "axe-core-$version.tgz")
cp "$work/package/axe.min.js" "$work/package/LICENSE" "$target/"
sha=$(sha256sum "$target/axe.min.js" | cut -d' ' -f1)
echo "axe-core $version copied; update tests/browser/vendor/README.md (sha256 $sha)"
