#!/bin/sh
# render_pvd_test.sh MPIEXEC FNO_SIM PYTHON SOURCE_DIR WORK: fno-sim writes a small slice on 2
# ranks; share/paraview/render_pvd.py (Debian's python3-vtk9, offscreen) renders it to PNGs of
# the requested size that are pictures (check_png.py), picks the nearest report time, draws
# two series side by side, and fails cleanly on a field the series does not have.
set -eu
mpiexec=$1 sim=$2 python=$3 src=$4 work=$5
render="$src/share/paraview/render_pvd.py"
check="$src/tests/programs/check_png.py"
rm -rf "$work"
mkdir -p "$work"
"$mpiexec" -n 2 "$sim" -grid 24,16 -report_count 3 -output "$work/sim" > "$work/sim.log" 2>&1 || {
  cat "$work/sim.log"; exit 1; }

# Saturation at the last report (a time past the end picks the last one: 219 days).
out=$("$python" "$render" "$work/sim/solution.pvd" -field saturation -time 100000 -o "$work/plume.png" -size 640,400)
echo "$out"
echo "$out" | grep -q "at 219 days" || { echo "render_pvd_test: expected the last report time, 219 days"; exit 1; }
"$python" "$check" "$work/plume.png" 640 400

# Nearest report time: 100 days -> 73 days; pressure in bar.
out=$("$python" "$render" "$work/sim/solution.pvd" -field pressure -time 100 -o "$work/pressure.png" -size 500,320)
echo "$out"
echo "$out" | grep -q "at 73 days" || { echo "render_pvd_test: expected the nearest report time, 73 days"; exit 1; }
"$python" "$check" "$work/pressure.png" 500 320

# Side by side (the end-to-end demo's numerical-vs-surrogate picture).
"$python" "$render" "$work/sim/solution.pvd" -side-by-side "$work/sim/solution.pvd" -titles numerical,surrogate \
  -field saturation -time 146 -o "$work/compare.png" -size 900,360
"$python" "$check" "$work/compare.png" 900 360

# A field the series does not have: non-zero exit, a message naming it, no PNG written.
if "$python" "$render" "$work/sim/solution.pvd" -field nonsense -o "$work/bad.png" > "$work/bad.log" 2>&1; then
  echo "render_pvd_test: an unknown field should fail"; exit 1
fi
cat "$work/bad.log"
grep -q "no cell field 'nonsense'" "$work/bad.log" || { echo "render_pvd_test: message does not name the field"; exit 1; }
[ ! -e "$work/bad.png" ] || { echo "render_pvd_test: a PNG was written for a failed render"; exit 1; }
echo "render_pvd_test: ok"
