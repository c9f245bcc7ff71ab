#!/usr/bin/python3
"""PyTorch peer of petsc-fno's model benchmark: a standard space-time FNO (Li et al. 2020
form, the golden layout's conventions) timed forward and forward+backward on the CPU.

  /usr/bin/python3 torch_fno.py -config 2dt-64 [-threads 2] [-reps 5] [-export W.h5]
        [-impl torch|neuralop] [-compile yes|no] [-grid n0,..,nt -modes m0,..,mt] [-batch B]

-impl torch (default) is the FNO below; -impl neuralop builds neuraloperator's FNO (2.x) with
the same width, layers, modes, projection width and grid embedding and neither channel MLP
nor lifting MLP (a linear lift, the linear skip of each block). -compile yes wraps the model
in torch.compile (PyTorch 2.x). -grid/-modes replace the named configuration's.

With -export it first writes its weights in the golden layout (root attributes + /params)
so that `fno-import W.h5 M.h5` gives petsc-fno the very same model. Prints one JSON
object per line: config, impl "pytorch", threads, fwd_ms_median/min,
train_ms_median/min (forward + backward), peak_rss_mb.
"""
import json
import resource
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

CONFIGS = {  # batch 1, width 20, 4 layers, projection 128, 1 input channel + coordinates, 1 output
    "2dt-64": dict(grid=[64, 64, 52], modes=[8, 8, 8]),
    "2dt-128": dict(grid=[128, 128, 52], modes=[8, 8, 8]),
    "3dt-32": dict(grid=[32, 32, 32, 16], modes=[8, 8, 8, 6]),
    "3dt-64": dict(grid=[64, 64, 64, 16], modes=[8, 8, 8, 6]),
}
WIDTH, LAYERS, PROJ, IN, OUT = 20, 4, 128, 1, 1


class SpectralConv(torch.nn.Module):
    """v -> irfftn(S(rfftn(v))): 2^(d-1) corner blocks of complex weights [in, out, m...]."""

    def __init__(self, cin, cout, modes):
        super().__init__()
        self.modes, self.d = modes, len(modes)
        scale = 1.0 / (cin * cout)
        self.weights = torch.nn.ParameterList(
            [torch.nn.Parameter(scale * torch.rand(cin, cout, *modes, dtype=torch.cfloat))
             for _ in range(2 ** (self.d - 1))])

    def forward(self, x):
        d = self.d
        dims = tuple(range(-d, 0))
        X = torch.fft.rfftn(x, dim=dims)
        out = torch.zeros(x.shape[0], self.weights[0].shape[1], *X.shape[2:], dtype=X.dtype)
        for k, w in enumerate(self.weights):
            idx = [slice(None), slice(None)]
            for j in range(d - 1):
                m = self.modes[j]
                idx.append(slice(0, m) if not (k >> j) & 1 else slice(-m, None))
            idx.append(slice(0, self.modes[-1]))
            idx = tuple(idx)
            out[idx] = torch.einsum("bi...,io...->bo...", X[idx], w)
        return torch.fft.irfftn(out, s=x.shape[-d:], dim=dims)


class FourierLayer(torch.nn.Module):
    def __init__(self, width, modes):
        super().__init__()
        self.spectral = SpectralConv(width, width, modes)
        self.pointwise = torch.nn.Conv1d(width, width, 1)

    def forward(self, v):
        b, c = v.shape[:2]
        return self.spectral(v) + self.pointwise(v.reshape(b, c, -1)).reshape(v.shape)


class Projection(torch.nn.Module):
    def __init__(self, width, hidden, out):
        super().__init__()
        self.fc1 = torch.nn.Linear(width, hidden)
        self.fc2 = torch.nn.Linear(hidden, out)

    def forward(self, v):
        return self.fc2(F.gelu(self.fc1(v)))


class FNO(torch.nn.Module):
    def __init__(self, grid, modes):
        super().__init__()
        self.grid, self.d = grid, len(grid)
        self.lift = torch.nn.Linear(IN + self.d, WIDTH)
        self.layers = torch.nn.ModuleList([FourierLayer(WIDTH, modes) for _ in range(LAYERS)])
        self.proj = Projection(WIDTH, PROJ, OUT)

    def forward(self, x):  # x [B, n..., IN] channels last
        b = x.shape[0]
        coords = []
        for j, n in enumerate(self.grid):
            shape = [1] * (self.d + 2)
            shape[j + 1] = n
            c = torch.linspace(0, 1, n, dtype=x.dtype).reshape(shape)
            coords.append(c.expand(b, *self.grid, 1))
        a = torch.cat([x] + coords, dim=-1)
        v = self.lift(a).movedim(-1, 1)  # [B, W, n...]
        for i, layer in enumerate(self.layers):
            v = layer(v)
            if i + 1 < len(self.layers):
                v = F.gelu(v)
        return self.proj(v.movedim(1, -1))


