"""mmc_mi: mmc's mutual-information estimators for NumPy arrays.

A thin layer over the compiled module ``mmc_mi._mmc``, which runs the same C++
headers as the ``mmc`` command-line program (docs/python.md). Every estimate
is a :class:`Result`, a dict with the fields ``mmc ... --json`` prints
(``estimator``, ``value``, ``n``, ``seconds``, ``k``, ..., ``warnings``) plus,
where the estimator has them, per-sample ``local`` values as a NumPy array;
its fields are also attributes (``r.value``).

Arrays: C-contiguous float64 arrays are read in place (no copy); any other
dtype or memory order is converted once. A 1-D array is one column; rows are
samples. The GIL is released while C++ estimates, so threads run in parallel.

Errors: invalid input raises ValueError, file problems OSError, and failed
training :class:`TrainingError` (a RuntimeError), with the library's messages.
"""

from __future__ import annotations

import numpy as np

from . import _mmc
from ._mmc import TrainingError

__version__ = _mmc.__version__

__all__ = [
    "Estimator",
    "Result",
    "TrainingError",
    "cmi",
    "complementarity",
    "entropy",
    "estimators",
    "generate_bits",
    "generate_gaussian",
    "generate_synthetic",
    "mi",
    "mutual_info_classif",
    "mutual_info_regression",
]

_NEURAL_MI = ("mine", "nwj", "infonce", "js", "smile", "doe")
_NEURAL_KEYS = ("steps", "batch", "hidden", "lr", "holdout", "ema", "activation")


class Result(dict):
    """An estimate: a dict with the CLI's JSON fields, readable as attributes."""

    __slots__ = ()

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __float__(self):
        return float(self["value"])

    def __repr__(self):
        fields = ", ".join(f"{k}={v!r}" for k, v in self.items() if k != "local")
        return f"Result({fields})"


def estimators() -> dict:
    """The registry: {"mi": [...], "entropy": [...], "cmi": [...]}, each entry
    {name, family, has_local, summary}, in the order ``mmc --help`` lists them."""
    return _mmc._registry()


def _common(k, standardize, jitter, seed, threads, bins=None, binning="equal-width",
            miller_madow=True, variant="paper", norm="max"):
    o = _mmc._Common()
    o.k = int(k)
    o.standardize = bool(standardize)
    o.jitter = float(jitter)
    o.seed = int(seed)
    o.threads = int(threads)
    o.bins = None if bins is None else int(bins)
    o.binning = str(binning)
    o.miller_madow = bool(miller_madow)
    o.variant = str(variant)
    o.norm = str(norm)
    return o


def _training(neural, seed, threads, standardize):
    unknown = set(neural) - set(_NEURAL_KEYS)
    if unknown:
        raise TypeError(f"unexpected keyword argument(s) {sorted(unknown)}; "
                        f"the neural options are {', '.join(_NEURAL_KEYS)}")
    t = _mmc._Training()
    for key in ("steps", "batch"):
        if neural.get(key) is not None:
            setattr(t, key, int(neural[key]))
    for key in ("lr", "holdout", "ema"):
        if neural.get(key) is not None:
            setattr(t, key, float(neural[key]))
    if neural.get("hidden") is not None:
        hidden = neural["hidden"]
        t.hidden = [int(hidden)] if np.isscalar(hidden) else [int(w) for w in hidden]
    if neural.get("activation") is not None:
        t.activation = str(neural["activation"])
    if standardize is not None:
        t.standardize = bool(standardize)
    t.seed = int(seed)
    t.threads = int(threads)
    return t


def _reject_neural(estimator, neural):
    if neural:
        raise TypeError(f"estimator '{estimator}' runs without training: the neural option(s) "
                        f"{sorted(neural)} do not apply")


def mi(x, y, estimator="ksg1", k=3, standardize=True, jitter=0.0, seed=0, threads=0, *,
       bins=None, binning="equal-width", miller_madow=True, variant="paper", **neural) -> Result:
    """I(X;Y) in nats by any estimator of the registry.

    kNN family (ksg1, ksg2, kl, gknn, lnc, mixed, ross): k, standardize,
    jitter; ross takes integer labels in y. Discrete: plugin (integer data;
    with bins=B it is binned), binned (bins, binning, miller_madow). Neural
    (mine, nwj, infonce, js, smile, doe): steps, batch, hidden, lr, holdout,
    activation, ema (mine), standardize; k and jitter do not apply.
    """
    if estimator in _NEURAL_MI:
        return Result(_mmc._neural_mi(x, y, estimator, _training(neural, seed, threads, standardize)))
    _reject_neural(estimator, neural)
    return Result(_mmc._mi(x, y, estimator, _common(k, standardize, jitter, seed, threads, bins, binning,
                                                     miller_madow, variant)))


