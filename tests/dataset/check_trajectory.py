"""h5py opens a dataset of schema v2 written by TrajectoryWriter (tests/dataset): the root
attributes, the shapes [case][component][y][x] and [case][time][component][y][x], the chunking
(one case and one time per chunk) with fletcher32, the case axis extensible, and the values
of the test's value function (test_trajectory_dataset.cpp: value())."""
import sys

import h5py
import numpy as np


def text(value):
    return value.decode() if isinstance(value, bytes) else str(value)


def main(path):
    with h5py.File(path, "r") as f:
        assert text(f.attrs["schema"]) == "petsc-fno-dataset-v2", f.attrs["schema"]
        grid = list(f.attrs["grid"])
        assert grid == [7, 5], grid
        components = text(f.attrs["components"]).split(",")
        assert components == ["u", "v", "w"], components
        assert text(f.attrs["input_fields"]) == "kappa"
        assert text(f.attrs["initial_inputs"]) == "u,w"
        assert text(f.attrs["output_fields"]) == "u,v"
        assert text(f.attrs["boundary"]) == "periodic,none"
        assert text(f.attrs["time_units"]) == "s"
        times = f["times"][...]
        assert np.array_equal(times, [0.0, 0.25, 0.5, 1.0]), times
        assert f["initial"].shape == (2, 3, 5, 7), f["initial"].shape
        assert f["inputs"].shape == (2, 1, 5, 7)
        assert f["outputs"].shape == (2, 4, 3, 5, 7)
        assert list(f["done"][...]) == [1, 1]
        assert list(f["seeds"][...]) == [100, 101]
        assert text(f["parameters"].attrs["parameter_names"]) == "amplitude,correlation"
        assert np.array_equal(f["parameters"][...], [[0.0, 1.0], [0.5, 1.5]])
        for name in ("initial", "inputs", "outputs", "seeds", "parameters", "done"):
            d = f[name]
            assert d.fletcher32, name
            assert d.maxshape[0] is None, (name, d.maxshape)
            assert d.chunks[0] == 1, (name, d.chunks)
        assert f["outputs"].chunks[:2] == (1, 1)
        # value(kind=3, case c, time t, component r, point (x, y)) at [c][t][r][y][x]
        out = f["outputs"][...]
        c, t, r, y, x = 1, 3, 2, 4, 6
        expected = 3e6 + c * 1e4 + t * 1e3 + r * 100 + x + y / 16
        assert out[c, t, r, y, x] == expected, (out[c, t, r, y, x], expected)
        assert f["initial"][0, 1, 2, 3] == 1e6 + 100 + 3 + 2 / 16
    print("h5py: ok")


if __name__ == "__main__":
    main(sys.argv[1])
