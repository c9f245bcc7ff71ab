#!/bin/bash
# grdecl_roundtrip_test.sh FNO_SIM WORKDIR: fno-sim -grdecl reads back what -export_grdecl
# wrote (the same PERMX/PERMY/PERMZ/PORO to the exported digits, so the surrogate sees the
# same inputs as for -perm_seed), and refuses a GRDECL without PORO, of the wrong size, or
# with a PERMZ/PERMX ratio other than -kz_ratio, naming the file.
set -euo pipefail
sim=$1 work=$2
rm -rf "$work" && mkdir -p "$work" && cd "$work"
short=(-grid 16,12 -report_count 1 -report_interval 1 -well0_cells 0,0,6,11 -output_vtk 0 -output_h5 0)
fail() { echo "FAIL: $*"; exit 1; }
timeout 120 "$sim" "${short[@]}" -perm_seed 77 -export_grdecl a.grdecl > /dev/null
timeout 120 "$sim" "${short[@]}" -grdecl a.grdecl -export_grdecl b.grdecl > /dev/null
cmp <(tail -n +2 a.grdecl) <(tail -n +2 b.grdecl) || fail "-grdecl does not reproduce the exported earth model"
expect_failure() {
  local pattern=$1; shift
  if timeout 120 "$@" > failure.log 2>&1; then fail "succeeded: $*"; fi
  grep -Eq "$pattern" failure.log || { cat failure.log; fail "message does not match: $pattern"; }
}
sed '/^PORO/,$d' a.grdecl > no-poro.grdecl
expect_failure "GRDECL file 'no-poro.grdecl' has no PORO" "$sim" "${short[@]}" -grdecl no-poro.grdecl
expect_failure "GRDECL file 'a.grdecl': PERMX holds 192 values but the grid has 208 cells" "$sim" "${short[@]}" -grid 16,13 -grdecl a.grdecl
expect_failure "PERMZ/PERMX = 0.1 in cell 0, but fno-sim uses one ratio everywhere \(-kz_ratio 0.2\)" "$sim" "${short[@]}" -kz_ratio 0.2 -grdecl a.grdecl
echo PASS
