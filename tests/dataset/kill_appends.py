#!/usr/bin/python3
"""A recording SIGKILLed at random moments while it appends cases (README "Datasets of
recorded trajectories"): each round starts `fno-test-append-loop append FILE` on the same file,
kills it with SIGKILL after a random delay (seeded), then `fno-test-append-loop verify FILE`
must open the file (check_trajectory_file), find at most the last case unfinished and read
every done case back exactly; the done count never falls, and the rounds together must have
finished cases (kills in the middle of a case are reported; the sweep covers every write). Kills that fell
between growing the per-case arrays and growing /done (longer arrays than cases) are counted
and reported, not required: that window is a small part of a case.

sweep: the same at every write instead of at random moments: the first recording, killed
before each write of creating the file, leaves no dataset or an accepted one; a file of CASES (3) done cases
is appended to once, killed (SIGKILL, by the writer itself through MPI's profiling interface)
just before its K-th MPI-IO write, for every K of one append; each time `verify` must accept
the file (the base's done cases, or one more), a further recording must append to it, and
`verify` must then find one more done case. Then the same for a file whose last case (the
CASES + 1-th) is unfinished: the append reuses it (drops its rows and adds them again).

Usage: kill_appends.py PROGRAM WORKDIR SEED [SECONDS]
       kill_appends.py sweep PROGRAM WORKDIR [CASES]   (CASES: done cases of the base file, 3)
"""
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time

# One rank without mpiexec: an isolated singleton starts in about 0.1 s.
SINGLETON_ENV = dict(OMPI_MCA_ess_singleton_isolated="1", OMPI_MCA_btl="self", OMPI_MCA_pml="ob1",
                     OMPI_MCA_osc="^ucx", OMPI_MCA_mtl="^ofi", OMPI_MCA_sharedfp="^sm")


def sweep_base(run, base, path, label):
    """Kills one append to `base` (a copy at `path`) before each of its writes in turn; each
    time `verify` must accept the file (with the done cases of the base, or one more), a further
    recording must append to it and `verify` must then find one more done case. Returns (writes, failed kill points)."""
    shutil.copy(base, path)
    before = run("verify", path)
    m = re.search(r"done (\d+)", before.stdout)
    n = re.search(r"writes (\d+)", run("create", path, "1").stdout)
    if before.returncode != 0 or not m or not n:
        print(f"FAIL {label}: cannot verify the base file or count the writes of one append: "
              f"{before.stdout.strip()} {before.stderr.strip()}")
        return 0, [0]
    done_before, writes, failures = int(m.group(1)), int(n.group(1)), []
    for k in range(1, writes + 1):
        shutil.copy(base, path)
        killed = run("append", path, str(k))
        verdict = run("verify", path)
        again = run("create", path, "1") if verdict.returncode == 0 else None
        after = run("verify", path) if again is not None and again.returncode == 0 else None
        m = re.search(r"done (\d+)", verdict.stdout)
        n = re.search(r"done (\d+)", after.stdout) if after is not None else None
        ok = (killed.returncode == -signal.SIGKILL and verdict.returncode == 0 and again.returncode == 0 and
              after.returncode == 0 and m is not None and n is not None and
              done_before <= int(m.group(1)) <= done_before + 1 and int(n.group(1)) == int(m.group(1)) + 1)
        text = (verdict.stdout + verdict.stderr + (again.stderr if again else "")).strip()
        if after is not None:
            text += " | after a further recording: " + (after.stdout + after.stderr).strip()
        print(f"{'ok  ' if ok else 'FAIL'} {label}: killed before write {k} of {writes}: {text}")
        if not ok:
            failures.append(k)
    return writes, failures


