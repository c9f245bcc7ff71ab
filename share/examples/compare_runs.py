#!/usr/bin/python3
"""Compare a host program's numerical run with its -ts_type fno run: the final states
(written by -ts_view_solution binary:FILE) and the time spent in TSStep (from -log_view;
the surrogate's one-time FNOSetUp is reported apart).
Works for any PETSc TS program on a DMDA, e.g. README "Make a surrogate of your own PETSc
program". Prints one JSON object: relative L2 error per component and overall, TSStep seconds
of both runs and the speed-up.

usage: compare_runs.py NUMERICAL.bin NUMERICAL.log SURROGATE.bin SURROGATE.log [--dof N]"""
import argparse
import json
import sys

import numpy as np

VEC_CLASSID = 1211214


def read_vec(path):
    header = np.fromfile(path, dtype=">i4", count=2)
    if header.size != 2 or header[0] != VEC_CLASSID:
        sys.exit("compare_runs: %s is not a PETSc binary Vec (-ts_view_solution binary:%s)" % (path, path))
    values = np.fromfile(path, dtype=">f8", offset=8, count=int(header[1]))
    if values.size != header[1]:
        sys.exit("compare_runs: %s is truncated" % path)
    return values.astype(np.float64)


def event_seconds(log, event, required=True):
    """Max-over-ranks time of an event in a -log_view report (None if absent and not required)."""
    with open(log) as f:
        for line in f:
            fields = line.split()
            if fields and fields[0] == event and len(fields) > 3:
                return float(fields[3])
    if required:
        sys.exit("compare_runs: no %s line in %s (run the host with -log_view)" % (event, log))
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("numerical_bin")
    ap.add_argument("numerical_log")
    ap.add_argument("surrogate_bin")
    ap.add_argument("surrogate_log")
    ap.add_argument("--dof", type=int, default=1, help="components per cell (the DMDA's dof)")
    a = ap.parse_args()
    num, sur = read_vec(a.numerical_bin), read_vec(a.surrogate_bin)
    if num.size != sur.size or num.size % a.dof:
        sys.exit("compare_runs: the two states have %d and %d values (dof %d)" % (num.size, sur.size, a.dof))
    rel = lambda x, y: float(np.linalg.norm(x - y) / max(np.linalg.norm(x), 1e-300))
    result = {"rel_l2": rel(num, sur)}
    if a.dof > 1:  # PETSc's binary viewer writes a DMDA Vec in natural order, components interleaved
        n, s = num.reshape(-1, a.dof), sur.reshape(-1, a.dof)
        result["rel_l2_by_component"] = [rel(n[:, c], s[:, c]) for c in range(a.dof)]
    t_num, t_sur = event_seconds(a.numerical_log, "TSStep"), event_seconds(a.surrogate_log, "TSStep")
    # The surrogate's one-time set-up (building the network, reading the weights) is not a step.
    setup = event_seconds(a.surrogate_log, "FNOSetUp", required=False)
    result.update({"numerical_tsstep_s": t_num, "surrogate_tsstep_s": t_sur, "surrogate_setup_s": setup,
                   "speedup": t_num / t_sur if t_sur > 0 else None})
    print(json.dumps(result))


if __name__ == "__main__":
    main()
