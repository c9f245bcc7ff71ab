#!/usr/bin/python3
"""Writes the committed corpus of tests/files/corpus (run with Debian's /usr/bin/python3,
which has h5py): small valid files that must load, and reproducers that must be refused
with one clear error. corpus/expected.txt lists each file with its kind, the outcome and a
regular expression its error must match.

The files follow the README's schemas, written by h5py rather than by petsc-fno, so the
readers are also exercised on another writer's layout. Reproducers:
- model files whose root attributes are absurd (the values of issue 11, which made Fno::Fno
  allocate absurd sizes), inconsistent with /params, or with a malformed /problem;
- files in HDF5's oldest format (no checksums), one of them with a corrupted object header
  (the kind that crashed HDF5 1.10 inside H5Aexists);
- checksummed files with a corrupted object header, a corrupted parameter chunk, or data
  stored elsewhere (external link, compression);
- datasets with bad times, done flags, values, shapes or storage;
- recorded-trajectory datasets (schema petsc-fno-dataset-v2, kind "trajectory"): the valid
  base is written by petsc-fno's own fno::TrajectoryWriter (`fno-file-check write-trajectory`),
  a second valid one (3D, no input fields, per-case arrays longer than /done, as a recording
  killed while growing them leaves them) by h5py; reproducers with bad attributes, shapes,
  storage, done flags and values written by h5py, and damaged copies of the writer's file
  (a corrupted output chunk, object header or superblock, a truncation).

Usage: make_corpus.py OUTPUT_DIR FNO_FILE_CHECK  (the fno-file-check of a build, for the writer's file)
"""
import os
import shutil
import subprocess
import sys

import h5py
import numpy as np

if len(sys.argv) != 3:
    sys.exit(__doc__)
OUT = sys.argv[1]
CHECKER = os.path.abspath(sys.argv[2])
MODEL_DIR = os.path.join(OUT, "model")
DATASET_DIR = os.path.join(OUT, "dataset")
TRAJECTORY_DIR = os.path.join(OUT, "trajectory")
expected = []


def config(**overrides):
    c = dict(space_dims=2, grid=[4, 4, 4], width=2, modes=[1, 1, 2], layers=1, proj_width=2,
             in_channels=1, out_channels=1, padding=0)
    c.update(overrides)
    return c


def parameter_shapes(c):
    """Names and global shapes in the order of fno::parameter_shapes."""
    d = c["space_dims"] + 1
    w, p = c["width"], c["proj_width"]
    block = [2 * m for m in c["modes"][:-1]] + [c["modes"][-1]]
    shapes = [("lift.weight", [w, c["in_channels"] + d]), ("lift.bias", [w])]
    for layer in range(c["layers"]):
        shapes.append((f"layers.{layer}.spectral.weights", [w, w] + block + [2]))
        shapes.append((f"layers.{layer}.pointwise.weight", [w, w]))
        shapes.append((f"layers.{layer}.pointwise.bias", [w]))
    shapes += [("proj.fc1.weight", [p, w]), ("proj.fc1.bias", [p]),
               ("proj.fc2.weight", [c["out_channels"], p]), ("proj.fc2.bias", [c["out_channels"]])]
    return shapes


def put_string(obj, name, text):
    obj.attrs.create(name, np.bytes_(text.encode()))


def dataset(group, name, data, checksummed=True, **kw):
    if checksummed and data.size > 0:
        return group.create_dataset(name, data=data, chunks=data.shape, fletcher32=True, **kw)
    return group.create_dataset(name, data=data, **kw)


