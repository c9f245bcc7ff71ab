#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds, runs ctest (serial and
# mpiexec -n 2/3/4 tests). Extra arguments go to ctest (e.g. -L surrogate).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
source scripts/mpi-env.sh
bash scripts/build.sh
ctest --test-dir build --output-on-failure -j "$(nproc)" "$@"
