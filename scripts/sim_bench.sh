#!/usr/bin/env bash
# Benchmarks of the reference simulator (fno-sim -bench): one JSON line per case on stdout.
#   64x64 vertical slice, 51 snapshots over 10 years (the OPM benchmark case), 1 and 2 ranks
#   128x128 slice (5 m x 2.5 m cells, same physical domain), 51 snapshots over 10 years
#   64x64x64 (3D), SIM_BENCH_3D_REPORTS reports of 73 days (default 50 = 10 years; the full
#   run takes long on a small machine, so e.g. SIM_BENCH_3D_REPORTS=5 for one year)
# usage: scripts/sim_bench.sh [BUILD_DIR]   (default build)
set -euo pipefail
build="${1:-build}"
sim="$build/bin/fno-sim"
[ -x "$sim" ] || { echo "sim_bench: $sim not found (build first)" >&2; exit 1; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
export OMPI_MCA_hwloc_base_binding_policy=none OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
reports3d="${SIM_BENCH_3D_REPORTS:-50}"
"$sim" -bench
mpiexec -n 2 "$sim" -bench
"$sim" -bench -grid 128,128 -dx 5 -dz 2.5 -well0_cells 0,0,112,127
"$sim" -bench -geometry 3d -grid 64,64,64 -report_count "$reports3d"
