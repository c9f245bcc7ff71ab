#!/usr/bin/python3
"""A recording SIGKILLed at random moments while it appends cases (README "Datasets of
recorded trajectories"): each round starts `fno-test-append-loop append FILE` on the same file,
kills it with SIGKILL after a random delay (seeded), then `fno-test-append-loop verify FILE`
must open the file (check_trajectory_file), find at most the last case unfinished and read
every done case back exactly; the done count never falls, and the rounds together must have
finished cases and killed the writer in the middle of a case at least once. Kills that fell
between growing the per-case arrays and growing /done (longer arrays than cases) are counted
and reported, not required: that window is a small part of a case.

sweep: the same at every write instead of at random moments: a file of 3 cases is
appended to once, killed (SIGKILL, by the writer itself through MPI's profiling interface)
just before its K-th MPI-IO write, for every K of one append; each time `verify` must accept
the file and a further recording must append to it.

Usage: kill_appends.py PROGRAM WORKDIR SEED [SECONDS]
       kill_appends.py sweep PROGRAM WORKDIR
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


def sweep(program, workdir):
    os.makedirs(workdir, exist_ok=True)
    env = dict(os.environ, **SINGLETON_ENV)
    base, path = os.path.join(workdir, "base.h5"), os.path.join(workdir, "killed.h5")
    for f in (base, path):
        if os.path.exists(f):
            os.remove(f)
    run = lambda *args: subprocess.run([program, *args], env=env, capture_output=True, text=True, errors="replace",
                                       timeout=60)
    run("create", base, "3")
    shutil.copy(base, path)
    m = re.search(r"writes (\d+)", run("create", path, "1").stdout)
    if not m:
        print("FAIL cannot count the writes of one append")
        return 1
    writes, failures = int(m.group(1)), []
    for k in range(1, writes + 1):
        shutil.copy(base, path)
        killed = run("append", path, str(k))
        verdict = run("verify", path)
        again = run("create", path, "1") if verdict.returncode == 0 else None
        ok = killed.returncode == -signal.SIGKILL and verdict.returncode == 0 and again.returncode == 0
        text = (verdict.stdout + verdict.stderr + (again.stderr if again else "")).strip()
        print(f"{'ok  ' if ok else 'FAIL'} killed before write {k} of {writes}: {text}")
        if not ok:
            failures.append(k)
    print(f"{writes} kill points, {len(failures)} failed: {failures}")
    return 1 if failures else 0


def main():
    if sys.argv[1] == "sweep":
        return sweep(sys.argv[2], sys.argv[3])
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
    if not failures and kills_mid_case == 0:
        failures.append("no kill left an unfinished case: the test did not kill a writer in the middle of a case")
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
