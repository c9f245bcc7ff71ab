#!/usr/bin/python3
"""Untrusted-file tests (issue 11), driving fno-file-check in subprocesses.

replay:  every file of the committed corpus (corpus/expected.txt) on N ranks: valid files
         load; each reproducer is refused with exit status 1 and exactly one error line per
         rank, the same on every rank, matching the expected expression; nothing crashes.
mutate:  seeded random byte-mutants of valid files (bit flips, byte and integer overwrites,
         block copies, insertions, deletions, truncations), each read in its own process
         with a timeout: it loads (exit 0) or is refused with one clear error (exit 1, one
         "fno-file-check error" line); a signal, a sanitizer report, an unexpected exception
         (exit 3) or a timeout is a defect. Prints one JSON line of counts per base file and
         keeps every defective mutant in the work directory.

Usage:
  file_test.py replay CHECKER CORPUS_DIR RANKS [MPIEXEC [REGEX ...]]  (files whose KIND/FILE matches every REGEX)
  file_test.py mutate CHECKER WORKDIR SEED COUNT KIND:FILE [KIND:FILE ...]
"""
import concurrent.futures
import json
import os
import random
import re
import subprocess
import sys
import threading

# One rank without mpiexec: an isolated singleton without the network transports starts in
# about 0.1 s instead of 0.4 s, which is most of a mutant's cost.
SINGLETON_ENV = dict(OMPI_MCA_ess_singleton_isolated="1", OMPI_MCA_btl="self", OMPI_MCA_pml="ob1",
                     OMPI_MCA_osc="^ucx", OMPI_MCA_mtl="^ofi", OMPI_MCA_sharedfp="^sm")
