#!/usr/bin/env bash
# deploy/redocly.sh install | path
# The OpenAPI linter (@redocly/cli, pinned by deploy/redocly/package-lock.json) that the gateway tests run on the served
# document. Its npm tree lives in a cache keyed by the lock file's sha256, so clones on one machine share one install.
# install: installs it unless cached, then prints the linter's path (what deploy/test.sh exports as PARITY_TEST_REDOCLY).
set -euo pipefail

here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
. "$here/npm-cache.sh"
src=$here/redocly
cache=${XDG_CACHE_HOME:-$HOME/.cache}/parity/redocly-$(sha256sum "$src/package-lock.json" | cut -c1-16)
bin=$cache/node_modules/.bin/redocly

install() {
  command -v node >/dev/null || { echo "redocly.sh: node is not installed; @redocly/cli needs Node >= 20.19" >&2; exit 1; }
  npm_cache_install "$src" "$cache"
  [ -x "$bin" ] || { echo "redocly.sh: $bin is missing after install" >&2; exit 1; }
}

case "${1:-}" in
  install) install >&2; echo "$bin" ;;
  path) [ -x "$bin" ] && echo "$bin" || { echo "redocly.sh: not installed; run deploy/redocly.sh install" >&2; exit 1; } ;;
  *) echo "usage: deploy/redocly.sh install | path" >&2; exit 2 ;;
esac
