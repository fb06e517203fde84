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
if [ -f package-lock.json ]; then
  run npm ci --no-audit --no-fund
elif node -e '
    const p = require("./package.json");
    const n = ["dependencies", "devDependencies", "optionalDependencies"]
      .reduce((a, k) => a + Object.keys(p[k] || {}).length, 0);
    process.exit(n > 0 ? 0 : 1);'; then
  run npm install --no-audit --no-fund
else
  echo "ci-setup: no npm dependencies and no package-lock.json; skipping npm install"
fi
echo "== ci-setup: done"
