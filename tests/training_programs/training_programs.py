#!/usr/bin/env python3
"""Program-level tests of fno-train and fno-eval (label "training"), driven by ctest.

    training_programs.py CASE --bin DIR --mpiexec MPIEXEC --work DIR

CASE: data (fixture: tiny datasets from fno-gen and broken copies, and a recorded-trajectory
dataset of schema v2 from fno-test-trajectories), loss (-ranks N), parallel (-ranks N),
kill_resume, atomic, errors, epochs0, layout, eval, v2 (-ranks N), v2_parallel. Every program run has a timeout, so a
hang fails the test instead of stalling ctest. Tolerances are stated where they are checked.
"""
import argparse
import csv
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

import h5py
import numpy as np

# A tiny model: trains in well under a second per epoch on 16x16x9.
TINY = ["-width", "8", "-modes", "4,4,4", "-layers", "2", "-proj_width", "16", "-batch_size", "3",
        "-split", "2,2", "-lr", "0.01"]
FAILURES = []


def check(condition, message):
    if not condition:
        FAILURES.append(message)
        print("FAIL:", message)
    else:
        print("ok:", message)


def finish():
    print("training_programs:", "FAILED (%d)" % len(FAILURES) if FAILURES else "OK")
    sys.exit(1 if FAILURES else 0)


