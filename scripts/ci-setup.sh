#!/usr/bin/env bash
# Install what CI needs on a fresh Debian machine (run as root): the host C/C++ toolchain
# and CMake, the aarch64 cross compilers and qemu-user for the aarch64 suite, `file`,
# then the npm dependencies when the project has any. Packages already installed are skipped.
set -euo pipefail

# shellcheck source=scripts/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

echo "== ci-setup: Debian packages"
run bash scripts/apt-install.sh \
  cmake make gcc g++ file \
  gcc-aarch64-linux-gnu g++-aarch64-linux-gnu qemu-user

echo "== ci-setup: npm dependencies"
# `npm install`, not `npm ci`: with this machine's npm configuration
# (omit-lockfile-registry-resolved) npm 11 writes lock files whose optional platform
# packages (rollup's) `npm ci` then rejects as out of sync. `npm install` follows the lock.
run npm install --no-audit --no-fund
echo "== ci-setup: done"
