#!/bin/bash
# own_fields_test.sh MPIEXEC BUILD_DIR WORKDIR: the "own permeability fields" walkthrough
# (share/examples/opm_own_fields/evaluate.sh) end to end on a 16x12 slice: two layered earth
# models, the benchmark deck from scripts/opm/write_deck.py, OPM Flow, fno-opm-import and
# fno-eval of a seeded random model of that grid. Checks that the generator is deterministic,
# that fno-sim -grdecl takes its fields, that the dataset holds both runs with the fields the
# generator wrote, and that fno-eval reports on both cases. Prints SKIP when flow is missing.
set -euo pipefail
mpiexec=$1 build=$2 work=$3
here="$(cd "$(dirname "$0")" && pwd)"
example="$here/../../share/examples/opm_own_fields"
fail() { echo "FAIL: $*"; exit 1; }
command -v flow > /dev/null || { echo "SKIP: no flow binary (OPM Flow not installed)"; exit 0; }
rm -rf "$work" && mkdir -p "$work" && cd "$work"

python3 "$example/layered_fields.py" 7 a.grdecl 16 12
python3 "$example/layered_fields.py" 7 b.grdecl 16 12
python3 "$example/layered_fields.py" 8 c.grdecl 16 12
cmp -s a.grdecl b.grdecl || fail "layered_fields.py is not deterministic for one seed"
cmp -s <(tail -n +2 a.grdecl) <(tail -n +2 c.grdecl) && fail "two seeds gave the same field"
timeout 120 "$build/bin/fno-sim" -grid 16,12 -report_count 1 -report_interval 1 -well0_cells 0,0,4,11 \
  -output_vtk 0 -output_h5 0 -grdecl a.grdecl > sim.log 2>&1 || { cat sim.log; fail "fno-sim -grdecl refused the layered field"; }

"$build/bin/fno-init" -output random.h5 -grid 16,12,51 -modes 4,3,4 -width 6 -layers 2 -proj_width 16 -seed 3 \
  > init.log 2>&1 || { cat init.log; fail "fno-init"; }
NX=16 NZ=12 RANKS=2 MODEL=random.h5 BUILD="$build" timeout 600 bash "$example/evaluate.sh" run 2 40 > evaluate.log 2>&1 \
  || { cat evaluate.log; fail "evaluate.sh failed"; }
cat evaluate.log
[ -f run/case-40/FLOW.DONE ] && [ -f run/case-41/FLOW.DONE ] || fail "flow runs not marked done"
python3 "$example/layered_fields.py" 41 d.grdecl 16 12
cmp -s d.grdecl run/case-41/EARTH.GRDECL || fail "run 41 holds another field"
grep -q '"cases": 2,' run/own-fields.json || fail "fno-eval did not report 2 cases"
grep -Eq '"rel_l2_mean": [0-9]' run/own-fields.json || fail "no rel_l2_mean"
[ -s run/own-fields.png ] || fail "no picture"
# The dataset's permeability is the generator's: log10 of PERMX of case 41, cell (0, 0).
first=$(awk '/^PERMX/{getline; print $1; exit}' run/case-41/EARTH.GRDECL)
h5dump -d /inputs -s 1,0,0,0 -c 1,1,1,1 -b LE -o stored.bin run/own-fields.h5 > /dev/null
stored=$(od -A n -t f8 stored.bin | tr -d ' ')
awk -v p="$first" -v s="$stored" 'BEGIN { d = log(p) / log(10) - s; exit !(d < 1e-5 && d > -1e-5) }' \
  || fail "stored log10 permeability $stored is not log10($first)"
echo PASS