def export(model, grid, modes, path):
    import h5py
    with h5py.File(path, "w") as f:
        f.attrs["d"] = len(grid)
        f.attrs["grid"] = np.array(grid, dtype=np.int64)
        f.attrs["modes"] = np.array(modes, dtype=np.int64)
        for k, v in dict(in_channels=IN, out_channels=OUT, width=WIDTH, n_layers=LAYERS,
                         padding=0, proj_hidden=PROJ).items():
            f.attrs[k] = v
        for name, p in model.state_dict().items():
            t = p.detach()
            if t.is_complex():
                t = torch.view_as_real(t)
            elif name.endswith("pointwise.weight"):
                t = t[..., 0]  # Conv1d kernel dim dropped: [out, in]
            f["params/" + name] = t.numpy().astype(np.float32)


def stats(ts):
    ts = sorted(ts)
    n = len(ts)
    med = ts[n // 2] if n % 2 else 0.5 * (ts[n // 2 - 1] + ts[n // 2])
    return med * 1e3, ts[0] * 1e3


def neuralop_fno(grid, modes):
    """neuraloperator's FNO configured like ours (channels first; its n_modes counts low and
    high modes together on space axes and 2(m-1) on the last, real-FFT axis)."""
    from neuralop.models import FNO as NeuralopFNO
    n_modes = [2 * m for m in modes[:-1]] + [2 * (modes[-1] - 1)]
    return NeuralopFNO(n_modes=tuple(n_modes), in_channels=IN, out_channels=OUT, hidden_channels=WIDTH,
                       n_layers=LAYERS, lifting_channel_ratio=0, projection_channel_ratio=PROJ / WIDTH,
                       positional_embedding="grid", use_channel_mlp=False, fno_skip="linear")


def main(argv):
    opts = {"config": "2dt-64", "threads": "2", "reps": "5", "export": "", "mode": "both", "impl": "torch",
            "compile": "no", "grid": "", "modes": "", "batch": "1"}
    i = 0
    while i < len(argv):
        key = argv[i].lstrip("-")
        if key not in opts or i + 1 >= len(argv):
            sys.exit(f"torch_fno.py: unknown option or missing value: {argv[i]}")
        opts[key] = argv[i + 1]
        i += 2
    cfg = dict(CONFIGS.get(opts["config"], {}))
    if opts["grid"]:
        cfg["grid"] = [int(v) for v in opts["grid"].split(",")]
    if opts["modes"]:
        cfg["modes"] = [int(v) for v in opts["modes"].split(",")]
    if "grid" not in cfg or "modes" not in cfg:
        sys.exit(f"torch_fno.py: unknown -config {opts['config']} and no -grid/-modes")
    threads, reps, batch = int(opts["threads"]), int(opts["reps"]), int(opts["batch"])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    neuralop = opts["impl"] == "neuralop"
    model = neuralop_fno(cfg["grid"], cfg["modes"]) if neuralop else FNO(cfg["grid"], cfg["modes"])
    if opts["export"] and not neuralop:
        export(model, cfg["grid"], cfg["modes"], opts["export"])
    # ours: channels last [B, n..., IN]; neuraloperator: channels first [B, IN, n...]
    x = torch.rand(batch, IN, *cfg["grid"]) if neuralop else torch.rand(batch, *cfg["grid"], IN)
    impl = ("neuralop" if neuralop else "pytorch") + ("+compile" if opts["compile"] == "yes" else "")
    warmup = 1
    if opts["compile"] == "yes":
        model = torch.compile(model)
        warmup = 3  # compilation (and recompilation for grad mode) happens in the first calls
    result = {"bench": "model", "impl": impl, "config": opts["config"], "grid": cfg["grid"], "batch": batch, "np": 1,
              "threads": threads, "torch": torch.__version__}
    if opts["mode"] in ("fwd", "both"):
        with torch.no_grad():
            for _ in range(warmup):
                model(x)
            ts = []
            for _ in range(reps):
                t0 = time.perf_counter()
                model(x)
                ts.append(time.perf_counter() - t0)
        result["fwd_ms_median"], result["fwd_ms_min"] = stats(ts)
    if opts["mode"] in ("train", "both"):
        weight = torch.rand(batch, OUT, *cfg["grid"]) if neuralop else torch.rand(batch, *cfg["grid"], OUT)
        ts = []
        for _ in range(reps + warmup):
            model.zero_grad(set_to_none=False)
            t0 = time.perf_counter()
            loss = (model(x) * weight).sum()
            loss.backward()
            ts.append(time.perf_counter() - t0)
        result["train_ms_median"], result["train_ms_min"] = stats(ts[warmup:])
    if "fwd_ms_median" in result:
        result["fwd_ms_per_sample"] = result["fwd_ms_median"] / batch
    if "train_ms_median" in result:
        result["train_ms_per_sample"] = result["train_ms_median"] / batch
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
