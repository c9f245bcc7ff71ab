"""check_interpolation.py FINE COARSE: fno-sim under -ts_type fno with report times every
36.5 days (FINE) and every 73 days, the model's own output times (COARSE). Snapshot 2k of
FINE must equal snapshot k of COARSE, and snapshot 2k+1 the mean of COARSE's k and k+1
(TSFNO is linear in time between the model's outputs). Tolerance 1e-12 absolute (float64
arithmetic on the same float32 prediction)."""
import os
import sys

import h5py
import numpy as np

fine_dir, coarse_dir = sys.argv[1], sys.argv[2]
with h5py.File(os.path.join(fine_dir, "solution.h5"), "r") as f:
    fine, fine_t = f["saturation"][...], f["times"][...]
with h5py.File(os.path.join(coarse_dir, "solution.h5"), "r") as f:
    coarse, coarse_t = f["saturation"][...], f["times"][...]
assert len(fine) == 2 * (len(coarse) - 1) + 1, (len(fine), len(coarse))
assert np.allclose(fine_t[::2], coarse_t), (fine_t, coarse_t)
worst_even = np.abs(fine[::2] - coarse).max()
worst_odd = np.abs(fine[1::2] - 0.5 * (coarse[:-1] + coarse[1:])).max()
print(f"at output times {worst_even:.3e}, halfway {worst_odd:.3e}, largest value {np.abs(coarse).max():.3e}")
if not (worst_even <= 1e-12 and worst_odd <= 1e-12 and np.abs(coarse[1:]).max() > 0):
    print("FAIL")
    sys.exit(1)
