#!/usr/bin/env bash
# compare_case.sh CASE_DIR [OUT_DIR] [BUILD_DIR]: one earth model, four runs, for ParaView
# side by side. CASE_DIR is a case directory fno-opm-gen wrote (CASE.DATA, EARTH.GRDECL).
#   OUT/opm/CASE.pvd              OPM Flow (rerun with VTK output, one thread; flow's time in the log)
#   OUT/fno-sim/solution.pvd      fno-sim's numerical scheme on the same earth model (-grdecl)
#   OUT/fno-co2-slice/...         the surrogate trained on fno-sim (share/models/co2-slice.h5)
#   OUT/fno-co2-slice-opm/...     the surrogate trained on OPM Flow (share/models/co2-slice-opm.h5)
# Open the four .pvd files in ParaView (File > Open; View > Link Camera) and colour by
# saturation / saturation_gas. Prints each run's wall time.
set -euo pipefail
case_dir=$(cd "$1" && pwd)
out=${2:-opm-compare-$(basename "$case_dir")}
here="$(cd "$(dirname "$0")/../.." && pwd)"
build=$(cd "${3:-$here/build}" && pwd)
source "$here/scripts/mpi-env.sh"
mkdir -p "$out" && out=$(cd "$out" && pwd)
ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
start=$(date +%s%N)
OMP_NUM_THREADS=1 flow "$case_dir/CASE.DATA" --output-dir="$out/opm" --tolerance-mb=1e-9 --threads-per-process=1 \
  --output-mode=none --enable-async-ecl-output=false --enable-vtk-output=true > "$out/flow.log" 2>&1
echo "OPM Flow (1 thread, with VTK output): $(ms "$start") ms -> $out/opm/CASE.pvd"
sim=("$build/bin/fno-sim" -grdecl "$case_dir/EARTH.GRDECL")
start=$(date +%s%N)
"${sim[@]}" -output "$out/fno-sim" | tail -1
echo "fno-sim numerical: $(ms "$start") ms"
for model in co2-slice co2-slice-opm; do
  [ -f "$here/share/models/$model.h5" ] || { echo "no share/models/$model.h5; skipped"; continue; }
  start=$(date +%s%N)
  "${sim[@]}" -dll_append "$build/lib/libpetscfno.so" -ts_type fno -ts_fno_model "$here/share/models/$model.h5" \
    -output "$out/fno-$model" | tail -1
  echo "fno-sim -ts_type fno ($model): $(ms "$start") ms"
done
