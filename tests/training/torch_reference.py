# Reference numbers for test_optimizer.cpp, computed independently by PyTorch.
# Run with Debian's interpreter:  /usr/bin/python3 tests/training/torch_reference.py
# (python3-torch 1.13.1). The printed C++ initializers are pasted into test_optimizer.cpp.
import math
import torch

torch.set_default_dtype(torch.float64)

# Two parameters and a quadratic loss sum_i c_i (p_i - t_i)^2; the gradient is set by hand
# (2 c_i (p_i - t_i)) so that the test can compute it the same way.
P0 = [0.5, -1.25, 2.0]
P1 = [0.75, -0.3]
C0, T0 = [1.0, 2.0, 0.5], [0.1, 0.2, -0.3]
C1, T1 = [3.0, 0.25], [-0.5, 1.5]
STEPS = 5


def run(opt_class, **kw):
    p0 = torch.tensor(P0, requires_grad=True)
    p1 = torch.tensor(P1, requires_grad=True)
    opt = opt_class([p0, p1], **kw)
    history = []
    for _ in range(STEPS):
        with torch.no_grad():
            p0.grad = 2 * torch.tensor(C0) * (p0 - torch.tensor(T0))
            p1.grad = 2 * torch.tensor(C1) * (p1 - torch.tensor(T1))
        opt.step()
        history.append(p0.detach().tolist() + p1.detach().tolist())
    return history


def cpp(name, rows):
    print(f"// {name}: parameters [p0 (3 values), p1 (2 values)] after each of {len(rows)} steps")
    print(f"const std::vector<std::vector<double>> {name} = {{")
    for r in rows:
        print("    {" + ", ".join(repr(v) for v in r) + "},")
    print("};")


common = dict(lr=0.1, betas=(0.9, 0.99), eps=1e-6)
cpp("torch_adam", run(torch.optim.Adam, weight_decay=0.0, **common))
cpp("torch_adam_l2", run(torch.optim.Adam, weight_decay=0.1, **common))
cpp("torch_adamw", run(torch.optim.AdamW, weight_decay=0.1, **common))


def lrs(make_scheduler, epochs=12):
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=0.1)
    sched = make_scheduler(opt)
    out = []
    for _ in range(epochs):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return out


def cpp_list(name, values):
    print(f"const std::vector<double> {name} = {{" + ", ".join(repr(v) for v in values) + "};")


print("// learning rates of epochs 0..11 with base lr 0.1")
cpp_list("torch_step_lr", lrs(lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=3, gamma=0.5)))
cpp_list("torch_cosine_lr", lrs(lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=7, eta_min=0.001)))

# clip_grad_norm_ on the gradients above (at P0, P1), max_norm 1.5
p0 = torch.tensor(P0, requires_grad=True)
p1 = torch.tensor(P1, requires_grad=True)
p0.grad = 2 * torch.tensor(C0) * (p0.detach() - torch.tensor(T0))
p1.grad = 2 * torch.tensor(C1) * (p1.detach() - torch.tensor(T1))
norm = torch.nn.utils.clip_grad_norm_([p0, p1], max_norm=1.5)
print(f"// clip_grad_norm_(max_norm=1.5) at the initial point: returned norm, clipped gradients")
print(f"const double torch_clip_norm = {norm.item()!r};")
cpp_list("torch_clipped_grads", p0.grad.tolist() + p1.grad.tolist())
