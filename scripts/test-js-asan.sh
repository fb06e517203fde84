#!/usr/bin/env bash
# The JS suite against addons built with AddressSanitizer + UndefinedBehaviorSanitizer: the
# N-API addon (core + binding) and the hard-tasklet module are rebuilt with -fsanitize in a
# copy of the package under out/js-asan/ (build/ and build-hard/ stay untouched), and Node
# runs them with the ASan runtime preloaded (Node itself is not instrumented; leak detection
# is off because Node does not free everything at exit): as the package runs by default (the JS
# engine, handing over to the core where a test needs it), then all on the core
# (STACKLESS_ENGINE=core) plainly and under forced GC. A CI step (npm run test:js:asan); it
# found a use-after-free in the hard module that the plain runs hid.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
OUT="out/js-asan"
rm -rf "$OUT"
mkdir -p "$OUT"
# the package's sources (what git tracks, plus the built dist/), node_modules shared
git ls-files -z | tar --null -T - -cf - | tar -xf - -C "$OUT"
cp -r dist "$OUT/dist"
ln -s "$ROOT/node_modules" "$OUT/node_modules"
ASAN_FLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined"
export CFLAGS="$ASAN_FLAGS" CXXFLAGS="$ASAN_FLAGS" LDFLAGS="-fsanitize=address,undefined"
PREFIX="$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")"   # Node's own headers
export npm_config_nodedir="$PREFIX"
for dir in . test/addon examples/addon; do   # the addon, and the addons that import its table
  (cd "$OUT" && node node_modules/node-gyp/bin/node-gyp.js rebuild --directory="$dir" --nodedir="$PREFIX" -j 2 --loglevel=warn)
done
(cd "$OUT" && bash scripts/build-hard.sh)
LIBASAN="$(gcc -print-file-name=libasan.so)"
LIBUBSAN="$(gcc -print-file-name=libubsan.so)"
export LD_PRELOAD="$LIBASAN $LIBUBSAN"
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:allow_user_segv_handler=1:detect_stack_use_after_return=0"
export STACKLESS_ASAN=1
# ASan's redzones make C frames several times larger: the mixed suite's C tasklet that blocks
# 300 calls deep needs more than the default 128 KiB native stack
export STACKLESS_STACK_SIZE=1M
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
cd "$OUT"
# (what ASan watches is the C code: the suite runs on the core once more, plainly and under GC)
node node_modules/vitest/vitest.mjs run "$@"
STACKLESS_ENGINE=core node node_modules/vitest/vitest.mjs run "$@"
STACKLESS_ENGINE=core STACKLESS_GC=1 node node_modules/vitest/vitest.mjs run "$@"