def write_model(path, c=None, libver="v110", problem=True, normalizers=True, checkpoint=False, attrs=None):
    c = c or config()
    rng = np.random.default_rng(7)
    with h5py.File(path, "w", libver=libver) as f:
        put_string(f, "format", "petsc-fno-model")
        f.attrs["version"] = np.int64(1)
        for key in ("space_dims", "width", "layers", "proj_width", "in_channels", "out_channels", "padding"):
            f.attrs[key] = np.int64(c[key])
        f.attrs["grid"] = np.array(c["grid"], dtype=np.int64)
        f.attrs["modes"] = np.array(c["modes"], dtype=np.int64)
        for key, value in (attrs or {}).items():
            f.attrs[key] = value
        params = f.create_group("params")
        put_string(params, "dtype", "float32")
        for name, shape in parameter_shapes(c):
            dataset(params, name, rng.uniform(-0.5, 0.5, shape).astype(np.float32))
        if normalizers:
            for which, n in (("input", c["in_channels"]), ("output", c["out_channels"])):
                g = f.create_group(f"normalizers/{which}")
                g.attrs["epsilon"] = 1e-5
                dataset(g, "mean", np.full(n, 0.5, np.float32))
                dataset(g, "std", np.full(n, 2.0, np.float32))
        if problem:
            g = f.create_group("problem")
            put_string(g, "description", "corpus model")
            g.attrs["times"] = np.arange(c["grid"][-1], dtype=np.float64) * 86400.0
            for k in range(c["in_channels"]):
                i = g.create_group(f"inputs/{k}")
                for key, value in (("name", "log10_permeability"), ("source", "permeability"),
                                   ("transform", "log10"), ("units", "mD")):
                    put_string(i, key, value)
                i.attrs["scale"] = 1.0
            for k in range(c["out_channels"]):
                o = g.create_group(f"outputs/{k}")
                put_string(o, "name", "saturation")
                put_string(o, "units", "1")
                o.attrs["initial_value"] = 0.0
                o.attrs["min"] = 0.0
                o.attrs["max"] = 1.0
        if checkpoint:
            o = f.create_group("optimizer")
            for key, value in (("kind", "adam"), ("schedule", "cosine")):
                put_string(o, key, value)
            for key, value in (("lr", 1e-3), ("current_lr", 5e-4), ("beta1", 0.9), ("beta2", 0.999), ("eps", 1e-8),
                               ("weight_decay", 0.0), ("gamma", 0.1), ("eta_min", 0.0)):
                o.attrs[key] = value
            for key, value in (("step", 12), ("step_size", 1), ("t_max", 20)):
                o.attrs[key] = np.int64(value)
            for moment in ("exp_avg", "exp_avg_sq"):
                g = o.create_group(moment)
                for name, shape in parameter_shapes(c):
                    dataset(g, name, np.abs(rng.normal(0, 1e-3, shape)).astype(np.float32))
            k = f.create_group("checkpoint")
            k.attrs["epoch"] = np.int64(3)
            put_string(k, "rng_engine", "std::mt19937_64")
            state = " ".join(str(int(x)) for x in rng.integers(0, 2**63, 312, dtype=np.uint64)) + " 312"
            put_string(k, "rng_state", state)


def write_dataset(path, libver="v110", cases=2, times=3, grid=(4, 5), edit=None):
    rng = np.random.default_rng(11)
    with h5py.File(path, "w", libver=libver) as f:
        put_string(f, "schema", "petsc-fno-dataset-v1")
        put_string(f, "geometry", "slice")
        put_string(f, "input_fields", "log10_permeability,porosity,injection_rate")
        f.attrs["grid"] = np.array([grid[1], grid[0], 1], dtype=np.float64)  # DMDA order, x first
        f.attrs["cell_size"] = np.array([10.0, 10.0, 5.0])
        inputs = np.empty((cases, 3) + grid)
        inputs[:, 0] = rng.normal(2, 0.5, (cases,) + grid)
        inputs[:, 1] = rng.uniform(0.1, 0.3, (cases,) + grid)
        inputs[:, 2] = 0.0
        inputs[:, 2, -1, 0] = 100.0
        outputs = np.clip(rng.uniform(-0.2, 0.8, (cases, times) + grid), 0, 1)
        data = dict(inputs=inputs, outputs=outputs, times=np.arange(times) * 100.0,
                    seeds=np.arange(cases, dtype=np.int64), parameters=rng.normal(0, 1, (cases, 11)),
                    done=np.ones(cases, dtype=np.int8))
        if edit:
            edit(data)
        for name, values in data.items():
            f.create_dataset(name, data=values)
        put_string(f["outputs"], "field", "saturation")
        put_string(f["times"], "units", "day")


