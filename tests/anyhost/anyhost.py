#!/usr/bin/python3
"""Record, perturb, train and replay with PETSc TS programs that know nothing of petsc-fno
(README, "Make a surrogate of your own PETSc program"). Hosts: share/examples/brusselator
(Crank-Nicolson, or explicit RK4 where rank counts must agree bitwise) and PETSc's own
tutorial ts/tutorials/advection-diffusion-reaction/ex5 (Gray-Scott, ARKIMEX, adaptive), built
unmodified from Debian's libpetsc3.18-dev-examples.

usage: anyhost.py CASE --bin DIR --lib LIBPETSCFNO --mpiexec MPIEXEC --work DIR [--ranks N] [--ex5 PATH]

Each case states its checks and tolerances; a failed check exits non-zero with a message."""
import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import time

import h5py
import numpy as np

A = None  # parsed arguments

# A small Brusselator: 32 x 24 cells, to t = 1 with dt = 0.01.
SMALL = ["-da_grid_x", "32", "-da_grid_y", "24", "-ts_max_time", "1", "-ts_dt", "0.01"]


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def run(cmd, ranks=1, expect_ok=True, env=None, timeout=600):
    full = ([A.mpiexec, "-n", str(ranks)] if ranks > 1 else []) + cmd
    print("+ " + " ".join(full), flush=True)
    p = subprocess.run(full, capture_output=True, text=True, env=env, timeout=timeout)
    if expect_ok and p.returncode != 0:
        fail("command failed (%d):\n%s\n%s" % (p.returncode, p.stdout[-4000:], p.stderr[-4000:]))
    return p


def host(name="brusselator"):
    return [os.path.join(A.bin, name)]


def plugin():
    return ["-dll_append", A.lib]


def record_opts(path, scheme="cn", extra=()):
    return plugin() + ["-ts_type", "fno", "-ts_fno_record", path, "-ts_fno_record_ts_type", scheme] + list(extra)


def read_petsc_vec(path):
    """A Vec written by PETSc's binary viewer (-ts_view_solution binary:FILE)."""
    raw = np.fromfile(path, dtype=">i4", count=2)
    if raw[0] != 1211214:
        fail("%s is not a PETSc binary Vec" % path)
    return np.fromfile(path, dtype=">f8", offset=8, count=int(raw[1])).astype(np.float64)


def natural_state(vec, nx, ny, dof):
    """PETSc's binary viewer writes a DMDA Vec in natural order: [y][x][dof]."""
    return vec.reshape(ny, nx, dof)


def monitor_lines(text):
    return [l for l in text.splitlines() if re.match(r"^\s*\d+ TS dt ", l)]


def dataset(path):
    return h5py.File(path, "r")


