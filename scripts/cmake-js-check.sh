#!/usr/bin/env bash
# The cmake-js build of the addon, checked end to end (`npm run test:cmake-js`, a CI step):
# build it with warnings as errors into out/cmake-js/build (offline: the Node-API headers come
# from the node-api-headers package), then load the package by name with
# STACKLESS_PREBUILD=out/cmake-js, which points node-gyp-build at that build instead of
# build/Release, and run a channel exchange on it (test/pkg/cmake-js-load.js).
set -euo pipefail

# shellcheck source=scripts/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

run rm -rf out/cmake-js
run npx cmake-js compile --out out/cmake-js/build --target stackless_addon --parallel 2 --CDSLP_WERROR=ON
[ -f dist/index.js ] || run npm run build:lib
STACKLESS_PREBUILD="$ROOT/out/cmake-js" run node test/pkg/cmake-js-load.js "$ROOT/out/cmake-js/build/Release/stackless.node"
