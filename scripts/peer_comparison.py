#!/usr/bin/python3
"""Peer comparison of mmc's estimators (docs/design.md §6): the SAME data
(.npy files written here from numpy) through `mmc mi --json` and through
  * scikit-learn's mutual_info_regression (KSG algorithm 1; it scales by the
    standard deviation, adds 1e-10-relative noise and clips at 0; random_state
    fixed; 1-D X only, so only the 1-D cases),
  * an NPEET-style KSG written below on scipy's cKDTree (Ver Steeg's NPEET `mi`:
    max-norm k-NN in the joint space, marginal counts within r - 1e-15,
    1e-10 noise, no scaling, so mmc runs with --no-standardize; workers=-1,
    i.e. all cores),
  * a PyTorch MINE with mmc's default critic and training (concat MLP
    [x, y] -> 256 -> 256 -> 1 ReLU, batch 512, AdamW lr 5e-4 weight decay 1,
    cosine decay to 5 %, moving-average rate 0.01, 20 % held out, DV on the
    held-out part with 8 cyclic shifts for the marginal term),
and prints value agreement and time ratios (peer seconds / mmc seconds).

Timing: mmc's own "seconds" (estimation only, file reading excluded) with
--threads equal to the peer's thread count (sklearn: 1; NPEET: all cores; torch:
torch.get_num_threads(), or with --mine-threads best each side at its faster
of 1 thread and all cores), the peer's time around its estimate call (data
already in memory). Best of `--repeats` runs, for both sides, in every case
(a single run on a shared VM can be 10-50 % slow, e.g. when the host must
back freshly touched memory), MINE trainings included (a seed gives the same
value on every run). mmc's wall time (process start, reading the .npy
files) is reported beside it.

Every peer is optional: a missing one is skipped with a line saying so. Never
a test dependency. Usage:
  scripts/peer_comparison.py [--mmc PATH] [--quick] [--out DIR] [--repeats R]
                             [--mine-steps S] [--mine-threads same|best]
PyTorch's GEMMs run in OpenBLAS, whose kernel choice the notes print: on a CPU
it does not know it falls back to slow generic kernels, so set
OPENBLAS_CORETYPE (e.g. SkylakeX or Cooperlake on AVX-512 Xeons) for a fair peer.
Writes DIR/peers.md and DIR/peers.csv when --out is given.
"""
import argparse
import csv
import json
import math
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def optional_import(name):
    try:
        return __import__(name), None
    except Exception as e:  # ImportError, or a broken install
        return None, f"{type(e).__name__}: {e}"


np, np_error = optional_import("numpy")
scipy_special, scipy_error = optional_import("scipy.special") if np else (None, "needs numpy")
if scipy_special:
    from scipy.spatial import cKDTree
    from scipy.special import digamma
sk_error = None
try:
    from sklearn.feature_selection import mutual_info_regression
except Exception as e:
    mutual_info_regression, sk_error = None, f"{type(e).__name__}: {e}"
torch, torch_error = optional_import("torch")


def npeet_mi(x, y, k=3, seed=0):
    """NPEET's mi(x, y, k) in nats (Ver Steeg, entropy_estimators.py), cKDTree workers=-1."""
    rng = np.random.default_rng(seed)
    x = x + 1e-10 * rng.random(x.shape)  # NPEET's add_noise (absolute 1e-10)
    y = y + 1e-10 * rng.random(y.shape)
    xy = np.hstack([x, y])
    dvec = cKDTree(xy).query(xy, k=k + 1, p=np.inf, workers=-1)[0][:, k]

    def avgdigamma(points, d):
        counts = cKDTree(points).query_ball_point(points, d - 1e-15, p=np.inf, return_length=True,
                                                  workers=-1)
        return np.mean(digamma(counts))  # counts include the point itself: n_x + 1

    return -avgdigamma(x, dvec) - avgdigamma(y, dvec) + digamma(k) + digamma(len(x))


