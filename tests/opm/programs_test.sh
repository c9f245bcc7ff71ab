#!/bin/bash
# programs_test.sh MPIEXEC FNO_OPM_GEN FNO_OPM_IMPORT PYTHON WORKDIR FNO_TRAIN FNO_EVAL:
# fno-opm-gen and fno-opm-import on a tiny 8 x 10 benchmark slice (3 reports; each flow run
# under a second): cases over 2 ranks, a killed run resumed without redoing finished cases and
# equal to an uninterrupted one, import of the same runs giving the same cases, import with
# -outputs saturation,pressure,rs giving a schema v2 dataset (saturation and inputs equal to
# v1's, plausible pressure and RS) that fno-train and fno-eval take on 2 ranks, an unknown
# output refused, a run of another grid refused by name with nothing written, a missing flow
# binary refused before anything is written, -help. Prints SKIP and passes when flow is not
# installed.
set -euo pipefail
# No program may hang the test: each gets two minutes.
guard() { timeout 120 "$@"; }
mpiexec=$1 gen=$2 import=$3 python=$4 work=$5 train=$6 eval=$7
if ! command -v flow > /dev/null; then
  echo "SKIP: OPM Flow (flow) is not installed (PETSCFNO_WITH_OPM=1 bash scripts/install-deps.sh)"
  exit 0
fi
rm -rf "$work" && mkdir -p "$work" && cd "$work"
tiny=(-grid 8,10 -report_count 3 -report_interval 100 -well0_rate 600)
fail() { echo "FAIL: $*"; exit 1; }
# Expects a non-zero exit whose output matches a grep -E pattern.
expect_failure() {
  local pattern=$1; shift
  if guard "$@" > failure.log 2>&1; then cat failure.log; fail "succeeded: $*"; fi
  grep -Eq "$pattern" failure.log || { cat failure.log; fail "message does not match: $pattern"; }
}

echo "== -help lists the options"
"$gen" -help > help-gen.txt 2>&1 || fail "fno-opm-gen -help failed"
"$import" -help > help-import.txt 2>&1 || fail "fno-opm-import -help failed"
grep -q -- "-workdir" help-gen.txt || fail "fno-opm-gen -help does not list -workdir"
grep -q -- "-output" help-import.txt || fail "fno-opm-import -help does not list -output"
grep -q -- "-outputs" help-import.txt || fail "fno-opm-import -help does not list -outputs"

echo "== uninterrupted: 6 cases on 2 ranks"
guard "$mpiexec" -n 2 "$gen" "${tiny[@]}" -n 6 -seed 5 -output full.h5 -workdir full-runs > full.log
grep -q "fno-opm-gen: 6 cases in" full.log || { cat full.log; fail "full run"; }

echo "== killed after its first finished case, then resumed"
"$gen" "${tiny[@]}" -n 6 -seed 5 -output killed.h5 -workdir killed-runs > killed1.log 2>&1 &
pid=$!
for _ in $(seq 1 600); do
  grep -q "done by rank" killed1.log 2> /dev/null && break
  sleep 0.05
done
kill -9 "$pid" 2> /dev/null || true
wait "$pid" 2> /dev/null || true
finished=$(grep -c "done by rank" killed1.log || true)
guard "$gen" "${tiny[@]}" -n 6 -seed 5 -output killed.h5 -workdir killed-runs > killed2.log
cat killed2.log
already=$(sed -n 's/.* \([0-9]*\) already done.*/\1/p' killed2.log)
[ "$already" -ge "$finished" ] || fail "resume redid finished cases ($already already done, $finished finished before the kill)"
"$python" - full.h5 killed.h5 << 'PY' || fail "resumed dataset differs from the uninterrupted one"
import sys, h5py, numpy as np
a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
for name in ("inputs", "outputs", "times", "seeds", "done"):
    assert np.array_equal(a[name][...], b[name][...]), name
assert a["done"][...].all()
schema = a.attrs["schema"]
assert (schema.decode() if isinstance(schema, bytes) else schema) == "petsc-fno-dataset-v1", schema
print("resumed == uninterrupted; seeds", list(a["seeds"][...]))
PY

echo "== import of the same runs gives the same cases"
guard "$import" -output imported.h5 full-runs/case-000000/out full-runs/case-000003/out > import.log
"$python" - full.h5 imported.h5 << 'PY' || fail "imported cases differ from fno-opm-gen's"
import sys, h5py, numpy as np
a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
for n, c in enumerate((0, 3)):
    assert np.array_equal(a["inputs"][c], b["inputs"][n]), ("inputs", c)
    assert np.array_equal(a["outputs"][c], b["outputs"][n]), ("outputs", c)
assert np.array_equal(a["times"][...], b["times"][...])
assert b["done"][...].all()
print("imported == generated")
PY

echo "== -outputs saturation,pressure,rs: schema v2 with v1's saturation and inputs, PRESSURE and RS"
guard "$mpiexec" -n 2 "$import" -outputs saturation,pressure,rs -output v2.h5 full-runs/case-00000{0..5}/out > import-v2.log
grep -q "fno-opm-import: 6 runs (slice 8x10x1, 4 snapshots to 300.0 days, outputs saturation,pressure,rs, schema petsc-fno-dataset-v2) -> v2.h5" \
  import-v2.log || { cat import-v2.log; fail "v2 import"; }
