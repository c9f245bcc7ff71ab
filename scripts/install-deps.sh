#!/usr/bin/env bash
# Installs everything petsc-fno needs to build and test on a fresh Debian 12 machine.
# Idempotent; run as root (or with sudo available).
set -euo pipefail
PKGS=(
  build-essential cmake pkg-config git ca-certificates
  openmpi-bin libopenmpi-dev
  petsc-dev libpetsc-real3.18-dev
  libhdf5-openmpi-dev hdf5-tools
  libvtk9-dev python3-vtk9
  libegl1 libegl-mesa0 libgl1-mesa-dri  # offscreen rendering without a display (share/paraview)
  libfftw3-dev libfftw3-mpi-dev
  libopenblas-dev
  zlib1g-dev  # fno-eval writes its PNG strip with zlib
  libgtest-dev libgmock-dev libbenchmark-dev
  libpetsc3.18-dev-examples  # PETSc's own tutorials: the any-host tests record and replay one unmodified
  python3 python3-numpy python3-h5py
)
# OPM Flow 2022.10 (flow) and opm-common's C++ readers: adapters/opm, fno-opm-gen,
# fno-opm-import and the "opm" tests. Measured on Debian 12: 16 packages, 24 MB download,
# 174 MB on disk, 8 s; small next to PETSc and VTK, so installed by default.
# PETSCFNO_WITH_OPM=0 leaves them out (the build then skips adapters/opm and its tests).
if [ "${PETSCFNO_WITH_OPM:-1}" != 0 ]; then
  PKGS+=(libopm-simulators-bin libopm-common-dev)
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
echo "install-deps: all ${#PKGS[@]} packages present"
