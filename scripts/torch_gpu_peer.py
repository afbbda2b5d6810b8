#!/usr/bin/env python3
"""The PyTorch peer of mmc's CUDA figures (docs/cuda.md), run by scripts/gpu-check.

    scripts/torch_gpu_peer.py [--device cuda|cpu] [--quick] [--threads T]

Two parts, each printing one line per measurement on stdout:

(a) the critic step of benchmarks/cuda_step.cuh (what cuda_timing times): a
    {32, H, H, 1} ReLU MLP, forward on `batch` columns, backward from a fixed
    dLoss/dT (-1/K on the joint half, +1/K on the marginal half, as there), one
    Adam step; batch 512 and 16384 at H = 256; FP32 and TF32; eager and, on
    CUDA, the whole step captured in one CUDA graph (torch.cuda.graphs) and
    replayed. Milliseconds per step, the mean of timed steps after warm-up.
(b) MINE end to end: 16 + 16-dimensional Gaussians with correlation rho = 0.5
    per coordinate pair (N = 10^5, true MI -16/2 log(1 - rho^2) = 2.3015 nats),
    generated on the device; mmc's defaults (docs/estimators/mine.md): the same
    critic {32, 256, 256, 1}, columns standardised, 20 % held out, 2000 AdamW
    steps (lr 5e-4, weight decay 1 per unit lr, cosine decay to 5 %), the DV
    bound with MINE's moving average (rate 0.01) in the gradient, batches drawn
    without replacement per epoch by a permutation made on the device, the
    marginal half by a permutation of the batch's y; the estimate is the DV bound
    on the held-out part with 8 fixed cyclic shifts for the marginal term.
    Batch 512 and 4096. Estimate (nats) and seconds (training + evaluation, the
    data already on the device, CUDA initialised before the clock starts).

--device cpu --quick runs a few steps of everything except the CUDA graphs (so
the script can be checked on a machine without a GPU). Python standard library
and torch only. Exit status 0, 1 when a measurement failed, 2 on a usage error.
"""
from __future__ import annotations

import argparse
import math
import sys
import time

try:
    import torch
except ImportError as error:  # pragma: no cover - reported, not raised
    print(f"torch not importable: {error}")
    sys.exit(1)

CRITIC_INPUTS = 32  # 16 + 16 features, as benchmarks/cuda_step.cuh


def critic(hidden: int, device: torch.device) -> torch.nn.Module:
    return torch.nn.Sequential(
        torch.nn.Linear(CRITIC_INPUTS, hidden), torch.nn.ReLU(),
        torch.nn.Linear(hidden, hidden), torch.nn.ReLU(),
        torch.nn.Linear(hidden, 1)).to(device)


def set_tf32(enabled: bool) -> str:
    """Lets (or forbids) cuBLAS use TF32 tensor cores for FP32 matmuls."""
    matmul = torch.backends.cuda.matmul
    if hasattr(matmul, "fp32_precision"):  # PyTorch >= 2.9: the new setting
        matmul.fp32_precision = "tf32" if enabled else "ieee"
        return f"fp32_precision={matmul.fp32_precision}"
    matmul.allow_tf32 = enabled  # older PyTorch
    return f"allow_tf32={matmul.allow_tf32}"


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def adam(params, device: torch.device, lr: float, weight_decay: float = 0.0, capturable: bool = False):
    """Fused Adam(W) on CUDA (one kernel over the parameters, as mmc's adam_update)."""
    kwargs = {"lr": lr}
    if device.type == "cuda":
        kwargs["fused"] = True
        if capturable:
            kwargs["capturable"] = True
    if weight_decay > 0:
        return torch.optim.AdamW(params, weight_decay=weight_decay, **kwargs)
    return torch.optim.Adam(params, **kwargs)


