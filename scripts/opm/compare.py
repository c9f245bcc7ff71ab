"""Side-by-side numbers of fno-sim and OPM Flow on the benchmark case.

usage: compare.py OURS_SOLUTION.h5 OPM_OUTPUT_DIR/CASE [markdown table to stdout]

Per report time: CO2 mass in the model domain (columns 0..62; column 63 is OPM's open
boundary, pore volume x 1e4), split for OPM into free and dissolved (region summaries
RGIPG/RGIPL, surface m3 x 1.87 kg/m3); free-phase CO2 reservoir volume (sum S phi V);
plume extent (largest x of a cell centre with S > 0.01) and plume top (shallowest cell
centre depth with S > 0.01)."""
import sys

import h5py
import numpy as np

from eclipse_binary import read_records, report_steps

SURFACE_DENSITY = 1.87  # kg/m3, OPM's CO2 at surface conditions
OUR_DENSITY = 700.0     # kg/m3, fno-sim's CO2
DX, DY, DZ, TOP = 10.0, 10.0, 5.0, 1000.0
THRESHOLD = 0.01

ours_path, case = sys.argv[1], sys.argv[2]
with h5py.File(ours_path, "r") as f:
    times = f["times"][:]
    saturation = f["saturation"][:]  # [t][z][x]
    porosity = f["porosity"][:]
nt, nz, nx = saturation.shape
domain = np.s_[:, : nx - 1]


def extent(s):
    mask = s[:, : nx - 1] > THRESHOLD  # model domain only
    if not mask.any():
        return 0.0, float("nan")
    cols = np.nonzero(mask.any(axis=0))[0]
    rows = np.nonzero(mask.any(axis=1))[0]
    return (cols.max() + 0.5) * DX, TOP + (rows.min() + 0.5) * DZ


init = dict(read_records(case + ".INIT"))
porv = np.asarray(init["PORV"]).reshape(nz, nx)
steps = report_steps(case + ".UNRST", {"SGAS", "RS"})

# Summary: SMSPEC names the vectors, UNSMRY holds one PARAMS row per ministep.
spec = dict(read_records(case + ".SMSPEC"))
names, nums = spec["KEYWORDS"], np.asarray(spec["NUMS"]).astype(int)
column = {(k, n if k.startswith("R") else 0): i for i, (k, n) in enumerate(zip(names, nums))}
rows, current = [], None
for keyword, values in read_records(case + ".UNSMRY"):
    if keyword == "SEQHDR" and current is not None:
        rows.append(current)
    if keyword == "PARAMS":
        current = np.asarray(values)
rows.append(current)
report_rows = rows[1:] if len(rows) == nt else rows  # one row per report step after t = 0
time_col = column[("TIME", 0)]

print("| t (days) | fno-sim CO2 mass in domain (t) | OPM total (t) | OPM free (t) | OPM dissolved (t) | "
      "fno-sim free volume (m3) | OPM free volume (m3) | fno-sim extent (m) | OPM extent (m) | fno-sim top (m) | OPM top (m) |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for t in range(1, nt):
    ours = saturation[t]
    our_volume = float((ours * porosity)[domain].sum() * DX * DY * DZ)
    our_mass = our_volume * OUR_DENSITY / 1000.0
    sgas = np.asarray(steps[t - 1]["SGAS"]).reshape(nz, nx)
    opm_volume = float((sgas * porv)[domain].sum())
    row = report_rows[t - 1] if t - 1 < len(report_rows) else report_rows[-1]
    free = row[column[("RGIPG", 1)]] * SURFACE_DENSITY / 1000.0
    dissolved = row[column[("RGIPL", 1)]] * SURFACE_DENSITY / 1000.0
    ours_x, ours_top = extent(ours)
    opm_x, opm_top = extent(sgas)
    if t % 5 == 0 or t == 1:
        print(f"| {times[t]:.0f} | {our_mass:.0f} | {free + dissolved:.0f} | {free:.0f} | {dissolved:.0f} | "
              f"{our_volume:.0f} | {opm_volume:.0f} | {ours_x:.0f} | {opm_x:.0f} | {ours_top:.1f} | {opm_top:.1f} |")
injected = 6000 * SURFACE_DENSITY * times[-1] / 1000.0
print(f"\nInjected by t = {times[-1]:.0f} days: {injected:.0f} t of CO2 in both simulators "
      f"(OPM FGIT {report_rows[-1][column[('FGIT', 0)]] * SURFACE_DENSITY / 1000.0:.0f} t).")