def sweep(program, workdir, cases=3):
    os.makedirs(workdir, exist_ok=True)
    env = dict(os.environ, **SINGLETON_ENV)
    base, unfinished, path = (os.path.join(workdir, name) for name in ("base.h5", "unfinished.h5", "killed.h5"))
    for f in (base, unfinished, path):
        if os.path.exists(f):
            os.remove(f)
    run = lambda *args: subprocess.run([program, *args], env=env, capture_output=True, text=True, errors="replace",
                                       timeout=60)
    run("create", base, str(cases))
    # CASES done cases and one more unfinished (its writer killed as late as that leaves it so),
    # which the next recording adds again: the sweep then covers dropping and regrowing its rows.
    shutil.copy(base, unfinished)
    m = re.search(r"writes (\d+)", run("create", unfinished, "1").stdout)
    made = False
    for k in range(int(m.group(1)) if m else 0, 0, -1):
        shutil.copy(base, unfinished)
        run("append", unfinished, str(k))
        if re.search(rf"cases {cases + 1} done {cases}\b", run("verify", unfinished).stdout):
            made = True
            break
    if not made:
        print("FAIL cannot make a file whose last case is unfinished")
        return 1
    total = 0
    failed = []
    # The first recording, killed before each write of creating the file: either no dataset
    # exists yet (the file is made as FILE.tmp.PID and renamed once its structure is flushed)
    # or it is accepted; a further recording must then give one more done case.
    created, count = os.path.join(workdir, "created.h5"), os.path.join(workdir, "count.h5")
    if os.path.exists(count):
        os.remove(count)
    n = re.search(r"writes (\d+)", run("create", count, "1").stdout)
    writes = int(n.group(1)) if n else 0
    for k in range(1, writes + 1):
        for f in os.listdir(workdir):
            if f.startswith("created.h5"):
                os.remove(os.path.join(workdir, f))
        killed = run("append", created, str(k))
        existed = os.path.exists(created)
        before = run("verify", created) if existed else None
        m = re.search(r"done (\d+)", before.stdout) if before is not None else None
        again = run("create", created, "1")
        after = run("verify", created)
        n = re.search(r"done (\d+)", after.stdout)
        ok = (killed.returncode == -signal.SIGKILL and (not existed or (before.returncode == 0 and m is not None)) and
              again.returncode == 0 and after.returncode == 0 and n is not None and
              int(n.group(1)) == (int(m.group(1)) if m else 0) + 1)
        text = ("no dataset yet" if not existed else (before.stdout + before.stderr).strip()) + \
            " | after a further recording: " + (after.stdout + after.stderr + again.stderr).strip()
        print(f"{'ok  ' if ok else 'FAIL'} create: killed before write {k} of {writes}: {text}")
        if not ok:
            failed.append(f"create {k}")
    total += writes
    for file, label in ((base, "append"), (unfinished, "reuse")):
        writes, failures = sweep_base(run, file, path, label)
        total += writes
        failed += [f"{label} {k}" for k in failures]
    print(f"{total} kill points, {len(failed)} failed: {failed}")
    return 1 if failed else 0


def main():
    if sys.argv[1] == "sweep":
        return sweep(sys.argv[2], sys.argv[3], int(sys.argv[4]) if len(sys.argv) > 4 else 3)
    program, workdir, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
    budget = float(sys.argv[4]) if len(sys.argv) > 4 else 20.0
    os.makedirs(workdir, exist_ok=True)
    path = os.path.join(workdir, "appended.h5")
    if os.path.exists(path):
        os.remove(path)
    env = dict(os.environ, **SINGLETON_ENV)
    rng = random.Random(seed)
    start = time.monotonic()
    rounds = kills_mid_case = kills_mid_growth = 0
    last_done = 0
    failures = []
    while time.monotonic() - start < budget or rounds < 3:
        rounds += 1
        writer = subprocess.Popen([program, "append", path], env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, text=True, errors="replace")
        # The writer needs ~0.1-0.5 s to start (MPI, the first check of the file); kill it
        # anywhere from before its first case to after a few.
        delay = rng.uniform(0.05, 1.2)
        try:
            writer.wait(timeout=delay)
            failures.append(f"round {rounds}: the writer stopped by itself (exit {writer.returncode}): "
                            f"{writer.stderr.read().strip()}")
            break
        except subprocess.TimeoutExpired:
            writer.send_signal(signal.SIGKILL)
            writer.wait()
            writer.stderr.close()
        if not os.path.exists(path):
            print(f"round {rounds}: killed after {delay:.2f} s, before the file existed")
            continue
        p = subprocess.run([program, "verify", path], env=env, capture_output=True, text=True, errors="replace",
                           timeout=60)
        m = re.search(r"cases (\d+) done (\d+) rows (\d+)", p.stdout)
        if p.returncode != 0 or not m:
            failures.append(f"round {rounds} (killed after {delay:.2f} s): verify failed (exit {p.returncode}): "
                            f"{p.stdout.strip()} {p.stderr.strip()}")
            break
        cases, done, rows = int(m.group(1)), int(m.group(2)), int(m.group(3))
        if cases > done or rows > cases:
            kills_mid_case += 1
        if rows > cases:
            kills_mid_growth += 1
        if done < last_done:
            failures.append(f"round {rounds}: {done} done cases, fewer than the {last_done} before")
            break
        last_done = done
        print(f"round {rounds}: killed after {delay:.2f} s: {cases} cases, {done} done, {rows} rows")
    if not failures and last_done == 0:
        failures.append("no case was ever finished: the writer never got far enough (machine too slow?)")
    if kills_mid_case == 0:
        # Random moments mostly fall between cases (a case of this small grid takes ~50 ms); the
        # sweep (dataset_killed_appends_every_write) kills before every single write instead.
        print("note: no kill fell in the middle of a case this time (the every-write sweep covers those)")
    print(f"{rounds} rounds in {time.monotonic() - start:.1f} s, {last_done} done cases, "
          f"{kills_mid_case} kills left an unfinished case ({kills_mid_growth} of them arrays longer than /done)")
    for f in failures:
        print("FAIL", f)
    if failures:
        print(f"(the file is kept: {path})")
    else:
        os.remove(path)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
