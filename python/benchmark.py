"""Benchmarks for docs/python.md: call overhead of mmc_mi against the mmc
program, and mutual_info_regression against scikit-learn's (when installed),
with the agreement of their values. Usage:

    MMC_EXE=<build>/tools/mmc/mmc PYTHONPATH=<build>/python/stage \\
        /usr/bin/python3 python/benchmark.py
"""

import json
import os
import subprocess
import tempfile
import time

import sys

import numpy as np

# This script sits next to the mmc_mi sources, which lack the compiled module:
# import the built or installed package instead.
sys.path = [p for p in sys.path if os.path.abspath(p or ".") != os.path.dirname(os.path.abspath(__file__))]
import mmc_mi  # noqa: E402


def best(f, repeat):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return min(times)


def overhead():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((100, 1))
    y = x + rng.standard_normal((100, 1))
    py = best(lambda: mmc_mi.mi(x, y, threads=1), 2000)
    inner = min(mmc_mi.mi(x, y, threads=1)["seconds"] for _ in range(2000))
    print(f"mi(ksg1, n=100): Python call {py * 1e6:.1f} us (estimate itself {inner * 1e6:.1f} us)")
    exe = os.environ.get("MMC_EXE")
    if exe:
        with tempfile.TemporaryDirectory() as d:
            np.save(f"{d}/x.npy", x)
            np.save(f"{d}/y.npy", y)
            cmd = [exe, "mi", "--x", f"{d}/x.npy", "--y", f"{d}/y.npy", "--threads", "1", "--json"]
            cli = best(lambda: subprocess.run(cmd, capture_output=True, check=True), 30)
            print(f"mi(ksg1, n=100): mmc program {cli * 1e3:.2f} ms per run (process start + files)")


def versus_sklearn():
    try:
        from sklearn.feature_selection import mutual_info_classif, mutual_info_regression
    except ImportError:
        print("scikit-learn not installed: comparison skipped")
        return
    print("| N | features | mmc_mi (s) | scikit-learn (s) | max abs diff (nats) | classif max abs diff |")
    print("|---|---|---|---|---|---|")
    for n in [1000, 10000, 50000]:
        rng = np.random.default_rng(n)
        X = rng.standard_normal((n, 5))
        X[:, 4] = rng.integers(0, 4, n)
        y = X[:, 0] + np.sin(3 * X[:, 1]) + 0.3 * X[:, 4] + 0.3 * rng.standard_normal(n)
        labels = (X[:, 0] > 0).astype(int) + (X[:, 4] > 1)
        repeat = 3 if n <= 10000 else 1
        ours = mmc_mi.mutual_info_regression(X, y, discrete_features=[4], random_state=0)
        theirs = mutual_info_regression(X, y, discrete_features=[4], random_state=0)
        t_ours = best(lambda: mmc_mi.mutual_info_regression(X, y, discrete_features=[4], random_state=0), repeat)
        t_theirs = best(lambda: mutual_info_regression(X, y, discrete_features=[4], random_state=0), repeat)
        c_ours = mmc_mi.mutual_info_classif(X, labels, discrete_features=[4], random_state=0)
        c_theirs = mutual_info_classif(X, labels, discrete_features=[4], random_state=0)
        print(f"| {n} | 5 | {t_ours:.3f} | {t_theirs:.3f} | {np.max(np.abs(ours - theirs)):.2e} "
              f"| {np.max(np.abs(c_ours - c_theirs)):.2e} |")


if __name__ == "__main__":
    overhead()
    versus_sklearn()