def fresh(name):
    d = os.path.join(A.work, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    return d


# ---- recording leaves the host's numbers alone --------------------------------------------
def case_bitwise():
    """The host's own run and the recorded run: the same steps (-ts_monitor lines equal) and the
    same final state, bit for bit; each recorded snapshot equals the host's own state at that
    time (steps land on the output times: exact; CN with dt 0.01, interval 0.25). With adaptive
    RK (output times inside steps, TSInterpolate) the steps and final state are again identical."""
    d = fresh("bitwise%d" % A.ranks)
    for scheme, extra in (("cn", []), ("rk", ["-ts_adapt_type", "basic"])):
        plain = os.path.join(d, "plain-%s.bin" % scheme)
        rec = os.path.join(d, "rec-%s.bin" % scheme)
        h5 = os.path.join(d, "rec-%s.h5" % scheme)
        p0 = run(host() + SMALL + ["-ts_type", scheme] + extra + ["-ts_monitor", "-ts_view_solution", "binary:" + plain],
                 A.ranks)
        p1 = run(host() + SMALL + record_opts(h5, scheme, ["-ts_fno_record_interval", "0.25"]) + extra +
                 ["-ts_monitor", "-ts_view_solution", "binary:" + rec], A.ranks)
        m0, m1 = monitor_lines(p0.stdout), monitor_lines(p1.stdout)
        if not m0 or m0 != m1:
            fail("%s: the recorded run took other steps than the host's own run (%d vs %d monitor lines)" %
                 (scheme, len(m0), len(m1)))
        a, b = read_petsc_vec(plain), read_petsc_vec(rec)
        if not np.array_equal(a, b):
            fail("%s: final states differ: max |diff| %g" % (scheme, np.abs(a - b).max()))
        with dataset(h5) as f:
            if list(f["done"][:]) != [1]:
                fail("%s: case not marked done" % scheme)
            times = f["times"][:]
            if not np.allclose(times, np.arange(5) * 0.25, rtol=0, atol=1e-12):
                fail("%s: times %s" % (scheme, times))
            outputs = f["outputs"][0]  # [time][component][y][x]
            last = natural_state(a, 32, 24, 2)
            if scheme == "cn":
                # t = 1 is a step: the last snapshot is the final state, bit for bit.
                if not np.array_equal(outputs[-1].transpose(1, 2, 0), last):
                    fail("cn: the snapshot at t = 1 differs from the host's final state")
                # t = 0.5: the host's own run stopped there. Its last step is 0.5 - 0.49 =
                # 0.010000000000000009 (TS_EXACTFINALTIME_MATCHSTEP), not 0.01: equal to 1e-13.
                half = os.path.join(d, "half.bin")
                run(host() + SMALL + ["-ts_max_time", "0.5", "-ts_view_solution", "binary:" + half], A.ranks)
                h = natural_state(read_petsc_vec(half), 32, 24, 2)
                diff = np.abs(outputs[2].transpose(1, 2, 0) - h).max()
                if not diff < 1e-13:
                    fail("cn: the snapshot at t = 0.5 differs from the host's own state at t = 0.5 by %g" % diff)
            else:
                # Interpolated within the last step: close to the final state's neighbourhood.
                if not np.all(np.isfinite(outputs)):
                    fail("rk: non-finite snapshots")
            initial = f["initial"][0]
            if not np.array_equal(initial, outputs[0]):
                fail("%s: /initial differs from the snapshot at t = 0" % scheme)
    print("bitwise: OK (%d ranks)" % A.ranks)


# ---- rank counts --------------------------------------------------------------------------
def case_ranks():
    """One perturbed case recorded with explicit RK4 on 1 rank and on 3 ranks (uneven 11/11/10
    column blocks of a 32 x 24 grid): the same dataset, bit for bit (pointwise arithmetic only)."""
    d = fresh("ranks")
    opts = SMALL + record_opts("X", "rk", ["-ts_rk_type", "4", "-ts_adapt_type", "none", "-ts_fno_record_interval", "0.25",
                                           "-ts_fno_perturb", "0.2", "-ts_fno_perturb_seed", "5"])
    files = []
    for ranks, grid in ((1, []), (3, ["-da_processors_x", "3", "-da_processors_y", "1"]), (4, [])):
        path = os.path.join(d, "r%d.h5" % ranks)
        run(host() + [path if o == "X" else o for o in opts] + grid, ranks)
        files.append(path)
    with dataset(files[0]) as f0:
        for other in files[1:]:
            with dataset(other) as f:
                for name in ("initial", "outputs", "times", "seeds", "parameters", "done"):
                    if not np.array_equal(f0[name][:], f[name][:]):
                        fail("%s differs between 1 rank and %s" % (name, other))
    print("ranks: OK")


# ---- perturbations ------------------------------------------------------------------------
def case_perturb():
    """Seeded smooth perturbations: the same seed gives the same initial state, another seed
    another one; the perturbation's spectrum decays as exp(-2 pi^2 L^2 |f|^2) (fitted exponent
    within 25 % over the modes carrying 99.9 % of the power, 6 seeds averaged) with no power
    beyond the cut-off; its pointwise standard deviation is the amplitude (within 25 %, one
    field); bounds clip. Recorded on 2 ranks, 64 x 64 cells, correlation 4 cells."""
    d = fresh("perturb")
    path = os.path.join(d, "p.h5")
    base = ["-da_grid_x", "64", "-da_grid_y", "64", "-ts_max_time", "0.02", "-ts_dt", "0.01"]
    rec = lambda seed, extra=(): run(host() + base + record_opts(path, "cn", ["-ts_fno_record_times", "0.02"]) +
                                     (["-ts_fno_perturb", "0.3", "-ts_fno_perturb_correlation", "4",
                                       "-ts_fno_perturb_seed", str(seed)] if seed is not None else []) + list(extra), 2)
    rec(None)
    for seed in (7, 7, 8, 9, 10, 11, 12):
        rec(seed)
    rec(13, ["-ts_fno_perturb_components", "u", "-ts_fno_perturb_bounds", "0.9,1.2"])
    with dataset(path) as f:
        init = f["initial"][:]  # [case][component][y][x]
        seeds = list(f["seeds"][:])
    if seeds != [-1, 7, 7, 8, 9, 10, 11, 12, 13]:
        fail("seeds stored %s" % seeds)
    if not np.array_equal(init[1], init[2]):
        fail("seed 7 twice gave different initial states")
    if np.array_equal(init[1], init[3]):
        fail("seeds 7 and 8 gave the same initial state")
    fields = [init[c, 0] - init[0, 0] for c in (1, 3, 4, 5, 6, 7)]
    std = np.std(fields[0])
    if not 0.75 * 0.3 < std < 1.25 * 0.3:
        fail("perturbation standard deviation %g, amplitude 0.3" % std)
    power = np.mean([np.abs(np.fft.fft2(p)) ** 2 for p in fields], axis=0)
    fy = np.fft.fftfreq(64)[:, None]
    fx = np.fft.fftfreq(64)[None, :]
    f2 = fx ** 2 + fy ** 2
    L = 4.0
    keep = power > 1e-3 * power.max()
    slope = np.polyfit(f2[keep], np.log(power[keep]), 1)[0]
    expected = -2 * np.pi ** 2 * L ** 2
    if not abs(slope / expected - 1) < 0.25:
        fail("spectrum exponent %g, expected %g" % (slope, expected))
    cutoff = 64 * np.sqrt(np.log(1e12) / (2 * np.pi ** 2)) / L / 64  # highest kept frequency per axis
    beyond = (np.abs(fx) > cutoff + 1e-9) | (np.abs(fy) > cutoff + 1e-9)
    if power[np.broadcast_to(beyond, power.shape)].max() > 1e-20 * power.max():
        fail("power beyond the cut-off")
    u13, v13 = init[8, 0], init[8, 1]
    if u13.min() < 0.9 - 1e-15 or u13.max() > 1.2 + 1e-15:
        fail("bounds 0.9,1.2 not respected: [%g, %g]" % (u13.min(), u13.max()))
    if not (np.isclose(u13.min(), 0.9) or np.isclose(u13.max(), 1.2)):
        fail("bounds never reached: the test does not test clipping")
    if not np.array_equal(v13, init[0, 1]):
        fail("-ts_fno_perturb_components u perturbed v")
    print("perturb: OK (std %.3f, exponent %.1f vs %.1f)" % (std, slope, expected))


# ---- a killed recording -------------------------------------------------------------------
def case_kill():
    """SIGKILL while recording: the file stays readable and the case is not done; a run that
    stops before its last output time (-ts_max_steps) fails and leaves it not done; the next
    complete recording reuses the case and marks it done."""
    d = fresh("kill")
    path = os.path.join(d, "k.h5")
    grid = ["-da_grid_x", "64", "-da_grid_y", "64", "-ts_max_time", "50"]
    rec = record_opts(path, "cn", ["-ts_fno_record_interval", "1"])
    p = subprocess.Popen(host() + grid + ["-ts_dt", "0.01"] + rec, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.time() + 60
    while time.time() < deadline and not os.path.exists(path):
        time.sleep(0.2)
    time.sleep(3)
    p.send_signal(signal.SIGKILL)
    p.wait()
    if p.returncode != -signal.SIGKILL:
        fail("the recording ended before it was killed (exit %d): make the run longer" % p.returncode)
    with dataset(path) as f:
        done = list(f["done"][:])
        if done != [0]:
            fail("after SIGKILL the case is %s, expected not done" % done)
    p = run(host() + grid + ["-ts_dt", "0.25", "-ts_max_steps", "3"] + rec, 1, expect_ok=False)
    if p.returncode == 0 or "before output time" not in p.stdout + p.stderr:
        fail("a run stopping before its last output time did not fail clearly:\n" + p.stdout + p.stderr)
    with dataset(path) as f:
        if list(f["done"][:]) != [0]:
            fail("an incomplete run marked the case done")
    run(host() + grid + ["-ts_dt", "0.25"] + rec, 1)
    with dataset(path) as f:
        if list(f["done"][:]) != [1] or f["outputs"].shape[0] != 1:
            fail("the next recording did not reuse and complete the killed case: done %s" % list(f["done"][:]))
    print("kill: OK")


# ---- end to end ---------------------------------------------------------------------------
def case_end_to_end():
    """Record 24 perturbed cases of a 24 x 24 Brusselator (to t = 2, 9 times), train a small
    model until it fits them, replay case 3 through -ts_type fno with its own perturbation
    seed: relative L2 of the replayed final state against the recording < 0.03 (both fields),
    on 1, 2 and 4 ranks (2 x 2 blocks); fno-eval on the same cases agrees. (Both fields stay
    near the homogeneous state u = 1, v = 1.8, so 0.03 is about a tenth of the perturbation.)"""
    d = fresh("e2e")
    data = os.path.join(d, "cases.h5")
    base = ["-da_grid_x", "24", "-da_grid_y", "24", "-ts_max_time", "2", "-ts_dt", "0.02"]
    pert = lambda s: ["-ts_fno_perturb", "0.3", "-ts_fno_perturb_correlation", "4", "-ts_fno_perturb_seed", str(s)]
    for s in range(1, 25):
        run(host() + base + record_opts(data, "cn", ["-ts_fno_record_interval", "0.25"]) + pert(s), 2)
    model = os.path.join(d, "m.h5")
    run([os.path.join(A.bin, "fno-train"), "-data", data, "-model_out", model, "-epochs", "150", "-width", "16",
         "-modes", "6,6,4", "-layers", "3", "-proj_width", "32", "-lr", "3e-3", "-batch_size", "4", "-split", "0,0"], 2)
    with h5py.File(model, "r") as f:
        kinds = [f["problem/inputs/%d" % k].attrs["kind"] for k in range(len(f["problem/inputs"]))]
        kinds = [k.decode() if isinstance(k, bytes) else str(k) for k in kinds]
        if kinds != ["initial_state", "initial_state"]:
            fail("model inputs %s" % kinds)
    with dataset(data) as f:
        truth = f["outputs"][2, -1]  # case index 2 = seed 3: [component][y][x]
        if int(f["seeds"][2]) != 3:
            fail("case order")
    for ranks in (1, 2, 4):
        out = os.path.join(d, "replay%d.bin" % ranks)
        p = run(host() + base + plugin() + ["-ts_type", "fno", "-ts_fno_model", model] + pert(3) +
                ["-ts_view_solution", "binary:" + out], ranks)
        pred = natural_state(read_petsc_vec(out), 24, 24, 2).transpose(2, 0, 1)
        for c, name in enumerate("uv"):
            rel = np.linalg.norm(pred[c] - truth[c]) / np.linalg.norm(truth[c])
            print("replay on %d rank(s): %s rel L2 %.4f" % (ranks, name, rel))
            if not rel < 0.03:
                fail("replayed %s differs from the recording: rel L2 %.4f >= 0.03" % (name, rel))
    p = run([os.path.join(A.bin, "fno-eval"), "-model", model, "-data", data, "-cases", "all"], 2)
    line = [l for l in p.stdout.splitlines() if l.startswith("{")][-1]
    import json
    result = json.loads(line)
    if not result["rel_l2_mean"] < 0.03:
        fail("fno-eval rel_l2_mean %g" % result["rel_l2_mean"])
    if "plume_iou_mean" in result:
        fail("plume metrics reported for a dataset without saturation")
    print("end_to_end: OK (fno-eval rel L2 %.4f)" % result["rel_l2_mean"])


# ---- PETSc's own tutorial, unmodified -----------------------------------------------------
def case_petsc_ex5():
    """PETSc's Gray-Scott tutorial (ARKIMEX, adaptive steps) built from Debian's example
    sources: recording leaves its final state bit for bit; 4 perturbed cases are recorded on 2
    ranks, a model trained for a few epochs, and replayed with -ts_type fno on 3 ranks
    (finite, right shape: plumbing, not accuracy)."""
    if not A.ex5 or not os.path.exists(A.ex5):
        print("petsc_ex5: SKIPPED (PETSc's tutorial binary was not built: libpetsc3.18-dev-examples missing)")
        return
    d = fresh("ex5")
    base = ["-da_grid_x", "24", "-da_grid_y", "24", "-ts_max_time", "20", "-ts_dt", "1"]
    plain, rec = os.path.join(d, "plain.bin"), os.path.join(d, "rec.bin")
    data = os.path.join(d, "ex5.h5")
    run([A.ex5] + base + ["-ts_view_solution", "binary:" + plain], 2)
    run([A.ex5] + base + record_opts(data, "arkimex", ["-ts_fno_record_interval", "5"]) +
        ["-ts_view_solution", "binary:" + rec], 2)
    if not np.array_equal(read_petsc_vec(plain), read_petsc_vec(rec)):
        fail("ex5: recording changed the final state")
    for s in range(1, 4):
        run([A.ex5] + base + record_opts(data, "arkimex", ["-ts_fno_record_interval", "5"]) +
            ["-ts_fno_perturb", "0.05", "-ts_fno_perturb_seed", str(s), "-ts_fno_perturb_bounds", "0,1"], 2)
    model = os.path.join(d, "m.h5")
    run([os.path.join(A.bin, "fno-train"), "-data", data, "-model_out", model, "-epochs", "3", "-width", "8",
         "-modes", "4,4,2", "-layers", "2", "-proj_width", "16", "-split", "0,0"], 2)
    out = os.path.join(d, "replay.bin")
    run([A.ex5] + base + plugin() + ["-ts_type", "fno", "-ts_fno_model", model, "-ts_view_solution", "binary:" + out], 3)
    v = read_petsc_vec(out)
    if v.size != 24 * 24 * 2 or not np.all(np.isfinite(v)):
        fail("ex5 replay: %d values, finite %s" % (v.size, np.all(np.isfinite(v))))
    print("petsc_ex5: OK")


def main():
    global A
    ap = argparse.ArgumentParser()
    ap.add_argument("case")
    ap.add_argument("--bin", required=True)
    ap.add_argument("--lib", required=True)
    ap.add_argument("--mpiexec", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--ranks", type=int, default=1)
    ap.add_argument("--ex5", default="")
    A = ap.parse_args()
    os.makedirs(A.work, exist_ok=True)
    {"bitwise": case_bitwise, "ranks": case_ranks, "perturb": case_perturb, "kill": case_kill,
     "end_to_end": case_end_to_end, "petsc_ex5": case_petsc_ex5}[A.case]()


if __name__ == "__main__":
    main()