def time_critic_step(batch: int, hidden: int, device: torch.device, graph: bool, warmup: int,
                     steps: int) -> float:
    """Milliseconds per critic step (forward, backward from a fixed dLoss/dT, Adam)."""
    torch.manual_seed(1)
    model = critic(hidden, device)
    opt = adam(model.parameters(), device, lr=1e-3, capturable=graph)
    x = torch.randn(batch, CRITIC_INPUTS, device=device)
    d_out = torch.full((batch, 1), 1.0 / batch, device=device)
    d_out[: batch // 2] = -1.0 / batch  # joint half -1/K, marginal half +1/K

    def step() -> None:
        out = model(x)
        out.backward(d_out)
        opt.step()

    if not graph:
        for _ in range(warmup):
            opt.zero_grad(set_to_none=False)
            step()
        sync(device)
        start = time.perf_counter()
        for _ in range(steps):
            opt.zero_grad(set_to_none=False)
            step()
        sync(device)
        return 1e3 * (time.perf_counter() - start) / steps

    # Whole-step capture (the recipe of PyTorch's CUDA graphs notes): warm up on a
    # side stream, capture one step with the gradients allocated inside the
    # graph's pool, then replay. The optimizer must be capturable.
    side = torch.cuda.Stream(device)
    side.wait_stream(torch.cuda.current_stream(device))
    with torch.cuda.stream(side):
        for _ in range(max(warmup, 3)):
            opt.zero_grad(set_to_none=True)
            step()
    torch.cuda.current_stream(device).wait_stream(side)
    g = torch.cuda.CUDAGraph()
    opt.zero_grad(set_to_none=True)
    with torch.cuda.graph(g):
        step()
    for _ in range(warmup):
        g.replay()
    sync(device)
    start = time.perf_counter()
    for _ in range(steps):
        g.replay()
    sync(device)
    return 1e3 * (time.perf_counter() - start) / steps


def gaussians(n: int, dim: int, rho: float, device: torch.device, seed: int):
    """x, y: n rows of dim coordinates, corr(x_j, y_j) = rho; true MI -dim/2 log(1 - rho^2)."""
    gen = torch.Generator(device=device)
    gen.manual_seed(seed)
    x = torch.randn(n, dim, device=device, generator=gen)
    e = torch.randn(n, dim, device=device, generator=gen)
    return x, rho * x + math.sqrt(1.0 - rho * rho) * e, -0.5 * dim * math.log(1.0 - rho * rho)


def standardize(a: torch.Tensor) -> torch.Tensor:
    return (a - a.mean(0)) / a.std(0)


def mine(x: torch.Tensor, y: torch.Tensor, steps: int, batch: int, seed: int = 0, lr: float = 5e-4,
         weight_decay: float = 1.0, lr_decay: float = 0.05, ema: float = 0.01, holdout: float = 0.2,
         shifts: int = 8) -> float:
    """MINE with mmc's defaults; everything on x's device, no host round trip per step."""
    device = x.device
    torch.manual_seed(seed)
    gen = torch.Generator(device=device)
    gen.manual_seed(seed)
    x, y = standardize(x), standardize(y)
    n = x.shape[0]
    order = torch.randperm(n, device=device, generator=gen)
    h = int(round(holdout * n))
    test, train = order[:h], order[h:]
    model = critic(256, device)
    opt = adam(model.parameters(), device, lr=lr, weight_decay=weight_decay)
    # Cosine annealing from lr to lr_decay * lr over the steps (mmc's lr_decay).
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda t: lr_decay + (1 - lr_decay) * 0.5 * (1 + math.cos(math.pi * min(t, steps) / steps)))
    log_m = None
    epoch, at = None, 0
    log_batch = math.log(batch)
    for _ in range(steps):
        if epoch is None or at + batch > epoch.numel():  # a new epoch: reshuffle the training part
            epoch = train[torch.randperm(train.numel(), device=device, generator=gen)]
            at = 0
        rows = epoch[at:at + batch]
        at += batch
        xb, yb = x[rows], y[rows]
        yb_marginal = yb[torch.randperm(batch, device=device, generator=gen)]
        t_joint = model(torch.cat([xb, yb], 1)).squeeze(1)
        t_marg = model(torch.cat([xb, yb_marginal], 1)).squeeze(1)
        # MINE's bias-corrected gradient: the denominator E[e^T] is a moving
        # average (rate ema), kept in log space and out of the graph.
        lme = (torch.logsumexp(t_marg, 0) - log_batch).detach()
        log_m = lme if log_m is None else torch.logaddexp(math.log(1 - ema) + log_m, math.log(ema) + lme)
        loss = -(t_joint.mean() - torch.exp(t_marg - log_m).mean())
        opt.zero_grad(set_to_none=False)
        loss.backward()
        opt.step()
        sched.step()
    with torch.no_grad():
        xt, yt = x[test], y[test]
        joint = model(torch.cat([xt, yt], 1)).mean()
        offsets = torch.randint(1, h, (shifts,), device=device, generator=gen)
        index = torch.arange(h, device=device)
        marg = torch.cat([model(torch.cat([xt, yt[(index + s) % h]], 1)).squeeze(1) for s in offsets])
        return float(joint - (torch.logsumexp(marg, 0) - math.log(marg.numel())))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default="cuda", choices=["cuda", "cpu"])
    parser.add_argument("--quick", action="store_true", help="a few steps of everything (a smoke test)")
    parser.add_argument("--threads", type=int, default=0, help="CPU threads (0: torch's default)")
    args = parser.parse_args()
    if args.device == "cuda" and not torch.cuda.is_available():
        print("torch.cuda.is_available() is False: no CUDA device for PyTorch")
        return 1
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    cuda = device.type == "cuda"
    print(f"torch {torch.__version__}, device {device}"
          + (f" ({torch.cuda.get_device_name(device)}, CUDA {torch.version.cuda})" if cuda
             else f", {torch.get_num_threads()} threads"))
    # CUDA context and cuBLAS handle exist before any clock starts.
    warm = torch.randn(64, 64, device=device)
    (warm @ warm).sum().item()

    failures = 0
    warmup, timed = (2, 3) if args.quick else (20, 200)
    print("\n(a) critic step {32, H, H, 1} ReLU + Adam (benchmarks/cuda_step.cuh), ms per step")
    print(f"{'batch':>6} {'H':>4} {'precision':>9} {'mode':>6} {'ms/step':>9}")
    precisions = [False, True] if cuda else [False]  # TF32 is a CUDA matmul setting
    modes = [False, True] if cuda else [False]
    for batch, hidden in [(512, 256), (16384, 256)]:
        for tf32 in precisions:
            setting = set_tf32(tf32) if cuda else "cpu"
            for graph in modes:
                mode = "graph" if graph else "eager"
                try:
                    ms = time_critic_step(batch, hidden, device, graph, warmup, timed)
                    print(f"{batch:>6} {hidden:>4} {'TF32' if tf32 else 'FP32':>9} {mode:>6} {ms:>9.3f}"
                          f"   ({setting})", flush=True)
                except Exception as error:  # report, go on with the others
                    failures += 1
                    print(f"{batch:>6} {hidden:>4} {'TF32' if tf32 else 'FP32':>9} {mode:>6}   FAILED: "
                          f"{type(error).__name__}: {error}", flush=True)
    if cuda:
        set_tf32(False)  # MINE below in FP32, as mmc's default

    n, steps = (10_000, 20) if args.quick else (100_000, 2000)
    x, y, truth = gaussians(n, 16, 0.5, device, seed=7)
    print(f"\n(b) MINE end to end: 16 + 16 Gaussians, rho 0.5, N {n}, {steps} steps, FP32, data on "
          f"the {device.type}; truth {truth:.4f} nats")
    for batch in [512, 4096]:
        try:
            sync(device)
            start = time.perf_counter()
            value = mine(x, y, steps, batch)
            sync(device)
            seconds = time.perf_counter() - start
            print(f"mine batch {batch:>5}: estimate {value:.4f} nats, {seconds:.2f} s", flush=True)
            if not math.isfinite(value):
                failures += 1
        except Exception as error:
            failures += 1
            print(f"mine batch {batch:>5}: FAILED: {type(error).__name__}: {error}", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