def write_trajectory(path, libver="v110", grid=(6, 5), components=("u", "v", "w"), input_fields=("kappa",),
                     initial_inputs=("u", "w"), output_fields=("u", "v"), times=(0.0, 0.5, 1.0, 2.0),
                     parameter_names=("amplitude", "correlation"), cases=2, rows=None, done=None, attrs=None,
                     edit=None, checksummed=True):
    """A v2 dataset as README "Datasets of recorded trajectories" describes it, written by h5py:
    every per-case array chunked one case (and one time) per chunk with fletcher32, extensible
    along the case axis. `grid` in DMDA order (x first); `rows` cases in the per-case arrays
    (at least `cases`, the extent of /done); `edit(data)` may change the arrays first."""
    rng = np.random.default_rng(13)
    rows = rows or cases
    space = tuple(reversed(grid))
    C, F, T, P = len(components), len(input_fields), len(times), len(parameter_names)
    data = dict(initial=rng.uniform(0.5, 1.5, (rows, C) + space),
                outputs=rng.uniform(0.5, 1.5, (rows, T, C) + space),
                times=np.array(times, dtype=np.float64),
                seeds=np.arange(rows, dtype=np.int64),
                parameters=rng.uniform(0, 1, (rows, P)),
                done=np.array(done if done is not None else [1] * cases, dtype=np.int8))
    if F:
        data["inputs"] = rng.uniform(0.1, 1.0, (rows, F) + space)
    root = dict(schema="petsc-fno-dataset-v2", boundary=",".join(["periodic"] + ["none"] * (len(grid) - 1)),
                components=",".join(components), input_fields=",".join(input_fields),
                initial_inputs=",".join(initial_inputs), output_fields=",".join(output_fields), time_units="s",
                host="make_corpus.py")
    if edit:
        edit(data)
    with h5py.File(path, "w", libver=libver) as f:
        for key, value in root.items():
            put_string(f, key, value)
        f.attrs["grid"] = np.array(grid, dtype=np.int64)
        for key, value in (attrs or {}).items():
            if isinstance(value, str):
                put_string(f, key, value)
            else:
                f.attrs[key] = value
        for name, values in data.items():
            if name == "times":
                dataset(f, name, values)
            elif checksummed and values.ndim > 0 and values.size > 0:
                unit = 2 if name == "outputs" else 1
                chunks = (1,) * unit + values.shape[unit:]
                f.create_dataset(name, data=values, chunks=chunks, maxshape=(None,) + values.shape[1:],
                                 fletcher32=True)
            else:
                f.create_dataset(name, data=values)
        put_string(f["parameters"], "parameter_names", ",".join(parameter_names))
        put_string(f["times"], "units", "s")


def expect(kind, name, outcome, regex=""):
    expected.append(f"{kind}\t{name}\t{outcome}\t{regex}")


def model(name, outcome, regex="", **kw):
    write_model(os.path.join(MODEL_DIR, name), **kw)
    expect("model", name, outcome, regex)


def data(name, outcome, regex="", **kw):
    write_dataset(os.path.join(DATASET_DIR, name), **kw)
    expect("dataset", name, outcome, regex)


def corrupt_copy(kind, source, name, offset_of, outcome, regex):
    """Copies `source` and overwrites bytes at offset_of(bytes) with the returned patch."""
    folder = {"model": MODEL_DIR, "dataset": DATASET_DIR, "trajectory": TRAJECTORY_DIR}[kind]
    raw = bytearray(open(os.path.join(folder, source), "rb").read())
    at, patch = offset_of(bytes(raw))
    raw[at:at + len(patch)] = patch
    open(os.path.join(folder, name), "wb").write(raw)
    expect(kind, name, outcome, regex)


