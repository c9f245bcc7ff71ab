#!/usr/bin/env bash
# downstream_test.sh BUILD_DIR SOURCE_DIR WORK
# Installs petsc-fno into WORK/prefix (cmake --install), builds tests/plugin/downstream
# against it with find_package(petscfno), and the same host with the pkg-config file; both
# run the TS swap on 2 ranks and print the same final state.
set -euo pipefail
build=$1; src=$2; work=$3
rm -rf "$work"; mkdir -p "$work"
cmake --install "$build" --prefix "$work/prefix" > "$work/install.log"
test -f "$work/prefix/include/petscfno.h"
test -f "$work/prefix/lib/cmake/petscfno/petscfno-config.cmake"
test -f "$work/prefix/lib/pkgconfig/petscfno.pc"
cmake -S "$src/downstream" -B "$work/build" -DCMAKE_PREFIX_PATH="$work/prefix" -DCMAKE_BUILD_TYPE=Release > "$work/configure.log"
cmake --build "$work/build" > "$work/build.log"
flags=$(PKG_CONFIG_PATH="$work/prefix/lib/pkgconfig" pkg-config --cflags --libs petscfno)
hdf5=$(pkg-config --cflags hdf5-openmpi 2>/dev/null || true)
mpicc -o "$work/host_pkgconfig" "$src/downstream/host.c" $flags $hdf5 -Wl,-rpath,"$work/prefix/lib"
"$build/bin/fno-init" -grid 20,12,7 -modes 4,3,3 -width 6 -layers 2 -proj_width 16 -seed 9 \
  -times_days 0,73,146,219,292,365,438 -output "$work/model.h5"
run() { mpiexec -n 2 "$@" -ts_type fno -ts_fno_model "$work/model.h5" -ts_view; }
run "$work/build/downstream_host" | tee "$work/cmake.txt"
run "$work/host_pkgconfig" | tee "$work/pkgconfig.txt"
grep -q "type: fno" "$work/cmake.txt"
a=$(grep "downstream_host:" "$work/cmake.txt"); b=$(grep "downstream_host:" "$work/pkgconfig.txt")
[ -n "$a" ] && [ "$a" = "$b" ] || { echo "FAIL: '$a' vs '$b'"; exit 1; }
echo "downstream: find_package and pkg-config builds agree: $a"
