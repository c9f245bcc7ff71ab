#!/usr/bin/env bash
# The main job on the shipped defaults: build, then
#   1. the distributed truncated FFT on a DMDA-style partition of 2 MPI ranks, and
#   2. the reference CO2-brine simulation (the OPM benchmark case: 64x64 vertical slice,
#      51 snapshots over 10 years) written for ParaView to sim-output/ (open
#      sim-output/solution.pvd) and HDF5 (sim-output/solution.h5), and
#   3. the end-to-end demo: fno-sim on a permeability realization the shipped model never
#      saw, numerically and switched to the surrogate (-ts_type fno), both series for
#      ParaView in demo-output/, then the summary (speed-up, relative L2, plume IoU) and a
#      side-by-side PNG (scripts/demo/run_demo.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/mpi-env.sh
bash scripts/build.sh
mpiexec -n 2 build/bin/fno-fft-demo
build/bin/fno-sim -output sim-output
bash scripts/demo/run_demo.sh share/models/co2-slice.h5 20261130 2
