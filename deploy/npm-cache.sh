# Sourced by the engine scripts that run Node tools (ipfs.sh, redocly.sh, chain.sh): one cached `npm ci` per lock file.
#
#   npm_cache_install SRC CACHE    installs SRC/package.json + SRC/package-lock.json into CACHE, once
npm_cache_install() {
  local src=$1 cache=$2
  if [ ! -f "$cache/.complete" ]; then
    # Install into a fresh temp dir and rename it: an interrupted npm ci never leaves a half cache that looks done.
    mkdir -p "$(dirname "$cache")"
    local tmp; tmp=$(mktemp -d "$cache.tmp.XXXXXX")
    cp "$src/package.json" "$src/package-lock.json" "$tmp/"
    (cd "$tmp" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
    touch "$tmp/.complete"
    rm -rf "$cache"; mv "$tmp" "$cache"
  fi
}
