"""Runs the mmc_mi tests from a Meson build (the 'python' test suite,
python/meson.build): links the pure-Python sources and the freshly built
extension module into one staging package, puts it first on sys.path, and
hands the remaining arguments to pytest."""

import os
import sys


def stage_package():
    stage = os.environ["MMC_PY_STAGE"]
    package = os.path.join(stage, "mmc_mi")
    os.makedirs(package, exist_ok=True)
    links = {name: os.path.join(os.environ["MMC_PY_SOURCE"], name)
             for name in os.listdir(os.environ["MMC_PY_SOURCE"]) if name.endswith(".py")}
    module = os.environ["MMC_PY_MODULE"]
    links[os.path.basename(module)] = module
    for name, target in links.items():
        path = os.path.join(package, name)
        if os.path.islink(path) or os.path.exists(path):
            os.remove(path)
        os.symlink(target, path)
    return stage


if __name__ == "__main__":
    stage = stage_package()
    sys.path.insert(0, stage)
    os.environ["PYTHONPATH"] = stage + os.pathsep + os.environ.get("PYTHONPATH", "")
    import pytest

    sys.exit(pytest.main(["-p", "no:cacheprovider"] + sys.argv[1:]))
