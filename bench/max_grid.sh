#!/usr/bin/env bash
# The largest 3D+t grid whose forward+backward fits a memory budget: petsc-fno against the
# PyTorch FNO (width 20, 4 layers, modes 8,8,8,6, 16 time points, batch 1, float32).
#   petsc-fno: fno-bench model -find-max-grid (peak RSS summed over the ranks, measured for
#     every probed grid);
#   PyTorch (Debian's torch, bench/peers/torch_fno.py, and the PyPI torch of
#     model_vs_torch.sh's venv when present): peak RSS of forward+backward at two grids gives
#     its fixed memory and bytes per grid point, from which its largest n^3 x 16 grid in the
#     budget follows (and is then measured, when MEASURE_TORCH_MAX=yes).
# One JSON object per line; the last compares the two largest grids.
#   bash bench/max_grid.sh [budget_mb]        (default 8192; NP=2, BIN=build/bin)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/scripts/mpi-env.sh"
bin=${BIN:-$root/build/bin}
budget=${1:-8192}
np=${NP:-2}
venv=${PEER_VENV:-$HOME/.cache/petsc-fno/peer-venv}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "max_grid: budget $budget MB; load: $(uptime)" >&2

mpiexec -n "$np" "$bin/fno-bench" model -config 3dt-32 -find-max-grid -budget-mb "$budget" | tee "$work/ours.jsonl"

pythons=(/usr/bin/python3)
[ -x "$venv/bin/python" ] && pythons+=("$venv/bin/python")
for py in "${pythons[@]}"; do
  for n in 32 48; do
    OPENBLAS_NUM_THREADS=2 OMP_NUM_THREADS=2 "$py" "$root/bench/peers/torch_fno.py" -config "3dt-$n" \
      -grid "$n,$n,$n,16" -modes 8,8,8,6 -mode train -reps 1 -threads 2 | tee -a "$work/torch.jsonl"
  done
done

python3 - "$work/ours.jsonl" "$work/torch.jsonl" "$budget" <<'EOF'
import json, sys
ours = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
torch = [json.loads(l) for l in open(sys.argv[2]) if l.startswith("{")]
budget = float(sys.argv[3])
best = [r for r in ours if r["bench"] == "max_grid"][-1]
for version in dict.fromkeys(r["torch"] for r in torch):
    runs = sorted((r for r in torch if r["torch"] == version), key=lambda r: r["grid"][0])
    (a, b) = runs[0], runs[-1]
    pa = a["grid"][0] ** 3 * a["grid"][3]
    pb = b["grid"][0] ** 3 * b["grid"][3]
    per_point = (b["peak_rss_mb"] - a["peak_rss_mb"]) / (pb - pa)  # MB per point
    fixed = a["peak_rss_mb"] - per_point * pa
    n = int(((budget - fixed) / per_point / 16) ** (1 / 3))
    while (n + 1) ** 3 * 16 * per_point + fixed <= budget:
        n += 1
    while n > 1 and n ** 3 * 16 * per_point + fixed > budget:
        n -= 1
    tp = n ** 3 * 16
    print(json.dumps({"bench": "max_grid_compare", "budget_mb": budget, "torch": version,
                      "torch_marginal_bytes_per_point": round(per_point * 1048576, 1), "torch_fixed_mb": round(fixed, 1),
                      "torch_max_grid": [n, n, n, 16], "torch_max_points": tp,
                      "ours_max_grid": best["grid"], "ours_points": best["points"],
                      "ours_marginal_bytes_per_point": best["marginal_bytes_per_point"],
                      "ours_bytes_per_point": best["bytes_per_point"], "np": best["np"],
                      "points_ratio": round(best["points"] / tp, 2)}), flush=True)
EOF
