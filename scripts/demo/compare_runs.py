"""compare_runs.py NUMERICAL_DIR SURROGATE_DIR NUMERICAL_TSSOLVE_S SURROGATE_TSSOLVE_S

The end-to-end demo's summary: the saturation histories of two fno-sim runs of the same
case (solution.h5: numerical and -ts_type fno) compared snapshot by snapshot after the
initial state: relative L2 over all of space-time, plume IoU (cells with S > 0.01, mean
over snapshots), and the speed-up of the time stepping (time inside TSSolve). Prints a
human summary and one JSON line."""
import json
import os
import sys

import h5py
import numpy as np

numerical_dir, surrogate_dir = sys.argv[1], sys.argv[2]
t_numerical, t_surrogate = float(sys.argv[3]), float(sys.argv[4])
with h5py.File(os.path.join(numerical_dir, "solution.h5"), "r") as f:
    truth, times = f["saturation"][1:], f["times"][1:]
with h5py.File(os.path.join(surrogate_dir, "solution.h5"), "r") as f:
    pred, times_s = f["saturation"][1:], f["times"][1:]
if truth.shape != pred.shape or not np.allclose(times, times_s):
    sys.exit(f"compare_runs: the runs differ in shape {truth.shape} vs {pred.shape} or report times")
rel_l2 = float(np.linalg.norm(pred - truth) / np.linalg.norm(truth))
per_snapshot = np.linalg.norm((pred - truth).reshape(len(truth), -1), axis=1) / np.maximum(
    np.linalg.norm(truth.reshape(len(truth), -1), axis=1), 1e-30)
ious = []
for a, b in zip(truth > 0.01, pred > 0.01):
    union = np.logical_or(a, b).sum()
    ious.append(1.0 if union == 0 else np.logical_and(a, b).sum() / union)
iou = float(np.mean(ious))
speedup = t_numerical / t_surrogate if t_surrogate > 0 else float("inf")
print(f"  time stepping (inside TSSolve): numerical {t_numerical:.3f} s, surrogate {t_surrogate:.4f} s "
      f"-> {speedup:.0f}x faster")
print(f"  saturation, surrogate against numerical over {len(truth)} report times: relative L2 {rel_l2:.3f} "
      f"(last report {per_snapshot[-1]:.3f}), plume IoU (S > 0.01) {iou:.3f}")
print(json.dumps({"numerical_tssolve_s": t_numerical, "surrogate_tssolve_s": t_surrogate, "speedup": speedup,
                  "rel_l2": rel_l2, "rel_l2_last": float(per_snapshot[-1]), "plume_iou_mean": iou}))
