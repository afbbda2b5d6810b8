"""mmc_mi in a few lines (docs/python.md): MI of a correlated Gaussian pair by
three estimators, its per-sample local values, and scikit-learn-style feature
scores. Run after `pip install .` or from a Meson build with
PYTHONPATH=<build>/python/stage (created by `meson test --suite python`)."""

import math

import numpy as np

import mmc_mi

rng = np.random.default_rng(0)
x = rng.standard_normal((2000, 1))
y = 0.8 * x + 0.6 * rng.standard_normal((2000, 1))
print(f"true I(X;Y) = {-0.5 * math.log(1 - 0.64):.4f} nats")

for name in ["ksg1", "kl", "lnc"]:
    r = mmc_mi.mi(x, y, estimator=name, k=5)
    print(f"{name:5s} {r.value:.4f} nats  (n={r.n}, k={r.k}, {r.seconds * 1e3:.1f} ms)")

r = mmc_mi.mi(x, y)
print("mean of the local values:", float(np.mean(r["local"])), "=", r.value)

X = np.hstack([x, y, rng.standard_normal((2000, 1))])
print("mutual_info_regression:", mmc_mi.mutual_info_regression(X, y.ravel(), random_state=0))

labels = (x.ravel() > 0).astype(int)
print("complementarity metric:", mmc_mi.complementarity([x, y], labels)["metric"])