def entropy(x, estimator="kl", k=3, standardize=False, jitter=0.0, seed=0, threads=0, *,
            bins=None, binning="equal-width", miller_madow=True, norm="max", **neural) -> Result:
    """H(X) in nats: kl, gknn (kNN), plugin, binned, or cene (neural).

    Entropy is not scale-invariant, so nothing is standardised unless asked
    (as ``mmc entropy``)."""
    if estimator == "cene":
        return Result(_mmc._cene(x, _training(neural, seed, threads, standardize if standardize else None)))
    _reject_neural(estimator, neural)
    return Result(_mmc._entropy(x, estimator, _common(k, standardize, jitter, seed, threads, bins, binning,
                                                      miller_madow, "paper", norm)))


def cmi(x, y, z, estimator="ksg1", k=3, standardize=True, jitter=0.0, seed=0, threads=0) -> Result:
    """I(X;Y|Z) in nats by ksg1 (Frenzel-Pompe) or ksg2."""
    return Result(_mmc._cmi(x, y, z, estimator, _common(k, standardize, jitter, seed, threads)))


def complementarity(modalities, labels, backend="knn", k=3, standardize=True, jitter=0.0, seed=0, threads=0,
                    *, pca=0, bootstrap=0, confidence=0.95, **neural) -> Result:
    """The complementarity metric of ``mmc complementarity`` (docs/complementarity.md):
    gamma (I(X_i; Y | X_-i) per modality), metric, metric_h, interaction,
    joint_mi, h_y, bounds, classes, n, dropped_columns, warnings, and with
    bootstrap=R the intervals. backend: knn | cene | mine."""
    modalities = list(modalities)
    if backend == "knn":
        _reject_neural("knn backend", neural)
    _training(neural, seed, threads, None)  # validates the option names
    extra = {key: value for key, value in neural.items() if value is not None}
    if "hidden" in extra:
        extra["hidden"] = [int(extra["hidden"])] if np.isscalar(extra["hidden"]) else [int(w) for w in extra["hidden"]]
    if "activation" in extra:
        raise TypeError("complementarity does not take 'activation' (the CLI's backends use relu)")
    return Result(_mmc._complementarity(modalities, labels, backend, _common(k, standardize, jitter, seed, threads),
                                        int(pca), int(bootstrap), float(confidence), extra))


def generate_gaussian(rho, n=1000, seed=0) -> dict:
    """Correlated Gaussian pairs (x_j, y_j) with correlations ``rho`` (a list);
    ``{"x", "y", "truth": {"mi", "mi_bits"}, "name"}`` (docs/generators.md)."""
    return _mmc._generate_gaussian([float(r) for r in np.atleast_1d(rho)], int(n), int(seed))


def generate_bits(case="unique", n=1000, seed=0, noise=0.1) -> dict:
    """The three exact bit cases (redundant, unique, synergy) with Gaussian
    noise; ``{"modalities", "labels", "classes", "truth", "name"}``."""
    return _mmc._generate_bits(str(case), int(n), int(seed), float(noise))


def generate_synthetic(alpha=0.5, n=1000, seed=0) -> dict:
    """The controlled-complementarity task (alpha = 0: complementary, 1:
    redundant); ``{"modalities", "labels", "classes", "truth", "name"}``."""
    return _mmc._generate_synthetic(float(alpha), int(n), int(seed))


class Estimator:
    """An estimator with its options bound, for benchmark harnesses (e.g. bmi):
    ``Estimator("ksg1", k=5).estimate(x, y)`` returns the value in nats;
    ``.result(x, y)`` the full :class:`Result`."""

    def __init__(self, estimator="ksg1", **options):
        names = {e["name"] for e in _mmc._registry()["mi"]}
        if estimator not in names:
            raise ValueError(f"estimator '{estimator}' is not an MI estimator; use one of {', '.join(sorted(names))}")
        self.estimator = estimator
        self.options = options

    def result(self, x, y) -> Result:
        return mi(x, y, estimator=self.estimator, **self.options)

    def estimate(self, x, y) -> float:
        return float(self.result(x, y)["value"])

    def __repr__(self):
        opts = "".join(f", {k}={v!r}" for k, v in self.options.items())
        return f"Estimator({self.estimator!r}{opts})"


from .sklearn import mutual_info_classif, mutual_info_regression  # noqa: E402
