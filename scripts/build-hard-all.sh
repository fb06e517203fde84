#!/usr/bin/env bash
# Build the hard-tasklet module for every supported Node ABI (20, 22, 24) into build-hard/,
# as shipped in the npm package: the machine's Node for its own major, the others from npm.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
own="$(node -p 'process.versions.node.split(".")[0]')"
for major in 20 22 24; do
  if [ "$major" = "$own" ]; then bash scripts/build-hard.sh; else bash scripts/build-hard.sh "$(bash scripts/node-major.sh "$major")"; fi
done
ls -l build-hard/*/stackless_hard.node
