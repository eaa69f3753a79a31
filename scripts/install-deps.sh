#!/usr/bin/env bash
# Installs every Debian package the build, the tests and the benchmarks need.
# Idempotent: packages already present are skipped by apt; npm packages come
# from the lockfiles under tests/e2e and tools/.
set -euo pipefail

PACKAGES=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config clang-format clang-tidy
  # libraries (Boost 1.81: Debian's default 1.74 has no Boost.JSON)
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libssl-dev ca-certificates libyaml-cpp-dev libsqlite3-dev
  libpq-dev  # the management store's PostgreSQL client (store/)
  libhiredis-dev  # the Redis client of the rate-limit counters shared by instances (redis/)
  libeigen3-dev libhnswlib-dev
  libicu-dev  # Unicode general categories for the tokenizers' split patterns (tokens/)
  libgoogle-perftools-dev  # tcmalloc_minimal, linked into release builds of routeiq
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev
  # unit_store starts its own throwaway server from /usr/lib/postgresql/15/bin
  # (the package's default cluster is not used)
  postgresql-15
  # unit_redis and bench-redis start their own throwaway redis-server at a free port
  redis-server
  curl python3
  nginx-light wrk util-linux procps valgrind
  # fuzzing (fuzz/, -DROUTEIQ_FUZZ=ON): clang's libFuzzer
  clang libclang-rt-14-dev
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

# Node.js runs the end-to-end tests with the official SDK clients. A machine
# that already has node with its bundled npm keeps it; otherwise Debian's.
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)

if ((${#missing[@]})); then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
