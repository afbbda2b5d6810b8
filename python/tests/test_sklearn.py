"""mutual_info_regression / mutual_info_classif against scikit-learn's, when
scikit-learn is installed (it is not in scripts/setup). The two share the
preprocessing and its noise (same RandomState draws), so differences come only
from the estimators' arithmetic; docs/python.md lists them."""

import numpy as np
import pytest

import mmc_mi

sklearn_fs = pytest.importorskip("sklearn.feature_selection", reason="scikit-learn is not installed")


def data(n=1000, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 4))
    X[:, 3] = rng.integers(0, 4, n)  # a discrete feature
    y = X[:, 0] + np.sin(3 * X[:, 1]) + 0.3 * X[:, 3] + 0.3 * rng.standard_normal(n)
    labels = (X[:, 0] > 0).astype(int) + (X[:, 3] > 1)
    return X, y, labels


@pytest.mark.parametrize("discrete", ["auto", [3]])
def test_regression_agrees(discrete):
    X, y, _ = data()
    ours = mmc_mi.mutual_info_regression(X, y, discrete_features=discrete, random_state=0)
    theirs = sklearn_fs.mutual_info_regression(X, y, discrete_features=discrete, random_state=0)
    assert ours.shape == theirs.shape == (4,)
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("discrete", ["auto", [3]])
def test_classif_agrees(discrete):
    X, _, labels = data()
    ours = mmc_mi.mutual_info_classif(X, labels, discrete_features=discrete, random_state=0)
    theirs = sklearn_fs.mutual_info_classif(X, labels, discrete_features=discrete, random_state=0)
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)


def test_copy_false_and_n_jobs():
    X, y, _ = data(300)
    before = X.copy()
    mmc_mi.mutual_info_regression(X, y, copy=True, random_state=1, n_jobs=1)
    np.testing.assert_array_equal(X, before)
