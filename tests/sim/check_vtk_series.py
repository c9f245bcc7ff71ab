"""Checks an fno-sim output directory with Debian's python3-vtk9 and h5py:
solution.pvd lists every snapshot with the report times of solution.h5; every .pvts opens
with vtkXMLPStructuredGridReader, has the whole grid, the four cell fields, and saturation
and pressure equal to solution.h5; the geometry spans the grid in physical coordinates.

usage: check_vtk_series.py DIR NX NZ DX DZ TOP_DEPTH RANKS"""
import os
import sys
import xml.etree.ElementTree as ET

import h5py
import numpy as np
import vtk
from vtk.util.numpy_support import vtk_to_numpy

directory = sys.argv[1]
nx, nz = int(sys.argv[2]), int(sys.argv[3])
dx, dz, top = float(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6])
ranks = int(sys.argv[7])
failures = []


def check(ok, message):
    if not ok:
        failures.append(message)
        print("FAIL:", message)


with h5py.File(os.path.join(directory, "solution.h5"), "r") as f:
    times = f["times"][:]
    saturation = f["saturation"][:]
    pressure = f["pressure"][:]
    permeability = f["permeability"][:]
    check(saturation.shape == (len(times), nz, nx), f"saturation shape {saturation.shape}")
    check(permeability.shape == (nz, nx), f"permeability shape {permeability.shape}")
check(np.all(np.diff(times) > 0) and times[0] == 0.0, f"times not increasing from 0: {times}")

collection = ET.parse(os.path.join(directory, "solution.pvd")).getroot()
entries = collection.findall("./Collection/DataSet")
check(len(entries) == len(times), f"{len(entries)} .pvd entries for {len(times)} snapshots")
for t, entry in enumerate(entries):
    step = float(entry.get("timestep"))
    check(abs(step - times[t]) <= 1e-9 * max(1.0, times[t]), f"pvd time {step} != h5 time {times[t]}")
    path = os.path.join(directory, entry.get("file"))
    check(os.path.exists(path), f"missing {path}")
    pieces = ET.parse(path).getroot().findall("./PStructuredGrid/Piece")
    check(len(pieces) == ranks, f"{path}: {len(pieces)} pieces, expected {ranks}")
    reader = vtk.vtkXMLPStructuredGridReader()
    reader.SetFileName(path)
    reader.Update()
    grid = reader.GetOutput()
    check(grid.GetNumberOfCells() == nx * nz, f"{path}: {grid.GetNumberOfCells()} cells")
    cells = grid.GetCellData()
    for name in ("saturation", "pressure", "permeability", "porosity"):
        check(cells.GetArray(name) is not None, f"{path}: no cell array {name}")
    if cells.GetArray("saturation") is None:
        continue
    # The reader assembles pieces into the whole extent in VTK order (i fastest, then j).
    s = vtk_to_numpy(cells.GetArray("saturation")).reshape(nz, nx)
    p = vtk_to_numpy(cells.GetArray("pressure")).reshape(nz, nx)
    k = vtk_to_numpy(cells.GetArray("permeability")).reshape(nz, nx)
    check(np.max(np.abs(s - saturation[t])) <= 1e-12, f"{path}: saturation differs from solution.h5")
    check(np.max(np.abs(p - pressure[t])) <= 1e-6 * np.max(np.abs(pressure[t])), f"{path}: pressure differs")
    check(np.max(np.abs(k - permeability)) <= 1e-9 * np.max(permeability), f"{path}: permeability differs")
    bounds = grid.GetBounds()
    expected = (0.0, nx * dx, 0.0, 0.0, -(top + nz * dz), -top)
    check(np.allclose(bounds, expected), f"{path}: bounds {bounds}, expected {expected}")

check(saturation[-1].max() > 0.05, "no CO2 in the last snapshot")
print(f"checked {len(entries)} snapshots on {ranks} piece(s):", "FAILED" if failures else "OK")
sys.exit(1 if failures else 0)