"$python" - full.h5 imported.h5 v2.h5 << 'PY' || fail "the v2 dataset differs from the v1 import or holds implausible values"
import sys, h5py, numpy as np
text = lambda v: v.decode() if isinstance(v, bytes) else str(v)
v1, imported, v2 = (h5py.File(p, "r") for p in sys.argv[1:4])
assert text(v2.attrs["schema"]) == "petsc-fno-dataset-v2"
assert text(v2.attrs["components"]) == "saturation,pressure,rs" and text(v2.attrs["output_fields"]) == "saturation,pressure,rs"
assert text(v2.attrs["input_fields"]) == text(v1.attrs["input_fields"]) == "log10_permeability,porosity,injection_rate"
assert text(v2.attrs["initial_inputs"]).strip("\0") == "" and text(v2.attrs["time_units"]) == "days"
assert list(v2.attrs["grid"]) == [8, 10] and v2["done"][...].all() and len(v2["done"]) == 6
assert np.array_equal(v2["times"][...], v1["times"][...])
# [case][time][component][z][x]: saturation and the inputs exactly v1's (fno-opm-gen's
# cases, and the v1 import of cases 0 and 3)
assert np.array_equal(v2["inputs"][...], v1["inputs"][...]), "inputs"
assert np.array_equal(v2["outputs"][:, :, 0], v1["outputs"][...]), "saturation"
for n, c in enumerate((0, 3)):
    assert np.array_equal(v2["inputs"][c], imported["inputs"][n]) and np.array_equal(v2["outputs"][c, :, 0], imported["outputs"][n])
assert np.array_equal(v2["initial"][...], v2["outputs"][:, 0]), "initial state = report 0"
p, rs = v2["outputs"][:, :, 1], v2["outputs"][:, :, 2]
# Top at 1000 m, 10 rows of 5 m: about 100 bar, rising downward at about 0.1 bar/m.
assert 95 < p[:, :, 0].min() and p.max() < 130, (p.min(), p.max())
step = np.diff(p[:, 0].mean(axis=2), axis=1)
assert (step > 0.3).all() and (step < 0.7).all(), step
assert (rs[:, 0] == 0).all() and rs.min() >= 0 and rs[:, -1].max() > 1, rs.max()
print("v2: saturation and inputs = v1; pressure %.1f to %.1f bar; RS up to %.1f sm3/sm3" % (p.min(), p.max(), rs.max()))
PY
guard "$mpiexec" -n 2 "$train" -data v2.h5 -model_out v2-model.h5 -epochs 1 -width 4 -modes 2,2,2 -layers 1 -proj_width 8 \
  -batch_size 2 -split 2,0 > train-v2.log 2>&1 || { cat train-v2.log; fail "fno-train on the v2 dataset"; }
grep -q "inputs log10_permeability, porosity, injection_rate -> outputs saturation, pressure, rs at 4 times (days)" train-v2.log ||
  { cat train-v2.log; fail "fno-train does not name the v2 inputs and outputs"; }
guard "$mpiexec" -n 2 "$eval" -model v2-model.h5 -data v2.h5 -cases all > eval-v2.log 2>&1 || { cat eval-v2.log; fail "fno-eval on the v2 dataset"; }
"$python" - eval-v2.log << 'PY' || { cat eval-v2.log; fail "fno-eval's rel_l2_by_output"; }
import json, math, sys
result = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
by_output = result["rel_l2_by_output"]
assert sorted(by_output) == ["pressure", "rs", "saturation"] and all(math.isfinite(v) for v in by_output.values()), by_output
assert result["cases"] == 6
print("fno-eval rel_l2_by_output", by_output)
PY

echo "== an unknown output is refused; nothing written"
expect_failure "fno-opm-import: -outputs saturation,temperature: 'temperature' is not an output; the outputs are saturation, pressure, rs; nothing written" \
  "$mpiexec" -n 2 "$import" -outputs saturation,temperature -output bad-outputs.h5 full-runs/case-000000/out
ls bad-outputs.h5* > /dev/null 2>&1 && fail "a refused import left a file behind"

echo "== a run of another grid is refused by name; nothing written"
guard "$gen" -grid 10,10 -report_count 3 -report_interval 100 -well0_rate 600 -n 1 -seed 5 -output other.h5 -workdir other-runs > other.log
expect_failure "fno-opm-import: OPM run '.*other-runs/case-000000/out/CASE': grid 10x1x10 \(slice 10x10x1\) differs from the dataset's slice 8x10x1.*refused; nothing written" \
  "$import" -output mixed.h5 full-runs/case-000000/out other-runs/case-000000/out
ls mixed.h5* > /dev/null 2>&1 && fail "a refused import left a file behind"
expect_failure "fno-opm-import: OPM run '.*other-runs/case-000000/out/CASE': grid 10x1x10 .*refused; nothing written" \
  "$import" -outputs pressure -output mixed-v2.h5 full-runs/case-000000/out other-runs/case-000000/out
ls mixed-v2.h5* > /dev/null 2>&1 && fail "a refused v2 import left a file behind"

echo "== a directory without flow output is refused by name"
mkdir -p empty-run
expect_failure "OPM run directory 'empty-run' holds no .EGRID file" "$import" -output empty.h5 empty-run
ls empty.h5* > /dev/null 2>&1 && fail "a refused import left a file behind"

echo "== a missing flow binary is refused before anything is written"
expect_failure "OPM Flow binary '/nonexistent/flow' is not an executable file \(install OPM Flow" \
  "$gen" "${tiny[@]}" -n 1 -output noflow.h5 -workdir noflow-runs -flow /nonexistent/flow
[ -e noflow.h5 ] && fail "fno-opm-gen without flow created its output"
echo "PASS"
