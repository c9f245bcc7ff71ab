#!/bin/sh
# fno-gen resume test: a run killed after its first finished case is resumed; the result
# must equal an uninterrupted run, finished cases must not be redone, and the file must be
# a valid dataset readable by h5py.
# usage: gen_resume_test.sh MPIEXEC FNO_GEN PYTHON WORKDIR
set -u
mpiexec="$1"; gen="$2"; python="$3"; work="$4"
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
options="-grid 32,24 -dx 10 -dz 5 -report_count 12 -report_interval 150 -well0_cells 0,0,16,23"

$mpiexec -n 2 "$gen" -n 12 -seed 11 -output reference.h5 $options > reference.log 2>&1 || { cat reference.log; exit 1; }

# Interrupted run: kill it as soon as one case is reported done.
$mpiexec -n 2 "$gen" -n 12 -seed 11 -output resumed.h5 $options > first.log 2>&1 &
runner=$!
i=0
while ! grep -q "done by group" first.log 2>/dev/null; do
  i=$((i + 1)); [ $i -gt 600 ] && { echo "no case finished"; cat first.log; kill $runner; exit 1; }
  sleep 0.1
done
kill -TERM $runner 2>/dev/null  # mpiexec forwards it to the ranks
wait $runner 2>/dev/null
echo "--- interrupted run"; cat first.log
$mpiexec -n 2 "$gen" -n 12 -seed 11 -output resumed.h5 $options > second.log 2>&1 || { cat second.log; exit 1; }
echo "--- resumed run"; cat second.log
grep -q "resuming resumed.h5" second.log || { echo "second run did not resume"; exit 1; }

"$python" - <<'PYEOF'
import re
import sys
import h5py
import numpy as np
first = open("first.log").read()
second = open("second.log").read()
finished_first = set(int(m) for m in re.findall(r"case (\d+)/12 done", first))
rerun = set(int(m) for m in re.findall(r"case (\d+)/12 done", second))
already = int(re.search(r"(\d+) already done", second).group(1))
ok = True
def check(cond, msg):
    global ok
    if not cond:
        ok = False
        print("FAIL:", msg)
check(already >= 1, f"resume found {already} finished cases")
to_run = int(re.search(r"(\d+) to run", second).group(1))
check(to_run >= 1, "the kill came after the last case; the resume was not exercised")
check(already + to_run == 12, f"{already} done + {to_run} to run != 12")
check(not (finished_first & rerun), f"cases {finished_first & rerun} were redone")
with h5py.File("reference.h5", "r") as ref, h5py.File("resumed.h5", "r") as res:
    check(res.attrs["schema"] in (b"petsc-fno-dataset-v1", "petsc-fno-dataset-v1"), "schema attribute")
    check(res["done"][:].all(), f"done flags {res['done'][:]}")
    for name in ("inputs", "outputs", "seeds", "parameters", "times"):
        a, b = ref[name][:], res[name][:]
        check(a.shape == b.shape, f"{name} shape {a.shape} vs {b.shape}")
        same = np.array_equal(a, b, equal_nan=True) if a.dtype.kind == "f" else np.array_equal(a, b)
        check(same, f"{name} differs between the resumed and the uninterrupted run")
    check(res["outputs"].shape == (12, 13, 24, 32), f"outputs shape {res['outputs'].shape}")
    check(res["inputs"].shape == (12, 3, 24, 32), f"inputs shape {res['inputs'].shape}")
    check(len(set(res["seeds"][:])) == 12, "case seeds are not distinct")
    check(res["outputs"][:, -1].max() > 0.1, "no CO2 in the outputs")
print("gen resume:", "OK" if ok else "FAILED")
sys.exit(0 if ok else 1)
PYEOF