def main():
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(MODEL_DIR)
    os.makedirs(DATASET_DIR)
    os.makedirs(TRAJECTORY_DIR)

    # ---- models that load
    model("valid.h5", "loads")
    model("valid-checkpoint.h5", "loads", checkpoint=True)
    model("valid-bare.h5", "loads", problem=False, normalizers=False)

    # ---- issue 11's absurd root attributes (the parameters stay those of the tiny model)
    for key, value, regex in (
            ("width", 704643080, r"width = 704643080.*would hold more than"),
            ("width", 495622319981, r"width = 495622319981; it must lie in 1\.\.2147483647"),
            ("padding", 13958554444083584, r"padding = 13958554444083584; it must lie in"),
            ("proj_width", 2740155580416, r"proj_width = 2740155580416; it must lie in"),
            ("layers", 4063234, r"root attribute 'layers' = 4063234 is out of range")):
        model(f"{key}-{value}.h5", "refused", regex, attrs={key: np.int64(value)})
    # Plausible but inconsistent with /params: the implied shapes are checked before allocation.
    model("width-3.h5", "refused", r"parameter 'lift.weight' has shape \[2, 4\] in the file but \[3, 4\]",
          attrs={"width": np.int64(3)})
    model("layers-2.h5", "refused", r"imply 12 parameters but /params holds 9",
          attrs={"layers": np.int64(2)})
    model("grid-huge.h5", "refused", r"needs at least .* MiB on this rank",
          attrs={"grid": np.array([4, 1 << 30, 4], dtype=np.int64)}, problem=False)
    model("modes-too-many.h5", "refused", r"modes \[3, 1, 2\]: space axis 0 keeps 3",
          attrs={"modes": np.array([3, 1, 2], dtype=np.int64)})
    model("grid-5-values.h5", "refused", r"attribute 'grid' of the root group holds 5 values",
          attrs={"grid": np.arange(1, 6, dtype=np.int64)})
    model("width-float.h5", "refused", r"attribute 'width' of the root group is not an integer",
          attrs={"width": 2.0})
    model("space_dims-minus1.h5", "refused", r"root attribute 'space_dims' = -1 is out of range",
          attrs={"space_dims": np.int64(-1)})

    # ---- /problem
    c = config()
    write_model(os.path.join(MODEL_DIR, "problem-times.h5"))
    with h5py.File(os.path.join(MODEL_DIR, "problem-times.h5"), "r+") as f:
        del f["problem"].attrs["times"]
        f["problem"].attrs["times"] = np.arange(4096, dtype=np.float64)
    expect("model", "problem-times.h5", "refused", r"attribute 'times' of /problem holds 4096 values; at most 4")
    write_model(os.path.join(MODEL_DIR, "problem-inputs.h5"))
    with h5py.File(os.path.join(MODEL_DIR, "problem-inputs.h5"), "r+") as f:
        for k in range(1, 6):
            f.copy(f["problem/inputs/0"], f"problem/inputs/{k}")
    expect("model", "problem-inputs.h5", "refused", r"/problem/inputs holds 6 objects; at most 1")
    write_model(os.path.join(MODEL_DIR, "problem-string.h5"))
    with h5py.File(os.path.join(MODEL_DIR, "problem-string.h5"), "r+") as f:
        f["problem/outputs/0"].attrs["units"] = np.bytes_(b"x" * 5000)
    expect("model", "problem-string.h5", "refused", r"attribute 'units' of /problem/outputs/0 is a string of 5000")

    # ---- checkpoints
    write_model(os.path.join(MODEL_DIR, "checkpoint-beta.h5"), checkpoint=True)
    with h5py.File(os.path.join(MODEL_DIR, "checkpoint-beta.h5"), "r+") as f:
        f["optimizer"].attrs["beta2"] = 1.5
    expect("model", "checkpoint-beta.h5", "refused", r"/optimizer attribute 'beta2' = 1\.5.* out of range")
    write_model(os.path.join(MODEL_DIR, "checkpoint-moment-shape.h5"), checkpoint=True)
    with h5py.File(os.path.join(MODEL_DIR, "checkpoint-moment-shape.h5"), "r+") as f:
        del f["optimizer/exp_avg_sq/lift.bias"]
        dataset(f["optimizer/exp_avg_sq"], "lift.bias", np.zeros(5, np.float32))
    expect("model", "checkpoint-moment-shape.h5", "refused",
           r"optimizer moment exp_avg_sq of parameter 'lift.bias' has shape \[5\] in the file but \[2\]")
    write_model(os.path.join(MODEL_DIR, "checkpoint-nan-moment.h5"), checkpoint=True)
    with h5py.File(os.path.join(MODEL_DIR, "checkpoint-nan-moment.h5"), "r+") as f:
        f["optimizer/exp_avg_sq/proj.fc1.weight"][0, 0] = np.nan
    expect("model", "checkpoint-nan-moment.h5", "refused", r"exp_avg_sq of 'proj.fc1.weight' holds non-finite")

    # ---- storage
    write_model(os.path.join(MODEL_DIR, "parameter-nan.h5"))
    with h5py.File(os.path.join(MODEL_DIR, "parameter-nan.h5"), "r+") as f:
        f["params/lift.bias"][1] = np.inf
    expect("model", "parameter-nan.h5", "refused", r"parameter 'lift.bias' holds non-finite values")
    write_model(os.path.join(MODEL_DIR, "compressed.h5"))
    with h5py.File(os.path.join(MODEL_DIR, "compressed.h5"), "r+") as f:
        w = f["params/layers.0.spectral.weights"][...]
        del f["params/layers.0.spectral.weights"]
        f["params"].create_dataset("layers.0.spectral.weights", data=w, compression="gzip")
    expect("model", "compressed.h5", "refused", r"is stored through HDF5 filter 1; petsc-fno files store data uncompressed")
    write_model(os.path.join(MODEL_DIR, "external-link.h5"))
    with h5py.File(os.path.join(MODEL_DIR, "external-link.h5"), "r+") as f:
        del f["params/lift.weight"]
        f["params/lift.weight"] = h5py.ExternalLink("/etc/passwd", "/x")
    expect("model", "external-link.h5", "refused", r"'lift.weight' is a soft or external link")

    # ---- HDF5's oldest format: no checksums, refused before HDF5 parses anything
    model("legacy-format.h5", "refused", r"written in HDF5's oldest file format \(superblock version 0\)",
          libver="earliest")
    corrupt_copy("model", "legacy-format.h5", "legacy-corrupt-object-header.h5",
                 lambda b: (b.index(b"width") - 12, b"\xff\xff\xff\x7f"), "refused",
                 r"written in HDF5's oldest file format")
    # ---- the checksummed format: corruption is detected by HDF5's checksums
    corrupt_copy("model", "valid.h5", "corrupt-object-header.h5",
                 lambda b: (b.index(b"OHDR", b.index(b"OHDR") + 4) + 9, b"\x5a"), "refused",
                 r"the file is corrupt|HDF5 cannot open it")
    corrupt_copy("model", "valid.h5", "corrupt-superblock-version.h5", lambda b: (8, b"\x00"), "refused",
                 r"oldest file format \(superblock version 0\)")

    def parameter_data_offset(b):
        with h5py.File(os.path.join(MODEL_DIR, "valid.h5"), "r") as f:
            offset = f["params/proj.fc1.weight"].id.get_chunk_info(0).byte_offset
        return offset + 2, b"\x00\x00\xc0\x7f"
    corrupt_copy("model", "valid.h5", "corrupt-parameter-data.h5", parameter_data_offset, "refused",
                 r"the file is corrupt: reading the values of parameter 'proj\.fc1\.weight'")
    truncated = open(os.path.join(MODEL_DIR, "valid.h5"), "rb").read()
    open(os.path.join(MODEL_DIR, "truncated.h5"), "wb").write(truncated[: len(truncated) * 2 // 3])
    expect("model", "truncated.h5", "refused", r"truncated|the file is corrupt")

    # ---- datasets
    data("valid.h5", "loads")
    data("valid-one-done.h5", "loads", edit=lambda d: d["done"].__setitem__(1, 0))
    data("legacy-format.h5", "refused", r"written in HDF5's oldest file format", libver="earliest")
    data("times-decreasing.h5", "refused", r"/times are not finite and strictly increasing \(entry 2",
         edit=lambda d: d["times"].__setitem__(2, 50.0))
    data("done-7.h5", "refused", r"/done holds 7 for case 0", edit=lambda d: d["done"].__setitem__(0, 7))
    data("saturation-nan.h5", "refused", r"case 1 output holds nan",
         edit=lambda d: d["outputs"].__setitem__((1, 2, 3, 4), np.nan))
    data("saturation-above-1.h5", "refused", r"case 0 output holds 1\.5",
         edit=lambda d: d["outputs"].__setitem__((0, 1, 0, 0), 1.5))
    data("porosity-0.h5", "refused", r"input 'porosity' holds 0",
         edit=lambda d: d["inputs"].__setitem__((1, 1, 2, 2), 0.0))
    data("permeability-inf.h5", "refused", r"input 'log10_permeability' holds inf",
         edit=lambda d: d["inputs"].__setitem__((0, 0, 0, 0), np.inf))
    data("seeds-short.h5", "refused", r"/seeds \[1\] or /done \[2\] does not hold one entry per case",
         edit=lambda d: d.__setitem__("seeds", d["seeds"][:1]))
    data("outputs-shape.h5", "refused", r"/outputs has shape \[2, 3, 5, 4\], which does not match /inputs",
         edit=lambda d: d.__setitem__("outputs", np.zeros((2, 3, 5, 4))))
    write_dataset(os.path.join(DATASET_DIR, "schema.h5"))
    with h5py.File(os.path.join(DATASET_DIR, "schema.h5"), "r+") as f:
        put_string(f, "schema", "someone-elses-data-v3")
    expect("dataset", "schema.h5", "refused", r"is not a petsc-fno dataset \(schema 'someone-elses-data-v3'")
    write_dataset(os.path.join(DATASET_DIR, "compressed-outputs.h5"))
    with h5py.File(os.path.join(DATASET_DIR, "compressed-outputs.h5"), "r+") as f:
        del f["outputs"]
        f.create_dataset("outputs", data=np.zeros((2, 3, 4, 5)), compression="gzip")
    expect("dataset", "compressed-outputs.h5", "refused", r"dataset /outputs is stored through HDF5 filter 1")
    write_dataset(os.path.join(DATASET_DIR, "unwritten-inputs.h5"))
    with h5py.File(os.path.join(DATASET_DIR, "unwritten-inputs.h5"), "r+") as f:
        del f["inputs"]
        f.create_dataset("inputs", shape=(2, 3, 4, 5), dtype="f8")  # declared, never written
    expect("dataset", "unwritten-inputs.h5", "refused", r"dataset /inputs stores 0 bytes of its 960")
    corrupt_copy("dataset", "valid.h5", "corrupt-object-header.h5",
                 lambda b: (b.index(b"OHDR", b.index(b"OHDR") + 4) + 9, b"\x5a"), "refused",
                 r"the file is corrupt|HDF5 cannot open it")

    trajectories()

    with open(os.path.join(OUT, "expected.txt"), "w") as f:
        f.write("# kind\tfile\toutcome\tregular expression of the error (one per rank)\n")
        f.write("\n".join(expected) + "\n")


def trajectories():
    """Recorded-trajectory datasets (schema v2), kind "trajectory"."""
    def traj(name, outcome, regex="", **kw):
        write_trajectory(os.path.join(TRAJECTORY_DIR, name), **kw)
        expect("trajectory", name, outcome, regex)

    def edited(name, outcome, regex, change):
        """A copy of the h5py-written valid file, changed in place by h5py."""
        path = os.path.join(TRAJECTORY_DIR, name)
        write_trajectory(path)
        with h5py.File(path, "r+") as f:
            change(f)
        expect("trajectory", name, outcome, regex)

    # ---- valid: petsc-fno's own writer (cases 0 and 1 done, case 2 unfinished) ...
    env = dict(os.environ, OMPI_MCA_ess_singleton_isolated="1", OMPI_MCA_btl="self", OMPI_MCA_pml="ob1",
               OMPI_MCA_osc="^ucx", OMPI_MCA_mtl="^ofi", OMPI_MCA_sharedfp="^sm", ASAN_OPTIONS="detect_leaks=0")
    subprocess.run([CHECKER, "write-trajectory", os.path.join(TRAJECTORY_DIR, "valid.h5")], check=True, env=env)
    expect("trajectory", "valid.h5", "loads")
    # ... and h5py: 3D, no input fields, per-case arrays one case longer than /done (a recording
    # killed after growing them, before /done), an unfinished case holding NaN (never read).
    traj("valid-h5py-3d.h5", "loads", grid=(4, 3, 2), components=("p", "s"), input_fields=(),
         initial_inputs=("p", "s"), output_fields=("s",), times=(0.0, 1.0, 3.0), cases=3, rows=4, done=[1, 0, 1],
         edit=lambda d: d["outputs"].__setitem__((1, 2, 0, 0, 0, 0), np.nan))

    # ---- the format and the schema
    traj("legacy-format.h5", "refused", r"written in HDF5's oldest file format \(superblock version 0\)",
         libver="earliest")
    traj("schema.h5", "refused", r"schema is 'someone-elses-data-v3', not 'petsc-fno-dataset-v2'",
         attrs={"schema": "someone-elses-data-v3"})
    # ---- attributes
    traj("times-decreasing.h5", "refused", r"times are not strictly increasing \(time 2 = 0\.25 after 0\.5\)",
         times=(0.0, 0.5, 0.25, 2.0))
    traj("output-not-component.h5", "refused", r"output 'x' is not a component \(components: u,v,w\)",
         output_fields=("u", "x"))
    traj("no-inputs.h5", "refused", r"neither input fields nor initial inputs", input_fields=(), initial_inputs=())
    traj("boundary.h5", "refused", r"boundary 'wrap' is not one of", attrs={"boundary": "wrap,none"})
    traj("grid-huge.h5", "refused", r"grid 6x1099511627776 has an axis of 1099511627776 cells",
         attrs={"grid": np.array([6, 1 << 40], dtype=np.int64)})
    traj("grid-float.h5", "refused", r"attribute 'grid' of the root group is not an integer list",
         attrs={"grid": np.array([6.0, 5.0])})
    traj("host-long.h5", "refused", r"time_units or host too long", attrs={"host": "x" * 5000})
    traj("parameter-names.h5", "refused", r"/parameters has 2 columns but parameter_names lists 3",
         parameter_names=("a", "b", "c"), edit=lambda d: d.__setitem__("parameters", d["parameters"][:, :2]))
    # ---- shapes and storage
    traj("grid-swapped.h5", "refused", r"/initial has shape 2x3x5x6 but the attributes imply 2x3x6x5",
         attrs={"grid": np.array([5, 6], dtype=np.int64)})
    traj("seeds-short.h5", "refused", r"/seeds holds 1 cases but /done 2",
         edit=lambda d: d.__setitem__("seeds", d["seeds"][:1]))
    traj("outputs-times.h5", "refused", r"/outputs has shape 2x3x3x5x6 but the attributes imply 2x4x3x5x6",
         edit=lambda d: d.__setitem__("outputs", d["outputs"][:, :3]))
    traj("done-7.h5", "refused", r"/done holds 7 for case 0", done=[7, 1])
    traj("outputs-contiguous-short.h5", "refused", r"/outputs holds 1 cases but /done 2",
         edit=lambda d: d.__setitem__("outputs", d["outputs"][:1]), checksummed=False)

    def compressed(f):
        values = f["outputs"][...]
        del f["outputs"]
        f.create_dataset("outputs", data=values, chunks=(1, 1) + values.shape[2:], compression="gzip")
    edited("compressed-outputs.h5", "refused", r"/outputs is stored through HDF5 filter 1", compressed)

    def unwritten(f):
        shape = f["outputs"].shape
        del f["outputs"]
        f.create_dataset("outputs", shape=shape, dtype="f8", chunks=(1, 1) + shape[2:], fletcher32=True)
    edited("unwritten-outputs.h5", "refused", r"/outputs stores 0 bytes of its 5760", unwritten)

    def external(f):
        del f["initial"]
        f["initial"] = h5py.ExternalLink("/etc/passwd", "/x")
    edited("external-link.h5", "refused", r"'initial' is a soft or external link", external)
    # ---- values of done cases (found by the reading rank; on two ranks by rank 1 alone)
    traj("outputs-nan.h5", "refused",
         r"case 1: /outputs at time index 2 \(t = 1\), component 'v' holds a non-finite value \(nan\) "
         r"at grid point \(4, 3\)", edit=lambda d: d["outputs"].__setitem__((1, 2, 1, 3, 4), np.nan))
    traj("initial-inf.h5", "refused",
         r"case 0: /initial, component 'w' holds a non-finite value \(inf\) at grid point \(0, 4\)",
         edit=lambda d: d["initial"].__setitem__((0, 2, 4, 0), np.inf))
    traj("inputs-nan.h5", "refused", r"case 1: /inputs, component 'kappa' holds a non-finite value \(nan\)",
         edit=lambda d: d["inputs"].__setitem__((1, 0, 0, 5), np.nan))
    traj("parameter-nan.h5", "refused", r"case 0: parameter 'correlation' is not finite \(nan\)",
         edit=lambda d: d["parameters"].__setitem__((0, 1), np.nan))
    # ---- damaged copies of the writer's file: HDF5's checksums find them
    def output_chunk_offset(b):
        with h5py.File(os.path.join(TRAJECTORY_DIR, "valid.h5"), "r") as f:
            offset = f["outputs"].id.get_chunk_info_by_coord((1, 3, 0, 0, 0)).byte_offset
        return offset + 16, b"\x00\x00\x00\x00\x00\x00\xf8\x7f"
    corrupt_copy("trajectory", "valid.h5", "corrupt-output-chunk.h5", output_chunk_offset, "refused",
                 r"case 1: reading /outputs \(a checksum mismatch means the file is damaged\) failed")
    corrupt_copy("trajectory", "valid.h5", "corrupt-object-header.h5",
                 lambda b: (b.index(b"OHDR", b.index(b"OHDR") + 4) + 9, b"\x5a"), "refused",
                 r"the file is corrupt|HDF5 cannot open it")
    corrupt_copy("trajectory", "valid.h5", "corrupt-superblock-version.h5", lambda b: (8, b"\x00"), "refused",
                 r"oldest file format \(superblock version 0\)")
    whole = open(os.path.join(TRAJECTORY_DIR, "valid.h5"), "rb").read()
    open(os.path.join(TRAJECTORY_DIR, "truncated.h5"), "wb").write(whole[: len(whole) * 2 // 3])
    expect("trajectory", "truncated.h5", "refused", r"truncated|the file is corrupt|beyond the end of the file")


if __name__ == "__main__":
    main()
