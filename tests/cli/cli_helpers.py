"""Helpers for the end-to-end tests of the mmc program (standard library only:
CI machines have python3, because Meson needs it, but not numpy)."""
import json
import math
import os
import random
import struct
import subprocess
import tempfile
import unittest

MMC = os.environ.get("MMC_EXE", "mmc")


def run(*args):
    """Runs mmc with the arguments; returns (exit code, stdout, stderr)."""
    proc = subprocess.run([MMC, *map(str, args)], capture_output=True, text=True, timeout=600)
    return proc.returncode, proc.stdout, proc.stderr


def write_csv(path, rows, header=None):
    with open(path, "w") as f:
        if header:
            f.write(",".join(header) + "\n")
        for row in rows:
            f.write(",".join(repr(v) if isinstance(v, float) else str(v) for v in row) + "\n")


def write_npy(path, rows, dtype="<f8"):
    """A minimal .npy (format 1.0) writer for 2-D float64 or int64 data."""
    n, d = len(rows), len(rows[0])
    header = "{'descr': '%s', 'fortran_order': False, 'shape': (%d, %d), }" % (dtype, n, d)
    pad = 64 - (10 + len(header) + 1) % 64
    header = header + " " * pad + "\n"
    code = "d" if dtype == "<f8" else "q"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode("latin1"))
        for row in rows:
            f.write(struct.pack("<%d%s" % (d, code), *row))


def correlated_gaussian(n, rho, seed):
    """Pairs (x, y) with correlation rho; I(X;Y) = -1/2 log(1 - rho^2)."""
    rng = random.Random(seed)
    xs, ys = [], []
    for _ in range(n):
        a, b = rng.gauss(0, 1), rng.gauss(0, 1)
        xs.append([a])
        ys.append([rho * a + math.sqrt(1 - rho * rho) * b])
    return xs, ys


class CliTestCase(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def path(self, name):
        return os.path.join(self.dir, name)

    def run_json(self, *args):
        code, out, err = run(*args, "--json")
        self.assertEqual(code, 0, msg=err)
        lines = out.strip().splitlines()
        self.assertEqual(len(lines), 1, msg="--json prints one line: " + out)
        return json.loads(lines[0])

    def assert_bad_input(self, args, *fragments):
        """Exit code 2, one line on stderr that contains every fragment, nothing on stdout."""
        code, out, err = run(*args)
        self.assertEqual(code, 2, msg="stdout=%r stderr=%r" % (out, err))
        self.assertEqual(out, "")
        lines = err.strip().splitlines()
        self.assertEqual(len(lines), 1, msg="one-line error expected: %r" % err)
        for fragment in fragments:
            self.assertIn(fragment, lines[0])
        return lines[0]