def fastest_torch_threads(x, y, cores, notes, label, probe_steps=50):
    """PyTorch's faster thread count (1 or all cores) for MINE on x, y, by a short probe."""
    seconds = {}
    for t in sorted({1, cores}):
        torch.set_num_threads(t)
        start = time.perf_counter()
        torch_mine(x, y, probe_steps, seed=0)
        seconds[t] = time.perf_counter() - start
    best = min(seconds, key=seconds.get)
    notes.append(f"MINE {label}: PyTorch {probe_steps}-step probe seconds by threads " +
                 ", ".join(f"{t}: {s:.3f}" for t, s in seconds.items()) + f" (kept {best})")
    return best


def openblas_core():
    """The kernel family OpenBLAS chose for this CPU (its Prescott fallback is several
    times slower than the AVX-512 kernels: set OPENBLAS_CORETYPE for a fair peer)."""
    import ctypes
    import ctypes.util
    for name in ("libopenblas.so.0", ctypes.util.find_library("openblas")):
        try:
            lib = ctypes.CDLL(name)
            lib.openblas_get_corename.restype = ctypes.c_char_p
            return lib.openblas_get_corename().decode()
        except (OSError, AttributeError, TypeError):
            continue
    return "unknown (no OpenBLAS found)"


def standardize(a):
    return (a - a.mean(axis=0)) / a.std(axis=0)


