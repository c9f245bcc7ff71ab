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
- datasets with bad times, done flags, values, shapes or storage.

Usage: make_corpus.py OUTPUT_DIR
"""
import os
import shutil
import sys

import h5py
import numpy as np

OUT = sys.argv[1]
MODEL_DIR = os.path.join(OUT, "model")
DATASET_DIR = os.path.join(OUT, "dataset")
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
    folder = MODEL_DIR if kind == "model" else DATASET_DIR
    raw = bytearray(open(os.path.join(folder, source), "rb").read())
    at, patch = offset_of(bytes(raw))
    raw[at:at + len(patch)] = patch
    open(os.path.join(folder, name), "wb").write(raw)
    expect(kind, name, outcome, regex)


def main():
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(MODEL_DIR)
    os.makedirs(DATASET_DIR)

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

    with open(os.path.join(OUT, "expected.txt"), "w") as f:
        f.write("# kind\tfile\toutcome\tregular expression of the error (one per rank)\n")
        f.write("\n".join(expected) + "\n")


if __name__ == "__main__":
    main()
