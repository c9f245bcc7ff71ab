#!/usr/bin/env bash
# run_demo.sh MODEL [PERM_SEED] [RANKS]: the end-to-end demo. fno-sim on a permeability
# realization the model never saw, once numerically and once switched to the surrogate with
# options alone, both writing ParaView series; then the summary (time inside TSSolve,
# speed-up, relative L2 and plume IoU between the two) and a side-by-side PNG.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/mpi-env.sh
model=${1:-share/models/co2-slice.h5}
seed=${2:-20261130}
ranks=${3:-2}
out=demo-output
rm -rf "$out"; mkdir -p "$out"
lib=$PWD/build/lib/libpetscfno.so
tssolve() { sed -n 's/.*(\([0-9.]*\) s in TSSolve).*/\1/p' "$1"; }
echo "demo: fno-sim on permeability realization -perm_seed $seed, $ranks rank(s)"
mpiexec -n "$ranks" build/bin/fno-sim -perm_seed "$seed" -output "$out/numerical" | tee "$out/numerical.log"
mpiexec -n "$ranks" build/bin/fno-sim -perm_seed "$seed" -output "$out/surrogate" \
  -dll_append "$lib" -ts_type fno -ts_fno_model "$model" | tee "$out/surrogate.log"
/usr/bin/python3 share/paraview/render_pvd.py "$out/numerical/solution.pvd" -side-by-side "$out/surrogate/solution.pvd" \
  -titles "numerical (fno-sim)","surrogate (-ts_type fno)" -field saturation -time 3650 -o "$out/compare.png"
echo "demo summary:"
/usr/bin/python3 scripts/demo/compare_runs.py "$out/numerical" "$out/surrogate" \
  "$(tssolve "$out/numerical.log")" "$(tssolve "$out/surrogate.log")" | tee "$out/summary.txt"
echo "  ParaView series: $out/numerical/solution.pvd and $out/surrogate/solution.pvd"
echo "  side by side at 3650 days: $out/compare.png"
