"""Writes the malformed input files used by the bad-input tests into a directory:
permeability with a NaN cell, permeability with a zero cell (both 16x8 slices, [nz][nx]
as fno-sim reads them), and an HDF5 file of another schema for fno-gen."""
import os
import sys

import h5py
import numpy as np

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
perm = np.full((8, 16), 200.0)
perm_nan = perm.copy()
perm_nan[3, 5] = np.nan
with h5py.File(os.path.join(out, "perm_nan.h5"), "w") as f:
    f["permeability"] = perm_nan
perm_zero = perm.copy()
perm_zero[7, 15] = 0.0
with h5py.File(os.path.join(out, "perm_zero.h5"), "w") as f:
    f["permeability"] = perm_zero
with h5py.File(os.path.join(out, "good_perm.h5"), "w") as f:
    f["permeability"] = perm
# In the checksummed format petsc-fno reads (README, "Files users hand us"), so that the
# schema is what fno-gen refuses.
with h5py.File(os.path.join(out, "other_schema.h5"), "w", libver="v110") as f:
    f.attrs["schema"] = "someone-elses-data-v3"
    f["outputs"] = np.zeros((2, 3))
