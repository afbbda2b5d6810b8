"""Shared data for the mmc_mi tests (python/tests)."""

import numpy as np
import pytest


@pytest.fixture
def gaussian():
    """Correlated Gaussian pair, rho = 0.6: I = -0.5 log(1 - 0.36) = 0.2231 nats."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal((800, 1))
    y = 0.6 * x + 0.8 * rng.standard_normal((800, 1))
    return x, y


@pytest.fixture
def labelled():
    rng = np.random.default_rng(2)
    labels = rng.integers(0, 3, 600)
    x = labels[:, None] + 0.7 * rng.standard_normal((600, 2))
    z = labels[:, None] * 0.5 + rng.standard_normal((600, 1))
    return x, z, labels
