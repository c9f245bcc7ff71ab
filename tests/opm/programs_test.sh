#!/bin/bash
# programs_test.sh MPIEXEC FNO_OPM_GEN FNO_OPM_IMPORT PYTHON WORKDIR: fno-opm-gen and
# fno-opm-import on a tiny 8 x 10 benchmark slice (3 reports; each flow run under a second):
# cases over 2 ranks, a killed run resumed without redoing finished cases and equal to an
# uninterrupted one, import of the same runs giving the same cases, a run of another grid
# refused by name with nothing written, a missing flow binary refused before anything is
# written, -help. Prints SKIP and passes when flow is not installed.
set -euo pipefail
# No program may hang the test: each gets two minutes.
guard() { timeout 120 "$@"; }
mpiexec=$1 gen=$2 import=$3 python=$4 work=$5
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

echo "== a run of another grid is refused by name; nothing written"
guard "$gen" -grid 10,10 -report_count 3 -report_interval 100 -well0_rate 600 -n 1 -seed 5 -output other.h5 -workdir other-runs > other.log
expect_failure "fno-opm-import: OPM run '.*other-runs/case-000000/out/CASE': grid 10x1x10 \(slice 10x10x1\) differs from the dataset's slice 8x10x1.*refused; nothing written" \
  "$import" -output mixed.h5 full-runs/case-000000/out other-runs/case-000000/out
ls mixed.h5* > /dev/null 2>&1 && fail "a refused import left a file behind"

echo "== a directory without flow output is refused by name"
mkdir -p empty-run
expect_failure "OPM run directory 'empty-run' holds no .EGRID file" "$import" -output empty.h5 empty-run
ls empty.h5* > /dev/null 2>&1 && fail "a refused import left a file behind"

echo "== a missing flow binary is refused before anything is written"
expect_failure "OPM Flow binary '/nonexistent/flow' is not an executable file \(install OPM Flow" \
  "$gen" "${tiny[@]}" -n 1 -output noflow.h5 -workdir noflow-runs -flow /nonexistent/flow
[ -e noflow.h5 ] && fail "fno-opm-gen without flow created its output"
echo "PASS"