SANITIZER_ENV = dict(ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:allocator_may_return_null=0",
                     UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1")
ERROR_LINE = re.compile(r"^\[(\d+)\] fno-file-check error: (.*)$")
DEFECT_TEXT = re.compile(r"AddressSanitizer|runtime error:|LeakSanitizer|unexpected exception|Segmentation|"
                         r"beyond what any file may justify|terminate called")


# Open MPI itself failing to start (a session directory raced away under load) says nothing
# about the file: such a run is repeated, up to three times.
MPI_START_FAILURE = re.compile(r"orte_init failed|ompi_rte_init failed|MPI_INIT has failed|orte_session_dir failed")
mpi_start_retries = 0


def run(command, timeout, extra_env=None):
    global mpi_start_retries
    env = dict(os.environ)
    env.update(SANITIZER_ENV)
    env.update(extra_env or {})
    for attempt in range(3):
        try:
            p = subprocess.run(command, capture_output=True, text=True, errors="replace", timeout=timeout, env=env)
            result = (p.returncode, p.stdout, p.stderr)
        except subprocess.TimeoutExpired as e:
            out = e.stdout.decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
            err = e.stderr.decode(errors="replace") if isinstance(e.stderr, bytes) else (e.stderr or "")
            return None, out, err
        if result[0] == 0 or "fno-file-check" in result[2] or not MPI_START_FAILURE.search(result[1] + result[2]):
            return result
        mpi_start_retries += 1
    return result


def classify(rc, out, err, ranks):
    """'loaded', 'refused' or a defect: 'crashed', 'hung', 'unclear'; with the error text."""
    if rc is None:
        return "hung", ""
    text = out + err
    if DEFECT_TEXT.search(text) or rc not in (0, 1):
        return "crashed", text[-2000:]
    errors = [ERROR_LINE.match(line) for line in err.splitlines()]
    errors = [m for m in errors if m]
    if rc == 0:
        return ("loaded", "") if not errors else ("unclear", text[-2000:])
    messages = {m.group(2) for m in errors}
    ranks_seen = sorted(int(m.group(1)) for m in errors)
    if ranks_seen != list(range(ranks)) or len(messages) != 1:
        return "unclear", text[-2000:]
    return "refused", messages.pop()


def replay(checker, corpus, ranks, mpiexec=None, select=()):
    failures = 0
    counts = {"loads": 0, "refused": 0}
    for line in open(os.path.join(corpus, "expected.txt")):
        if line.startswith("#") or not line.strip():
            continue
        kind, name, outcome, regex = line.rstrip("\n").split("\t")
        if not all(re.search(expression, f"{kind}/{name}") for expression in select):
            continue
        path = os.path.join(corpus, kind, name)
        command = [checker, kind, path]
        env = SINGLETON_ENV if ranks == 1 else {}
        if ranks > 1:
            command = [mpiexec, "-n", str(ranks)] + command
        rc, out, err = run(command, 120, env)
        verdict, message = classify(rc, out, err, ranks)
        ok = (outcome == "loads" and verdict == "loaded") or (
            outcome == "refused" and verdict == "refused" and re.search(regex, message) is not None)
        counts[outcome] += 1
        print(f"{'ok  ' if ok else 'FAIL'} {kind}/{name}: {verdict}: {message or out.strip()}")
        if not ok:
            failures += 1
            print(f"     expected {outcome} {regex!r}; exit {rc}\n     stdout: {out.strip()}\n     stderr: {err.strip()}")
    print(json.dumps({"test": "replay", "ranks": ranks, "files": counts["loads"] + counts["refused"],
                      "valid": counts["loads"], "reproducers": counts["refused"], "failures": failures}))
    return failures == 0


# ---- mutations ---------------------------------------------------------------------------

INTERESTING = [0, 1, 2, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff,
               0x100000000, 0x7fffffffffffffff, 0x8000000000000000, 0xffffffffffffffff, 704643080, 4063234]


def mutate(data, rng):
    d = bytearray(data)
    kind = rng.randrange(8)
    n = len(d)
    if kind == 0:  # flip 1-8 bits
        for _ in range(rng.randint(1, 8)):
            i = rng.randrange(n)
            d[i] ^= 1 << rng.randrange(8)
    elif kind == 1:  # set 1-8 bytes
        for _ in range(rng.randint(1, 8)):
            d[rng.randrange(n)] = rng.choice([0, 1, 0x7f, 0x80, 0xff, rng.randrange(256)])
    elif kind == 2:  # an interesting little-endian integer of 1, 2, 4 or 8 bytes
        width = rng.choice([1, 2, 4, 8])
        i = rng.randrange(max(1, n - width))
        value = rng.choice(INTERESTING) & ((1 << (8 * width)) - 1)
        d[i:i + width] = value.to_bytes(width, "little")
    elif kind == 3:  # copy a block elsewhere
        length = rng.randint(1, 64)
        src, dst = rng.randrange(n), rng.randrange(n)
        block = d[src:src + length]
        d[dst:dst + len(block)] = block
    elif kind == 4:  # insert random bytes
        i = rng.randrange(n)
        d[i:i] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
    elif kind == 5:  # delete bytes
        i = rng.randrange(n)
        del d[i:i + rng.randint(1, 16)]
    elif kind == 6:  # truncate
        del d[rng.randrange(n):]
    else:  # several of the above
        for _ in range(rng.randint(2, 4)):
            d = bytearray(mutate(bytes(d), rng)) if len(d) > 16 else d
    return bytes(d)


def mutate_all(checker, workdir, seed, count, bases):
    os.makedirs(workdir, exist_ok=True)
    ok = True
    for base in bases:
        kind, path = base.split(":", 1)
        rc, out, err = run([checker, kind, path], 120, SINGLETON_ENV)
        if classify(rc, out, err, 1)[0] != "loaded":
            print(f"FAIL the base file {path} does not load: {out}{err}")
            return False
        data = open(path, "rb").read()
        stem = f"{kind}-{os.path.basename(path)}"
        rng = random.Random(f"{seed}:{stem}")
        mutants = []
        for k in range(count):
            mutant = os.path.join(workdir, f"{stem}-{k:04d}.h5")
            open(mutant, "wb").write(mutate(data, rng))
            mutants.append(mutant)

        def check(mutant):
            session = os.path.join(workdir, f"ompi-{threading.get_ident()}")
            os.makedirs(session, exist_ok=True)
            env = dict(SINGLETON_ENV, OMPI_MCA_orte_tmpdir_base=session)
            return mutant, classify(*run([checker, kind, mutant], 30, env), 1)

        counts = {"loaded": 0, "refused": 0, "crashed": 0, "hung": 0, "unclear": 0}
        messages = {}
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            for mutant, (verdict, message) in pool.map(check, mutants):
                counts[verdict] += 1
                if verdict in ("loaded", "refused"):
                    os.remove(mutant)
                    if verdict == "refused":
                        key = re.sub(r"'[^']*\.h5'", "'F'", message)[:90]
                        messages[key] = messages.get(key, 0) + 1
                else:
                    ok = False
                    print(f"DEFECT {verdict}: {mutant}\n{message}")
        print(json.dumps({"test": "mutate", "base": stem, "seed": seed, "mutants": count, **counts,
                          "mpi_start_retries": mpi_start_retries}))
        for key, n in sorted(messages.items(), key=lambda kv: -kv[1])[:8]:
            print(f"    {n:4d} x {key}")
    return ok


def main():
    if len(sys.argv) >= 4 and sys.argv[1] == "replay":
        ok = replay(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5] if len(sys.argv) > 5 else None,
                    sys.argv[6:])
    elif len(sys.argv) >= 7 and sys.argv[1] == "mutate":
        ok = mutate_all(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), sys.argv[6:])
    else:
        print(__doc__)
        return 2
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
