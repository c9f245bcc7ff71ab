"""Writes one earth model of the OPM benchmark slice as an Eclipse include, the way a user
brings their own geology: a layered (stratigraphic) log-normal model with dipping, undulating
layer boundaries, lateral trends inside each layer and a few shale lenses -- a family of
fields petsc-fno's generators (channels, Gaussian random fields) do not make. Porosity follows
its own rule (not fno-sim's). Standard library only.

usage: layered_fields.py SEED OUT.GRDECL [NX NZ]
Cell order is Eclipse's: I (x) fastest, then K downward; PERMY = PERMX, PERMZ = 0.1 PERMX
(the benchmark deck's anisotropy, which fno-sim -grdecl checks)."""
import math
import os
import random
import sys


def lateral_trend(rng, nx, sd, length):
    """A smooth 1D random function of x: a sum of random cosines with wavelengths >= length."""
    terms = [(rng.gauss(0.0, 1.0), rng.uniform(length, 4.0 * length), rng.uniform(0.0, 2.0 * math.pi))
             for _ in range(6)]
    values = [sum(a * math.cos(2.0 * math.pi * x / w + p) for a, w, p in terms) for x in range(nx)]
    mean = sum(values) / nx
    std = math.sqrt(sum((v - mean) ** 2 for v in values) / nx) or 1.0
    return [sd * (v - mean) / std for v in values]


def layered_model(seed, nx, nz):
    rng = random.Random(seed)
    # Layer boundaries: depth (in cells) of the top of each layer along x.
    dip = rng.uniform(-0.25, 0.25)           # cells of depth per cell of x
    tops = [0.0]
    while tops[-1] < nz + abs(dip) * nx:
        tops.append(tops[-1] + rng.uniform(2.0, 9.0))
    undulation = lateral_trend(rng, nx, 1.5, 16.0)
    shift = -min(0.0, dip * nx)
    layer_log_k = [rng.uniform(0.3, 3.3) for _ in tops]    # 2 mD ... 2 D per layer
    layer_trend = [lateral_trend(rng, nx, rng.uniform(0.05, 0.35), 12.0) for _ in tops]
    log_k = [[0.0] * nx for _ in range(nz)]
    for k in range(nz):
        for i in range(nx):
            depth = k + shift + dip * i + undulation[i]
            layer = 0
            while layer + 1 < len(tops) and tops[layer + 1] <= depth:
                layer += 1
            log_k[k][i] = layer_log_k[layer] + layer_trend[layer][i] + rng.gauss(0.0, 0.08)
    # Shale lenses: thin flat ellipses of 0.05-1 mD.
    for _ in range(rng.randint(2, 5)):
        ci, ck = rng.uniform(0, nx), rng.uniform(4, nz - 4)
        half_length, half_thickness = rng.uniform(5.0, 16.0), rng.uniform(0.6, 1.6)
        value = rng.uniform(-1.3, 0.0)
        for k in range(nz):
            for i in range(nx):
                if ((i - ci) / half_length) ** 2 + ((k - ck) / half_thickness) ** 2 <= 1.0:
                    log_k[k][i] = value
    perm = [[10.0 ** v for v in row] for row in log_k]
    poro = [[min(0.32, max(0.04, 0.08 + 0.06 * v + rng.gauss(0.0, 0.01))) for v in row] for row in log_k]
    return perm, poro


def write_keyword(out, name, rows, scale=1.0):
    out.write(f"\n{name}\n")
    values = [v * scale for row in rows for v in row]
    for start in range(0, len(values), 6):
        out.write(" ".join(f"{v:.7g}" for v in values[start:start + 6]) + "\n")
    out.write("/\n")


def main():
    if len(sys.argv) not in (3, 5):
        sys.exit(__doc__)
    seed, path = int(sys.argv[1]), sys.argv[2]
    nx = int(sys.argv[3]) if len(sys.argv) == 5 else 64
    nz = int(sys.argv[4]) if len(sys.argv) == 5 else 64
    if os.path.islink(path) or (os.path.lexists(path) and not os.path.isfile(path)):
        sys.exit(f"layered_fields.py: '{path}' is not a regular file (the field is written to a temporary file and renamed over it)")
    perm, poro = layered_model(seed, nx, nz)
    tmp = f"{path}.tmp"
    with open(tmp, "w") as out:
        out.write(f"-- layered earth model (share/examples/opm_own_fields/layered_fields.py), seed {seed}, {nx}x1x{nz}\n")
        write_keyword(out, "PERMX", perm)
        write_keyword(out, "PERMY", perm)
        write_keyword(out, "PERMZ", perm, 0.1)
        write_keyword(out, "PORO", poro)
    os.replace(tmp, path)


if __name__ == "__main__":
    main()
