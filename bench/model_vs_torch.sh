#!/usr/bin/env bash
# The model benchmark of the README: for each configuration, the PyTorch peer (Debian's
# python3-torch, 2 threads) creates and exports its FNO, fno-import converts the very same
# weights, and fno-bench model times petsc-fno on 1 and 2 ranks. One JSON object per line.
#   bash bench/model_vs_torch.sh [configs...]      (default: 2dt-64 2dt-128 3dt-32 3dt-64)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/scripts/mpi-env.sh"
bin=${BIN:-$root/build/bin}
reps=${REPS:-5}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
configs=("$@")
[ ${#configs[@]} -gt 0 ] || configs=(2dt-64 2dt-128 3dt-32 3dt-64)
for c in "${configs[@]}"; do
  OPENBLAS_NUM_THREADS=2 OMP_NUM_THREADS=2 /usr/bin/python3 "$root/bench/peers/torch_fno.py" \
    -config "$c" -threads 2 -reps "$reps" -export "$work/$c-torch.h5"
  "$bin/fno-import" "$work/$c-torch.h5" "$work/$c.h5" >/dev/null
  sleep 5  # let the kernel finish reclaiming the peer's memory before timing on both cores
  for np in 1 2; do
    mpiexec -n $np "$bin/fno-bench" model -config "$c" -mode both -reps "$reps" -model "$work/$c.h5"
  done
done
