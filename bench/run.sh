#!/usr/bin/env bash
# Gateway benchmark (see bench/README.md). `make bench` builds the release
# binaries first; any flag is passed on, e.g. `bash bench/run.sh --targets direct,nginx`.
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 bench/harness.py "$@"
