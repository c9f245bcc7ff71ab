#!/usr/bin/python3
"""Checks files written by this build (model, dataset, simulator output): each is in HDF5's
checksummed 1.10 format (superblock version 3), h5py (Debian's python3-h5py) opens it and
reads every dataset, the values are finite, and the datasets that are chunked carry a
fletcher32 checksum: every model parameter and normalizer statistic, the simulator's fields
and times, the dataset's times (its per-case arrays are contiguous: fno-gen's groups write
them independently, which parallel HDF5 cannot checksum). A recorded-trajectory dataset
(schema v2, fno::TrajectoryWriter) has every dataset chunked with fletcher32.

Usage: check_written.py MODEL.h5 DATASET.h5 SOLUTION.h5
       check_written.py trajectory TRAJECTORY.h5
"""
import sys

import h5py
import numpy as np

failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
        print("FAIL:", message)


def superblock_version(path):
    data = open(path, "rb").read(4096)
    at = data.find(b"\x89HDF\r\n\x1a\n")
    return data[at + 8] if at >= 0 else None


def visit(path, must_checksum, contiguous_ok=()):
    check(superblock_version(path) == 3, f"{path}: superblock version {superblock_version(path)}, expected 3")
    count = 0
    with h5py.File(path, "r") as f:
        def each(name, obj):
            nonlocal count
            if not isinstance(obj, h5py.Dataset):
                return
            count += 1
            values = obj[()]
            if values.dtype.kind == "f" and name != "parameters":  # NaN where not applicable
                check(np.isfinite(values).all(), f"{path}:{name} holds non-finite values")
            if must_checksum(name) and obj.size > 0:
                check(obj.chunks is not None and obj.fletcher32, f"{path}:{name} is not chunked with fletcher32")
            if name in contiguous_ok:
                check(obj.chunks is None, f"{path}:{name} should be contiguous")
        f.visititems(each)
    check(count > 0, f"{path}: no dataset")
    print(f"{path}: superblock 3, {count} datasets read by h5py {h5py.__version__} (HDF5 {h5py.version.hdf5_version})")


if sys.argv[1] == "trajectory":
    visit(sys.argv[2], lambda name: True)
    sys.exit(1 if failures else 0)
model, dataset, solution = sys.argv[1:4]
visit(model, lambda name: name.startswith("params/") or name.startswith("normalizers/"))
visit(dataset, lambda name: name == "times", ("inputs", "outputs", "parameters", "done", "seeds"))
visit(solution, lambda name: True)
sys.exit(1 if failures else 0)
