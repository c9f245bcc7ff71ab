#!/usr/bin/env bash
# host_and_capi.sh NP BIN LIB WORK
# host_ts (no petsc-fno header, not linked with it) switches to the surrogate with options
# alone on a two-field DMDA with uneven blocks; capi_loop gets the same states through the
# C API, with -malloc_debug -malloc_dump reporting no leak. Then the host again, its input
# fields read from -ts_fno_input_file (written by PETSc's HDF5 viewer) instead of its DM.
set -euo pipefail
np=$1; bin=$2; lib=$3; work=$4
rm -rf "$work"; mkdir -p "$work"
case $np in  # 21 x 13 cells: uneven blocks on several process grids
  1) procs="" ;;
  2) procs="-da_processors_x 1 -da_processors_y 2" ;;
  3) procs="-da_processors_x 1 -da_processors_y 3" ;;
  *) procs="-da_processors_x 2 -da_processors_y 2" ;;
esac
host="-grid 21,13 $procs"
"$bin/fno-init" -grid 21,13,7 -modes 4,3,3 -width 6 -layers 2 -proj_width 16 -seed 5 \
  -times_days 0,73,146,219,292,365,438 -input_mean 2,0.2,1 -input_std 0.7,0.05,3 -output "$work/model.h5"
if ldd "$bin/plugin_host_ts" | grep -q petscfno; then echo "FAIL: host_ts links libpetscfno"; exit 1; fi
mpiexec -n "$np" "$bin/plugin_host_ts" $host -dll_append "$lib" -ts_type fno -ts_fno_model "$work/model.h5" \
  -states_out "$work/states.h5" -ts_view | tee "$work/host.txt"
grep -q "type: fno" "$work/host.txt" || { echo "FAIL: the host did not run the fno TS"; exit 1; }
grep -q "saturation \[1\] -> DM component 1" "$work/host.txt" || { echo "FAIL: output not mapped by field name"; exit 1; }
[ "$(grep -c '^host_ts: step' "$work/host.txt")" = 7 ] || { echo "FAIL: expected 7 states (t = 0 and 6 steps)"; exit 1; }
mpiexec -n "$np" "$bin/plugin_capi_loop" $host -model "$work/model.h5" -compare "$work/states.h5" \
  -write_inputs "$work/inputs.h5" -malloc_debug -malloc_dump 2>&1 | tee "$work/capi.txt"
grep -q "largest difference from the TS run" "$work/capi.txt" || { echo "FAIL: no comparison"; exit 1; }
if grep -qiE "allocated|not freed|leak" "$work/capi.txt"; then echo "FAIL: -malloc_dump reports unfreed memory"; exit 1; fi
mpiexec -n "$np" "$bin/plugin_host_ts" $host -compose_inputs 0 -dll_append "$lib" -ts_type fno \
  -ts_fno_model "$work/model.h5" -ts_fno_input_file "$work/inputs.h5" -states_out "$work/states_file.h5"
mpiexec -n "$np" "$bin/plugin_capi_loop" $host -model "$work/model.h5" -compare "$work/states_file.h5"
echo "host_and_capi: $np rank(s) OK"