class Runner:
    def __init__(self, args):
        self.bin = args.bin
        self.mpiexec = args.mpiexec
        self.work = args.work

    def command(self, program, ranks, options):
        exe = os.path.join(self.bin, program)
        if ranks == 1:
            return [exe] + options
        return [self.mpiexec, "-n", str(ranks), exe] + options

    def run(self, program, ranks, options, timeout=240, expect_ok=True):
        cmd = self.command(program, ranks, options)
        print("$", " ".join(cmd), flush=True)
        try:
            p = subprocess.run(cmd, cwd=self.work, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            check(False, "%s did not finish within %d s (hang?)" % (program, timeout))
            finish()
        out = p.stdout + p.stderr
        if expect_ok and p.returncode != 0:
            print(out)
            check(False, "%s exited with %d" % (program, p.returncode))
            finish()
        return p.returncode, out


def read_history(path):
    with open(path) as f:
        return list(csv.DictReader(f))


def column(rows, name):
    return np.array([float(r[name]) for r in rows])


def md5(path):
    with open(path, "rb") as f:
        return hashlib.md5(f.read()).hexdigest()


# ---- cases ---------------------------------------------------------------------------------

def case_data(r, args):
    """The fixture: datasets from fno-gen (2 ranks) and broken copies of them."""
    shutil.rmtree(r.work, ignore_errors=True)
    os.makedirs(r.work)
    base = ["-report_count", "8", "-gen_model", "mixed"]
    r.run("fno-gen", 2, ["-grid", "16,16", "-n", "12", "-seed", "3", "-output", "tiny.h5"] + base)
    r.run("fno-gen", 2, ["-grid", "12,16", "-n", "4", "-seed", "4", "-output", "other_grid.h5"] + base)
    r.run("fno-gen", 2, ["-grid", "16,16", "-n", "6", "-seed", "5", "-output", "fresh.h5"] + base)
    r.run("fno-gen", 2, ["-geometry", "3d", "-grid", "6,5,4", "-n", "3", "-seed", "6", "-report_count", "3",
                         "-output", "tiny3d.h5"])
    size = os.path.getsize(os.path.join(r.work, "tiny.h5"))
    with open(os.path.join(r.work, "tiny.h5"), "rb") as f, open(os.path.join(r.work, "truncated.h5"), "wb") as g:
        g.write(f.read(size // 2))
    with open(os.path.join(r.work, "not_hdf5.h5"), "w") as f:
        f.write("this is not an HDF5 file\n")
    with h5py.File(os.path.join(r.work, "foreign.h5"), "w", libver="latest") as f:  # checksummed format
        f.attrs["schema"] = "someone-elses-data-v3"
        f["inputs"] = np.zeros((2, 3, 4, 4))
    shutil.copy(os.path.join(r.work, "tiny.h5"), os.path.join(r.work, "unknown_field.h5"))
    with h5py.File(os.path.join(r.work, "unknown_field.h5"), "a") as f:
        f.attrs["input_fields"] = np.bytes_(b"log10_permeability,porosity,pressure")
    shutil.copy(os.path.join(r.work, "tiny.h5"), os.path.join(r.work, "zero_case.h5"))
    with h5py.File(os.path.join(r.work, "zero_case.h5"), "a") as f:
        f["outputs"][5] = 0.0
    shutil.copy(os.path.join(r.work, "tiny.h5"), os.path.join(r.work, "bad_values.h5"))
    with h5py.File(os.path.join(r.work, "bad_values.h5"), "a") as f:
        f["inputs"][7, 1, 2, 3] = np.nan
    with h5py.File(os.path.join(r.work, "tiny.h5"), "r") as f:
        check(f["outputs"].shape == (12, 9, 16, 16), "tiny dataset shape %s" % (f["outputs"].shape,))
        check(bool(f["done"][:].all()), "every case of the tiny dataset is done")
    # Schema v2: u, v of an exact advection-diffusion on a periodic 16x12 grid, 24 cases.
    r.run("fno-test-trajectories", 2, ["traj.h5", "24", "11"])
    with h5py.File(os.path.join(r.work, "traj.h5"), "r") as f:
        check(f.attrs["schema"] in (b"petsc-fno-dataset-v2", "petsc-fno-dataset-v2"), "traj.h5 has schema v2")
        check(f["outputs"].shape == (24, 9, 2, 12, 16) and bool(f["done"][:].all()),
              "traj.h5: 24 done cases of [time][component][y][x] = 9x2x12x16")
    finish()


def train(r, ranks, name, extra, epochs=6, expect_ok=True):
    return r.run("fno-train", ranks, ["-data", "tiny.h5", "-model_out", name + ".h5", "-epochs", str(epochs)] + TINY + extra,
                 expect_ok=expect_ok)


def case_loss(r, args):
    """A few epochs lower the loss; the model file carries /problem, normalizers and /training."""
    n = args.ranks
    name = "loss_np%d" % n
    _, out = train(r, n, name, ["-best_model", name + "_best.h5"], epochs=8)
    rows = read_history(os.path.join(r.work, name + ".history.csv"))
    check(len(rows) == 8, "history has one row per epoch (%d)" % len(rows))
    loss = column(rows, "train_loss")
    val = column(rows, "val_rel_l2")
    check(loss[-1] < 0.9 * loss[0], "training loss falls by > 10%%: %.4f -> %.4f" % (loss[0], loss[-1]))
    check(val[-1] < val[0], "validation relative L2 falls: %.4f -> %.4f" % (val[0], val[-1]))
    check(len(re.findall(r"fno-train: epoch \d+/8 .* s/epoch .*ETA", out)) == 8, "one progress line per epoch")
    with h5py.File(os.path.join(r.work, name + ".h5"), "r") as m, h5py.File(os.path.join(r.work, "tiny.h5"), "r") as d:
        check(m["params"].attrs["dtype"] in (b"float32", "float32"), "final model stored as float32")
        check("optimizer" not in m, "final model carries no optimizer state")
        p = m["problem"]
        names = [p["inputs"][str(k)].attrs["name"] for k in range(3)]
        check(names == [b"log10_permeability", b"porosity", b"injection_rate"], "problem inputs %s" % names)
        i0, i2 = p["inputs/0"].attrs, p["inputs/2"].attrs
        check(i0["source"] == b"permeability" and i0["transform"] == b"log10" and i0["scale"] == 1.0 and i0["units"] == b"mD",
              "log10_permeability <- log10(permeability in mD)")
        check(i2["source"] == b"injection_rate" and i2["transform"] == b"identity" and i2["scale"] == 86400.0,
              "injection_rate <- 86400 x host m^3/s per cell")
        o = p["outputs/0"].attrs
        check(o["name"] == b"saturation" and o["initial_value"] == 0 and o["min"] == 0 and o["max"] == 1,
              "output saturation, initial 0, clipped to [0, 1]")
        check(np.array_equal(p.attrs["times"], d["times"][:] * 86400.0), "problem times = dataset days x 86400 s")
        for which in ("input", "output"):
            check(np.all(np.isfinite(m["normalizers/%s/mean" % which][:])), "%s normalizer stored" % which)
        t = m["training"]
        check(len(t["split/train"]) == 8 and len(t["split/val"]) == 2 and len(t["split/test"]) == 2, "split 8/2/2 recorded")
        s = set(t["split/train"][:]) | set(t["split/val"][:]) | set(t["split/test"][:])
        check(s == set(range(12)), "the split covers every case exactly once")
        check(np.array_equal(t["history/train_loss"][:], loss), "history recorded in /training equals the CSV")
        # Input normalizer fitted on the training split only (population std, as UnitGaussianNormalizer).
        train_cases = sorted(t["split/train"][:])
        x = d["inputs"][train_cases]
        mean = x.transpose(1, 0, 2, 3).reshape(3, -1).mean(axis=1)
        std = x.transpose(1, 0, 2, 3).reshape(3, -1).std(axis=1)
        check(np.allclose(m["normalizers/input/mean"][:], mean, rtol=1e-5, atol=1e-7), "input mean over the training split (1e-5)")
        check(np.allclose(m["normalizers/input/std"][:], std, rtol=1e-5, atol=1e-7), "input std over the training split (1e-5)")
    # fno-eval on the validation split reproduces the last validation metric (float, 1e-5).
    _, out = r.run("fno-eval", n, ["-model", name + ".h5", "-data", "tiny.h5", "-cases", "val"])
    result = json.loads(out.strip().splitlines()[-1])
    check(abs(result["rel_l2_mean"] - val[-1]) <= 1e-5 * val[-1],
          "fno-eval -cases val %.7f equals the last validation rel L2 %.7f (1e-5)" % (result["rel_l2_mean"], val[-1]))
    # -best_model holds the epoch of the lowest validation error.
    best = int(np.argmin(val))
    with h5py.File(os.path.join(r.work, name + "_best.h5"), "r") as b:
        epochs = b["training/history/epoch"][:]
        check(len(epochs) == best + 1, "-best_model was last written after epoch %d, the best (%d)" % (len(epochs), best + 1))
    _, out = r.run("fno-eval", n, ["-model", name + "_best.h5", "-data", "tiny.h5", "-cases", "val"])
    result = json.loads(out.strip().splitlines()[-1])
    check(abs(result["rel_l2_mean"] - val[best]) <= 1e-5 * val[best],
          "fno-eval on -best_model %.7f equals the best validation rel L2 %.7f (1e-5)" % (result["rel_l2_mean"], val[best]))
    finish()


def case_parallel(r, args):
    """Data-parallel, model-parallel and mixed layouts give the same loss history (1e-5, float)."""
    layouts = {2: [("1x1", 1, []), ("dp2x1", 2, ["-groups", "2"]), ("mp1x2", 2, ["-groups", "1"])],
               4: [("1x1", 1, []), ("dp2x2", 4, ["-groups", "2"]), ("mp1x4", 4, ["-groups", "1", "-pgrid", "2,2"]),
                   ("dp4x1", 4, ["-groups", "4"])]}[args.ranks]  # batch 3 over 4 groups: one placeholder slot
    histories = {}
    for label, ranks, extra in layouts:
        name = "parallel_np%d_%s" % (args.ranks, label)
        train(r, ranks, name, list(extra), epochs=5)
        histories[label] = read_history(os.path.join(r.work, name + ".history.csv"))
    reference = histories["1x1"]
    for label, rows in histories.items():
        for key in ("train_loss", "val_rel_l2"):
            a, b = column(reference, key), column(rows, key)
            worst = float(np.max(np.abs(a - b) / np.abs(a)))
            check(worst <= 1e-5, "%s %s equals the 1-rank history: max relative difference %.2e (<= 1e-5)" % (label, key, worst))
    finish()


def case_kill_resume(r, args):
    """SIGKILL during training, -resume: the same history to the last digit; the checkpoint is whole."""
    # Batches streamed from the file (-preload 0): the resumed run must also reread the same cases.
    options = ["-data", "tiny.h5", "-width", "16", "-modes", "4,4,4", "-layers", "4", "-proj_width", "128",
               "-batch_size", "1", "-split", "2,2", "-lr", "0.005", "-epochs", "6", "-preload", "0"]
    r.run("fno-train", 2, options + ["-model_out", "uninterrupted.h5", "-best_model", "uninterrupted_best.h5"])
    for f in ("killed.h5", "killed.checkpoint.h5", "killed.history.csv", "killed_best.h5"):
        if os.path.exists(os.path.join(r.work, f)):
            os.remove(os.path.join(r.work, f))
    cmd = r.command("fno-train", 2, options + ["-model_out", "killed.h5", "-best_model", "killed_best.h5"])
    print("$", " ".join(cmd), "(killed after its second epoch)", flush=True)
    log = open(os.path.join(r.work, "killed.log"), "w")
    runner = subprocess.Popen(cmd, cwd=r.work, stdout=log, stderr=subprocess.STDOUT)
    history = os.path.join(r.work, "killed.history.csv")
    deadline = time.time() + 180
    rows = 0
    while time.time() < deadline and runner.poll() is None:
        if os.path.exists(history):
            with open(history) as f:
                rows = sum(1 for _ in f) - 1
            if rows >= 2:
                break
        time.sleep(0.01)
    # SIGKILL the ranks (children of mpiexec) and mpiexec itself: no chance to clean up.
    children = subprocess.run(["pgrep", "-P", str(runner.pid)], capture_output=True, text=True).stdout.split()
    for pid in children + [str(runner.pid)]:
        try:
            os.kill(int(pid), signal.SIGKILL)
        except ProcessLookupError:
            pass
    runner.wait()
    log.close()
    with open(history) as f:
        rows_at_kill = sum(1 for _ in f) - 1
    print(open(os.path.join(r.work, "killed.log")).read())
    check(2 <= rows_at_kill < 6, "killed after epoch %d of 6 (mid-run)" % rows_at_kill)
    with h5py.File(os.path.join(r.work, "killed.checkpoint.h5"), "r") as c:
        epoch = int(c["checkpoint"].attrs["epoch"])
        check(epoch >= rows_at_kill and epoch < 6, "the checkpoint left by the kill is whole and holds epoch %d" % epoch)
        check("training" in c and len(c["training/history/epoch"]) == epoch, "its /training history has %d rows" % epoch)
    _, out = r.run("fno-train", 2, ["-data", "tiny.h5", "-model_out", "killed.h5", "-epochs", "6", "-resume",
                                    "-best_model", "killed_best.h5"])
    check(re.search(r"fno-train: resuming", out) is not None, "the second run resumed")
    a = read_history(os.path.join(r.work, "uninterrupted.history.csv"))
    b = read_history(history)
    check(len(a) == len(b) == 6, "both histories have 6 epochs")
    for key in ("epoch", "train_loss", "val_rel_l2", "lr"):
        same = [x[key] for x in a] == [y[key] for y in b]
        check(same, "%s identical to the last digit (printed with 17 significant digits)" % key)
    with h5py.File(os.path.join(r.work, "uninterrupted.h5"), "r") as x, h5py.File(os.path.join(r.work, "killed.h5"), "r") as y:
        same = all(np.array_equal(x["params"][k][:], y["params"][k][:]) for k in x["params"])
        check(same, "the final weights are bit-identical")
    val = column(a, "val_rel_l2")
    with h5py.File(os.path.join(r.work, "uninterrupted_best.h5"), "r") as x, \
            h5py.File(os.path.join(r.work, "killed_best.h5"), "r") as y:
        check(len(x["training/history/epoch"]) == int(np.argmin(val)) + 1,
              "-best_model holds epoch %d, the lowest validation error (%s)" % (len(x["training/history/epoch"]),
                                                                                  ", ".join("%.4f" % v for v in val)))
        same = all(np.array_equal(x["params"][k][:], y["params"][k][:]) for k in x["params"])
        check(same, "the best models of both runs are bit-identical")
    # A time-boxed run (-stop_after 3) stops with a whole checkpoint and a model of epoch 3;
    # -resume completes the same run.
    for f in ("boxed.h5", "boxed.checkpoint.h5", "boxed.history.csv"):
        if os.path.exists(os.path.join(r.work, f)):
            os.remove(os.path.join(r.work, f))
    _, out = r.run("fno-train", 2, options + ["-model_out", "boxed.h5", "-stop_after", "3"])
    check(re.search(r"stopping after epoch 3 \(-stop_after\)", out) is not None, "-stop_after 3 stopped the run")
    with h5py.File(os.path.join(r.work, "boxed.h5"), "r") as y:
        check(len(y["training/history/epoch"]) == 3, "the time-boxed model holds 3 epochs")
    r.run("fno-train", 2, ["-data", "tiny.h5", "-model_out", "boxed.h5", "-epochs", "6", "-resume"])
    c = read_history(os.path.join(r.work, "boxed.history.csv"))
    check([x["train_loss"] for x in a] == [y["train_loss"] for y in c], "-stop_after then -resume: identical history")
    finish()


def expect_error(r, program, ranks, options, pattern, unchanged=()):
    before = {f: md5(os.path.join(r.work, f)) for f in unchanged}
    start = time.time()
    rc, out = r.run(program, ranks, options, timeout=120, expect_ok=False)
    elapsed = time.time() - start
    lines = [l for l in out.splitlines() if "Configure options" not in l]
    ok = rc != 0 and re.search(pattern, out) is not None
    for rank in range(ranks):
        ok = ok and ("[rank %d] %s: stopped" % (rank, program)) in out
    crashed = re.search(r"Segmentation|signal 11|core dumped|Abort|Caught signal", out) is not None
    if not ok or crashed:
        print("\n".join(lines[-30:]))
    check(ok and not crashed, "%s %s -> exit %d, '%s' on rank 0 and an error line on all %d ranks (%.1f s)" %
          (program, " ".join(options[:6]), rc, pattern, ranks, elapsed))
    for f, digest in before.items():
        check(md5(os.path.join(r.work, f)) == digest, "%s is unchanged after the failed run" % f)


def case_errors(r, args):
    """Bad input: one clear error on every rank, non-zero exit, no hang; nothing written is damaged."""
    n = 2
    train(r, n, "good", [], epochs=2)
    shutil.copy(os.path.join(r.work, "good.checkpoint.h5"), os.path.join(r.work, "ckpt_copy.h5"))
    size = os.path.getsize(os.path.join(r.work, "good.checkpoint.h5"))
    with open(os.path.join(r.work, "good.checkpoint.h5"), "rb") as f, open(os.path.join(r.work, "ckpt_truncated.h5"), "wb") as g:
        g.write(f.read(size // 2))
    T = TINY
    expect_error(r, "fno-train", n, ["-data", "nowhere.h5", "-model_out", "x.h5"] + T, r"dataset 'nowhere.h5': no such file")
    expect_error(r, "fno-train", n, ["-data", "truncated.h5", "-model_out", "x.h5"] + T, r"dataset 'truncated.h5': .*(corrupt|truncated)")
    expect_error(r, "fno-train", n, ["-data", "not_hdf5.h5", "-model_out", "x.h5"] + T, r"not an HDF5 file")
    expect_error(r, "fno-train", n, ["-data", "foreign.h5", "-model_out", "x.h5"] + T,
                 r"not a petsc-fno dataset \(schema 'someone-elses-data-v3'")
    expect_error(r, "fno-train", n, ["-data", "good.h5", "-model_out", "x.h5"] + T, r"not a petsc-fno dataset \(schema 'none'")
    expect_error(r, "fno-train", n, ["-data", "unknown_field.h5", "-model_out", "x.h5"] + T,
                 r"input field 'pressure' has no known host field")
    expect_error(r, "fno-train", n, ["-data", "bad_values.h5", "-model_out", "x.h5"] + T,
                 r"case 7 input 'porosity' holds nan")
    for preload in ("1", "0"):
        expect_error(r, "fno-train", n, ["-data", "zero_case.h5", "-model_out", "x.h5", "-preload", preload] + T,
                     r"case 5 has no CO2 at any cell and time")
    expect_error(r, "fno-train", n, ["-data", "tiny.h5", "-model_out", "x.h5"] + T[:-4] + ["-split", "6,6"],
                 r"the training split is empty")
    expect_error(r, "fno-train", n, ["-data", "tiny.h5", "-model_out", "x.h5", "-max_cases", "3", "-split", "0.1,0"],
                 r"the validation split is empty")
    expect_error(r, "fno-train", n, ["-data", "tiny.h5", "-model_out", "x.h5", "-modes", "9,4,4"] + T[:2] + T[6:],
                 r"modes")
    expect_error(r, "fno-train", n, ["-data", "tiny.h5", "-model_out", "x.h5", "-lr", "fast"], r"option -lr expects a number")
    expect_error(r, "fno-train", n, ["-data", "tiny.h5", "-model_out", "x.h5", "-groups", "3"] + T, r"-groups 3 must divide")
    # -resume: the checkpoint is never modified by a failed attempt.
    keep = ("good.checkpoint.h5",)
    expect_error(r, "fno-train", n, ["-data", "tiny.h5", "-model_out", "none.h5", "-resume"],
                 r"checkpoint 'none.checkpoint.h5' does not exist")
    expect_error(r, "fno-train", n, ["-data", "tiny.h5", "-model_out", "good.h5", "-checkpoint", "ckpt_truncated.h5", "-resume"],
                 r"ckpt_truncated.h5'?: .*(corrupt|truncated)")
    expect_error(r, "fno-train", n, ["-data", "tiny.h5", "-model_out", "good.h5", "-checkpoint", "tiny.h5", "-resume"],
                 r"not a petsc-fno model file")
    expect_error(r, "fno-train", n, ["-data", "tiny.h5", "-model_out", "good2.h5", "-checkpoint", "good.h5", "-resume"],
                 r"is a model file without optimizer state, not a checkpoint", unchanged=("good.h5",))
    expect_error(r, "fno-train", n, ["-data", "other_grid.h5", "-model_out", "good.h5", "-epochs", "4", "-resume"],
                 r"the dataset's grid 12x16x9 .* does not match the checkpoint's model grid 16x16x9", unchanged=keep)
    expect_error(r, "fno-train", n, ["-data", "fresh.h5", "-model_out", "good.h5", "-epochs", "4", "-resume"],
                 r"is not the one the checkpoint was trained on", unchanged=keep)
    expect_error(r, "fno-train", n, ["-data", "tiny.h5", "-model_out", "good.h5", "-epochs", "4", "-resume", "-width", "9"],
                 r"option -width 9 differs from the checkpoint's 8", unchanged=keep)
    # fno-eval.
    expect_error(r, "fno-eval", n, ["-model", "good.h5", "-data", "other_grid.h5"],
                 r"has the grid 12x16x9 .* but model 'good.h5' was built for 16x16x9")
    expect_error(r, "fno-eval", n, ["-model", "good.h5", "-data", "fresh.h5", "-cases", "test"], r"was split on another dataset")
    expect_error(r, "fno-eval", n, ["-model", "nowhere.h5", "-data", "tiny.h5"], r"nowhere.h5")
    expect_error(r, "fno-eval", n, ["-model", "good.h5", "-data", "tiny.h5", "-cases", "3,40"], r"case 40 is outside")
    expect_error(r, "fno-eval", n, ["-model", "ckpt_truncated.h5", "-data", "tiny.h5"], r"(corrupt|truncated)")
    check(md5(os.path.join(r.work, "good.checkpoint.h5")) == md5(os.path.join(r.work, "ckpt_copy.h5")),
          "the checkpoint survived every failed attempt byte for byte")
    finish()


def case_atomic(r, args):
    """A checkpoint write that fails leaves the previous checkpoint whole and untouched."""
    train(r, 2, "atomic", [], epochs=2)
    before = md5(os.path.join(r.work, "atomic.checkpoint.h5"))
    stage = os.path.join(r.work, "atomic.checkpoint.h5.stage")
    shutil.rmtree(stage, ignore_errors=True)
    os.makedirs(os.path.join(stage, "blocker"))  # the staging path is a non-empty directory: the write must fail
    expect_error(r, "fno-train", 2, ["-data", "tiny.h5", "-model_out", "atomic.h5", "-epochs", "4", "-resume"],
                 r"atomic.checkpoint.h5")
    check(md5(os.path.join(r.work, "atomic.checkpoint.h5")) == before, "the previous checkpoint is unchanged")
    with h5py.File(os.path.join(r.work, "atomic.checkpoint.h5"), "r") as c:
        check(int(c["checkpoint"].attrs["epoch"]) == 2, "and still holds epoch 2")
    shutil.rmtree(stage)
    r.run("fno-train", 2, ["-data", "tiny.h5", "-model_out", "atomic.h5", "-epochs", "4", "-resume"])
    rows = read_history(os.path.join(r.work, "atomic.history.csv"))
    check([int(x["epoch"]) for x in rows] == [1, 2, 3, 4], "with the obstacle gone the run resumes to epoch 4")
    finish()


def case_epochs0(r, args):
    """-epochs 0 writes a valid initialised model with /problem and normalizers."""
    train(r, 1, "init", [], epochs=0)
    with h5py.File(os.path.join(r.work, "init.h5"), "r") as m:
        check(m.attrs["format"] in (b"petsc-fno-model", "petsc-fno-model") and int(m.attrs["version"]) == 1, "format, version 1")
        check(list(m.attrs["grid"]) == [16, 16, 9] and int(m.attrs["in_channels"]) == 3, "grid 16x16x9, 3 inputs")
        check("problem" in m and "normalizers" in m and "training" in m, "/problem, /normalizers, /training present")
        check(len(m["training/history/epoch"]) == 0, "empty history")
    _, out = r.run("fno-eval", 1, ["-model", "init.h5", "-data", "tiny.h5"])
    result = json.loads(out.strip().splitlines()[-1])
    check(result["cases"] == 12 and np.isfinite(result["rel_l2_mean"]), "fno-eval runs the initialised model")
    finish()


def recompute(dataset, predictions):
    with h5py.File(dataset, "r") as d, h5py.File(predictions, "r") as p:
        cases = p["cases"][:].astype(int)
        y = d["outputs"][sorted(cases)]
        order = np.argsort(np.argsort(cases))
        y = y[order]
        x = p["prediction"][:]
    rel = np.sqrt(((x - y) ** 2).reshape(len(cases), -1).sum(1) / (y ** 2).reshape(len(cases), -1).sum(1))
    a, b = x > 0.01, y > 0.01
    inter = (a & b).reshape(len(cases), -1).sum(1)
    union = (a | b).reshape(len(cases), -1).sum(1)
    iou = np.where(union > 0, inter / np.maximum(union, 1), 1.0)
    vp, vt = a[:, -1].reshape(len(cases), -1).sum(1), b[:, -1].reshape(len(cases), -1).sum(1)
    vol = np.abs(vp - vt)[vt > 0] / vt[vt > 0]
    return {"rel_l2_mean": rel.mean(), "rel_l2_median": np.median(rel), "rel_l2_p95": np.percentile(rel, 95),
            "plume_iou_mean": iou.mean(), "plume_volume_rel_err_mean": vol.mean()}, x


def case_layout(r, args):
    """Hyperslab reading and the model's axis order: with the truth as prediction, the saved
    predictions (model order [x][y][z][t] on each rank, written back in file order) equal the
    dataset's outputs exactly, on non-square 2D and 3D grids split along each axis."""
    for data, model, grids in (("other_grid.h5", "layout2d.h5", ["1,1", "2,1", "1,2", "2,2", "3,1"]),
                               ("tiny3d.h5", "layout3d.h5", ["1,1,1", "2,1,1", "1,2,1", "1,1,2", "2,2,1", "1,2,2"])):
        r.run("fno-train", 1, ["-data", data, "-model_out", model, "-epochs", "0", "-width", "4", "-modes", "2",
                               "-layers", "1", "-proj_width", "4", "-split", "1,1"])
        with h5py.File(os.path.join(r.work, data), "r") as d:
            truth = d["outputs"][:]
            inputs = d["inputs"][:]
        for pgrid in grids:
            ranks = int(np.prod([int(v) for v in pgrid.split(",")]))
            pred = "layout_%s_%s.h5" % (model[:-3], pgrid.replace(",", ""))
            r.run("fno-eval", ranks, ["-model", model, "-data", data, "-prediction", "truth", "-pgrid", pgrid,
                                      "-save_predictions", pred, "-batch_size", "2"])
            with h5py.File(os.path.join(r.work, pred), "r") as p:
                x = p["prediction"][:]
                cases = p["cases"][:].astype(int)
            same = x.shape == truth[cases].shape and np.array_equal(x, truth[cases].astype(np.float32).astype(np.float64))
            check(same, "%s on process grid %s: saved truth equals /outputs exactly (float32)" % (data, pgrid))
        if data == "other_grid.h5":
            # Subsampling: every 2nd x, 3rd depth cell and 4th snapshot (index 0 kept).
            r.run("fno-train", 1, ["-data", data, "-model_out", "layout_sub.h5", "-epochs", "0", "-width", "4",
                                   "-modes", "2", "-layers", "1", "-proj_width", "4", "-split", "1,1", "-subsample", "2,3,4"])
            r.run("fno-eval", 2, ["-model", "layout_sub.h5", "-data", data, "-prediction", "truth",
                                  "-save_predictions", "layout_sub_pred.h5"])
            with h5py.File(os.path.join(r.work, "layout_sub_pred.h5"), "r") as p, \
                    h5py.File(os.path.join(r.work, "layout_sub.h5"), "r") as m:
                x = p["prediction"][:]
                expected = truth[:, ::4, ::3, ::2].astype(np.float32).astype(np.float64)
                check(x.shape == (4, 3, 6, 6) and np.array_equal(x, expected),
                      "-subsample 2,3,4: saved truth equals outputs[:, ::4, ::3, ::2] (shape %s)" % (x.shape,))
                with h5py.File(os.path.join(r.work, data), "r") as d:
                    check(np.array_equal(m["problem"].attrs["times"], d["times"][::4] * 86400.0),
                          "-subsample: /problem times are every 4th snapshot in seconds")
        # Channel 0 of the model's input is the dataset's first field: the normalizer's mean of
        # the training split equals numpy's (axis order does not matter for the mean, the field does).
        with h5py.File(os.path.join(r.work, model), "r") as m:
            train_cases = sorted(m["training/split/train"][:])
            mean = m["normalizers/input/mean"][:]
        expected = inputs[train_cases].swapaxes(0, 1).reshape(inputs.shape[1], -1).mean(axis=1)
        check(np.allclose(mean, expected, rtol=1e-5, atol=1e-7), "%s: input means per field (1e-5)" % data)
    finish()


def case_eval(r, args):
    """fno-eval: known answers, metrics against numpy on saved predictions, 1 vs 2 ranks, PNG."""
    train(r, 1, "evalmodel", [], epochs=3)
    for ranks in (1, 2):
        _, out = r.run("fno-eval", ranks, ["-model", "evalmodel.h5", "-data", "tiny.h5", "-prediction", "truth"])
        t = json.loads(out.strip().splitlines()[-1])
        check(t["rel_l2_mean"] == 0 and t["rel_l2_p95"] == 0 and t["plume_iou_mean"] == 1 and
              t["plume_volume_rel_err_mean"] == 0 and t["cases"] == 12,
              "%d rank(s): truth as prediction -> rel L2 0, IoU 1, volume error 0 over 12 cases" % ranks)
        _, out = r.run("fno-eval", ranks, ["-model", "evalmodel.h5", "-data", "tiny.h5", "-prediction", "zero", "-cases", "0-5"])
        z = json.loads(out.strip().splitlines()[-1])
        check(z["rel_l2_mean"] == 1 and z["plume_iou_mean"] == 0 and z["plume_volume_rel_err_mean"] == 1 and z["cases"] == 6,
              "%d rank(s): zero prediction -> rel L2 1, IoU 0, volume error 1 over cases 0-5" % ranks)
    results = {}
    for ranks in (1, 2):
        pred = "pred_np%d.h5" % ranks
        _, out = r.run("fno-eval", ranks, ["-model", "evalmodel.h5", "-data", "tiny.h5", "-cases", "0,2,5-11",
                                           "-batch_size", "2", "-save_predictions", pred, "-png", "strip_np%d.png" % ranks])
        results[ranks] = json.loads(out.strip().splitlines()[-1])
        ours = results[ranks]
        numpy_metrics, x = recompute(os.path.join(r.work, "tiny.h5"), os.path.join(r.work, pred))
        check(x.min() >= 0 and x.max() <= 1, "saved predictions lie in [0, 1] (clipped as /problem says)")
        for key, value in numpy_metrics.items():
            check(abs(ours[key] - value) <= 1e-6 * max(1.0, abs(value)),
                  "%d rank(s): %s %.9g equals numpy's %.9g on the saved predictions (1e-6)" % (ranks, key, ours[key], value))
        for key in ("cases", "ms_per_case", "plume_volume_cases", "ranks"):
            check(key in ours, "JSON has %s" % key)
        with open(os.path.join(r.work, "strip_np%d.png" % ranks), "rb") as f:
            head = f.read(24)
        w, h = int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")
        check(head[:8] == b"\x89PNG\r\n\x1a\n" and w >= 600 and h >= 600, "PNG strip written (%dx%d)" % (w, h))
    for key in ("rel_l2_mean", "rel_l2_median", "rel_l2_p95", "plume_iou_mean", "plume_volume_rel_err_mean"):
        a, b = results[1][key], results[2][key]
        check(abs(a - b) <= 1e-5 * max(1e-3, abs(a)), "%s on 1 and 2 ranks agree (1e-5): %.9g, %.9g" % (key, a, b))
    check(results[1]["cases"] == 9, "the case list 0,2,5-11 names 9 cases")
    finish()


# ---- schema v2: recorded trajectories -------------------------------------------------------

V2 = ["-data", "traj.h5", "-width", "8", "-modes", "4,4,4", "-layers", "2", "-proj_width", "16", "-batch_size", "3",
      "-split", "4,4", "-lr", "0.01"]


def text(value):
    return value.decode() if isinstance(value, bytes) else str(value)


def case_v2(r, args):
    """fno-train and fno-eval on a v2 dataset with no extra options: the loss falls, /problem
    lists the initial-state inputs and both outputs, normalizers per channel, fno-eval agrees
    with validation, v2 keys present and plume keys absent, saved predictions and PNG."""
    n = args.ranks
    name = "v2_np%d" % n
    _, out = r.run("fno-train", n, V2 + ["-model_out", name + ".h5", "-epochs", "8"])
    check(re.search(r"fno-train: inputs nu, u \(initial state\), v \(initial state\) -> outputs u, v at 9 times \(s\)",
                    out) is not None, "fno-train names the dataset's inputs and outputs")
    rows = read_history(os.path.join(r.work, name + ".history.csv"))
    loss, val = column(rows, "train_loss"), column(rows, "val_rel_l2")
    check(len(rows) == 8 and loss[-1] < 0.8 * loss[0], "training loss falls by > 20%%: %.4f -> %.4f" % (loss[0], loss[-1]))
    check(val[-1] < val[0], "validation relative L2 falls: %.4f -> %.4f" % (val[0], val[-1]))
    with h5py.File(os.path.join(r.work, name + ".h5"), "r") as m, h5py.File(os.path.join(r.work, "traj.h5"), "r") as d:
        check(int(m.attrs["in_channels"]) == 3 and int(m.attrs["out_channels"]) == 2, "3 input channels, 2 outputs")
        p = m["problem"]
        inputs = [(text(p["inputs/%d" % k].attrs["name"]), text(p["inputs/%d" % k].attrs["source"]),
                   text(p["inputs/%d" % k].attrs["kind"]) if "kind" in p["inputs/%d" % k].attrs else "field")
                  for k in range(len(p["inputs"]))]
        check(inputs == [("nu", "nu", "field"), ("u", "u", "initial_state"), ("v", "v", "initial_state")],
              "/problem inputs: nu (field), u and v (initial state): %s" % inputs)
        outputs = [text(p["outputs/%d" % k].attrs["name"]) for k in range(len(p["outputs"]))]
        check(outputs == ["u", "v"], "/problem outputs u, v: %s" % outputs)
        check(np.array_equal(p.attrs["times"], d["times"][:]), "/problem times = the dataset's times as stored")
        train_cases = sorted(m["training/split/train"][:])
        y = d["outputs"][train_cases]  # [case][time][component][y][x]
        mean = y.transpose(2, 0, 1, 3, 4).reshape(2, -1).mean(axis=1)
        std = y.transpose(2, 0, 1, 3, 4).reshape(2, -1).std(axis=1)
        check(np.allclose(m["normalizers/output/mean"][:], mean, rtol=1e-5) and
              np.allclose(m["normalizers/output/std"][:], std, rtol=1e-5),
              "output normalizer per output over the training split (1e-5)")
        x0 = d["initial"][train_cases]
        imean = np.concatenate([d["inputs"][train_cases].mean(axis=(0, 2, 3)), x0.mean(axis=(0, 2, 3))])
        check(np.allclose(m["normalizers/input/mean"][:], imean, rtol=1e-5), "input normalizer: nu, then initial u, v")
    _, out = r.run("fno-eval", n, ["-model", name + ".h5", "-data", "traj.h5", "-cases", "val", "-png", name + ".png",
                                   "-save_predictions", name + "_pred.h5"])
    result = json.loads(out.strip().splitlines()[-1])
    check(abs(result["rel_l2_mean"] - val[-1]) <= 1e-5 * val[-1],
          "fno-eval -cases val %.7f equals the last validation rel L2 %.7f (1e-5)" % (result["rel_l2_mean"], val[-1]))
    check(sorted(result["rel_l2_by_output"]) == ["u", "v"] and
          all(np.isfinite(v) for v in result["rel_l2_by_output"].values()), "rel_l2_by_output has u and v")
    check(not any(k.startswith("plume") for k in result), "no plume keys without a saturation output")
    with open(os.path.join(r.work, name + ".png"), "rb") as f:
        check(f.read(8) == b"\x89PNG\r\n\x1a\n", "PNG strip written")
    # The metrics from the saved predictions [case][time][output][y][x] (float64 sums).
    with h5py.File(os.path.join(r.work, name + "_pred.h5"), "r") as pf, h5py.File(os.path.join(r.work, "traj.h5"), "r") as d:
        x = pf["prediction"][:]
        cases = pf["cases"][:].astype(int)
        truth = np.stack([d["outputs"][c] for c in cases])
    check(x.shape == (4, 9, 2, 12, 16), "saved predictions [case][time][output][y][x] %s" % (x.shape,))
    rel = np.sqrt(((x - truth) ** 2).reshape(4, -1).sum(1) / (truth ** 2).reshape(4, -1).sum(1))
    check(abs(rel.mean() - result["rel_l2_mean"]) <= 1e-5 * rel.mean(),
          "rel_l2_mean %.7f equals numpy's over both outputs %.7f (1e-5)" % (result["rel_l2_mean"], rel.mean()))
    rel_u = np.sqrt(((x[:, :, 0] - truth[:, :, 0]) ** 2).reshape(4, -1).sum(1) / (truth[:, :, 0] ** 2).reshape(4, -1).sum(1))
    check(abs(rel_u.mean() - result["rel_l2_by_output"]["u"]) <= 1e-5 * rel_u.mean(),
          "rel_l2_by_output u %.7f equals numpy's %.7f (1e-5)" % (result["rel_l2_by_output"]["u"], rel_u.mean()))
    # Known answers: the truth as prediction, saved in file order exactly (float32).
    _, out = r.run("fno-eval", n, ["-model", name + ".h5", "-data", "traj.h5", "-prediction", "truth",
                                   "-save_predictions", name + "_truth.h5", "-batch_size", "5"])
    t = json.loads(out.strip().splitlines()[-1])
    check(t["rel_l2_mean"] == 0 and t["cases"] == 24 and t["rel_l2_by_output"] == {"u": 0, "v": 0},
          "truth as prediction: rel L2 0 over 24 cases, per output too")
    with h5py.File(os.path.join(r.work, name + "_truth.h5"), "r") as pf, h5py.File(os.path.join(r.work, "traj.h5"), "r") as d:
        same = np.array_equal(pf["prediction"][:], d["outputs"][:].astype(np.float32).astype(np.float64))
        check(same, "saved truth equals /outputs exactly (float32)")
    finish()


def case_v2_parallel(r, args):
    """v2: 1 rank, a 2x1 and a 1x2 partition of the grid, and 2 data-parallel groups give the
    same loss history (1e-5, float)."""
    histories = {}
    for label, ranks, extra in (("1x1", 1, []), ("mp2x1", 2, ["-groups", "1", "-pgrid", "2,1"]),
                                ("mp1x2", 2, ["-groups", "1", "-pgrid", "1,2"]), ("dp2", 2, ["-groups", "2"])):
        name = "v2_parallel_%s" % label
        r.run("fno-train", ranks, V2 + ["-model_out", name + ".h5", "-epochs", "4"] + extra)
        histories[label] = read_history(os.path.join(r.work, name + ".history.csv"))
    reference = histories["1x1"]
    for label, rows in histories.items():
        for key in ("train_loss", "val_rel_l2"):
            a, b = column(reference, key), column(rows, key)
            worst = float(np.max(np.abs(a - b) / np.abs(a)))
            check(worst <= 1e-5, "%s %s equals the 1-rank history: max relative difference %.2e (<= 1e-5)" % (label, key, worst))
    finish()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("case")
    parser.add_argument("--bin", required=True)
    parser.add_argument("--mpiexec", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--ranks", type=int, default=1)
    args = parser.parse_args()
    r = Runner(args)
    if args.case != "data":
        if not os.path.exists(os.path.join(r.work, "tiny.h5")):
            print("the data fixture (training_programs_data) has not run")
            sys.exit(1)
    {"data": case_data, "loss": case_loss, "parallel": case_parallel, "kill_resume": case_kill_resume,
     "errors": case_errors, "atomic": case_atomic, "layout": case_layout, "epochs0": case_epochs0, "eval": case_eval,
     "v2": case_v2, "v2_parallel": case_v2_parallel}[args.case](r, args)


if __name__ == "__main__":
    main()
