#!/usr/bin/env bash
# Runs the OPM benchmark case in fno-sim and in OPM Flow on the same permeability field and
# prints the side-by-side table (CO2 in place, free/dissolved split, plume extent and top).
# Installs OPM Flow (Debian package libopm-simulators-bin) if `flow` is missing.
# usage: scripts/opm/compare_opm.sh [BUILD_DIR] [WORK_DIR] [PERM_SEED]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="$(cd "${1:-build}" && pwd)"
work="${2:-opm-compare}"
seed="${3:-0}"
python=/usr/bin/python3  # Debian's interpreter with numpy and h5py
if ! command -v flow > /dev/null; then
  sudo=""; [ "$(id -u)" != 0 ] && sudo=sudo
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libopm-simulators-bin
fi
mkdir -p "$work" && cd "$work"
echo "== fno-sim (seed $seed)"
"$build/bin/fno-sim" -perm_seed "$seed" -export_grdecl earth.grdecl -output fno-sim | tail -1
"$python" "$here/write_deck.py" CASE.DATA earth.grdecl
echo "== OPM Flow"
start=$(date +%s%N)
OMP_NUM_THREADS=1 flow CASE.DATA --output-dir=opm --tolerance-mb=1e-9 > flow.log 2>&1 || { tail -30 flow.log; exit 1; }
echo "flow: $(( ($(date +%s%N) - start) / 1000000 )) ms"
echo "== comparison"
cd "$here" && "$python" compare.py "$OLDPWD/fno-sim/solution.h5" "$OLDPWD/opm/CASE"
