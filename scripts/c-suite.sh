#!/usr/bin/env bash
# Configure, build and/or test the C core with CMake in one of its build trees (under out/;
# build/ belongs to node-gyp, whose rebuild deletes it).
#
#   scripts/c-suite.sh VARIANT [build|test|all]      (default phase: all)
#
#   core      out/core      -DSLP_WERROR=ON
#   asan      out/asan      -DSLP_WERROR=ON -DSLP_SANITIZE=ON (ASan + UBSan, leaks fatal)
#   ucontext  out/ucontext  -DSLP_WERROR=ON -DSLP_FORCE_UCONTEXT=ON -DSLP_NO_FAST_PATHS=ON
#                             (the portable switch, and every channel operation through the
#                             general path: the suite then checks the fast paths agree)
#   bench     out/bench     Release with link-time optimisation, no tests (what ships)
#   aarch64   out/aarch64   -DSLP_WERROR=ON, cross toolchain; tests run under qemu-aarch64
#                             (use scripts/test-aarch64.sh, which also installs the tools)
#
# Environment: SLP_JOBS (build jobs, default: all cores), SLP_CTEST_JOBS (tests run at once,
# default 1), SLP_WERROR (default ON), SLP_CMAKE_ARGS (extra configure arguments, split on
# spaces). Works from any directory. Bash 3.2 compatible (macOS).
set -euo pipefail

# shellcheck source=scripts/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

variant="${1:-core}"
phase="${2:-all}"

die() { echo "c-suite: error: $*" >&2; exit 2; }

cores="$(getconf _NPROCESSORS_ONLN 2>/dev/null || sysctl -n hw.ncpu 2>/dev/null || echo 2)"
jobs="${SLP_JOBS:-$cores}"
ctest_jobs="${SLP_CTEST_JOBS:-1}"
werror="${SLP_WERROR:-ON}"

case "$variant" in
  core)     dir=out/core;     set -- -DSLP_WERROR="$werror" ;;
  asan)     dir=out/asan;     set -- -DSLP_WERROR="$werror" -DSLP_SANITIZE=ON
            # Options given later win, so a caller's own ASAN_OPTIONS/UBSAN_OPTIONS still apply.
            export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
            export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}" ;;
  ucontext) dir=out/ucontext; set -- -DSLP_WERROR="$werror" -DSLP_FORCE_UCONTEXT=ON -DSLP_NO_FAST_PATHS=ON ;;
  bench)    dir=out/bench;    set -- -DSLP_WERROR="$werror" -DCMAKE_BUILD_TYPE=Release \
              -DCMAKE_INTERPROCEDURAL_OPTIMIZATION=ON -DSLP_BUILD_TESTS=OFF ;;
  aarch64)  dir=out/aarch64;  set -- -DSLP_WERROR="$werror" \
              -DCMAKE_TOOLCHAIN_FILE="$ROOT/cmake/toolchain-aarch64-linux-gnu.cmake" ;;
  *) die "unknown variant '$variant' (core, asan, ucontext, bench, aarch64)" ;;
esac
if [ -n "${SLP_CMAKE_ARGS:-}" ]; then
  # shellcheck disable=SC2086  # word splitting of SLP_CMAKE_ARGS is intended
  set -- "$@" ${SLP_CMAKE_ARGS}
fi

case "$phase" in
  build|test|all) ;;
  *) die "unknown phase '$phase' (build, test, all)" ;;
esac

echo "== C suite '$variant' ($phase) in $ROOT/$dir: $jobs build jobs, $ctest_jobs test jobs"
if [ "$variant" = asan ]; then
  echo "   ASAN_OPTIONS=$ASAN_OPTIONS UBSAN_OPTIONS=$UBSAN_OPTIONS"
fi

if [ "$phase" != test ]; then
  run cmake -S . -B "$dir" "$@"
  run cmake --build "$dir" --parallel "$jobs"
fi

if [ "$phase" != build ]; then
  [ -f "$dir/CTestTestfile.cmake" ] || die "$dir is not configured; run: scripts/c-suite.sh $variant build"
  # cd instead of --test-dir (CMake >= 3.20); --no-tests=error: an empty suite is a failure.
  run cd "$dir"
  run ctest --output-on-failure --no-tests=error --parallel "$ctest_jobs"
fi