def torch_mine(x, y, steps, seed=0, batch=512, lr=5e-4, ema=0.01, holdout=0.2, shifts=8):
    """MINE (DV bound, moving-average gradient) with mmc's default critic and schedule."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    x = torch.tensor(standardize(x), dtype=torch.float32)
    y = torch.tensor(standardize(y), dtype=torch.float32)
    n = len(x)
    order = rng.permutation(n)
    h = int(round(holdout * n))
    test, train = order[:h], order[h:]
    critic = torch.nn.Sequential(torch.nn.Linear(x.shape[1] + y.shape[1], 256), torch.nn.ReLU(),
                                 torch.nn.Linear(256, 256), torch.nn.ReLU(), torch.nn.Linear(256, 1))
    opt = torch.optim.AdamW(critic.parameters(), lr=lr, weight_decay=1.0)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda t: 0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * min(t, steps) / steps)))
    log_m = None
    for _ in range(steps):
        rows = torch.as_tensor(rng.choice(train, batch, replace=False))
        xb, yb = x[rows], y[rows]
        perm = torch.as_tensor(rng.permutation(batch))
        t_joint = critic(torch.cat([xb, yb], 1)).squeeze(1)
        t_marg = critic(torch.cat([xb, yb[perm]], 1)).squeeze(1)
        lme = (torch.logsumexp(t_marg, 0) - math.log(batch)).detach()
        log_m = lme if log_m is None else torch.logaddexp(math.log(1 - ema) + log_m, math.log(ema) + lme)
        # grad = E[grad T_joint] - E[grad T_marg e^T_marg] / m_t
        loss = -(t_joint.mean() - torch.exp(t_marg - log_m).mean())
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
    with torch.no_grad():
        xt, yt = x[test], y[test]
        joint = critic(torch.cat([xt, yt], 1)).mean()
        marg = [critic(torch.cat([xt, yt[torch.as_tensor(np.roll(np.arange(h), -s))]], 1)).squeeze(1)
                for s in rng.integers(1, h, shifts)]
        marg = torch.cat(marg)
        return float(joint - (torch.logsumexp(marg, 0) - math.log(len(marg))))


def gaussian(n, d, rho, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d))
    y = rho * x + math.sqrt(1 - rho * rho) * rng.standard_normal((n, d))
    return x, y, -0.5 * d * math.log(1 - rho * rho)


def run_mmc(exe, folder, estimator, threads, extra=()):
    cmd = [exe, "mi", "--x", os.path.join(folder, "x.npy"), "--y", os.path.join(folder, "y.npy"),
           "--estimator", estimator, "--json", "--quiet", "--threads", str(threads), *extra]
    start = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    wall = time.perf_counter() - start
    result = json.loads(out)
    return result["value"], result["seconds"], wall


def best_of(repeats, fn):
    best = None
    for _ in range(repeats):
        start = time.perf_counter()
        value = fn()
        t = time.perf_counter() - start
        best = (value, t) if best is None or t < best[1] else best
    return best


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mmc", default=os.path.join(ROOT, "build-bench-rel", "tools", "mmc", "mmc"))
    ap.add_argument("--quick", action="store_true", help="small sizes, no MINE (seconds)")
    ap.add_argument("--out", help="write peers.md and peers.csv here")
    ap.add_argument("--repeats", type=int, default=3, help="best of R timings for every case")
    ap.add_argument("--mine-steps", type=int, default=1000)
    ap.add_argument("--mine-threads", choices=["same", "best"], default="same",
                    help="same: mmc trains MINE with PyTorch's default thread count; best: each "
                         "side at its faster of 1 thread and all cores")
    args = ap.parse_args()
    if not os.access(args.mmc, os.X_OK):
        sys.exit(f"peer_comparison: mmc not found at {args.mmc} (build it or pass --mmc)")
    notes = []

    def skip(line):
        notes.append(line)
        print(line, flush=True)

    if np is None:
        skip(f"skipped: every peer (numpy is not importable: {np_error})")
        return finish(args, [], notes)
    cores = os.cpu_count() or 1
    if mutual_info_regression is None:
        skip(f"skipped: scikit-learn KSG (not importable: {sk_error})")
    if scipy_special is None:
        skip(f"skipped: NPEET-style scipy KSG (scipy not importable: {scipy_error})")
    if torch is None:
        skip(f"skipped: PyTorch MINE (torch not importable: {torch_error})")
    elif args.quick:
        skip("skipped: PyTorch MINE (--quick)")
    ksg_sizes = [(1000, 1), (10000, 1), (10000, 5)] if args.quick else \
        [(1000, 1), (10000, 1), (100000, 1), (1000000, 1), (10000, 5), (100000, 5)]
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        def write(x, y):
            np.save(os.path.join(folder, "x.npy"), np.ascontiguousarray(x))
            np.save(os.path.join(folder, "y.npy"), np.ascontiguousarray(y))

        for n, d in ksg_sizes:
            x, y, truth = gaussian(n, d, 0.9, seed=n + d)
            write(x, y)
            reps = args.repeats  # both sides, every size: single runs on a VM vary by 10-50 %
            for peer, threads in (("sklearn", 1), ("npeet-scipy", cores)):
                if peer == "sklearn" and (mutual_info_regression is None or d > 1 or n > 100000):
                    continue  # sklearn: X against one target column only; 1e6 takes minutes
                if peer == "npeet-scipy" and scipy_special is None:
                    continue
                # sklearn divides by the standard deviation (as mmc's default
                # standardisation does); NPEET does not scale (mmc --no-standardize).
                scaling = "--standardize" if peer == "sklearn" else "--no-standardize"
                runs = [run_mmc(args.mmc, folder, "ksg1", threads, ["--k", "3", scaling])
                        for _ in range(reps)]
                value, seconds, wall = min(runs, key=lambda r: r[1])
                if peer == "sklearn":
                    pv, pt = best_of(reps, lambda: mutual_info_regression(
                        x, y[:, 0], n_neighbors=3, random_state=0)[0])
                else:
                    pv, pt = best_of(reps, lambda: npeet_mi(x, y, 3))
                rows.append(dict(case="KSG-1 k=3, Gaussian rho=0.9", n=n, d=d, truth=truth,
                                 mmc=value, peer=peer, peer_value=pv, threads=threads,
                                 mmc_s=seconds, mmc_wall_s=wall, peer_s=pt))
                print_row(rows[-1])
        if torch is not None and not args.quick:
            default_threads = torch.get_num_threads()
            for n, d in [(5000, 1), (5000, 5)]:
                x, y, truth = gaussian(n, d, 0.9, seed=7 + d)
                write(x, y)
                torch_threads, mmc_threads = default_threads, default_threads
                if args.mine_threads == "best":
                    # Each side at its faster thread count (1 or all cores): PyTorch's
                    # chosen by a short probe, mmc's by full runs of the first seed.
                    torch_threads = fastest_torch_threads(x, y, cores, notes, f"N={n} d={d}")
                    trials = {t: run_mmc(args.mmc, folder, "mine", t, ["--steps", str(args.mine_steps),
                                                                      "--seed", "0"])
                              for t in sorted({1, cores})}
                    mmc_threads = min(trials, key=lambda t: trials[t][1])
                    notes.append(f"MINE N={n} d={d}: mmc seconds by threads " +
                                 ", ".join(f"{t}: {trials[t][1]:.3f}" for t in trials) +
                                 f" (kept {mmc_threads})")
                # Two training seeds each: the networks, splits and batches differ
                # between the implementations, so values agree only statistically;
                # the seed-to-seed spread shows how closely they can.
                # Best of --repeats on both sides, as for the kNN cases (a seed gives
                # the same value on every run; single runs on a VM vary by 10-50 %).
                for seed in (0, 1):
                    runs = [run_mmc(args.mmc, folder, "mine", mmc_threads,
                                    ["--steps", str(args.mine_steps), "--seed", str(seed)])
                            for _ in range(args.repeats)]
                    value, seconds, wall = min(runs, key=lambda r: r[1])
                    torch.set_num_threads(torch_threads)
                    pv, pt = best_of(args.repeats, lambda: torch_mine(x, y, args.mine_steps, seed=seed))
                    threads = (torch_threads if mmc_threads == torch_threads
                               else f"mmc {mmc_threads}, peer {torch_threads}")
                    rows.append(dict(case=f"MINE {args.mine_steps} steps, rho=0.9, seed {seed}", n=n,
                                     d=d, truth=truth, mmc=value, peer="pytorch", peer_value=pv,
                                     threads=threads, mmc_s=seconds, mmc_wall_s=wall, peer_s=pt))
                    print_row(rows[-1])
            torch.set_num_threads(default_threads)
            notes.append(f"PyTorch {torch.__version__}: default threads {default_threads}; "
                         f"OpenBLAS core type {openblas_core()} (OPENBLAS_CORETYPE="
                         f"{os.environ.get('OPENBLAS_CORETYPE', 'unset')})")
    finish(args, rows, notes)


def finish(args, rows, notes):
    table = markdown(rows) + "".join(f"\n{line}\n" for line in notes)
    print("\n" + table)
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        with open(os.path.join(args.out, "peers.md"), "w") as f:
            f.write(table)
        with open(os.path.join(args.out, "peers.csv"), "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0].keys()) if rows else ["case"])
            w.writeheader()
            w.writerows(rows)


def print_row(r):
    print(f"{r['case']:<36} N={r['n']:<8} d={r['d']:<3} mmc {r['mmc']:.6f} ({r['mmc_s']:.4f} s)  "
          f"{r['peer']} {r['peer_value']:.6f} ({r['peer_s']:.4f} s)  ratio {r['peer_s'] / r['mmc_s']:.1f}",
          flush=True)


def markdown(rows):
    if not rows:
        return "(no peer available)\n"
    out = ["| case | N | d per side | truth | mmc | peer | peer value | abs. difference | threads "
           "| mmc s | mmc wall s | peer s | peer s / mmc s |",
           "| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in rows:
        out.append(f"| {r['case']} | {r['n']} | {r['d']} | {r['truth']:.4f} | {r['mmc']:.6f} | "
                   f"{r['peer']} | {r['peer_value']:.6f} | {abs(r['mmc'] - r['peer_value']):.2g} | "
                   f"{r['threads']} | {r['mmc_s']:.4g} | {r['mmc_wall_s']:.3g} | {r['peer_s']:.4g} | "
                   f"{r['peer_s'] / r['mmc_s']:.1f} |")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    main()
