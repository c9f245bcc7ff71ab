#!/usr/bin/env bash
# The main job on the shipped defaults: build, then
#   1. the distributed truncated FFT on a DMDA-style partition of 2 MPI ranks, and
#   2. the reference CO2-brine simulation (the OPM benchmark case: 64x64 vertical slice,
#      51 snapshots over 10 years) written for ParaView to sim-output/ (open
#      sim-output/solution.pvd) and HDF5 (sim-output/solution.h5).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/mpi-env.sh
bash scripts/build.sh
mpiexec -n 2 build/bin/fno-fft-demo
build/bin/fno-sim -output sim-output
