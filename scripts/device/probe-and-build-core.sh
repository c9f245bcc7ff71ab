#!/usr/bin/env bash
# Run on a lent GPU machine (no PETSc, no apt): records what the machine offers, builds the
# PETSc-free core (with CUDA, and with HDF5 where the machine has a parallel one), runs the
# core's test suites and the FFT/model benchmarks. Everything lands under $OUT.
set -u
out=${OUT:-device-out}
mkdir -p "$out"
{
  echo "== machine"; nproc; free -g | head -2
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv 2>&1
  echo "== tools"
  for t in cmake g++ nvcc mpicc mpiexec pkg-config python3; do printf '%s: ' $t; command -v $t || echo missing; done
  cmake --version | head -1; nvcc --version | tail -1; mpiexec --version 2>&1 | head -1
  echo "== libraries"
  ls /usr/lib/x86_64-linux-gnu 2>/dev/null | grep -E '^lib(fftw3|openblas|blas|hdf5|mpi|petsc|gtest|benchmark)' | sort | head -60
  pkg-config --list-all 2>/dev/null | grep -iE 'fftw|blas|mpi|hdf5' | head
} > "$out/probe.txt" 2>&1
cat "$out/probe.txt"
source scripts/mpi-env.sh
ok=0
for hdf5 in ON OFF; do
  if cmake -S . -B build-device -DPETSCFNO_WITH_PETSC=OFF -DPETSCFNO_WITH_HDF5=$hdf5 -DPETSCFNO_WITH_CUDA=ON \
       -DCMAKE_CUDA_ARCHITECTURES=90 > "$out/configure-hdf5-$hdf5.txt" 2>&1; then ok=1; break; fi
  rm -rf build-device
done
if [ $ok = 0 ]; then echo "configure failed:"; tail -30 "$out/configure-hdf5-OFF.txt"; exit 1; fi
echo "configured with HDF5=$hdf5"
cmake --build build-device -j "$(nproc)" > "$out/build.txt" 2>&1; echo "build rc=$?"; grep -E "error|warning" "$out/build.txt" | head -20
cat > /tmp/cuda_probe.cpp <<'CPP'
#include <cstdio>
#include "device_info.hpp"
int main() { std::printf("fno::cuda::device_count() = %d\n", fno::cuda::device_count()); return 0; }
CPP
g++ -std=c++17 /tmp/cuda_probe.cpp -Isurrogate/cuda build-device/surrogate/cuda/libfno_cuda.a \
  -L/usr/local/cuda/lib64 -lcudart -o /tmp/cuda_probe 2>&1 | tail -3 && /tmp/cuda_probe
(cd build-device && timeout 300 ctest -L "surrogate|model|training|programs|layering" -E core_builds_alone \
   --output-on-failure -j 8) > "$out/ctest.txt" 2>&1; echo "ctest rc=$?"
grep -E "tests passed|Failed|\*\*\*" "$out/ctest.txt" | head -20
for np in 1 2 4; do mpiexec -n $np build-device/bin/fno-bench fft -reps 5 2>&1; done | tee "$out/bench-fft.txt"
for c in 2dt-64 3dt-32; do mpiexec -n 2 build-device/bin/fno-bench model -config $c -reps 3 2>&1; done | tee "$out/bench-model.txt"
