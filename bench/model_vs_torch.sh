#!/usr/bin/env bash
# The model benchmark of the README: petsc-fno against every CPU peer in the same run.
# For each configuration:
#   - Debian's python3-torch (1.13, /usr/bin/python3) runs the reference FNO
#     (bench/peers/torch_fno.py) and exports its weights; fno-import converts the very same
#     weights for petsc-fno;
#   - PyPI's torch 2.x (MKL) in a virtual environment this script makes itself runs the same
#     FNO eager and under torch.compile, and neuraloperator's FNO (configured alike) eager
#     and under torch.compile;
#   - fno-bench model times petsc-fno on 1 and 2 ranks (one BLAS thread each);
# then one line per configuration and rank count gives the ratios against the fastest peer
# (forward and forward+backward separately). One JSON object per line on stdout; progress
# and the machine's load (uptime) on stderr. Peers run with 2 threads.
#   bash bench/model_vs_torch.sh [configs...]      (default: 2dt-64 2dt-128 3dt-32)
# Environment: REPS (3), BIN (build/bin), NP ("1 2"), PEER_VENV (~/.cache/petsc-fno/peer-venv),
#   PYPI_PEERS=no to skip the venv peers, COMPILE=no to skip the torch.compile variants.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/scripts/mpi-env.sh"
bin=${BIN:-$root/build/bin}
reps=${REPS:-3}
nps=${NP:-1 2}
venv=${PEER_VENV:-$HOME/.cache/petsc-fno/peer-venv}
peer="$root/bench/peers/torch_fno.py"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
configs=("$@")
[ ${#configs[@]} -gt 0 ] || configs=(2dt-64 2dt-128 3dt-32)
results="$work/results.jsonl"
: >"$results"

pypi=${PYPI_PEERS:-yes}
if [ "$pypi" = yes ] && ! "$venv/bin/python" -c 'import torch, neuralop, h5py' 2>/dev/null; then
  echo "model_vs_torch: making the peer environment $venv (PyPI torch, neuraloperator, h5py)" >&2
  if /usr/bin/python3 -m venv "$venv" >&2 && "$venv/bin/pip" install --quiet torch neuraloperator h5py >&2; then
    :
  else
    echo "model_vs_torch: no PyPI peers (needs python3-venv and PyPI); continuing with Debian's torch" >&2
    pypi=no
  fi
fi

run_peer() {  # python, extra args...
  local py=$1
  shift
  OPENBLAS_NUM_THREADS=2 OMP_NUM_THREADS=2 MKL_NUM_THREADS=2 "$py" "$peer" -threads 2 -reps "$reps" "$@" |
    tee -a "$results"
}

for c in "${configs[@]}"; do
  echo "model_vs_torch: $c; load: $(uptime)" >&2
  run_peer /usr/bin/python3 -config "$c" -export "$work/$c-torch.h5"
  "$bin/fno-import" "$work/$c-torch.h5" "$work/$c.h5" >/dev/null
  if [ "$pypi" = yes ]; then
    for impl in torch neuralop; do
      run_peer "$venv/bin/python" -config "$c" -impl $impl
      [ "${COMPILE:-yes}" = yes ] && run_peer "$venv/bin/python" -config "$c" -impl $impl -compile yes
    done
  fi
  sleep 5  # let the kernel finish reclaiming the peers' memory before timing on both cores
  for np in $nps; do
    mpiexec -n "$np" "$bin/fno-bench" model -config "$c" -mode both -reps "$reps" -model "$work/$c.h5" |
      tee -a "$results"
  done
  echo "model_vs_torch: $c done; load: $(uptime)" >&2
done

# Ratios: the fastest peer's median over petsc-fno's median, per configuration and rank count.
python3 - "$results" <<'EOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
for config in dict.fromkeys(r["config"] for r in rows):
    peers = [r for r in rows if r["config"] == config and r["impl"] != "petsc-fno"]
    ours = [r for r in rows if r["config"] == config and r["impl"] == "petsc-fno"]
    if not peers:
        continue
    best_fwd = min(peers, key=lambda r: r["fwd_ms_median"])
    best_train = min(peers, key=lambda r: r["train_ms_median"])
    for r in ours:
        print(json.dumps({
            "bench": "model_ratio", "config": config, "np": r["np"],
            "fwd_ms": r["fwd_ms_median"], "fastest_fwd_peer": best_fwd["impl"] + " " + best_fwd["torch"],
            "peer_fwd_ms": best_fwd["fwd_ms_median"], "fwd_ratio": round(best_fwd["fwd_ms_median"] / r["fwd_ms_median"], 2),
            "train_ms": r["train_ms_median"], "fastest_train_peer": best_train["impl"] + " " + best_train["torch"],
            "peer_train_ms": best_train["train_ms_median"],
            "train_ratio": round(best_train["train_ms_median"] / r["train_ms_median"], 2),
            "peak_rss_mb": r["peak_rss_mb"], "peer_peak_rss_mb": best_train["peak_rss_mb"]}), flush=True)
EOF
