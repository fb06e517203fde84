#!/usr/bin/env bash
# Cross-compile the C core and its tests for aarch64 Linux and run the suite under
# qemu-user (ctest goes through CMAKE_CROSSCOMPILING_EMULATOR from the toolchain file),
# so that the aarch64 stack switch is really exercised on an x86_64 machine.
#
# Needs aarch64-linux-gnu-gcc/g++ and qemu-aarch64; installs them with apt when root
# (Debian packages gcc-aarch64-linux-gnu g++-aarch64-linux-gnu qemu-user).
# Honours scripts/c-suite.sh's environment knobs (SLP_JOBS, SLP_CTEST_JOBS, ...) and the
# toolchain file's (SLP_AARCH64_PREFIX, SLP_AARCH64_SYSROOT, SLP_QEMU_AARCH64).
set -euo pipefail

# shellcheck source=scripts/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

prefix="${SLP_AARCH64_PREFIX:-aarch64-linux-gnu-}"
qemu="${SLP_QEMU_AARCH64:-}"
have_qemu() {
  [ -n "$qemu" ] && command -v "$qemu" >/dev/null 2>&1 && return 0
  command -v qemu-aarch64 >/dev/null 2>&1 || command -v qemu-aarch64-static >/dev/null 2>&1
}

echo "== aarch64 suite: checking for ${prefix}gcc, ${prefix}g++ and qemu-aarch64"
if ! command -v "${prefix}gcc" >/dev/null 2>&1 || ! command -v "${prefix}g++" >/dev/null 2>&1 || ! have_qemu; then
  pkgs="gcc-aarch64-linux-gnu g++-aarch64-linux-gnu qemu-user"
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "aarch64: tools missing; installing $pkgs"
    # shellcheck disable=SC2086  # $pkgs is a word list
    run bash scripts/apt-install.sh $pkgs
  else
    echo "aarch64: error: need ${prefix}gcc, ${prefix}g++ and qemu-aarch64." >&2
    echo "         On Debian/Ubuntu install them with:" >&2
    echo "         sudo apt-get update && sudo apt-get install -y $pkgs" >&2
    exit 1
  fi
fi
"${prefix}gcc" --version | head -n 1
if [ -n "$qemu" ]; then "$qemu" --version | head -n 1
elif command -v qemu-aarch64 >/dev/null 2>&1; then qemu-aarch64 --version | head -n 1
else qemu-aarch64-static --version | head -n 1
fi

run bash scripts/c-suite.sh aarch64 build

# Check that what was built is really aarch64 code, not a host binary.
dir=out/aarch64
bin=""
for f in "$dir"/test_*; do
  if [ -f "$f" ] && [ -x "$f" ]; then bin="$f"; break; fi
done
[ -n "$bin" ] || bin="$dir/libstackless_core.a"
[ -e "$bin" ] || { echo "aarch64: error: nothing built in $dir to check" >&2; exit 1; }
if command -v file >/dev/null 2>&1 && [ "${bin%.a}" = "$bin" ]; then
  desc="$(file -b "$bin")"
  echo "aarch64: $bin: $desc"
  case "$desc" in
    *"ARM aarch64"*) ;;
    *) echo "aarch64: error: $bin is not an aarch64 binary" >&2; exit 1 ;;
  esac
else
  machines="$(readelf -h "$bin" | sed -n 's/^ *Machine: *//p' | sort -u)"
  echo "aarch64: $bin: ELF machine: $machines"
  [ "$machines" = "AArch64" ] || { echo "aarch64: error: $bin is not aarch64 code" >&2; exit 1; }
fi

run bash scripts/c-suite.sh aarch64 test
