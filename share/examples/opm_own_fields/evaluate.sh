#!/usr/bin/env bash
# evaluate.sh WORKDIR [N] [FIRST_SEED]: the OPM-trained surrogate tried as a new user would,
# on OPM Flow runs of the benchmark slice made with their own permeability fields:
#   1. N earth models from layered_fields.py (a family no petsc-fno generator makes);
#   2. the benchmark deck (scripts/opm/write_deck.py) INCLUDEs each, OPM Flow runs it as a
#      user would (flow CASE.DATA --output-dir=out, one thread; a finished run is kept);
#   3. fno-opm-import turns the N run directories into a dataset;
#   4. fno-eval of share/models/co2-slice-opm.h5 (MODEL=... for another) on it: JSON line
#      (rel L2, plume IoU) and a picture WORKDIR/own-fields.png.
# Environment: BUILD (build), MODEL, RANKS (2, fno-eval), FLOW (flow), NX, NZ (64, 64: the
# slice the shipped model was trained for; the test uses a small slice and a random model).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
work=${1:?usage: evaluate.sh WORKDIR [N] [FIRST_SEED]}
count=${2:-10}; first=${3:-5000}
build="$(cd "${BUILD:-$root/build}" && pwd)"
model=${MODEL:-$root/share/models/co2-slice-opm.h5}
flow=${FLOW:-flow}
nx=${NX:-64}; nz=${NZ:-64}
source "$root/scripts/mpi-env.sh"
command -v "$flow" > /dev/null || { echo "evaluate.sh: no '$flow' binary (bash scripts/install-deps.sh installs OPM Flow)" >&2; exit 1; }
mkdir -p "$work"
runs=()
for ((i = 0; i < count; i++)); do
  seed=$((first + i)); dir="$work/case-$seed"
  runs+=("$dir/out")
  [ -f "$dir/FLOW.DONE" ] && continue
  mkdir -p "$dir"
  python3 "$here/layered_fields.py" "$seed" "$dir/EARTH.GRDECL" "$nx" "$nz"
  python3 "$root/scripts/opm/write_deck.py" "$dir/CASE.DATA" EARTH.GRDECL "$nx" "$nz"
  start=$(date +%s.%N)
  (cd "$dir" && OMP_NUM_THREADS=1 "$flow" CASE.DATA --output-dir=out --tolerance-mb=1e-9 \
     --threads-per-process=1 > flow.log 2>&1) || { echo "evaluate.sh: flow failed on $dir (see $dir/flow.log)" >&2; exit 1; }
  end=$(date +%s.%N)
  echo "case $seed: flow $(awk "BEGIN{printf \"%.2f\", $end - $start}") s" | tee "$dir/FLOW.DONE"
done
"$build/bin/fno-opm-import" -output "$work/own-fields.h5" "${runs[@]}"
mpiexec -n "${RANKS:-2}" "$build/bin/fno-eval" -model "$model" -data "$work/own-fields.h5" -cases all \
  -png "$work/own-fields.png" | tee "$work/own-fields.json"
