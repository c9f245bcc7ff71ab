#!/usr/bin/env bash
# fno_sim_swap.sh NP BIN LIB WORK SOURCE_DIR
# fno-sim switched to the surrogate with options alone (-dll_append ... -ts_type fno) on NP
# ranks: its trajectory equals the core model run directly on one rank (reference_check,
# <= 1e-5 relative in float), its VTK series reads back with the right extents, times and
# values (check_vtk_series.py), and -log_view shows the surrogate's events.
set -euo pipefail
np=$1; bin=$2; lib=$3; work=$4; src=$5
rm -rf "$work"; mkdir -p "$work"
days=0,73,146,219,292,365,438
"$bin/fno-init" -grid 20,12,7 -modes 4,3,3 -width 6 -layers 2 -proj_width 16 -seed 11 \
  -times_days $days -input_mean 2,0.2,1 -input_std 0.7,0.05,3 -output_mean 0.05 -output_std 0.1 \
  -output "$work/model.h5"
slice="-grid 20,12 -dx 20 -dz 10 -report_count 6 -report_interval 73 -well0_cells 0,0,8,11"
mpiexec -n "$np" "$bin/fno-sim" $slice -dll_append "$lib" -ts_type fno -ts_fno_model "$work/model.h5" \
  -output "$work/out" -ts_view -log_view ":$work/log.txt" | tee "$work/stdout.txt"
grep -q "type: fno" "$work/stdout.txt" || { echo "FAIL: -ts_view does not show type fno"; exit 1; }
grep -q "partition: the DMDA's" "$work/stdout.txt" || { echo "FAIL: -ts_view does not show the surrogate"; exit 1; }
"$bin/plugin_reference_check" "$work/model.h5" "$work/out/solution.h5" 1e-5
/usr/bin/python3 "$src/../sim/check_vtk_series.py" "$work/out" 20 12 20 10 1000 "$np"
# -log_view: every event of the forward pass ran (count > 0), on every rank's summary line.
for event in FNOSetUp FNOLoad FNOPredict FNOInputMap FNOOutputMap FNOForward FNOLift FNOTimeDFT FNOSpaceDFT \
             FNOSpectralMul FNOPointwise FNOActivation FNOProjection; do
  line=$(grep -E "^$event " "$work/log.txt" || true)
  count=$(echo "$line" | awk '{print $2}')
  if [ -z "$line" ] || [ "${count:-0}" -lt 1 ]; then echo "FAIL: -log_view has no event $event with a count"; exit 1; fi
done
if [ "$np" -gt 1 ]; then
  line=$(grep -E "^FNOTranspose " "$work/log.txt" || true)
  count=$(echo "$line" | awk '{print $2}')
  if [ -z "$line" ] || [ "${count:-0}" -lt 1 ]; then echo "FAIL: no FNOTranspose events on $np ranks"; exit 1; fi
fi
# Report times between the model's outputs (every 36.5 days): linear in time (TSInterpolate
# semantics through TS_EXACTFINALTIME_MATCHSTEP), equal at the model's own times.
mpiexec -n "$np" "$bin/fno-sim" -grid 20,12 -dx 20 -dz 10 -report_count 12 -report_interval 36.5 \
  -well0_cells 0,0,8,11 -dll_append "$lib" -ts_type fno -ts_fno_model "$work/model.h5" -output "$work/half" -output_vtk 0
/usr/bin/python3 "$src/check_interpolation.py" "$work/half" "$work/out"
echo "fno_sim_swap: $np rank(s) OK"
