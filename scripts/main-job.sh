#!/usr/bin/env bash
# The main job on the shipped defaults: build, then run it on 2 MPI ranks.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/mpi-env.sh
bash scripts/build.sh
mpiexec -n 2 build/bin/fno-fft-demo
