#!/usr/bin/env bash
# Install the given Debian packages, skipping those already installed.
#
#   scripts/apt-install.sh PKG...
#
# Needs root (CI runs as root); otherwise prints the apt-get command to run and fails.
set -euo pipefail

# shellcheck source=scripts/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

[ "$#" -gt 0 ] || { echo "usage: $0 PKG..." >&2; exit 2; }

missing=""
for pkg in "$@"; do
  if command -v dpkg-query >/dev/null 2>&1 &&
     [ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null)" = "install ok installed" ]; then
    echo "apt: $pkg already installed"
  else
    missing="$missing $pkg"
  fi
done
missing="${missing# }"

if [ -z "$missing" ]; then
  echo "apt: nothing to install"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "apt: error: missing packages ($missing) and no apt-get on this system;" >&2
  echo "     install the equivalents with your package manager." >&2
  exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "apt: error: missing packages: $missing" >&2
  echo "     not root, so not installing them; run:" >&2
  echo "     sudo apt-get update && sudo apt-get install -y $missing" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
opts="-o Acquire::Retries=3 -o DPkg::Lock::Timeout=600"
echo "apt: installing: $missing"
start=$(date +%s)
# shellcheck disable=SC2086  # $opts and $missing are word lists
run apt-get $opts update -q </dev/null
# shellcheck disable=SC2086
run apt-get $opts install -y -q --no-install-recommends $missing </dev/null
echo "apt: installed in $(( $(date +%s) - start ))s (update + install)"
