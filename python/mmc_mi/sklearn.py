"""Drop-in replacements for scikit-learn's mutual_info_regression and
mutual_info_classif, computed by mmc's estimators (docs/python.md,
"Differences from scikit-learn").

The preprocessing follows scikit-learn's documented behaviour: continuous
columns of X (and y for regression) are divided by their standard deviation
(no centering), then get Gaussian noise of scale 1e-10 * max(1, mean|column|)
drawn from numpy.random.RandomState(random_state), features first, then y.
Each column is then estimated against y:

* continuous x, continuous y: KSG algorithm 1 (mmc ``ksg1``, max-norm);
* continuous x, discrete y (or discrete x, continuous y): Ross (mmc ``ross``);
* discrete x, discrete y: plug-in MI without bias correction (mmc ``plugin``).

Negative kNN estimates are clipped to 0, as scikit-learn does.
"""

from __future__ import annotations

import numpy as np

from . import _mmc

__all__ = ["mutual_info_regression", "mutual_info_classif"]


def _discrete_mask(discrete_features, n_features, sparse):
    if isinstance(discrete_features, str):
        if discrete_features != "auto":
            raise ValueError("Invalid string value for discrete_features.")
        return np.full(n_features, sparse, dtype=bool)
    if isinstance(discrete_features, (bool, np.bool_)):
        return np.full(n_features, bool(discrete_features), dtype=bool)
    features = np.asarray(discrete_features)
    if features.dtype == bool:
        if features.shape != (n_features,):
            raise ValueError(f"discrete_features has {features.size} entries; X has {n_features} features")
        return features.copy()
    mask = np.zeros(n_features, dtype=bool)
    mask[features.astype(int)] = True
    return mask


def _codes(values):
    """Integer codes 0..C-1 of the distinct values (labels for ross/plugin)."""
    return np.unique(values, return_inverse=True)[1].astype(np.float64)


def _options(k, seed, threads, miller_madow=True):
    o = _mmc._Common()
    o.k = int(k)
    o.standardize = False  # scaled here as scikit-learn does
    o.jitter = 0.0
    o.seed = int(seed)
    o.threads = int(threads)
    o.miller_madow = miller_madow
    return o


def _estimate(X, y, discrete_features, discrete_target, n_neighbors, copy, random_state, n_jobs):
    sparse = hasattr(X, "toarray") and hasattr(X, "tocsc")
    if sparse:
        X = X.toarray()
    X = np.array(X, dtype=np.float64, copy=copy, order="C", ndmin=1)
    if X.ndim == 1:
        X = X.reshape(-1, 1)
    if X.ndim != 2:
        raise ValueError(f"X has {X.ndim} dimensions; pass a 2-D array (samples x features)")
    y = np.asarray(y)
    if y.ndim != 1:
        y = y.ravel()
    n_samples, n_features = X.shape
    if y.shape[0] != n_samples:
        raise ValueError(f"X has {n_samples} rows but y has {y.shape[0]}")
    mask = _discrete_mask(discrete_features, n_features, sparse)
    continuous = ~mask
    if continuous.any() and sparse:
        raise ValueError("Sparse matrix `X` can't have continuous features.")
    if not np.all(np.isfinite(X)):
        raise ValueError("X holds NaN or infinity; mutual information needs finite values")
    rng = random_state if isinstance(random_state, np.random.RandomState) else np.random.RandomState(random_state)
    if continuous.any():
        cols = X[:, continuous]
        std = cols.std(axis=0)
        std[std == 0.0] = 1.0  # as sklearn.preprocessing.scale: constant columns stay
        cols = cols / std
        scale = np.maximum(1.0, np.mean(np.abs(cols), axis=0))
        cols = cols + 1e-10 * scale * rng.standard_normal(size=(n_samples, int(continuous.sum())))
        X[:, continuous] = cols
    if not discrete_target:
        y = np.asarray(y, dtype=np.float64)
        if not np.all(np.isfinite(y)):
            raise ValueError("y holds NaN or infinity; mutual information needs finite values")
        s = y.std()
        y = y / (s if s != 0.0 else 1.0)
        y = y + 1e-10 * max(1.0, float(np.mean(np.abs(y)))) * rng.standard_normal(size=n_samples)
        y = np.ascontiguousarray(y)
    else:
        y = _codes(y)
    threads = 0 if n_jobs is None or n_jobs < 0 else int(n_jobs)
    seed = 0
    out = np.empty(n_features)
    for j in range(n_features):
        x = np.ascontiguousarray(X[:, j])
        if mask[j] and discrete_target:
            r = _mmc._mi(_codes(x), y, "plugin", _options(n_neighbors, seed, threads, miller_madow=False))
            out[j] = max(0.0, r["value"])
        elif mask[j]:
            r = _mmc._mi(y, _codes(x), "ross", _options(n_neighbors, seed, threads))
            out[j] = max(0.0, r["value"])
        elif discrete_target:
            r = _mmc._mi(x, y, "ross", _options(n_neighbors, seed, threads))
            out[j] = max(0.0, r["value"])
        else:
            r = _mmc._mi(x, y, "ksg1", _options(n_neighbors, seed, threads))
            out[j] = max(0.0, r["value"])
    return out


def mutual_info_regression(X, y, *, discrete_features="auto", n_neighbors=3, copy=True, random_state=None,
                           n_jobs=None):
    """Mutual information (nats) between each column of X and a continuous y,
    with scikit-learn's signature. ``n_jobs`` sets mmc's threads per estimate
    (None or -1: all cores); the values never depend on it."""
    return _estimate(X, y, discrete_features, False, n_neighbors, copy, random_state, n_jobs)


def mutual_info_classif(X, y, *, discrete_features="auto", n_neighbors=3, copy=True, random_state=None,
                        n_jobs=None):
    """Mutual information (nats) between each column of X and class labels y,
    with scikit-learn's signature."""
    return _estimate(X, y, discrete_features, True, n_neighbors, copy, random_state, n_jobs)
