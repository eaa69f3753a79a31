#!/usr/bin/env bash
# Runs clang-tidy (checks in .clang-tidy) over every translation unit under src/, using the
# compile commands of the asan build. Exits non-zero when a check fires (they are all errors).
# Usage: scripts/tidy.sh [build dir, default build-asan] [jobs, default nproc]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${1:-build-asan}
JOBS=${2:-$(nproc)}
if [ ! -f "$BUILD_DIR/compile_commands.json" ]; then
  echo "no $BUILD_DIR/compile_commands.json: run 'cmake --preset asan' first" >&2
  exit 1
fi
RUNNER=$(command -v run-clang-tidy || command -v run-clang-tidy-14 || true)
if [ -z "$RUNNER" ]; then
  echo "run-clang-tidy not found: run scripts/install-deps.sh (Debian package clang-tidy)" >&2
  exit 1
fi
# The file argument is a regular expression over the paths in compile_commands.json.
# Colours (run-clang-tidy asks for them), progress lines and the counts of warnings in system
# headers are dropped.
set +e
"$RUNNER" -quiet -p "$BUILD_DIR" -j "$JOBS" "$PWD/src/" 2>&1 | sed 's/\x1b\[[0-9;]*m//g' |
  grep -v -E '^[0-9]+ warnings? generated\.$|^Suppressed [0-9]+ warnings|^Use -header-filter=|clang-tidy[-0-9]* .*-p='
status=${PIPESTATUS[0]}
[ "$status" -eq 0 ] && echo "clang-tidy: no findings"
exit "$status"
