# shellcheck shell=bash
# common.sh - sourced by the scripts in this folder: go to the repository root (so they work
# from any directory) and `run`, which prints a command before running it.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT" || exit 1

run() {
  printf '+'; printf ' %q' "$@"; printf '\n'
  "$@"
}
