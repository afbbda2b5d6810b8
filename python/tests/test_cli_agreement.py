"""The Python module and the mmc program run the same C++ on the same .npy
data, so their values agree bit for bit (MMC_EXE: set by python/meson.build)."""

import json
import os
import subprocess

import numpy as np
import pytest

import mmc_mi

MMC = os.environ.get("MMC_EXE")
pytestmark = pytest.mark.skipif(not MMC or not os.path.exists(MMC), reason="MMC_EXE (the mmc program) not set")


def cli(*args):
    proc = subprocess.run([MMC, *map(str, args), "--json", "--quiet"], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.fixture
def files(tmp_path):
    rng = np.random.default_rng(7)
    x = rng.standard_normal((500, 2))
    y = x[:, :1] ** 2 + 0.5 * rng.standard_normal((500, 1))
    z = rng.standard_normal((500, 1)) + x[:, 1:]
    labels = (x[:, 0] > 0).astype(np.int64) + (x[:, 1] > 0.5)
    paths = {}
    for name, data in {"x": x, "y": y, "z": z, "labels": labels}.items():
        paths[name] = tmp_path / f"{name}.npy"
        np.save(paths[name], data)
    return paths, x, y, z, labels


def same_fields(py, js):
    """Every field of the CLI's JSON but the timing is in the Python result, equal."""
    for key, value in js.items():
        if key == "seconds":
            continue
        assert key in py, key
        assert py[key] == value, (key, py[key], value)


@pytest.mark.parametrize("name", ["ksg1", "ksg2", "kl", "gknn", "lnc", "mixed", "binned"])
def test_mi_bit_for_bit(files, name):
    paths, x, y, _, _ = files
    js = cli("mi", "--x", paths["x"], "--y", paths["y"], "--estimator", name, "--seed", 3,
             *(["--k", 4, "--jitter", 1e-3] if name != "binned" else []))
    kwargs = {} if name == "binned" else {"k": 4, "jitter": 1e-3}
    py = mmc_mi.mi(x, y, estimator=name, seed=3, **kwargs)
    assert py["value"] == js["value"]
    same_fields(py, js)


def test_ross_bit_for_bit(files):
    paths, x, _, _, labels = files
    js = cli("mi", "--x", paths["x"], "--y", paths["labels"], "--estimator", "ross")
    py = mmc_mi.mi(x, labels, estimator="ross")
    same_fields(py, js)


def test_entropy_and_cmi_bit_for_bit(files):
    paths, x, y, z, _ = files
    same_fields(mmc_mi.entropy(x, estimator="kl"), cli("entropy", "--x", paths["x"], "--estimator", "kl"))
    same_fields(mmc_mi.cmi(x, y, z, estimator="ksg2"),
                cli("cmi", "--x", paths["x"], "--y", paths["y"], "--z", paths["z"], "--estimator", "ksg2"))


def test_neural_bit_for_bit(files):
    paths, x, y, _, _ = files
    js = cli("mi", "--x", paths["x"], "--y", paths["y"], "--estimator", "nwj", "--steps", 20, "--batch", 32,
             "--hidden", 8, "--seed", 5)
    same_fields(mmc_mi.mi(x, y, estimator="nwj", steps=20, batch=32, hidden=[8], seed=5), js)


def test_complementarity_bit_for_bit(files):
    paths, x, _, z, labels = files
    js = cli("complementarity", "--modality", paths["x"], "--modality", paths["z"], "--labels", paths["labels"])
    same_fields(mmc_mi.complementarity([x, z], labels), js)
